"""Rules for the ``math`` module (Python floats in, Python floats out)."""

import math
from builtins import round  # noqa: UP029 - templates may only use names their module defines

from s2sad.rules import adjoint, d, nondifferentiable, tangent
from s2sad.runtime_elementwise import (
    digamma,
    safe_log,
    sequence_sum_adjoint,
    sequence_sum_tangent,
    trigamma,
)

nondifferentiable(math.floor, math.ceil, math.trunc, math.isnan, math.isinf,
                  math.isfinite, math.isclose, math.gcd, math.lcm, math.factorial,
                  math.comb, math.perm, math.isqrt)


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


# math.log(x) or math.log(x, base); log(e) is exactly 1.0
@adjoint(math.log)
def log(y, x, base=math.e):
    d[x] = d[y] / (x * math.log(base))
    d[base] = -d[y] * y / (base * math.log(base))


@tangent(math.log)
def log_tangent(y, x, base=math.e):
    d[y] = (d[x] / x - d[base] * y / base) / math.log(base)


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


# copysign(x, y) is |x| with the sign of y: +-1 times x; piecewise constant in y
@adjoint(math.copysign)
def copysign(z, x, y):
    d[x] = d[z] * math.copysign(1.0, x) * math.copysign(1.0, z)


@tangent(math.copysign)
def copysign_tangent(z, x, y):
    d[z] = d[x] * math.copysign(1.0, x) * math.copysign(1.0, z)


# -- exponentials and logarithms ----------------------------------------------------
if hasattr(math, "exp2"):  # Python 3.11
    @adjoint(math.exp2)
    def exp2(y, x):
        d[x] = d[y] * y * math.log(2.0)

    @tangent(math.exp2)
    def exp2_tangent(y, x):
        d[y] = d[x] * y * math.log(2.0)


@adjoint(math.expm1)
def expm1(y, x):
    d[x] = d[y] * (y + 1.0)


@tangent(math.expm1)
def expm1_tangent(y, x):
    d[y] = d[x] * (y + 1.0)


@adjoint(math.log2)
def log2(y, x):
    d[x] = d[y] / (x * math.log(2.0))


@tangent(math.log2)
def log2_tangent(y, x):
    d[y] = d[x] / (x * math.log(2.0))


@adjoint(math.log10)
def log10(y, x):
    d[x] = d[y] / (x * math.log(10.0))


@tangent(math.log10)
def log10_tangent(y, x):
    d[y] = d[x] / (x * math.log(10.0))


@adjoint(math.log1p)
def log1p(y, x):
    d[x] = d[y] / (1.0 + x)


@tangent(math.log1p)
def log1p_tangent(y, x):
    d[y] = d[x] / (1.0 + x)


if hasattr(math, "cbrt"):  # Python 3.11
    @adjoint(math.cbrt)
    def cbrt(y, x):
        d[x] = d[y] / (3.0 * y * y)

    @tangent(math.cbrt)
    def cbrt_tangent(y, x):
        d[y] = d[x] / (3.0 * y * y)


@adjoint(math.pow)
def pow(z, x, y):
    d[x] = d[z] * y * math.pow(x, y - 1.0)
    d[y] = d[z] * z * safe_log(x)


@tangent(math.pow)
def pow_tangent(z, x, y):
    d[z] = d[x] * y * math.pow(x, y - 1.0) + d[y] * z * safe_log(x)


@adjoint(math.erf)
def erf(y, x):
    d[x] = d[y] * (2.0 / math.sqrt(math.pi)) * math.exp(-x * x)


@tangent(math.erf)
def erf_tangent(y, x):
    d[y] = d[x] * (2.0 / math.sqrt(math.pi)) * math.exp(-x * x)


@adjoint(math.erfc)
def erfc(y, x):
    d[x] = -d[y] * (2.0 / math.sqrt(math.pi)) * math.exp(-x * x)


@tangent(math.erfc)
def erfc_tangent(y, x):
    d[y] = -d[x] * (2.0 / math.sqrt(math.pi)) * math.exp(-x * x)


# -- gamma functions: digamma is d lgamma / dx; its own rule (trigamma) gives second
#    derivatives --------------------------------------------------------------------------
@adjoint(math.lgamma)
def lgamma(y, x):
    d[x] = d[y] * digamma(x)


@tangent(math.lgamma)
def lgamma_tangent(y, x):
    d[y] = d[x] * digamma(x)


@adjoint(math.gamma)
def gamma(y, x):
    d[x] = d[y] * y * digamma(x)


