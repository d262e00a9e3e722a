"""Run-time helpers of templates/numpy_shape.py: reductions (prod, var, std, max, min,
cumsum, cumprod, average, trace) and shape and layout functions (concatenate, split,
tile, repeat, pad, sort, take, np.array of a list, ...).

Conventions of `s2sad.runtime` hold here too: the scalar ``0.0`` stands for a zero of
whatever shape (in forward mode, the tangent of a constant argument: the "symbolic
zero"); the gradient of a list or tuple is a `Cotangent` of per-element gradients; a
tangent has the dtype of the result it belongs to (float32 stays float32).
"""

from __future__ import annotations

import numpy as np

from .runtime import Cotangent, shape_of, unbroadcast, zeros_like

# -- small pieces ------------------------------------------------------------------------


def _symbolic_zero(t) -> bool:
    """Is ``t`` the zero a constant argument's tangent is replaced by?"""
    return type(t) is float and t == 0.0


def _dtype(value):
    if isinstance(value, (list, tuple)):
        return np.asarray(value).dtype
    return np.result_type(value)


def _float_dtype(value):
    dtype = _dtype(value)
    return dtype if dtype.kind == "f" else np.dtype(np.float64)


def _is_float(value) -> bool:
    return _dtype(value).kind == "f"


def _like(t, y):
    """The tangent ``t`` as an array of ``y``'s shape and float dtype (zeros for an integer
    or boolean ``y``, whose value is piecewise constant)."""
    if not _is_float(y):
        return np.zeros(shape_of(y))
    t = np.asarray(t, dtype=np.result_type(y))
    if t.shape != shape_of(y):
        t = np.broadcast_to(t, shape_of(y))
    return t


def _norm_axes(axis, ndim: int) -> tuple:
    """The axes a reduction over ``axis`` (None, int or tuple) reduces, positive, sorted."""
    if axis is None:
        return tuple(range(ndim))
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    return tuple(sorted(int(a) % ndim for a in axes)) if ndim else ()


def _keep(v, x, axis, keepdims):
    """``v``, the result of a reduction of ``x`` over ``axis``, with the reduced axes kept
    (as ``keepdims=True`` would have them): it broadcasts against ``x``."""
    ndim = len(shape_of(x))
    if keepdims or not ndim:
        return v
    return np.expand_dims(v, _norm_axes(axis, ndim))


def _count(x, axis) -> int:
    shape = shape_of(x)
    return int(np.prod([shape[a] for a in _norm_axes(axis, len(shape))]))


# -- prod --------------------------------------------------------------------------------

def _groups(x, axis):
    """``x`` with the axes a reduction over ``axis`` reduces flattened into one last axis,
    and the function putting an array of that layout back into ``x``'s."""
    x = np.asarray(x)
    axes = _norm_axes(axis, x.ndim)
    order = [a for a in range(x.ndim) if a not in axes] + list(axes)
    moved = np.transpose(x, order)
    lead = moved.shape[:x.ndim - len(axes)]

    def back(v):
        return np.transpose(np.reshape(v, moved.shape), np.argsort(order))
    return np.reshape(moved, lead + (-1,)), back


def _exclusive_product(flat):
    """Along the last axis, the product of the other elements (prefix times suffix
    products, no division: exact with zeros)."""
    ones = np.ones(flat.shape[:-1] + (1,), dtype=flat.dtype)
    left = np.concatenate([ones, np.cumprod(flat[..., :-1], axis=-1)], axis=-1)
    right = np.concatenate([np.cumprod(flat[..., :0:-1], axis=-1)[..., ::-1], ones], axis=-1)
    return left * right


def others_product(x, axis=None, initial=None):
    """For each element of ``x``, ``initial`` times the product of the other elements of the
    group ``np.prod(x, axis)`` reduces it with: the derivative of the product, exact when
    ``x`` holds zeros."""
    x = np.asarray(x, dtype=_float_dtype(x))
    flat, back = _groups(x, axis)
    out = back(_exclusive_product(flat)) if flat.shape[-1] else np.zeros(x.shape, x.dtype)
    return out if initial is None else out * initial


