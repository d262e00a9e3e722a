"""Run-time helpers of templates/numpy_stats.py: NaN-skipping reductions (nansum, nanmean),
ptp, order statistics (median, quantile, percentile) and np.interp.

Conventions of `s2sad.runtime` hold here too: the scalar ``0.0`` stands for a zero of
whatever shape (a missing gradient, a constant argument's tangent); a derivative has the
float dtype of the value it belongs to (float32 stays float32).
"""

from __future__ import annotations

import numpy as np

from .runtime import shape_of
from .runtime_shape import _float_dtype, _groups, _norm_axes, _symbolic_zero, _zeros, chosen

# -- nanmean, ptp: weights for templates written with differentiable NumPy calls --------


def nan_count(x, axis=None, keepdims=False):
    """How many elements that are not NaN ``np.nanmean(x, axis)`` averages over (at least
    1, so that an all-NaN group divides nothing by zero), in ``x``'s float dtype."""
    present = np.logical_not(np.isnan(x)).astype(_float_dtype(x))
    return np.maximum(np.sum(present, axis=axis, keepdims=keepdims), 1.0)


def ptp_weights(x, axis=None):
    """The derivative of ``np.ptp(x, axis)`` with respect to each element of ``x``: ``1/k``
    at the ``k`` elements tied for the maximum of their group, minus ``1/k`` at those tied
    for the minimum (the split of `chosen`, as np.max and np.min); 0 in a constant group."""
    top = chosen(np.max(x, axis=axis, keepdims=True), x, axis, True)
    return top - chosen(np.min(x, axis=axis, keepdims=True), x, axis, True)


# -- median, quantile, percentile (the 'linear' method) ---------------------------------

def _order_statistics(a, q, axis, method, overwrite_input):
    """For ``np.quantile(a, q, axis)``: ``a`` as groups (rows of the flat layout of
    `_groups`), the positions in each row of the two order statistics every quantile
    interpolates between (rows x quantiles) and the weight of the upper one."""
    if method != "linear":
        raise NotImplementedError(f"the derivative of np.quantile with method={method!r} "
                                  "is not implemented (method='linear' is)")
    if overwrite_input:
        raise NotImplementedError("the derivative of a quantile with overwrite_input=True "
                                  "is not implemented (the input is reordered)")
    flat, back = _groups(a, axis)
    n = flat.shape[-1]
    rows = np.reshape(flat, (-1, n))
    position = np.ravel(np.asarray(q, dtype=np.float64)) * (n - 1)
    low = np.clip(np.floor(position).astype(np.intp), 0, n - 1)
    high = np.minimum(low + 1, n - 1)
    order = np.argsort(rows, axis=-1)
    return rows, back, order[:, low], order[:, high], position - low


def _quantile_shape(a, q, axis, keepdims) -> tuple:
    """The shape of ``np.quantile(a, q, axis, keepdims=keepdims)``."""
    shape = shape_of(a)
    axes = _norm_axes(axis, len(shape))
    if keepdims:
        return np.shape(q) + tuple(1 if k in axes else n for k, n in enumerate(shape))
    return np.shape(q) + tuple(n for k, n in enumerate(shape) if k not in axes)


def quantile_jvp(t, a, q, axis=None, keepdims=False, method="linear", overwrite_input=False):
    """Tangent of ``y = np.quantile(a, q, axis, method=method, keepdims=keepdims)``: the
    tangents of the two order statistics each quantile interpolates, with its weights."""
    y_shape = _quantile_shape(a, q, axis, keepdims)
    dtype = _float_dtype(a)
    if _symbolic_zero(t):
        return np.zeros(y_shape, dtype=dtype)
    rows, _, low, high, upper = _order_statistics(a, q, axis, method, overwrite_input)
    trows = np.reshape(_groups(np.broadcast_to(t, shape_of(a)), axis)[0], rows.shape)
    out = (np.take_along_axis(trows, low, -1) * (1.0 - upper)
           + np.take_along_axis(trows, high, -1) * upper)
    return np.reshape(np.moveaxis(out, -1, 0), y_shape).astype(dtype, copy=False)


def quantile_adjoint(g, a, q, axis=None, keepdims=False, method="linear",
                     overwrite_input=False):
    """Gradient of ``y = np.quantile(a, q, axis, method=method, keepdims=keepdims)``: each
    quantile's gradient added to its two order statistics, with the interpolation weights."""
    if _symbolic_zero(g):
        return _zeros(a)
    rows, back, low, high, upper = _order_statistics(a, q, axis, method, overwrite_input)
    g = np.moveaxis(np.reshape(g, (upper.size, rows.shape[0])), 0, -1)
    out = np.zeros(rows.shape, dtype=np.result_type(g, _float_dtype(a)))
    index = np.arange(rows.shape[0])[:, None]
    np.add.at(out, (index, low), g * (1.0 - upper))
    np.add.at(out, (index, high), g * upper)
    return back(out)