@tangent(math.gamma)
def gamma_tangent(y, x):
    d[y] = d[x] * y * digamma(x)


@adjoint(digamma)
def digamma_adjoint(y, x):
    d[x] = d[y] * trigamma(x)


@tangent(digamma)
def digamma_tangent(y, x):
    d[y] = d[x] * trigamma(x)


# -- trigonometric and hyperbolic ---------------------------------------------------
@adjoint(math.asin)
def asin(y, x):
    d[x] = d[y] / math.sqrt(1.0 - x * x)


@tangent(math.asin)
def asin_tangent(y, x):
    d[y] = d[x] / math.sqrt(1.0 - x * x)


@adjoint(math.acos)
def acos(y, x):
    d[x] = -d[y] / math.sqrt(1.0 - x * x)


@tangent(math.acos)
def acos_tangent(y, x):
    d[y] = -d[x] / math.sqrt(1.0 - x * x)


@adjoint(math.atan)
def atan(y, x):
    d[x] = d[y] / (1.0 + x * x)


@tangent(math.atan)
def atan_tangent(y, x):
    d[y] = d[x] / (1.0 + x * x)


@adjoint(math.atan2)
def atan2(z, y, x):
    d[y] = d[z] * x / (x * x + y * y)
    d[x] = -d[z] * y / (x * x + y * y)


@tangent(math.atan2)
def atan2_tangent(z, y, x):
    d[z] = (d[y] * x - d[x] * y) / (x * x + y * y)


@adjoint(math.hypot)
def hypot(z, x, y=0.0):
    d[x] = d[z] * x / z
    d[y] = d[z] * y / z


@tangent(math.hypot)
def hypot_tangent(z, x, y=0.0):
    d[z] = (d[x] * x + d[y] * y) / z


@adjoint(math.sinh)
def sinh(y, x):
    d[x] = d[y] * math.cosh(x)


@tangent(math.sinh)
def sinh_tangent(y, x):
    d[y] = d[x] * math.cosh(x)


@adjoint(math.cosh)
def cosh(y, x):
    d[x] = d[y] * math.sinh(x)


@tangent(math.cosh)
def cosh_tangent(y, x):
    d[y] = d[x] * math.sinh(x)


@adjoint(math.asinh)
def asinh(y, x):
    d[x] = d[y] / math.sqrt(x * x + 1.0)


@tangent(math.asinh)
def asinh_tangent(y, x):
    d[y] = d[x] / math.sqrt(x * x + 1.0)


@adjoint(math.acosh)
def acosh(y, x):
    d[x] = d[y] / math.sqrt(x * x - 1.0)


@tangent(math.acosh)
def acosh_tangent(y, x):
    d[y] = d[x] / math.sqrt(x * x - 1.0)


@adjoint(math.atanh)
def atanh(y, x):
    d[x] = d[y] / (1.0 - x * x)


@tangent(math.atanh)
def atanh_tangent(y, x):
    d[y] = d[x] / (1.0 - x * x)


@adjoint(math.radians)
def radians(y, x):
    d[x] = d[y] * (math.pi / 180.0)


@tangent(math.radians)
def radians_tangent(y, x):
    d[y] = d[x] * (math.pi / 180.0)


@adjoint(math.degrees)
def degrees(y, x):
    d[x] = d[y] * (180.0 / math.pi)


@tangent(math.degrees)
def degrees_tangent(y, x):
    d[y] = d[x] * (180.0 / math.pi)


# -- remainders: x - n * y with n an integer (truncated for fmod, rounded to nearest
#    for remainder), piecewise constant ---------------------------------------------
@adjoint(math.fmod)
def fmod(z, x, y):
    d[x] = d[z]
    d[y] = -d[z] * math.trunc(x / y)


@tangent(math.fmod)
def fmod_tangent(z, x, y):
    d[z] = d[x] - d[y] * math.trunc(x / y)


@adjoint(math.remainder)
def remainder(z, x, y):
    d[x] = d[z]
    d[y] = -d[z] * round(x / y)


@tangent(math.remainder)
def remainder_tangent(z, x, y):
    d[z] = d[x] - d[y] * round(x / y)


# -- sums of sequences ----------------------------------------------------------------
@adjoint(math.fsum)
def fsum(y, xs):
    d[xs] = sequence_sum_adjoint(d[y], xs)


@tangent(math.fsum)
def fsum_tangent(y, xs):
    d[y] = sequence_sum_tangent(d[xs])
