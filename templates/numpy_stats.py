"""Rules for NumPy's statistics: NaN-skipping reductions (nansum, nanmean), ptp, order
statistics (median, quantile, percentile; the 'linear' method) and np.interp.

NaN elements get a zero derivative. ptp splits its derivative among tied maxima (and
minima) as np.max and np.min do. A quantile's derivative goes to the one or two order
statistics it interpolates, with the interpolation weights; ``q`` is a constant. np.interp
is differentiated in ``x``, ``fp`` and a given ``left`` or ``right``; the breakpoints
``xp`` are constants (no ``d[xp]``: they get no gradient).
"""

import numpy as np

from s2sad.rules import adjoint, d, nondifferentiable, tangent
from s2sad.runtime import sum_adjoint, unbroadcast
from s2sad.runtime_stats import (
    interp_fp_adjoint,
    interp_fp_jvp,
    interp_outside,
    interp_slope_adjoint,
    interp_slope_jvp,
    nan_count,
    ptp_weights,
    quantile_adjoint,
    quantile_jvp,
)

nondifferentiable(nan_count, ptp_weights, interp_outside)


# -- NaN-skipping reductions ------------------------------------------------------
@adjoint(np.nansum)
def nansum(y, a, axis=None, dtype=None, out=None, keepdims=False):
    d[a] = np.where(np.isnan(a), 0.0, sum_adjoint(d[y], a, axis, keepdims))


@tangent(np.nansum)
def nansum_tangent(y, a, axis=None, dtype=None, out=None, keepdims=False):
    d[y] = np.sum(np.where(np.isnan(a), 0.0, d[a]), axis=axis, dtype=dtype, keepdims=keepdims)


@adjoint(np.nanmean)
def nanmean(y, a, axis=None, dtype=None, out=None, keepdims=False):
    share = sum_adjoint(d[y] / nan_count(a, axis, keepdims), a, axis, keepdims)
    d[a] = np.where(np.isnan(a), 0.0, share)


@tangent(np.nanmean)
def nanmean_tangent(y, a, axis=None, dtype=None, out=None, keepdims=False):
    total = np.sum(np.where(np.isnan(a), 0.0, d[a]), axis=axis, keepdims=keepdims)
    d[y] = total / nan_count(a, axis, keepdims)


# -- ptp ----------------------------------------------------------------------------
@adjoint(np.ptp)
def ptp(y, a, axis=None, out=None, keepdims=False):
    d[a] = sum_adjoint(d[y], a, axis, keepdims) * ptp_weights(a, axis)


@tangent(np.ptp)
def ptp_tangent(y, a, axis=None, out=None, keepdims=False):
    d[y] = np.sum(d[a] * ptp_weights(a, axis), axis=axis, keepdims=keepdims)


# -- order statistics -------------------------------------------------------------
@adjoint(np.median)
def median(y, a, axis=None, out=None, overwrite_input=False, keepdims=False):
    d[a] = quantile_adjoint(d[y], a, 0.5, axis, keepdims, "linear", overwrite_input)


@tangent(np.median)
def median_tangent(y, a, axis=None, out=None, overwrite_input=False, keepdims=False):
    d[y] = quantile_jvp(d[a], a, 0.5, axis, keepdims, "linear", overwrite_input)


@adjoint(np.quantile)
def quantile(y, a, q, axis=None, out=None, overwrite_input=False, method="linear",
             keepdims=False):
    d[a] = quantile_adjoint(d[y], a, q, axis, keepdims, method, overwrite_input)


@tangent(np.quantile)
def quantile_tangent(y, a, q, axis=None, out=None, overwrite_input=False, method="linear",
                     keepdims=False):
    d[y] = quantile_jvp(d[a], a, q, axis, keepdims, method, overwrite_input)


@adjoint(np.percentile)
def percentile(y, a, q, axis=None, out=None, overwrite_input=False, method="linear",
               keepdims=False):
    d[a] = quantile_adjoint(d[y], a, np.divide(q, 100.0), axis, keepdims, method,
                            overwrite_input)


@tangent(np.percentile)
def percentile_tangent(y, a, q, axis=None, out=None, overwrite_input=False, method="linear",
                       keepdims=False):
    d[y] = quantile_jvp(d[a], a, np.divide(q, 100.0), axis, keepdims, method, overwrite_input)


