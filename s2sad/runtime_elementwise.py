"""Run-time helpers of the elementwise templates (templates/numpy_elementwise.py, and the
``math`` and builtin rules in templates/math.py and templates/operators.py).

Like `s2sad.runtime`, small on purpose: each helper is what one template needs and
cannot say in one expression. Numbers stay numbers (a Python float in, a Python float
out) and float32 stays float32. The scalar ``0.0`` stands for a zero of any shape.
"""

from __future__ import annotations

import math

import numpy as np

from .runtime import Cotangent, broadcast_like, shape_of, unbroadcast

_NUMBERS = (float, int, bool)


# -- logarithm of a power's base --------------------------------------------------

def safe_log(x):
    """``log(x)``, with 0 where ``x`` is 0: the factor of ``d x**y / dy = x**y log x``,
    whose value at ``x == 0`` (``0**y``, constant in ``y`` for ``y > 0``) is zero, as in
    autograd. A Python float for a number; NaN for a negative base (as ``np.log``)."""
    if isinstance(x, _NUMBERS):
        if x > 0:
            return math.log(x)
        return 0.0 if x == 0 else math.nan
    return np.log(np.where(x == 0, 1.0, x))


# -- np.sinc ----------------------------------------------------------------------

_PI2 = math.pi * math.pi


def sinc_derivative(x):
    """``d sinc(x) / dx = (cos(pi x) - sinc(x)) / x``, and its Taylor series near 0
    (``-pi^2 x / 3 + pi^4 x^3 / 30``), where the quotient cancels (0 at ``x == 0``)."""
    x = np.asarray(x)
    small = np.abs(x) < 1e-3
    safe = np.where(small, 1.0, x)
    far = (np.cos(np.pi * safe) - np.sinc(safe)) / safe
    near = x * (-_PI2 / 3.0 + _PI2 * _PI2 / 30.0 * x * x)
    return np.where(small, near, far)[()]


def sinc_second_derivative(x):
    """``d^2 sinc(x) / dx^2 = -pi^2 sinc(x) - 2 sinc'(x) / x`` (``-pi^2 / 3`` at 0)."""
    x = np.asarray(x)
    small = np.abs(x) < 1e-3
    safe = np.where(small, 1.0, x)
    far = -_PI2 * np.sinc(safe) - 2.0 * sinc_derivative(safe) / safe
    near = -_PI2 / 3.0 + _PI2 * _PI2 / 10.0 * x * x
    return np.where(small, near, far)[()]


# -- math.lgamma, math.gamma: digamma and trigamma ----------------------------------
# Bernoulli numbers B_2 ... B_16 of the asymptotic series, as B_2k
_BERNOULLI = (1.0 / 6.0, -1.0 / 30.0, 1.0 / 42.0, -1.0 / 30.0, 5.0 / 66.0,
              -691.0 / 2730.0, 7.0 / 6.0)
_ASYMPTOTIC = 6.0  # from here on the series' first omitted term is below 2e-13


def digamma(x) -> float:
    """``psi(x) = d lgamma(x) / dx`` for a number ``x``: the recurrence
    ``psi(x) = psi(x + 1) - 1/x`` up to ``x >= 6``, then the asymptotic series
    ``log x - 1/(2x) - sum B_2k / (2k x^2k)``; the reflection formula
    ``psi(x) = psi(1 - x) - pi / tan(pi x)`` below 0. NaN at the poles 0, -1, -2, ...

    >>> round(digamma(1.0), 12)  # minus the Euler-Mascheroni constant
    -0.577215664902
    """
    x = float(x)
    if x <= 0.0:
        if x == math.floor(x):
            return math.nan
        return digamma(1.0 - x) - math.pi / math.tan(math.pi * x)
    shift = 0.0
    while x < _ASYMPTOTIC:
        shift -= 1.0 / x
        x += 1.0
    inv2 = 1.0 / (x * x)
    series, power = 0.0, inv2
    for k, b in enumerate(_BERNOULLI, start=1):
        series += b / (2 * k) * power
        power *= inv2
    return shift + math.log(x) - 0.5 / x - series


