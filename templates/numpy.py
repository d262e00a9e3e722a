"""Rules for NumPy functions and ndarray methods and attributes."""

import numpy as np

from s2sad.rules import adjoint, d, nondifferentiable
from s2sad.runtime import (astype_adjoint, balanced_eq, count, dot_adjoint, inverse_axes,
                           matmul_adjoint, sum_adjoint, unbroadcast)

nondifferentiable(
    np.floor, np.ceil, np.round, np.rint, np.trunc, np.sign, np.argmax, np.argmin,
    np.argsort, np.isnan, np.isfinite, np.isinf, np.shape, np.ndim, np.size,
    np.zeros, np.ones, np.zeros_like, np.ones_like, np.empty, np.empty_like, np.arange,
    np.greater, np.less, np.equal, np.not_equal, np.greater_equal, np.less_equal,
    np.logical_and, np.logical_or, np.logical_not, np.logical_xor, np.any, np.all,
    np.ndarray.shape, np.ndarray.ndim, np.ndarray.size, np.ndarray.dtype,
    np.ndarray.argmax, np.ndarray.argmin, np.ndarray.argsort,
)


# -- elementwise ------------------------------------------------------------------
@adjoint(np.add)
def add(z, x, y):
    d[x] = unbroadcast(d[z], x)
    d[y] = unbroadcast(d[z], y)


@adjoint(np.subtract)
def subtract(z, x, y):
    d[x] = unbroadcast(d[z], x)
    d[y] = unbroadcast(-d[z], y)


@adjoint(np.multiply)
def multiply(z, x, y):
    d[x] = unbroadcast(d[z] * y, x)
    d[y] = unbroadcast(d[z] * x, y)


@adjoint(np.divide)
def divide(z, x, y):
    d[x] = unbroadcast(d[z] / y, x)
    d[y] = unbroadcast(-d[z] * z / y, y)


@adjoint(np.power)
def power(z, x, y):
    d[x] = unbroadcast(d[z] * y * x ** (y - 1), x)
    d[y] = unbroadcast(d[z] * z * np.log(np.where(x == 0, 1.0, x)), y)


@adjoint(np.negative)
def negative(y, x):
    d[x] = -d[y]


@adjoint(np.exp)
def exp(y, x):
    d[x] = d[y] * y


@adjoint(np.log)
def log(y, x):
    d[x] = d[y] / x


@adjoint(np.sin)
def sin(y, x):
    d[x] = d[y] * np.cos(x)


@adjoint(np.cos)
def cos(y, x):
    d[x] = -d[y] * np.sin(x)


@adjoint(np.tanh)
def tanh(y, x):
    d[x] = d[y] * (1.0 - y * y)


@adjoint(np.sqrt)
def sqrt(y, x):
    d[x] = d[y] * 0.5 / y


@adjoint(np.abs, np.absolute)
def abs(y, x):
    d[x] = d[y] * np.sign(x)


@adjoint(np.square)
def square(y, x):
    d[x] = d[y] * 2.0 * x


@adjoint(np.maximum)
def maximum(z, x, y):
    d[x] = unbroadcast(d[z] * balanced_eq(x, z, y), x)
    d[y] = unbroadcast(d[z] * balanced_eq(y, z, x), y)


@adjoint(np.minimum)
def minimum(z, x, y):
    d[x] = unbroadcast(d[z] * balanced_eq(x, z, y), x)
    d[y] = unbroadcast(d[z] * balanced_eq(y, z, x), y)


@adjoint(np.where)
def where(z, condition, x, y):
    d[x] = unbroadcast(np.where(condition, d[z], 0.0), x)
    d[y] = unbroadcast(np.where(condition, 0.0, d[z]), y)


# -- reductions -------------------------------------------------------------------
@adjoint(np.sum, np.ndarray.sum)
def sum(y, x, axis=None, dtype=None, out=None, keepdims=False):
    d[x] = sum_adjoint(d[y], x, axis, keepdims)


@adjoint(np.mean, np.ndarray.mean)
def mean(y, x, axis=None, dtype=None, out=None, keepdims=False):
    d[x] = sum_adjoint(d[y] / count(x, axis), x, axis, keepdims)


# -- products ---------------------------------------------------------------------
@adjoint(np.matmul)
def matmul(z, x, y):
    d[x] = matmul_adjoint(d[z], x, y, 0)
    d[y] = matmul_adjoint(d[z], x, y, 1)


@adjoint(np.dot, np.ndarray.dot)
def dot(z, x, y):
    d[x] = dot_adjoint(d[z], x, y, 0)
    d[y] = dot_adjoint(d[z], x, y, 1)


# -- shape ------------------------------------------------------------------------
@adjoint(np.reshape)
def reshape(y, x, shape=None, order="C"):
    d[x] = np.reshape(d[y], np.shape(x), order=order)


@adjoint(np.ndarray.reshape)
def reshape_method(y, x, *shape, order="C"):
    d[x] = np.reshape(d[y], np.shape(x), order=order)


@adjoint(np.transpose)
def transpose(y, x, axes=None):
    d[x] = np.transpose(d[y], inverse_axes((axes,)))


@adjoint(np.ndarray.transpose)
def transpose_method(y, x, *axes):
    d[x] = np.transpose(d[y], inverse_axes(axes))


@adjoint(np.ndarray.T)
def T(y, x):
    d[x] = np.transpose(d[y])


@adjoint(np.ndarray.astype)
def astype(y, x, dtype, order="K", casting="unsafe", subok=True, copy=True):
    d[x] = astype_adjoint(d[y], y)
