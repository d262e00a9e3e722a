"""Rules for the ``math`` module (Python floats in, Python floats out)."""

import math

from s2sad.rules import adjoint, d, nondifferentiable, tangent

nondifferentiable(math.floor, math.ceil, math.trunc, math.isnan, math.isinf,
                  math.isfinite, math.copysign)


@adjoint(math.sin)
def sin(y, x):
    d[x] = d[y] * math.cos(x)


@tangent(math.sin)
def sin_tangent(y, x):
    d[y] = d[x] * math.cos(x)


@adjoint(math.cos)
def cos(y, x):
    d[x] = -d[y] * math.sin(x)


@tangent(math.cos)
def cos_tangent(y, x):
    d[y] = -d[x] * math.sin(x)


@adjoint(math.tan)
def tan(y, x):
    d[x] = d[y] * (1.0 + y * y)


@tangent(math.tan)
def tan_tangent(y, x):
    d[y] = d[x] * (1.0 + y * y)


@adjoint(math.exp)
def exp(y, x):
    d[x] = d[y] * y


@tangent(math.exp)
def exp_tangent(y, x):
    d[y] = d[x] * y


@adjoint(math.log)
def log(y, x):
    d[x] = d[y] / x


@tangent(math.log)
def log_tangent(y, x):
    d[y] = d[x] / x


@adjoint(math.sqrt)
def sqrt(y, x):
    d[x] = d[y] * 0.5 / y


@tangent(math.sqrt)
def sqrt_tangent(y, x):
    d[y] = d[x] * 0.5 / y


@adjoint(math.tanh)
def tanh(y, x):
    d[x] = d[y] * (1.0 - y * y)


@tangent(math.tanh)
def tanh_tangent(y, x):
    d[y] = d[x] * (1.0 - y * y)


@adjoint(math.fabs)
def fabs(y, x):
    d[x] = d[y] * math.copysign(1.0, x)


@tangent(math.fabs)
def fabs_tangent(y, x):
    d[y] = d[x] * math.copysign(1.0, x)