def others_product_jvp(t, x, axis=None, initial=None):
    """The tangent of ``others_product(x, axis, initial)`` along ``t``: for each element
    ``i``, the sum over the others ``k`` of its group of ``t[k]`` times the product of the
    elements other than ``i`` and ``k``. The matrix of that map is symmetric, so this is the
    map's adjoint too."""
    x = np.asarray(x, dtype=_float_dtype(x))
    if _symbolic_zero(t):
        return np.zeros(x.shape, dtype=x.dtype)
    flat, back = _groups(x, axis)
    tflat, _ = _groups(np.broadcast_to(t, x.shape), axis)
    n = flat.shape[-1]
    if n < 2:
        return np.zeros(x.shape, dtype=x.dtype)
    diagonal = np.eye(n, dtype=bool)
    rows = np.where(diagonal, 1.0, flat[..., None, :])     # row i: x with x_i = 1
    trows = np.where(diagonal, 0.0, tflat[..., None, :])   # row i: t with t_i = 0
    out = np.sum(trows * _exclusive_product(rows), axis=-1)
    out = back(out.astype(np.result_type(x, tflat), copy=False))
    return out if initial is None else out * initial


def prod_jvp(t, x, y, axis=None, keepdims=False, initial=None):
    """Tangent of ``y = np.prod(x, axis, keepdims=keepdims, initial=initial)``."""
    out = np.sum(t * others_product(x, axis, initial), axis=axis, keepdims=keepdims)
    return _like(out, y)


# -- var and std: the adjoints are written in the templates with differentiable NumPy
# calls and the shape-only helpers below (nondifferentiable), so that derivatives of
# derivatives work through them.

def dof(x, axis=None, ddof=0, correction=None) -> int:
    """The degrees of freedom ``n - ddof`` of ``np.var(x, axis, ddof=ddof)``."""
    return _count(x, axis) - (ddof if correction is None else correction)


def zeros_of(y):
    """1 where ``y`` is zero, else 0 (in ``y``'s float dtype): ``y + zeros_of(y)`` is the
    divisor of the derivative of ``np.std``, where a zero standard deviation has a zero
    derivative (its numerator vanishes too)."""
    return (np.asarray(y) == 0).astype(_float_dtype(y))


def var_jvp(t, x, y, axis=None, ddof=0, keepdims=False, correction=None):
    """Tangent of ``y = np.var(x, axis, ddof=ddof, keepdims=keepdims)``."""
    centered = x - np.mean(x, axis=axis, keepdims=True)
    out = 2.0 * np.sum(t * centered, axis=axis, keepdims=keepdims)
    return _like(out / dof(x, axis, ddof, correction), y)


def std_jvp(t, x, y, axis=None, ddof=0, keepdims=False, correction=None):
    """Tangent of ``y = np.std(x, axis, ddof=ddof, keepdims=keepdims)``: zero where the
    standard deviation is zero (autograd: where one element is reduced)."""
    centered = x - np.mean(x, axis=axis, keepdims=True)
    out = np.sum(t * centered, axis=axis, keepdims=keepdims)
    return _like(out / (dof(x, axis, ddof, correction) * (y + zeros_of(y))), y)


# -- max and min: the derivative split equally among tied elements, as autograd ----------

def chosen(y, x, axis=None, keepdims=False):
    """1/k at the k elements of ``x`` equal to the max/min ``y`` of their group, else 0 (in
    ``x``'s float dtype)."""
    dtype = _float_dtype(x)
    mask = (np.asarray(x) == _keep(y, x, axis, keepdims)).astype(dtype)
    count = np.sum(mask, axis=axis, keepdims=True) if np.ndim(mask) else mask
    return mask / np.maximum(count, 1)


def chooser_jvp(t, y, x, axis=None, keepdims=False):
    """Tangent of ``y = np.max(x, axis, keepdims=keepdims)`` (or min, amax, amin)."""
    return _like(np.sum(t * chosen(y, x, axis, keepdims), axis=axis, keepdims=keepdims), y)


# -- cumprod -----------------------------------------------------------------------------

def _lanes(x, axis):
    """``x`` with the cumulative axis last (flattened for axis None), and how to undo it."""
    x = np.asarray(x)
    if axis is None:
        return np.reshape(x, (-1,)), lambda v: np.reshape(v, x.shape)
    ax = axis % x.ndim
    return np.moveaxis(x, ax, -1), lambda v: np.moveaxis(v, -1, ax)


