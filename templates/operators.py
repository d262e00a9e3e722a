"""Rules for Python's operators and builtins (``a + b`` is ``operator.add(a, b)``)."""

import operator

import numpy as np

from s2sad.rules import adjoint, d, nondifferentiable, tangent
from s2sad.runtime import matmul_adjoint, unbroadcast, unindex

nondifferentiable(
    operator.lt, operator.le, operator.gt, operator.ge, operator.eq, operator.ne,
    operator.not_, operator.invert, operator.floordiv, operator.and_, operator.or_,
    operator.xor, operator.lshift, operator.rshift, operator.is_, operator.is_not,
    operator.contains,
    len, range, int, bool, round, isinstance, print, type, str,
)


@adjoint(operator.add)
def add(z, x, y):
    d[x] = unbroadcast(d[z], x)
    d[y] = unbroadcast(d[z], y)


@adjoint(operator.sub)
def sub(z, x, y):
    d[x] = unbroadcast(d[z], x)
    d[y] = unbroadcast(-d[z], y)


@adjoint(operator.mul)
def mul(z, x, y):
    d[x] = unbroadcast(d[z] * y, x)
    d[y] = unbroadcast(d[z] * x, y)


@adjoint(operator.truediv)
def truediv(z, x, y):
    d[x] = unbroadcast(d[z] / y, x)
    d[y] = unbroadcast(-d[z] * z / y, y)


@adjoint(operator.pow)
def pow(z, x, y):
    d[x] = unbroadcast(d[z] * y * x ** (y - 1), x)
    d[y] = unbroadcast(d[z] * z * np.log(np.where(x == 0, 1.0, x)), y)


@adjoint(operator.mod)
def mod(z, x, y):
    d[x] = unbroadcast(d[z], x)
    d[y] = unbroadcast(-d[z] * np.floor_divide(x, y), y)


@adjoint(operator.matmul)
def matmul(z, x, y):
    d[x] = matmul_adjoint(d[z], x, y, 0)
    d[y] = matmul_adjoint(d[z], x, y, 1)


@adjoint(operator.neg)
def neg(y, x):
    d[x] = -d[y]


@adjoint(operator.pos)
def pos(y, x):
    d[x] = d[y]


@adjoint(operator.getitem)
def getitem(y, x, index):
    d[x] = unindex(d[y], x, index)


@adjoint(abs)
def abs_(y, x):
    d[x] = d[y] * np.sign(x)


@adjoint(float)
def float_(y, x):
    d[x] = d[y]


# -- forward mode -------------------------------------------------------------------
@tangent(operator.add)
def add_tangent(z, x, y):
    d[z] = d[x] + d[y]


@tangent(operator.sub)
def sub_tangent(z, x, y):
    d[z] = d[x] - d[y]


@tangent(operator.mul)
def mul_tangent(z, x, y):
    d[z] = d[x] * y + x * d[y]
