"""Rules for NumPy's elementwise functions beyond the basic arithmetic of templates/numpy.py:
exponentials and logarithms, trigonometric and hyperbolic functions and their inverses,
binary functions (logaddexp, arctan2, hypot, float_power, fmod, remainder, fmax, fmin,
copysign), np.clip and np.nan_to_num, angle conversions, np.real and np.conj.

``np.true_divide`` is ``np.divide``, ``np.mod`` is ``np.remainder`` and ``np.conj`` is
``np.conjugate``: one rule serves both names. Constants are Python floats
(``math.log(2.0)``, ``np.pi / 180.0``), so that a float32 derivative stays float32.
"""

import math

import numpy as np

from s2sad.rules import adjoint, d, nondifferentiable, tangent
from s2sad.runtime import balanced_eq, broadcast_tangent, unbroadcast
from s2sad.runtime_elementwise import (
    clip_bound,
    clip_high,
    clip_low,
    clip_pass,
    safe_log,
    sequence_sum_adjoint,
    sequence_sum_adjoint_cotangent,
    sinc_derivative,
    sinc_second_derivative,
)

nondifferentiable(
    np.floor_divide, np.heaviside, np.signbit, np.spacing, np.fix, np.around,
    np.isclose, np.allclose, np.array_equal, np.array_equiv, np.isneginf, np.isposinf,
    np.isreal, np.iscomplex, np.isrealobj, np.iscomplexobj,
    clip_bound, clip_pass, clip_low, clip_high,
)


# -- exponentials and logarithms ----------------------------------------------------
@adjoint(np.exp2)
def exp2(y, x):
    d[x] = d[y] * y * math.log(2.0)


@tangent(np.exp2)
def exp2_tangent(y, x):
    d[y] = d[x] * y * math.log(2.0)


@adjoint(np.expm1)
def expm1(y, x):
    d[x] = d[y] * (y + 1.0)


@tangent(np.expm1)
def expm1_tangent(y, x):
    d[y] = d[x] * (y + 1.0)


@adjoint(np.log2)
def log2(y, x):
    d[x] = d[y] / (x * math.log(2.0))


@tangent(np.log2)
def log2_tangent(y, x):
    d[y] = d[x] / (x * math.log(2.0))


@adjoint(np.log10)
def log10(y, x):
    d[x] = d[y] / (x * math.log(10.0))


@tangent(np.log10)
def log10_tangent(y, x):
    d[y] = d[x] / (x * math.log(10.0))


@adjoint(np.log1p)
def log1p(y, x):
    d[x] = d[y] / (1.0 + x)


@tangent(np.log1p)
def log1p_tangent(y, x):
    d[y] = d[x] / (1.0 + x)


@adjoint(np.cbrt)
def cbrt(y, x):
    d[x] = d[y] / (3.0 * y * y)


@tangent(np.cbrt)
def cbrt_tangent(y, x):
    d[y] = d[x] / (3.0 * y * y)


@adjoint(np.reciprocal)
def reciprocal(y, x):
    d[x] = -d[y] * y * y


@tangent(np.reciprocal)
def reciprocal_tangent(y, x):
    d[y] = -d[x] * y * y


# -- trigonometric and hyperbolic ---------------------------------------------------
@adjoint(np.tan)
def tan(y, x):
    d[x] = d[y] * (1.0 + y * y)


@tangent(np.tan)
def tan_tangent(y, x):
    d[y] = d[x] * (1.0 + y * y)


@adjoint(np.arcsin)
def arcsin(y, x):
    d[x] = d[y] / np.sqrt(1.0 - x * x)


@tangent(np.arcsin)
def arcsin_tangent(y, x):
    d[y] = d[x] / np.sqrt(1.0 - x * x)


@adjoint(np.arccos)
def arccos(y, x):
    d[x] = -d[y] / np.sqrt(1.0 - x * x)


@tangent(np.arccos)
def arccos_tangent(y, x):
    d[y] = -d[x] / np.sqrt(1.0 - x * x)


@adjoint(np.arctan)
def arctan(y, x):
    d[x] = d[y] / (1.0 + x * x)


@tangent(np.arctan)
def arctan_tangent(y, x):
    d[y] = d[x] / (1.0 + x * x)


@adjoint(np.sinh)
def sinh(y, x):
    d[x] = d[y] * np.cosh(x)


@tangent(np.sinh)
def sinh_tangent(y, x):
    d[y] = d[x] * np.cosh(x)


@adjoint(np.cosh)
def cosh(y, x):
    d[x] = d[y] * np.sinh(x)


@tangent(np.cosh)
def cosh_tangent(y, x):
    d[y] = d[x] * np.sinh(x)


@adjoint(np.arcsinh)
def arcsinh(y, x):
    d[x] = d[y] / np.sqrt(x * x + 1.0)


@tangent(np.arcsinh)
def arcsinh_tangent(y, x):
    d[y] = d[x] / np.sqrt(x * x + 1.0)


@adjoint(np.arccosh)
def arccosh(y, x):
    d[x] = d[y] / np.sqrt(x * x - 1.0)