def _cumprod_jacobian(xm):
    """``J[..., i, k] = d cumprod(xm)[..., k] / d xm[..., i]``: the product of ``xm[..., j]``
    for ``j <= k, j != i`` when ``k >= i``, else 0 (exact with zeros)."""
    n = xm.shape[-1]
    rows = np.array(np.broadcast_to(xm[..., None, :], xm.shape[:-1] + (n, n)))
    rows[..., np.arange(n), np.arange(n)] = 1.0
    return np.cumprod(rows, axis=-1) * np.triu(np.ones((n, n), dtype=xm.dtype))


def diff_adjoint(g, x, n=1, axis=-1):
    """Gradient of ``y = np.diff(x, n, axis)``: the adjoint of a first difference,
    ``g`` padded by a zero in front minus ``g`` padded by a zero behind, ``n`` times."""
    shape = list(shape_of(x))
    axis = axis % len(shape)
    shape[axis] = max(shape[axis] - n, 0)
    g = np.broadcast_to(g, tuple(shape))
    for _ in range(n):
        zero = np.zeros_like(np.take(g, [0], axis=axis)) if g.shape[axis] else \
            np.zeros(g.shape[:axis] + (1,) + g.shape[axis + 1:], dtype=g.dtype)
        g = np.concatenate([zero, g], axis) - np.concatenate([g, zero], axis)
    return g


def cumprod_adjoint(g, y, x, axis=None):
    """Gradient of ``y = np.cumprod(x, axis)``."""
    xm, back = _lanes(x, axis)
    gm, _ = _lanes(g, axis)
    if np.all(xm != 0):
        ym, _ = _lanes(y, axis)
        rev = np.flip(np.cumsum(np.flip(gm * ym, -1), axis=-1), -1)
        return back(rev / xm)
    return back(np.einsum("...ik,...k->...i", _cumprod_jacobian(xm), gm))


def cumprod_adjoint_jvp(g, x, t, axis=None):
    """The part of the tangent of ``cumprod_adjoint(g, y, x, axis)`` that moves with ``x``
    (along ``t``; ``y`` is the cumprod of ``x``, so it moves with it). Without zeros in
    ``x``: the gradient is ``revcumsum(g y) / x``; with zeros, the Jacobian's entries are
    products in which each element appears at most once, so their derivative for
    ``x[m]`` is the entry with ``x[m] = 1`` less the one with ``x[m] = 0`` (n^3 work)."""
    if type(t) in (float, int) and t == 0 or type(g) in (float, int) and g == 0:
        return np.zeros(shape_of(x))
    xm, back = _lanes(x, axis)
    gm, _ = _lanes(g, axis)
    tm, _ = _lanes(np.broadcast_to(t, shape_of(x)), axis)
    if np.all(xm != 0):
        ym = np.cumprod(xm, axis=-1)
        dym = ym * np.cumsum(tm / xm, axis=-1)

        def rev(v):
            return np.flip(np.cumsum(np.flip(v, -1), axis=-1), -1)

        return back(rev(gm * dym) / xm - tm * rev(gm * ym) / (xm * xm))
    out = np.zeros(np.broadcast_shapes(xm.shape, tm.shape, gm.shape))
    for m in range(xm.shape[-1]):
        one, zero = np.array(xm), np.array(xm)
        one[..., m], zero[..., m] = 1.0, 0.0
        dJ = _cumprod_jacobian(one) - _cumprod_jacobian(zero)
        out += tm[..., m, None] * np.einsum("...ik,...k->...i", dJ, gm)
    return back(out)


def cumprod_adjoint_partner(h, g, x, axis=None):
    """The gradient of ``x`` in ``cumprod_adjoint(g, y, x, axis)`` given the cotangent ``h``
    of its result (``y``, the cumprod of ``x``, is left to ``x``): without zeros,
    ``revcumsum(g y cumsum(h / x)) / x - h revcumsum(g y) / x^2``; with zeros, the
    derivative of each Jacobian entry for ``x[m]`` as in `cumprod_adjoint_jvp`."""
    if type(h) in (float, int) and h == 0 or type(g) in (float, int) and g == 0:
        return np.zeros(shape_of(x))
    xm, back = _lanes(x, axis)
    gm, _ = _lanes(g, axis)
    hm, _ = _lanes(np.broadcast_to(h, shape_of(x)), axis)
    if np.all(xm != 0):
        ym = np.cumprod(xm, axis=-1)

        def rev(v):
            return np.flip(np.cumsum(np.flip(v, -1), axis=-1), -1)

        return back(rev(gm * ym * np.cumsum(hm / xm, axis=-1)) / xm
                    - hm * rev(gm * ym) / (xm * xm))
    out = np.zeros(np.broadcast_shapes(xm.shape, hm.shape, gm.shape))
    for m in range(xm.shape[-1]):
        one, zero = np.array(xm), np.array(xm)
        one[..., m], zero[..., m] = 1.0, 0.0
        dJ = _cumprod_jacobian(one) - _cumprod_jacobian(zero)
        out[..., m] = np.einsum("...i,...ik,...k->...", hm, dJ, gm)
    return back(out)