def trigamma(x) -> float:
    """``psi'(x)``, the derivative of `digamma`, the same way: ``psi'(x) = psi'(x + 1)
    + 1/x^2`` up to ``x >= 6``, then ``1/x + 1/(2x^2) + sum B_2k / x^(2k+1)``; below 0,
    ``psi'(x) = pi^2 / sin^2(pi x) - psi'(1 - x)``. NaN at the poles."""
    x = float(x)
    if x <= 0.0:
        if x == math.floor(x):
            return math.nan
        return (math.pi / math.sin(math.pi * x)) ** 2 - trigamma(1.0 - x)
    shift = 0.0
    while x < _ASYMPTOTIC:
        shift += 1.0 / (x * x)
        x += 1.0
    inv2 = 1.0 / (x * x)
    series, power = 0.0, inv2 / x
    for b in _BERNOULLI:
        series += b * power
        power *= inv2
    return shift + 1.0 / x + 0.5 * inv2 + series


# -- np.clip ----------------------------------------------------------------------
# y = minimum(maximum(x, lo), hi), with a missing (None) bound left out. A tie (x on a
# bound) sends the gradient nowhere, as autograd's clip does for x.

def clip_bound(positional, keyword):
    """The bound ``np.clip`` uses: ``a_min`` (positional) or the ``min=`` keyword."""
    return keyword if positional is None else positional


def _mask(condition, x, lo, hi):
    values = [v for v in (x, lo, hi) if v is not None]  # Python floats stay weak
    dtype = np.result_type(*values)
    if dtype.kind != "f":
        dtype = np.dtype(np.float64)
    shape = np.broadcast_shapes(*(np.shape(v) for v in values))
    return np.broadcast_to(np.asarray(condition, dtype=dtype), shape)


def clip_pass(x, lo, hi):
    """1 where ``np.clip(x, lo, hi)`` is ``x`` itself (strictly between the bounds), else
    0; in the shape of the result and the float dtype of the operands."""
    inside = np.ones(np.shape(x), dtype=bool)
    m = x
    if lo is not None:
        inside = inside & (np.asarray(x) > lo)
        m = np.maximum(x, lo)
    if hi is not None:
        inside = inside & (np.asarray(m) < hi)
    return _mask(inside, x, lo, hi)


def clip_low(x, lo, hi):
    """1 where the result of ``np.clip(x, lo, hi)`` is the lower bound ``lo``."""
    low = np.asarray(lo) > x
    if hi is not None:
        low = low & (np.maximum(x, lo) < hi)
    return _mask(low, x, lo, hi)


def clip_high(x, lo, hi):
    """1 where the result of ``np.clip(x, lo, hi)`` is the upper bound ``hi``."""
    m = x if lo is None else np.maximum(x, lo)
    return _mask(np.asarray(hi) < m, x, lo, hi)


# -- the builtin sum of a sequence ------------------------------------------------

def sequence_sum_adjoint(g, xs):
    """Gradient of ``sum(xs)`` (the builtin) with respect to ``xs``, given ``g``: for a list
    or tuple, each element's share of ``g`` (unbroadcast to its shape), as a `Cotangent`;
    for an array (summed over its first axis), ``g`` repeated along that axis."""
    if isinstance(xs, (tuple, list)):
        return Cotangent(unbroadcast(g, x) for x in xs)
    shape = shape_of(xs)
    return np.broadcast_to(unbroadcast(g, np.broadcast_to(0.0, shape[1:])), shape)


def sequence_sum_tangent(ts):
    """Tangent of ``sum(xs)`` given the tangent ``ts`` of ``xs``: the sum of the elements'
    tangents (a tuple or list), or of an array's rows; the symbolic zero stays zero."""
    if isinstance(ts, (tuple, list)):
        total = 0.0
        for t in ts:
            total = total + t
        return total
    if isinstance(ts, np.ndarray) and ts.ndim:
        return np.sum(ts, axis=0)
    return ts


def sequence_sum_adjoint_cotangent(u, g):
    """d/dg of <u, sequence_sum_adjoint(g, xs)>: the parts of ``u`` summed back to ``g``."""
    if isinstance(u, (tuple, list)):
        return sequence_sum_tangent([broadcast_like(v, g) for v in u])
    if isinstance(u, np.ndarray) and u.ndim:
        return broadcast_like(np.sum(u, axis=0), g)
    return broadcast_like(u, g)