# -- interp: xp (the breakpoints) is a constant -------------------------------------
@adjoint(np.interp)
def interp(y, x, xp, fp, left=None, right=None, period=None):
    d[x] = d[y] * interp_slope_jvp(fp, x, xp, fp, period)  # the slope at x
    d[fp] = interp_fp_adjoint(d[y], x, xp, fp, left, right, period)
    d[left] = unbroadcast(d[y] * interp_outside(x, xp, 0, left), left)
    d[right] = unbroadcast(d[y] * interp_outside(x, xp, 1, right), right)


@tangent(np.interp)
def interp_tangent(y, x, xp, fp, left=None, right=None, period=None):
    d[y] = (d[x] * interp_slope_jvp(fp, x, xp, fp, period)
            + interp_fp_jvp(d[fp], x, xp, fp, left, right, period)
            + d[left] * interp_outside(x, xp, 0, left)
            + d[right] * interp_outside(x, xp, 1, right))


# -- the helpers the rules above call, for derivatives of derivatives: each is linear in
# its first argument (quantile_adjoint and quantile_jvp are each other's adjoints, as are
# interp_fp_adjoint and interp_fp_jvp, interp_slope_adjoint and interp_slope_jvp) and
# piecewise constant in the others but for the interpolation weights, linear in x on a
# segment (their derivative in x is the slope map) ----------------------------------------------------------------------
@adjoint(quantile_adjoint)
def quantile_adjoint_adjoint(y, g, a, q, axis=None, keepdims=False, method="linear",
                             overwrite_input=False):
    d[g] = quantile_jvp(d[y], a, q, axis, keepdims, method, overwrite_input)


@tangent(quantile_adjoint)
def quantile_adjoint_tangent(y, g, a, q, axis=None, keepdims=False, method="linear",
                             overwrite_input=False):
    d[y] = quantile_adjoint(d[g], a, q, axis, keepdims, method, overwrite_input)


@adjoint(quantile_jvp)
def quantile_jvp_adjoint(y, t, a, q, axis=None, keepdims=False, method="linear",
                         overwrite_input=False):
    d[t] = quantile_adjoint(d[y], a, q, axis, keepdims, method, overwrite_input)


@tangent(quantile_jvp)
def quantile_jvp_tangent(y, t, a, q, axis=None, keepdims=False, method="linear",
                         overwrite_input=False):
    d[y] = quantile_jvp(d[t], a, q, axis, keepdims, method, overwrite_input)


@adjoint(interp_fp_adjoint)
def interp_fp_adjoint_adjoint(y, g, x, xp, fp, left=None, right=None, period=None):
    d[g] = interp_fp_jvp(d[y], x, xp, fp, left, right, period)
    d[x] = g * interp_slope_jvp(d[y], x, xp, fp, period)


@tangent(interp_fp_adjoint)
def interp_fp_adjoint_tangent(y, g, x, xp, fp, left=None, right=None, period=None):
    d[y] = (interp_fp_adjoint(d[g], x, xp, fp, left, right, period)
            + interp_slope_adjoint(g * d[x], x, xp, fp, period))


@adjoint(interp_fp_jvp)
def interp_fp_jvp_adjoint(y, t, x, xp, fp, left=None, right=None, period=None):
    d[t] = interp_fp_adjoint(d[y], x, xp, fp, left, right, period)
    d[x] = d[y] * interp_slope_jvp(t, x, xp, fp, period)


@tangent(interp_fp_jvp)
def interp_fp_jvp_tangent(y, t, x, xp, fp, left=None, right=None, period=None):
    d[y] = (interp_fp_jvp(d[t], x, xp, fp, left, right, period)
            + d[x] * interp_slope_jvp(t, x, xp, fp, period))


@adjoint(interp_slope_adjoint)
def interp_slope_adjoint_adjoint(y, g, x, xp, fp, period=None):
    d[g] = interp_slope_jvp(d[y], x, xp, fp, period)


@tangent(interp_slope_adjoint)
def interp_slope_adjoint_tangent(y, g, x, xp, fp, period=None):
    d[y] = interp_slope_adjoint(d[g], x, xp, fp, period)


@adjoint(interp_slope_jvp)
def interp_slope_jvp_adjoint(y, t, x, xp, fp, period=None):
    d[t] = interp_slope_adjoint(d[y], x, xp, fp, period)


@tangent(interp_slope_jvp)
def interp_slope_jvp_tangent(y, t, x, xp, fp, period=None):
    d[y] = interp_slope_jvp(d[t], x, xp, fp, period)