def cumprod_jvp(t, y, x, axis=None):
    """Tangent of ``y = np.cumprod(x, axis)``."""
    xm, back = _lanes(x, axis)
    tm, _ = _lanes(np.broadcast_to(t, shape_of(x)), axis)
    if axis is None:  # y is flat
        back = np.asarray
    if np.all(xm != 0):
        ym, _ = _lanes(y, axis)
        return _like(back(ym * np.cumsum(tm / xm, axis=-1)), y)
    return _like(back(np.einsum("...ik,...i->...k", _cumprod_jacobian(xm), tm)), y)


# -- average -----------------------------------------------------------------------------

def _check_average(returned) -> None:
    if returned:
        raise NotImplementedError("the derivative of np.average with returned=True is not "
                                  "implemented; compute the sum of the weights separately")


def _weights(a, weights, axis):
    """The weights in the layout they multiply ``a`` with (a 1-d array along ``axis``
    reshaped to broadcast)."""
    w = np.asarray(weights)
    if w.shape != shape_of(a) and w.ndim == 1 and axis is not None:
        shape = [1] * len(shape_of(a))
        shape[axis % len(shape)] = w.shape[0]
        w = np.reshape(w, shape)
    return w


def average_adjoint(g, y, a, weights=None, axis=None, keepdims=False, returned=False,
                    argnum=0):
    """Gradient of ``y = np.average(a, axis, weights, keepdims=keepdims)`` with respect to
    ``a`` (argnum 0) or ``weights`` (1)."""
    _check_average(returned)
    g = _keep(g, a, axis, keepdims)
    if weights is None:
        return np.broadcast_to(g / _count(a, axis), shape_of(a))
    w = _weights(a, weights, axis)
    total = np.sum(np.broadcast_to(w, shape_of(a)), axis=axis, keepdims=True)
    if argnum == 0:
        return np.broadcast_to(g * w / total, shape_of(a))
    part = g * (a - _keep(y, a, axis, keepdims)) / total
    return np.reshape(unbroadcast(np.broadcast_to(part, shape_of(a)), w), shape_of(weights))


def average_jvp(ta, tw, y, a, weights=None, axis=None, keepdims=False, returned=False):
    """Tangent of ``y = np.average(a, axis, weights, keepdims=keepdims)``."""
    _check_average(returned)
    if weights is None:
        return _like(np.mean(np.broadcast_to(ta, shape_of(a)), axis=axis, keepdims=keepdims),
                     y)
    w = _weights(a, weights, axis)
    total = np.sum(np.broadcast_to(w, shape_of(a)), axis=axis, keepdims=True)
    num = ta * w
    if not _symbolic_zero(tw):
        num = num + np.reshape(tw, np.shape(w)) * (a - _keep(y, a, axis, keepdims))
    out = np.sum(np.broadcast_to(num / total, shape_of(a)), axis=axis, keepdims=keepdims)
    return _like(out, y)


# -- trace, diagonal, diag ---------------------------------------------------------------

def trace_eye(x, offset=0, axis1=0, axis2=1):
    """The ones on the diagonal ``np.trace(x, offset, axis1, axis2)`` sums, as a matrix of the
    shape of those two axes of ``x``."""
    shape = shape_of(x)
    return np.eye(shape[axis1], shape[axis2], k=offset, dtype=_float_dtype(x))


def _zeros(x):
    """Zeros of ``x``'s shape and float dtype: what a helper linear in its first argument
    returns for the symbolic zero (its tangent rule gives it the zero tangent of a
    constant)."""
    return np.zeros(shape_of(x), dtype=_float_dtype(x))