@tangent(np.arccosh)
def arccosh_tangent(y, x):
    d[y] = d[x] / np.sqrt(x * x - 1.0)


@adjoint(np.arctanh)
def arctanh(y, x):
    d[x] = d[y] / (1.0 - x * x)


@tangent(np.arctanh)
def arctanh_tangent(y, x):
    d[y] = d[x] / (1.0 - x * x)


@adjoint(np.sinc)
def sinc(y, x):
    d[x] = d[y] * sinc_derivative(x)


@tangent(np.sinc)
def sinc_tangent(y, x):
    d[y] = d[x] * sinc_derivative(x)


@adjoint(np.deg2rad, np.radians)
def deg2rad(y, x):
    d[x] = d[y] * (np.pi / 180.0)


@tangent(np.deg2rad, np.radians)
def deg2rad_tangent(y, x):
    d[y] = d[x] * (np.pi / 180.0)


@adjoint(np.rad2deg, np.degrees)
def rad2deg(y, x):
    d[x] = d[y] * (180.0 / np.pi)


@tangent(np.rad2deg, np.degrees)
def rad2deg_tangent(y, x):
    d[y] = d[x] * (180.0 / np.pi)


# -- sign and magnitude -------------------------------------------------------------
@adjoint(np.positive)
def positive(y, x):
    d[x] = d[y]


@tangent(np.positive)
def positive_tangent(y, x):
    d[y] = d[x]


@adjoint(np.fabs)
def fabs(y, x):
    d[x] = d[y] * np.sign(x)


@tangent(np.fabs)
def fabs_tangent(y, x):
    d[y] = d[x] * np.sign(x)


@adjoint(np.copysign)
def copysign(z, x, y):
    d[x] = unbroadcast(d[z] * np.sign(x) * np.sign(z), x)  # y: piecewise constant


@tangent(np.copysign)
def copysign_tangent(z, x, y):
    d[z] = d[x] * np.sign(x) * np.sign(z)


# -- real views (complex inputs: autograd's convention, d[x] of x = a + ib is
#    d/da - i d/db) ------------------------------------------------------------------
@adjoint(np.real)
def real(y, x):
    d[x] = d[y]


@tangent(np.real)
def real_tangent(y, x):
    d[y] = np.real(d[x])


@adjoint(np.ndarray.real)
def real_attribute(y, x):
    d[x] = d[y]


@tangent(np.ndarray.real)
def real_attribute_tangent(y, x):
    d[y] = np.real(d[x])


@adjoint(np.conjugate, np.ndarray.conj, np.ndarray.conjugate)
def conjugate(y, x):
    d[x] = np.conjugate(d[y])


@tangent(np.conjugate, np.ndarray.conj, np.ndarray.conjugate)
def conjugate_tangent(y, x):
    d[y] = np.conjugate(d[x])


# -- binary ---------------------------------------------------------------------------
@adjoint(np.logaddexp)
def logaddexp(z, x, y):
    d[x] = unbroadcast(d[z] * np.exp(x - z), x)
    d[y] = unbroadcast(d[z] * np.exp(y - z), y)


@tangent(np.logaddexp)
def logaddexp_tangent(z, x, y):
    d[z] = d[x] * np.exp(x - z) + d[y] * np.exp(y - z)


@adjoint(np.logaddexp2)
def logaddexp2(z, x, y):
    d[x] = unbroadcast(d[z] * np.exp2(x - z), x)
    d[y] = unbroadcast(d[z] * np.exp2(y - z), y)


@tangent(np.logaddexp2)
def logaddexp2_tangent(z, x, y):
    d[z] = d[x] * np.exp2(x - z) + d[y] * np.exp2(y - z)


@adjoint(np.arctan2)
def arctan2(z, x, y):
    d[x] = unbroadcast(d[z] * y / (x * x + y * y), x)
    d[y] = unbroadcast(-d[z] * x / (x * x + y * y), y)


@tangent(np.arctan2)
def arctan2_tangent(z, x, y):
    d[z] = (d[x] * y - d[y] * x) / (x * x + y * y)


@adjoint(np.hypot)
def hypot(z, x, y):
    d[x] = unbroadcast(d[z] * x / z, x)
    d[y] = unbroadcast(d[z] * y / z, y)


@tangent(np.hypot)
def hypot_tangent(z, x, y):
    d[z] = (d[x] * x + d[y] * y) / z


@adjoint(np.float_power)
def float_power(z, x, y):
    d[x] = unbroadcast(d[z] * y * np.float_power(x, y - 1.0), x)
    d[y] = unbroadcast(d[z] * z * safe_log(x), y)


@tangent(np.float_power)
def float_power_tangent(z, x, y):
    d[z] = d[x] * y * np.float_power(x, y - 1.0) + d[y] * z * safe_log(x)


@adjoint(np.fmod)
def fmod(z, x, y):
    d[x] = unbroadcast(d[z], x)
    d[y] = unbroadcast(-d[z] * np.trunc(x / y), y)


