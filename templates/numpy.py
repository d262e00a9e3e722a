"""Rules for NumPy functions and ndarray methods and attributes.

The arithmetic ufuncs (np.add, np.multiply, ...) share the templates of the Python
operators they implement, in operators.py.
"""

import numpy as np

from s2sad.rules import adjoint, d, nondifferentiable, tangent
from s2sad.runtime import (
    astype_adjoint,
    astype_jvp,
    balanced_eq,
    broadcast_tangent,
    count,
    dot_adjoint,
    dot_jvp,
    inverse_axes,
    sum_adjoint,
    transpose_axes,
    unbroadcast,
)

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
@adjoint(np.exp)
def exp(y, x):
    d[x] = d[y] * y


@tangent(np.exp)
def exp_tangent(y, x):
    d[y] = d[x] * y


@adjoint(np.log)
def log(y, x):
    d[x] = d[y] / x


@tangent(np.log)
def log_tangent(y, x):
    d[y] = d[x] / x


@adjoint(np.sin)
def sin(y, x):
    d[x] = d[y] * np.cos(x)


@tangent(np.sin)
def sin_tangent(y, x):
    d[y] = d[x] * np.cos(x)


@adjoint(np.cos)
def cos(y, x):
    d[x] = -d[y] * np.sin(x)


@tangent(np.cos)
def cos_tangent(y, x):
    d[y] = -d[x] * np.sin(x)


@adjoint(np.tanh)
def tanh(y, x):
    d[x] = d[y] * (1.0 - y * y)


@tangent(np.tanh)
def tanh_tangent(y, x):
    d[y] = d[x] * (1.0 - y * y)


@adjoint(np.sqrt)
def sqrt(y, x):
    d[x] = d[y] * 0.5 / y


@tangent(np.sqrt)
def sqrt_tangent(y, x):
    d[y] = d[x] * 0.5 / y


@adjoint(np.abs, np.absolute)
def abs(y, x):
    d[x] = d[y] * np.sign(x)


@tangent(np.abs, np.absolute)
def abs_tangent(y, x):
    d[y] = d[x] * np.sign(x)


@adjoint(np.square)
def square(y, x):
    d[x] = d[y] * 2.0 * x


@tangent(np.square)
def square_tangent(y, x):
    d[y] = d[x] * 2.0 * x


@adjoint(np.maximum)
def maximum(z, x, y):
    d[x] = unbroadcast(d[z] * balanced_eq(x, z, y), x)
    d[y] = unbroadcast(d[z] * balanced_eq(y, z, x), y)


@tangent(np.maximum)
def maximum_tangent(z, x, y):
    d[z] = d[x] * balanced_eq(x, z, y) + d[y] * balanced_eq(y, z, x)


@adjoint(np.minimum)
def minimum(z, x, y):
    d[x] = unbroadcast(d[z] * balanced_eq(x, z, y), x)
    d[y] = unbroadcast(d[z] * balanced_eq(y, z, x), y)


@tangent(np.minimum)
def minimum_tangent(z, x, y):
    d[z] = d[x] * balanced_eq(x, z, y) + d[y] * balanced_eq(y, z, x)


@adjoint(np.where)
def where(z, condition, x, y):
    d[x] = unbroadcast(np.where(condition, d[z], 0.0), x)
    d[y] = unbroadcast(np.where(condition, 0.0, d[z]), y)


@tangent(np.where)
def where_tangent(z, condition, x, y):
    d[z] = broadcast_tangent(np.where(condition, d[x], d[y]), z)


# -- reductions -------------------------------------------------------------------
@adjoint(np.sum, np.ndarray.sum)
def sum(y, x, axis=None, dtype=None, out=None, keepdims=False):
    d[x] = sum_adjoint(d[y], x, axis, keepdims)


@tangent(np.sum, np.ndarray.sum)
def sum_tangent(y, x, axis=None, dtype=None, out=None, keepdims=False):
    d[y] = np.sum(d[x], axis=axis, dtype=dtype, keepdims=keepdims)


@adjoint(np.mean, np.ndarray.mean)
def mean(y, x, axis=None, dtype=None, out=None, keepdims=False):
    d[x] = sum_adjoint(d[y] / count(x, axis), x, axis, keepdims)


@tangent(np.mean, np.ndarray.mean)
def mean_tangent(y, x, axis=None, dtype=None, out=None, keepdims=False):
    d[y] = np.mean(d[x], axis=axis, dtype=dtype, keepdims=keepdims)


# -- products ---------------------------------------------------------------------
@adjoint(np.dot, np.ndarray.dot)
def dot(z, x, y):
    d[x] = dot_adjoint(d[z], x, y, 0)
    d[y] = dot_adjoint(d[z], x, y, 1)


@tangent(np.dot, np.ndarray.dot)
def dot_tangent(z, x, y):
    d[z] = dot_jvp(z, x, y, d[x], d[y])


# -- shape ------------------------------------------------------------------------
@adjoint(np.reshape)
def reshape(y, x, shape=None, order="C"):
    d[x] = np.reshape(d[y], np.shape(x), order=order)


@tangent(np.reshape)
def reshape_tangent(y, x, shape=None, order="C"):
    d[y] = np.reshape(d[x], shape, order=order)


@adjoint(np.ndarray.reshape)
def reshape_method(y, x, *shape, order="C"):
    d[x] = np.reshape(d[y], np.shape(x), order=order)


@tangent(np.ndarray.reshape)
def reshape_method_tangent(y, x, *shape, order="C"):
    d[y] = np.reshape(d[x], np.shape(y), order=order)


@adjoint(np.transpose)
def transpose(y, x, axes=None):
    d[x] = np.transpose(d[y], inverse_axes((axes,)))


@tangent(np.transpose)
def transpose_tangent(y, x, axes=None):
    d[y] = np.transpose(d[x], axes)


@adjoint(np.ndarray.transpose)
def transpose_method(y, x, *axes):
    d[x] = np.transpose(d[y], inverse_axes(axes))


@tangent(np.ndarray.transpose)
def transpose_method_tangent(y, x, *axes):
    d[y] = np.transpose(d[x], transpose_axes(axes))


@adjoint(np.ndarray.T)
def T(y, x):
    d[x] = np.transpose(d[y])


@tangent(np.ndarray.T)
def T_tangent(y, x):
    d[y] = np.transpose(d[x])


@adjoint(np.ndarray.astype)
def astype(y, x, dtype, order="K", casting="unsafe", subok=True, copy=True):
    d[x] = astype_adjoint(d[y], y)


@tangent(np.ndarray.astype)
def astype_tangent(y, x, dtype, order="K", casting="unsafe", subok=True, copy=True):
    d[y] = astype_jvp(d[x], y)