def diagonal_adjoint(g, x, offset=0, axis1=0, axis2=1):
    """Gradient of ``np.diagonal(x, offset, axis1, axis2)``: ``g`` placed on that diagonal
    of zeros of ``x``'s shape."""
    if _symbolic_zero(g):
        return _zeros(x)
    shape = shape_of(x)
    a1, a2 = axis1 % len(shape), axis2 % len(shape)
    rest = [n for i, n in enumerate(shape) if i not in (a1, a2)]
    out = np.zeros(rest + [shape[a1], shape[a2]], dtype=np.result_type(g, _float_dtype(x)))
    k = np.shape(g)[-1]
    rows = np.arange(k) + max(-offset, 0)
    cols = np.arange(k) + max(offset, 0)
    out[..., rows, cols] = g
    return np.moveaxis(out, (-2, -1), (a1, a2))


def diag_adjoint(g, x, k=0):
    """Gradient of ``np.diag(x, k)``: the diagonal of ``g`` for a vector ``x`` (which
    ``np.diag`` made a matrix), ``g`` on the diagonal for a matrix ``x``."""
    if _symbolic_zero(g):
        return _zeros(x)
    if len(shape_of(x)) == 1:
        return np.diagonal(g, k).copy()
    return diagonal_adjoint(g, x, k, 0, 1)


# -- ravel order -------------------------------------------------------------------------

def ravel_order(x, order="C"):
    """The order ("C" or "F") in which ``np.ravel(x, order)`` reads ``x``."""
    if order in ("C", "F", None):
        return order or "C"
    if order in ("A", "K") and isinstance(x, np.ndarray) and x.ndim > 1 \
            and x.flags.f_contiguous and not x.flags.c_contiguous:
        return "F"
    return "C"


# -- joining and splitting ---------------------------------------------------------------

def _join_view(arrays, kind: str, axis):
    """The arrays as ``kind`` ("concatenate", "hstack", ...) joins them, and the axis."""
    if kind == "hstack":
        parts = [np.atleast_1d(a) for a in arrays]
        return parts, 0 if parts and parts[0].ndim == 1 else 1
    if kind == "vstack":
        return [np.atleast_2d(a) for a in arrays], 0
    if kind == "dstack":
        return [np.atleast_3d(a) for a in arrays], 2
    if kind == "column_stack":
        parts = [np.asarray(a) for a in arrays]
        return [np.reshape(p, (-1, 1)) if p.ndim < 2 else p for p in parts], 1
    parts = [np.asarray(a) for a in arrays]
    if axis is None:
        return [np.reshape(p, (-1,)) for p in parts], 0
    return parts, axis % parts[0].ndim


def join_adjoint(g, arrays, kind="concatenate", axis=0):
    """Gradient of ``np.<kind>(arrays, axis)`` with respect to the sequence ``arrays``: a
    `Cotangent` of one gradient per element (an array for an array ``arrays``)."""
    if _symbolic_zero(g):
        return zeros_like(arrays)
    if kind == "stack":
        ax = axis % (len(shape_of(arrays[0])) + 1)
        pieces = [np.take(g, k, axis=ax) for k in range(len(arrays))]
    else:
        parts, ax = _join_view(arrays, kind, axis)
        bounds = np.cumsum([p.shape[ax] for p in parts])[:-1]
        pieces = np.split(np.reshape(g, np.shape(g)), bounds, axis=ax)
    pieces = [_split_like(np.reshape(p, np.shape(a)), a) for p, a in zip(pieces, arrays)]
    if isinstance(arrays, (list, tuple)):
        return Cotangent(pieces)
    return np.reshape(np.stack(pieces), shape_of(arrays))


_JOIN = {"concatenate": np.concatenate, "stack": np.stack, "hstack": np.hstack,
         "vstack": np.vstack, "dstack": np.dstack, "column_stack": np.column_stack}


def _filled(t, value):
    """The tangent ``t`` of ``value`` with a symbolic zero made a zero of ``value``'s shape
    (recursively through lists and tuples)."""
    if isinstance(value, (list, tuple)):
        if _symbolic_zero(t):
            t = [0.0] * len(value)
        return [_filled(tk, vk) for tk, vk in zip(t, value)]
    if _symbolic_zero(t) and np.ndim(value):
        return np.zeros(np.shape(value))
    return t