@tangent(np.fmod)
def fmod_tangent(z, x, y):
    d[z] = broadcast_tangent(d[x] - d[y] * np.trunc(x / y), z)


@adjoint(np.remainder)
def remainder(z, x, y):
    d[x] = unbroadcast(d[z], x)
    d[y] = unbroadcast(-d[z] * np.floor_divide(x, y), y)


@tangent(np.remainder)
def remainder_tangent(z, x, y):
    d[z] = broadcast_tangent(d[x] - d[y] * np.floor_divide(x, y), z)


@adjoint(np.fmax)
def fmax(z, x, y):
    d[x] = unbroadcast(d[z] * balanced_eq(x, z, y), x)
    d[y] = unbroadcast(d[z] * balanced_eq(y, z, x), y)


@tangent(np.fmax)
def fmax_tangent(z, x, y):
    d[z] = d[x] * balanced_eq(x, z, y) + d[y] * balanced_eq(y, z, x)


@adjoint(np.fmin)
def fmin(z, x, y):
    d[x] = unbroadcast(d[z] * balanced_eq(x, z, y), x)
    d[y] = unbroadcast(d[z] * balanced_eq(y, z, x), y)


@tangent(np.fmin)
def fmin_tangent(z, x, y):
    d[z] = d[x] * balanced_eq(x, z, y) + d[y] * balanced_eq(y, z, x)


# -- clip and nan_to_num --------------------------------------------------------------
# np.clip(x, a_min, a_max) or np.clip(x, min=..., max=...); a None bound is no bound.
# The gradient of x passes where x is strictly inside; a bound gets it where it is the
# result.
@adjoint(np.clip)
def clip(y, x, a_min=None, a_max=None, out=None, *, min=None, max=None):
    lo = clip_bound(a_min, min)
    hi = clip_bound(a_max, max)
    d[x] = unbroadcast(d[y] * clip_pass(x, lo, hi), x)
    d[a_min] = unbroadcast(d[y] * clip_low(x, lo, hi), a_min)
    d[min] = unbroadcast(d[y] * clip_low(x, lo, hi), min)
    d[a_max] = unbroadcast(d[y] * clip_high(x, lo, hi), a_max)
    d[max] = unbroadcast(d[y] * clip_high(x, lo, hi), max)


@tangent(np.clip)
def clip_tangent(y, x, a_min=None, a_max=None, out=None, *, min=None, max=None):
    lo = clip_bound(a_min, min)
    hi = clip_bound(a_max, max)
    d[y] = (d[x] * clip_pass(x, lo, hi) + (d[a_min] + d[min]) * clip_low(x, lo, hi)
            + (d[a_max] + d[max]) * clip_high(x, lo, hi))


@adjoint(np.ndarray.clip)
def clip_method(y, x, min=None, max=None, out=None):
    d[x] = unbroadcast(d[y] * clip_pass(x, min, max), x)
    d[min] = unbroadcast(d[y] * clip_low(x, min, max), min)
    d[max] = unbroadcast(d[y] * clip_high(x, min, max), max)


@tangent(np.ndarray.clip)
def clip_method_tangent(y, x, min=None, max=None, out=None):
    d[y] = (d[x] * clip_pass(x, min, max) + d[min] * clip_low(x, min, max)
            + d[max] * clip_high(x, min, max))


# NaN and infinities are replaced by constants (or by the arguments nan, posinf, neginf)
@adjoint(np.nan_to_num)
def nan_to_num(y, x, copy=True, nan=0.0, posinf=None, neginf=None):
    d[x] = np.where(np.isfinite(x), d[y], 0.0)
    d[nan] = np.sum(np.where(np.isnan(x), d[y], 0.0))
    d[posinf] = np.sum(np.where(np.isposinf(x), d[y], 0.0))
    d[neginf] = np.sum(np.where(np.isneginf(x), d[y], 0.0))


@tangent(np.nan_to_num)
def nan_to_num_tangent(y, x, copy=True, nan=0.0, posinf=None, neginf=None):
    d[y] = (np.where(np.isfinite(x), d[x], 0.0) + d[nan] * np.isnan(x)
            + d[posinf] * np.isposinf(x) + d[neginf] * np.isneginf(x))


# -- the helpers above, for derivatives of derivatives ------------------------------
@adjoint(safe_log)
def safe_log_adjoint(y, x):
    d[x] = d[y] / x


@tangent(safe_log)
def safe_log_tangent(y, x):
    d[y] = d[x] / x


@adjoint(sinc_derivative)
def sinc_derivative_adjoint(y, x):
    d[x] = d[y] * sinc_second_derivative(x)


@tangent(sinc_derivative)
def sinc_derivative_tangent(y, x):
    d[y] = d[x] * sinc_second_derivative(x)


@adjoint(sequence_sum_adjoint)
def sequence_sum_adjoint_adjoint(y, g, xs):
    d[g] = sequence_sum_adjoint_cotangent(d[y], g)  # xs gives only shapes


@tangent(sequence_sum_adjoint)
def sequence_sum_adjoint_tangent(y, g, xs):
    d[y] = sequence_sum_adjoint(d[g], xs)