# -- interp -------------------------------------------------------------------------------

def _check_period(period) -> None:
    if period is not None:
        raise NotImplementedError("the derivative of np.interp with a period is not "
                                  "implemented")


def _segments(x, xp):
    """For each ``x``: the segment ``[xp[i], xp[i + 1]]`` np.interp reads (the first or the
    last outside the range), the weight of ``fp[i + 1]`` (clamped to [0, 1]) and where ``x``
    is below and above the range."""
    x = np.asarray(x, dtype=np.float64)
    xp = np.asarray(xp, dtype=np.float64)
    if xp.size < 2:
        zero = np.zeros(x.shape, dtype=np.intp)
        return zero, zero, np.zeros(x.shape), x < xp[0], x > xp[-1], np.zeros(x.shape)
    low = np.clip(np.searchsorted(xp, x, side="right") - 1, 0, xp.size - 2)
    width = xp[low + 1] - xp[low]
    upper = np.clip((x - xp[low]) / width, 0.0, 1.0)
    return low, low + 1, upper, x < xp[0], x > xp[-1], width


def _weights(x, xp, left, right, slope: bool):
    """The indices and weights of the two ``fp`` np.interp interpolates for each ``x`` (zero
    where a given ``left`` or ``right`` replaces them); with ``slope``, those of the slope
    of that segment, the weights' derivative in ``x`` (zero outside ``[xp[0], xp[-1]]``,
    where the value is clamped)."""
    low, high, upper, below, above, width = _segments(x, xp)
    if slope:
        inside = np.logical_not(below | above) & (width > 0)
        step = np.where(inside, 1.0 / np.where(inside, width, 1.0), 0.0)
        return low, high, -step, step
    outside = (below if left is not None else False) | (above if right is not None else False)
    keep = np.logical_not(outside)
    return low, high, (1.0 - upper) * keep, upper * keep


def _scatter(g, x, xp, fp, left, right, period, slope: bool):
    _check_period(period)
    if _symbolic_zero(g):
        return _zeros(fp)
    low, high, w_low, w_high = _weights(x, xp, left, right, slope)
    g = np.broadcast_to(g, low.shape)
    out = np.zeros(shape_of(fp), dtype=np.result_type(g, _float_dtype(fp)))
    np.add.at(out, low, g * w_low)
    np.add.at(out, high, g * w_high)
    return out


def _gather(t, x, xp, fp, left, right, period, slope: bool):
    _check_period(period)
    low, high, w_low, w_high = _weights(x, xp, left, right, slope)
    if _symbolic_zero(t):
        return np.zeros(low.shape, dtype=_float_dtype(fp))
    t = np.asarray(t)
    return (t[low] * w_low + t[high] * w_high).astype(_float_dtype(fp), copy=False)


def interp_fp_adjoint(g, x, xp, fp, left=None, right=None, period=None):
    """Gradient of ``y = np.interp(x, xp, fp, left, right)`` with respect to ``fp``: each
    ``g`` added to the two ``fp`` its ``x`` interpolates, with their weights."""
    return _scatter(g, x, xp, fp, left, right, period, False)


def interp_fp_jvp(t, x, xp, fp, left=None, right=None, period=None):
    """Tangent of ``y = np.interp(x, xp, fp, left, right)`` along ``t``, a tangent of
    ``fp``: np.interp of ``t`` (but for the given ``left`` and ``right``)."""
    return _gather(t, x, xp, fp, left, right, period, False)


def interp_slope_adjoint(g, x, xp, fp, period=None):
    """The adjoint of `interp_slope_jvp`: ``g`` sent to the ends of each ``x``'s segment,
    divided by its width (-, +)."""
    return _scatter(g, x, xp, fp, None, None, period, True)


def interp_slope_jvp(t, x, xp, fp, period=None):
    """For each ``x``, the slope of the piecewise linear function of values ``t`` at
    ``xp`` on the segment of ``x`` (0 outside ``[xp[0], xp[-1]]``): with ``t = fp``,
    ``d np.interp(x, xp, fp) / dx``. Linear in ``t``, piecewise constant in ``x``."""
    return _gather(t, x, xp, fp, None, None, period, True)


def interp_outside(x, xp, side: int, given):
    """1 where ``np.interp`` returns its given ``left`` (side 0) or ``right`` (side 1), else 0:
    the derivative of the result with respect to that bound."""
    x = np.asarray(x)
    if given is None:
        return np.zeros(x.shape)
    outside = x < np.asarray(xp)[0] if side == 0 else x > np.asarray(xp)[-1]
    return outside.astype(_float_dtype(given))