def join_jvp(ts, arrays, y, kind="concatenate", axis=0):
    """Tangent of ``y = np.<kind>(arrays, axis)``: the same join of the tangents (zeros for
    constant elements)."""
    parts = _filled(ts, arrays) if isinstance(arrays, (list, tuple)) else ts
    if kind in ("concatenate", "stack"):
        out = _JOIN[kind](parts, axis=axis)
    else:
        out = _JOIN[kind](parts)
    return _like(out, y)


_SPLIT = {"split": np.split, "array_split": np.array_split, "hsplit": np.hsplit,
          "vsplit": np.vsplit, "dsplit": np.dsplit}


def split_adjoint(g, x, indices_or_sections, axis=0, kind="split"):
    """Gradient of ``np.<kind>(x, indices_or_sections, axis)`` (a list) given the list (or
    `Cotangent`) ``g`` of the pieces' gradients: each placed where its piece came from."""
    out = _zeros(x)
    if _symbolic_zero(g):
        return out
    for view, piece in zip(_split(out, indices_or_sections, axis, kind), g):
        view += piece
    return out


def _split(x, indices_or_sections, axis, kind):
    if kind in ("split", "array_split"):
        return _SPLIT[kind](x, indices_or_sections, axis)
    return _SPLIT[kind](x, indices_or_sections)


def split_cotangent(u, indices_or_sections, axis=0, kind="split"):
    """The adjoint of `split_adjoint`: ``u`` split into a `Cotangent` of pieces."""
    return Cotangent(_split(u, indices_or_sections, axis, kind))


# -- tile, repeat ------------------------------------------------------------------------

def tile_adjoint(g, x, reps):
    """Gradient of ``np.tile(x, reps)``: the sum of the tiles."""
    if _symbolic_zero(g):
        return _zeros(x)
    reps = tuple(reps) if np.ndim(reps) else (int(reps),)
    shape = shape_of(x)
    n = max(len(reps), len(shape))
    reps = (1,) * (n - len(reps)) + reps
    padded = (1,) * (n - len(shape)) + tuple(shape)
    g = np.reshape(g, [v for r, s in zip(reps, padded) for v in (r, s)])
    return np.reshape(np.sum(g, axis=tuple(range(0, 2 * n, 2))), shape)


def repeat_adjoint(g, x, repeats, axis=None):
    """Gradient of ``np.repeat(x, repeats, axis)``: each element gets the sum of its copies."""
    if _symbolic_zero(g):
        return _zeros(x)
    shape = shape_of(x)
    dtype = np.result_type(g, _float_dtype(x))
    if axis is None:
        n = int(np.prod(shape))
        out = np.zeros(n, dtype=dtype)
        np.add.at(out, np.repeat(np.arange(n), repeats), np.reshape(g, (-1,)))
        return np.reshape(out, shape)
    ax = axis % len(shape)
    moved = np.moveaxis(g, ax, 0)
    out = np.zeros((shape[ax],) + moved.shape[1:], dtype=dtype)
    np.add.at(out, np.repeat(np.arange(shape[ax]), repeats), moved)
    return np.moveaxis(out, 0, ax)


# -- pad ---------------------------------------------------------------------------------

_PAD_MODES = ("constant", "edge", "reflect", "symmetric", "wrap")


def _pad_sources(x, pad_width, mode):
    """For each element of the padded array, 1 + the flat index of the element of ``x`` it
    copies, or 0 for a constant."""
    if mode not in _PAD_MODES:
        raise NotImplementedError(f"the derivative of np.pad with mode={mode!r} is not "
                                  f"implemented (only {', '.join(_PAD_MODES)})")
    shape = shape_of(x)
    index = np.arange(1, int(np.prod(shape)) + 1).reshape(shape)
    return np.pad(index, pad_width, mode)  # constant mode pads with 0


def pad_adjoint(g, x, pad_width, mode="constant"):
    """Gradient of ``np.pad(x, pad_width, mode)`` with respect to ``x``: every element gets
    the gradients of the places it was copied to."""
    sources = _pad_sources(x, pad_width, mode)
    if _symbolic_zero(g):
        return _zeros(x)
    size = int(np.prod(shape_of(x)))
    out = np.bincount(sources.ravel(), weights=np.ravel(g), minlength=size + 1)[1:]
    return np.reshape(out, shape_of(x)).astype(np.result_type(g, _float_dtype(x)), copy=False)


