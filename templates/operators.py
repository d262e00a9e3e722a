"""Rules for Python's operators and builtins (``a + b`` is ``operator.add(a, b)``)."""

import builtins
import operator
from builtins import float  # templates may only use names their module defines

import numpy as np

from s2sad.rules import adjoint, d, nondifferentiable, tangent
from s2sad.runtime import balanced_eq, broadcast_tangent, matmul_adjoint, unbroadcast, unindex
from s2sad.runtime_elementwise import safe_log, sequence_sum_adjoint, sequence_sum_tangent

nondifferentiable(
    operator.lt, operator.le, operator.gt, operator.ge, operator.eq, operator.ne,
    operator.not_, operator.invert, operator.floordiv, operator.and_, operator.or_,
    operator.xor, operator.lshift, operator.rshift, operator.is_, operator.is_not,
    operator.contains,
    len, range, int, bool, round, isinstance, print, type, str,
)


@adjoint(operator.add, np.add)
def add(z, x, y):
    d[x] = unbroadcast(d[z], x)
    d[y] = unbroadcast(d[z], y, x)  # x: what comes before y in a concatenation


@tangent(operator.add, np.add)
def add_tangent(z, x, y):
    d[z] = broadcast_tangent(d[x] + d[y], z)


@adjoint(operator.sub, np.subtract)
def sub(z, x, y):
    d[x] = unbroadcast(d[z], x)
    d[y] = unbroadcast(-d[z], y)


@tangent(operator.sub, np.subtract)
def sub_tangent(z, x, y):
    d[z] = broadcast_tangent(d[x] - d[y], z)


@adjoint(operator.mul, np.multiply)
def mul(z, x, y):
    d[x] = unbroadcast(d[z] * y, x)
    d[y] = unbroadcast(d[z] * x, y)


@tangent(operator.mul, np.multiply)
def mul_tangent(z, x, y):
    d[z] = d[x] * y + x * d[y]


@adjoint(operator.truediv, np.divide)
def truediv(z, x, y):
    d[x] = unbroadcast(d[z] / y, x)
    d[y] = unbroadcast(-d[z] * z / y, y)


@tangent(operator.truediv, np.divide)
def truediv_tangent(z, x, y):
    d[z] = d[x] / y - d[y] * z / y


# x ** (y - 1) at y == 0 would be 0 ** -1 at x == 0 (nan, or a ZeroDivisionError for
# Python floats) where the derivative is 0: the exponent is y - 1 + (y == 0), which the
# transform folds to y - 1 for a constant y
@adjoint(operator.pow, np.power)
def pow(z, x, y):
    d[x] = unbroadcast(d[z] * y * x ** (y - 1 + (y == 0)), x)
    d[y] = unbroadcast(d[z] * z * np.log(np.where(x == 0, 1.0, x)), y)


@tangent(operator.pow, np.power)
def pow_tangent(z, x, y):
    d[z] = d[x] * y * x ** (y - 1 + (y == 0)) + d[y] * z * np.log(np.where(x == 0, 1.0, x))


@adjoint(operator.mod)
def mod(z, x, y):
    d[x] = unbroadcast(d[z], x)
    d[y] = unbroadcast(-d[z] * np.floor_divide(x, y), y)


@tangent(operator.mod)
def mod_tangent(z, x, y):
    d[z] = broadcast_tangent(d[x] - d[y] * np.floor_divide(x, y), z)


@adjoint(operator.matmul, np.matmul)
def matmul(z, x, y):
    d[x] = matmul_adjoint(d[z], x, y, 0)
    d[y] = matmul_adjoint(d[z], x, y, 1)


@tangent(operator.matmul, np.matmul)
def matmul_tangent(z, x, y):
    d[z] = d[x] @ y + x @ d[y]


@adjoint(operator.neg, np.negative)
def neg(y, x):
    d[x] = -d[y]


@tangent(operator.neg, np.negative)
def neg_tangent(y, x):
    d[y] = -d[x]


@adjoint(operator.pos)
def pos(y, x):
    d[x] = d[y]


@tangent(operator.pos)
def pos_tangent(y, x):
    d[y] = d[x]


@adjoint(operator.getitem)
def getitem(y, x, index):
    d[x] = unindex(d[y], x, index)


@tangent(operator.getitem)
def getitem_tangent(y, x, index):
    d[y] = d[x][index]  # an array's or a tuple's tangent, indexed as the value is


@adjoint(abs)
def abs_(y, x):
    d[x] = d[y] * np.sign(x)


@tangent(abs)
def abs_tangent(y, x):
    d[y] = d[x] * np.sign(x)


@adjoint(float)
def float_(y, x):
    d[x] = d[y]


@tangent(float)
def float_tangent(y, x):
    d[y] = float(d[x])


# -- builtins on numbers: pow(x, y), max(x, y), min(x, y) (ties split 0.5, as np.maximum),
#    sum(sequence, start) ----------------------------------------------------------------
@adjoint(builtins.pow)
def pow_builtin(z, x, y, mod=None):
    d[x] = unbroadcast(d[z] * y * x ** (y - 1 + (y == 0)), x)
    d[y] = unbroadcast(d[z] * z * safe_log(x), y)


@tangent(builtins.pow)
def pow_builtin_tangent(z, x, y, mod=None):
    d[z] = d[x] * y * x ** (y - 1 + (y == 0)) + d[y] * z * safe_log(x)


@adjoint(builtins.max, builtins.min)
def max_min(z, x, y):
    d[x] = unbroadcast(d[z] * balanced_eq(x, z, y), x)
    d[y] = unbroadcast(d[z] * balanced_eq(y, z, x), y)


@tangent(builtins.max, builtins.min)
def max_min_tangent(z, x, y):
    d[z] = d[x] * balanced_eq(x, z, y) + d[y] * balanced_eq(y, z, x)


# sum(xs) of a list or tuple (its gradient a tuple: one share per element) or of an
# array's rows
@adjoint(builtins.sum)
def sum_builtin(z, xs, start=0):
    d[xs] = sequence_sum_adjoint(d[z], xs)
    d[start] = unbroadcast(d[z], start)


@tangent(builtins.sum)
def sum_builtin_tangent(z, xs, start=0):
    d[z] = broadcast_tangent(sequence_sum_tangent(d[xs]) + d[start], z)