def pad_values_adjoint(g, x, pad_width, constant_values=0):
    """Gradient of ``np.pad(x, pad_width, constant_values=c)`` with respect to a scalar
    ``c``: the sum of ``g`` over the padding."""
    if np.ndim(constant_values):
        raise NotImplementedError("the derivative of np.pad with respect to constant_values "
                                  "is implemented for a scalar only")
    return np.sum(np.where(_pad_sources(x, pad_width, "constant") == 0, g, 0.0))


def pad_values_cotangent(u, x, pad_width):
    """The adjoint of `pad_values_adjoint` (with respect to its ``g``): ``u`` on the
    padding, 0 elsewhere."""
    return np.where(_pad_sources(x, pad_width, "constant") == 0, u, 0.0)


def pad_jvp(t, tc, x, y, pad_width, mode="constant"):
    """Tangent of ``y = np.pad(x, pad_width, mode, constant_values=c)``: the tangent of
    ``x`` padded alike, the padding the tangent ``tc`` of ``c`` in constant mode."""
    _pad_sources(x, pad_width, mode)  # only the modes with a derivative
    t = np.zeros(shape_of(x)) if _symbolic_zero(t) else t
    if mode == "constant":
        return _like(np.pad(t, pad_width, mode, constant_values=tc), y)
    return _like(np.pad(t, pad_width, mode), y)


# -- sort, take --------------------------------------------------------------------------

def _sort_kind(kind, stable):
    return "stable" if stable else kind


def sort_adjoint(g, x, axis=-1, kind=None, stable=None):
    """Gradient of ``np.sort(x, axis, kind)``: ``g`` sent back through the permutation."""
    if _symbolic_zero(g):
        return _zeros(x)
    kind = _sort_kind(kind, stable)
    out = np.zeros(shape_of(x), dtype=np.result_type(g, _float_dtype(x)))
    if axis is None:
        flat = out.reshape(-1)
        flat[np.argsort(np.ravel(x), kind=kind)] = np.ravel(g)
        return out
    np.put_along_axis(out, np.argsort(x, axis=axis, kind=kind), g, axis=axis)
    return out


def sort_jvp(t, x, y, axis=-1, kind=None, stable=None):
    """Tangent of ``y = np.sort(x, axis, kind)``: ``t`` permuted like ``x``."""
    kind = _sort_kind(kind, stable)
    t = np.broadcast_to(t, shape_of(x))
    if axis is None:
        return _like(np.ravel(t)[np.argsort(np.ravel(x), kind=kind)], y)
    return _like(np.take_along_axis(t, np.argsort(x, axis=axis, kind=kind), axis=axis), y)


def take_adjoint(g, x, indices, axis=None, mode="raise"):
    """Gradient of ``np.take(x, indices, axis, mode=mode)``: ``g`` added at the indices."""
    if _symbolic_zero(g):
        return _zeros(x)
    shape = shape_of(x)
    n = int(np.prod(shape)) if axis is None else shape[axis % len(shape)]
    index = np.asarray(indices)
    if mode == "wrap":
        index = index % n
    elif mode == "clip":
        index = np.clip(index, 0, n - 1)
    else:
        index = np.where(index < 0, index + n, index)
    dtype = np.result_type(g, _float_dtype(x))
    if axis is None:
        out = np.zeros(n, dtype=dtype)
        np.add.at(out, index.reshape(-1), np.reshape(np.broadcast_to(g, index.shape), (-1,)))
        return np.reshape(out, shape)
    out = np.zeros(shape, dtype=dtype)
    np.add.at(out, (slice(None),) * (axis % len(shape)) + (index,), g)
    return out


def take_along_axis_adjoint(g, x, indices, axis):
    """Gradient of ``np.take_along_axis(x, indices, axis)``: ``g`` added where each element
    was taken from (repeated indices add up; ``axis=None``: of the flattened ``x``)."""
    if _symbolic_zero(g):
        return _zeros(x)
    shape = shape_of(x)
    dtype = np.result_type(g, _float_dtype(x))
    index = np.asarray(indices)
    if axis is None:
        out = np.zeros(int(np.prod(shape)), dtype=dtype)
        np.add.at(out, index, np.broadcast_to(g, index.shape))
        return np.reshape(out, shape)
    axis = axis % len(shape)
    # np.take_along_axis broadcasts x and indices against each other, but for the axis
    index = np.broadcast_to(index, tuple(n if k == axis else max(n, m) for k, (n, m) in
                                         enumerate(zip(index.shape, shape))))
    grid = list(np.ogrid[tuple(slice(n) for n in index.shape)])
    grid[axis] = np.where(index < 0, index + shape[axis], index)
    out = np.zeros(shape, dtype=dtype)
    np.add.at(out, tuple(grid), np.broadcast_to(g, index.shape))
    return out


# -- np.array and np.asarray, full, linspace ---------------------------------------------

def _split_like(g, obj):
    if isinstance(obj, (list, tuple)):
        return Cotangent(_split_like(g[k], o) for k, o in enumerate(obj))
    return g


def array_adjoint(g, obj, y):
    """Gradient of ``y = np.array(obj)`` with respect to ``obj``: ``g`` itself for an array,
    split back into (nested) `Cotangent` rows for a (nested) list or tuple of values; zero
    for an integer or boolean ``y``."""
    if not _is_float(y) or _symbolic_zero(g):
        return zeros_like(obj)
    return _split_like(np.reshape(g, np.shape(obj)), obj)


def array_jvp(t, obj, y):
    """Tangent of ``y = np.array(obj)``: the tangents of ``obj``'s values as one array."""
    if not _is_float(y):
        return np.zeros(shape_of(y))
    return np.reshape(np.array(_filled(t, obj), dtype=np.result_type(y)), shape_of(y))


def fill_adjoint(g, fill_value, y):
    """Gradient of ``y = np.full(shape, fill_value)`` (or ``np.full_like``) with respect to
    ``fill_value``: the sum of ``g`` over the copies (zero for an integer ``y``)."""
    if not _is_float(y) or _symbolic_zero(g):
        return zeros_like(fill_value)
    return unbroadcast(g, fill_value)


def fill_jvp(t, y):
    """Tangent of ``y = np.full(shape, fill_value)``: ``t`` broadcast to ``y``."""
    return _like(t, y)


def _linspace_weights(num, endpoint, dtype):
    div = (num - 1) if endpoint else num
    steps = np.arange(num, dtype=dtype)
    return steps / div if div > 0 else np.zeros(num, dtype=dtype)


def linspace_adjoint(g, start, stop, y, num=50, endpoint=True, retstep=False, axis=0,
                     argnum=0):
    """Gradient of ``y = np.linspace(start, stop, num, endpoint, axis=axis)`` with respect to
    ``start`` (argnum 0) or ``stop`` (1)."""
    if retstep:
        raise NotImplementedError("the derivative of np.linspace with retstep=True is not "
                                  "implemented; compute the step separately")
    like = start if argnum == 0 else stop
    if not _is_float(y) or _symbolic_zero(g):
        return zeros_like(like)
    weights = _linspace_weights(int(num), endpoint, _float_dtype(y))
    if argnum == 0:
        weights = 1.0 - weights
    return unbroadcast(np.tensordot(weights, np.moveaxis(g, axis, 0), axes=1), like)


def linspace_jvp(t_start, t_stop, start, stop, y, num=50, endpoint=True, retstep=False,
                 axis=0):
    """Tangent of ``y = np.linspace(start, stop, num, endpoint, axis=axis)``: the linspace
    of the tangents (it is linear in start and stop)."""
    if retstep:
        raise NotImplementedError("the derivative of np.linspace with retstep=True is not "
                                  "implemented; compute the step separately")
    shape = np.broadcast_shapes(shape_of(start), shape_of(stop))
    out = np.linspace(np.broadcast_to(t_start, shape), np.broadcast_to(t_stop, shape), num,
                      endpoint=endpoint, axis=axis)
    return _like(out, y)


def linspace_cotangent(u, start, stop, y, num=50, endpoint=True, retstep=False, axis=0,
                       argnum=0):
    """The adjoint of `linspace_adjoint` (with respect to its ``g``): ``u`` spread over the
    points as ``start`` (argnum 0) or ``stop`` (1) is."""
    if argnum == 0:
        return linspace_jvp(u, 0.0, start, stop, y, num, endpoint, retstep, axis)
    return linspace_jvp(0.0, u, start, stop, y, num, endpoint, retstep, axis)
