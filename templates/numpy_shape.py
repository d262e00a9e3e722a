"""Rules for NumPy reductions (prod, var, std, max, min, cumsum, cumprod, average, trace)
and shape and layout functions (ravel, moveaxis, concatenate, split, tile, pad, sort, ...).

Functions that take a sequence of arrays (``np.concatenate([a, b])``) see it as one
value: its gradient is a `Cotangent` of one gradient per element, its tangent the tuple of
the elements' tangents. Functions that return a list (``np.split``) take the gradient of
the list, a `Cotangent` with ``0.0`` for the pieces that were not used.
"""

import numpy as np

from s2sad.rules import adjoint, d, nondifferentiable, tangent
from s2sad.runtime import broadcast_tangent, sum_adjoint, unbroadcast
from s2sad.runtime_shape import (
    array_adjoint,
    array_jvp,
    average_adjoint,
    average_jvp,
    chooser_jvp,
    chosen,
    cumprod_adjoint,
    cumprod_jvp,
    diag_adjoint,
    diagonal_adjoint,
    diff_adjoint,
    dof,
    fill_adjoint,
    fill_jvp,
    join_adjoint,
    join_jvp,
    linspace_adjoint,
    linspace_cotangent,
    linspace_jvp,
    others_product,
    others_product_jvp,
    pad_adjoint,
    pad_jvp,
    pad_values_adjoint,
    pad_values_cotangent,
    prod_jvp,
    ravel_order,
    repeat_adjoint,
    sort_adjoint,
    sort_jvp,
    split_adjoint,
    split_cotangent,
    std_jvp,
    take_adjoint,
    take_along_axis_adjoint,
    tile_adjoint,
    trace_eye,
    var_jvp,
    zeros_of,
)

nondifferentiable(ravel_order, dof, zeros_of, chosen, trace_eye)


# -- reductions -------------------------------------------------------------------
@adjoint(np.prod, np.ndarray.prod)
def prod(y, x, axis=None, dtype=None, out=None, keepdims=False, initial=None):
    d[x] = sum_adjoint(d[y], x, axis, keepdims) * others_product(x, axis, initial)


@tangent(np.prod, np.ndarray.prod)
def prod_tangent(y, x, axis=None, dtype=None, out=None, keepdims=False, initial=None):
    d[y] = prod_jvp(d[x], x, y, axis, keepdims, initial)


@adjoint(np.var, np.ndarray.var)
def var(y, x, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, correction=None):
    centered = x - np.mean(x, axis=axis, keepdims=True)
    d[x] = sum_adjoint(d[y], x, axis, keepdims) * 2.0 * centered / dof(x, axis, ddof,
                                                                       correction)


@tangent(np.var, np.ndarray.var)
def var_tangent(y, x, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *,
                correction=None):
    d[y] = var_jvp(d[x], x, y, axis, ddof, keepdims, correction)


@adjoint(np.std, np.ndarray.std)
def std(y, x, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, correction=None):
    centered = x - np.mean(x, axis=axis, keepdims=True)
    scale = sum_adjoint(d[y] / (y + zeros_of(y)), x, axis, keepdims)
    d[x] = scale * centered / dof(x, axis, ddof, correction)


@tangent(np.std, np.ndarray.std)
def std_tangent(y, x, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *,
                correction=None):
    d[y] = std_jvp(d[x], x, y, axis, ddof, keepdims, correction)


@adjoint(np.max, np.amax, np.ndarray.max, np.min, np.amin, np.ndarray.min)
def max(y, x, axis=None, out=None, keepdims=False, initial=None):
    d[x] = sum_adjoint(d[y], x, axis, keepdims) * chosen(y, x, axis, keepdims)


@tangent(np.max, np.amax, np.ndarray.max, np.min, np.amin, np.ndarray.min)
def max_tangent(y, x, axis=None, out=None, keepdims=False, initial=None):
    d[y] = chooser_jvp(d[x], y, x, axis, keepdims)


@adjoint(np.cumsum, np.ndarray.cumsum)
def cumsum(y, x, axis=None, dtype=None, out=None):
    d[x] = np.reshape(np.flip(np.cumsum(np.flip(d[y], axis), axis=axis), axis), np.shape(x))


@tangent(np.cumsum, np.ndarray.cumsum)
def cumsum_tangent(y, x, axis=None, dtype=None, out=None):
    d[y] = np.cumsum(d[x], axis=axis, dtype=dtype)


@adjoint(np.cumprod, np.ndarray.cumprod)
def cumprod(y, x, axis=None, dtype=None, out=None):
    d[x] = cumprod_adjoint(d[y], y, x, axis)


@tangent(np.cumprod, np.ndarray.cumprod)
def cumprod_tangent(y, x, axis=None, dtype=None, out=None):
    d[y] = cumprod_jvp(d[x], y, x, axis)


@adjoint(np.average)
def average(y, a, axis=None, weights=None, returned=False, *, keepdims=False):
    d[a] = average_adjoint(d[y], y, a, weights, axis, keepdims, returned, 0)
    d[weights] = average_adjoint(d[y], y, a, weights, axis, keepdims, returned, 1)


@tangent(np.average)
def average_tangent(y, a, axis=None, weights=None, returned=False, *, keepdims=False):
    d[y] = average_jvp(d[a], d[weights], y, a, weights, axis, keepdims, returned)


@adjoint(np.trace, np.ndarray.trace)
def trace(y, x, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    eye = np.expand_dims(d[y], (-2, -1)) * trace_eye(x, offset, axis1, axis2)
    d[x] = np.moveaxis(eye, (-2, -1), (axis1, axis2))


@tangent(np.trace, np.ndarray.trace)
def trace_tangent(y, x, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    d[y] = np.trace(d[x], offset, axis1, axis2, dtype)


# -- reshaping and moving axes ----------------------------------------------------
@adjoint(np.ravel, np.ndarray.ravel, np.ndarray.flatten)
def ravel(y, x, order="C"):
    d[x] = np.reshape(d[y], np.shape(x), order=ravel_order(x, order))


@tangent(np.ravel, np.ndarray.ravel, np.ndarray.flatten)
def ravel_tangent(y, x, order="C"):
    d[y] = np.ravel(d[x], order=ravel_order(x, order))


@adjoint(np.expand_dims, np.squeeze, np.ndarray.squeeze)
def expand_dims(y, x, axis=None):
    d[x] = np.reshape(d[y], np.shape(x))


@tangent(np.expand_dims)
def expand_dims_tangent(y, x, axis):
    d[y] = np.expand_dims(d[x], axis)


@tangent(np.squeeze, np.ndarray.squeeze)
def squeeze_tangent(y, x, axis=None):
    d[y] = np.squeeze(d[x], axis)


@adjoint(np.atleast_1d, np.atleast_2d, np.atleast_3d)
def atleast_nd(y, x):
    d[x] = np.reshape(d[y], np.shape(x))


@tangent(np.atleast_1d, np.atleast_2d, np.atleast_3d)
def atleast_nd_tangent(y, x):
    d[y] = np.reshape(d[x], np.shape(y))


@adjoint(np.moveaxis)
def moveaxis(y, x, source, destination):
    d[x] = np.moveaxis(d[y], destination, source)


@tangent(np.moveaxis)
def moveaxis_tangent(y, x, source, destination):
    d[y] = np.moveaxis(d[x], source, destination)


@adjoint(np.swapaxes, np.ndarray.swapaxes)
def swapaxes(y, x, axis1, axis2):
    d[x] = np.swapaxes(d[y], axis1, axis2)


@tangent(np.swapaxes, np.ndarray.swapaxes)
def swapaxes_tangent(y, x, axis1, axis2):
    d[y] = np.swapaxes(d[x], axis1, axis2)


@adjoint(np.broadcast_to)
def broadcast_to(y, x, shape, subok=False):
    d[x] = unbroadcast(d[y], x)


@tangent(np.broadcast_to)
def broadcast_to_tangent(y, x, shape, subok=False):
    d[y] = broadcast_tangent(d[x], y)


# -- joining and splitting --------------------------------------------------------
@adjoint(np.concatenate)
def concatenate(y, arrays, axis=0, out=None, *, dtype=None, casting="same_kind"):
    d[arrays] = join_adjoint(d[y], arrays, "concatenate", axis)


@tangent(np.concatenate)
def concatenate_tangent(y, arrays, axis=0, out=None, *, dtype=None, casting="same_kind"):
    d[y] = join_jvp(d[arrays], arrays, y, "concatenate", axis)


@adjoint(np.stack)
def stack(y, arrays, axis=0, out=None, *, dtype=None, casting="same_kind"):
    d[arrays] = join_adjoint(d[y], arrays, "stack", axis)


@tangent(np.stack)
def stack_tangent(y, arrays, axis=0, out=None, *, dtype=None, casting="same_kind"):
    d[y] = join_jvp(d[arrays], arrays, y, "stack", axis)


@adjoint(np.hstack)
def hstack(y, tup, *, dtype=None, casting="same_kind"):
    d[tup] = join_adjoint(d[y], tup, "hstack")


@tangent(np.hstack)
def hstack_tangent(y, tup, *, dtype=None, casting="same_kind"):
    d[y] = join_jvp(d[tup], tup, y, "hstack")


@adjoint(np.vstack)
def vstack(y, tup, *, dtype=None, casting="same_kind"):
    d[tup] = join_adjoint(d[y], tup, "vstack")


@tangent(np.vstack)
def vstack_tangent(y, tup, *, dtype=None, casting="same_kind"):
    d[y] = join_jvp(d[tup], tup, y, "vstack")


@adjoint(np.dstack)
def dstack(y, tup):
    d[tup] = join_adjoint(d[y], tup, "dstack")


@tangent(np.dstack)
def dstack_tangent(y, tup):
    d[y] = join_jvp(d[tup], tup, y, "dstack")


@adjoint(np.column_stack)
def column_stack(y, tup):
    d[tup] = join_adjoint(d[y], tup, "column_stack")


@tangent(np.column_stack)
def column_stack_tangent(y, tup):
    d[y] = join_jvp(d[tup], tup, y, "column_stack")


@adjoint(np.split)
def split(y, x, indices_or_sections, axis=0):
    d[x] = split_adjoint(d[y], x, indices_or_sections, axis, "split")


@tangent(np.split)
def split_tangent(y, x, indices_or_sections, axis=0):
    d[y] = np.split(d[x], indices_or_sections, axis)


@adjoint(np.array_split)
def array_split(y, x, indices_or_sections, axis=0):
    d[x] = split_adjoint(d[y], x, indices_or_sections, axis, "array_split")


@tangent(np.array_split)
def array_split_tangent(y, x, indices_or_sections, axis=0):
    d[y] = np.array_split(d[x], indices_or_sections, axis)


@adjoint(np.hsplit)
def hsplit(y, x, indices_or_sections):
    d[x] = split_adjoint(d[y], x, indices_or_sections, 0, "hsplit")


@tangent(np.hsplit)
def hsplit_tangent(y, x, indices_or_sections):
    d[y] = np.hsplit(d[x], indices_or_sections)


@adjoint(np.vsplit)
def vsplit(y, x, indices_or_sections):
    d[x] = split_adjoint(d[y], x, indices_or_sections, 0, "vsplit")


@tangent(np.vsplit)
def vsplit_tangent(y, x, indices_or_sections):
    d[y] = np.vsplit(d[x], indices_or_sections)


@adjoint(np.dsplit)
def dsplit(y, x, indices_or_sections):
    d[x] = split_adjoint(d[y], x, indices_or_sections, 0, "dsplit")


@tangent(np.dsplit)
def dsplit_tangent(y, x, indices_or_sections):
    d[y] = np.dsplit(d[x], indices_or_sections)


# -- repeating, reordering --------------------------------------------------------
@adjoint(np.tile)
def tile(y, x, reps):
    d[x] = tile_adjoint(d[y], x, reps)


@tangent(np.tile)
def tile_tangent(y, x, reps):
    d[y] = np.tile(d[x], reps)


@adjoint(np.repeat, np.ndarray.repeat)
def repeat(y, x, repeats, axis=None):
    d[x] = repeat_adjoint(d[y], x, repeats, axis)


@tangent(np.repeat, np.ndarray.repeat)
def repeat_tangent(y, x, repeats, axis=None):
    d[y] = np.repeat(d[x], repeats, axis)


@adjoint(np.flip)
def flip(y, x, axis=None):
    d[x] = np.flip(d[y], axis)


@tangent(np.flip)
def flip_tangent(y, x, axis=None):
    d[y] = np.flip(d[x], axis)


@adjoint(np.fliplr)
def fliplr(y, x):
    d[x] = np.fliplr(d[y])


@tangent(np.fliplr)
def fliplr_tangent(y, x):
    d[y] = np.fliplr(d[x])


@adjoint(np.flipud)
def flipud(y, x):
    d[x] = np.flipud(d[y])


@tangent(np.flipud)
def flipud_tangent(y, x):
    d[y] = np.flipud(d[x])


@adjoint(np.roll)
def roll(y, x, shift, axis=None):
    d[x] = np.roll(d[y], np.negative(shift), axis)


@tangent(np.roll)
def roll_tangent(y, x, shift, axis=None):
    d[y] = np.roll(d[x], shift, axis)


@adjoint(np.rot90)
def rot90(y, x, k=1, axes=(0, 1)):
    d[x] = np.rot90(d[y], -k, axes)


@tangent(np.rot90)
def rot90_tangent(y, x, k=1, axes=(0, 1)):
    d[y] = np.rot90(d[x], k, axes)


@adjoint(np.diff)
def diff(y, x, n=1, axis=-1):
    d[x] = diff_adjoint(d[y], x, n, axis)


@tangent(np.diff)
def diff_tangent(y, x, n=1, axis=-1):
    d[y] = np.diff(d[x], n, axis)


@adjoint(np.sort)
def sort(y, x, axis=-1, kind=None, order=None, *, stable=None):
    d[x] = sort_adjoint(d[y], x, axis, kind, stable)


@tangent(np.sort)
def sort_tangent(y, x, axis=-1, kind=None, order=None, *, stable=None):
    d[y] = sort_jvp(d[x], x, y, axis, kind, stable)


@adjoint(np.take_along_axis)
def take_along_axis(y, arr, indices, axis):
    d[arr] = take_along_axis_adjoint(d[y], arr, indices, axis)


@tangent(np.take_along_axis)
def take_along_axis_tangent(y, arr, indices, axis):
    d[y] = np.take_along_axis(d[arr], indices, axis)


@adjoint(np.take, np.ndarray.take)
def take(y, x, indices, axis=None, out=None, mode="raise"):
    d[x] = take_adjoint(d[y], x, indices, axis, mode)


@tangent(np.take, np.ndarray.take)
def take_tangent(y, x, indices, axis=None, out=None, mode="raise"):
    d[y] = np.take(d[x], indices, axis, None, mode)


@adjoint(np.pad)
def pad(y, x, pad_width, mode="constant", *, constant_values=0):
    d[x] = pad_adjoint(d[y], x, pad_width, mode)
    d[constant_values] = pad_values_adjoint(d[y], x, pad_width, constant_values)


@tangent(np.pad)
def pad_tangent(y, x, pad_width, mode="constant", *, constant_values=0):
    d[y] = pad_jvp(d[x], d[constant_values], x, y, pad_width, mode)


# -- diagonals and triangles ------------------------------------------------------
@adjoint(np.diag)
def diag(y, x, k=0):
    d[x] = diag_adjoint(d[y], x, k)


@tangent(np.diag)
def diag_tangent(y, x, k=0):
    d[y] = np.diag(d[x], k)


@adjoint(np.diagonal, np.ndarray.diagonal)
def diagonal(y, x, offset=0, axis1=0, axis2=1):
    d[x] = diagonal_adjoint(d[y], x, offset, axis1, axis2)


@tangent(np.diagonal, np.ndarray.diagonal)
def diagonal_tangent(y, x, offset=0, axis1=0, axis2=1):
    d[y] = np.diagonal(d[x], offset, axis1, axis2)


@adjoint(np.triu)
def triu(y, x, k=0):
    d[x] = unbroadcast(np.triu(d[y], k), x)


@tangent(np.triu)
def triu_tangent(y, x, k=0):
    d[y] = np.triu(d[x], k)


@adjoint(np.tril)
def tril(y, x, k=0):
    d[x] = unbroadcast(np.tril(d[y], k), x)


@tangent(np.tril)
def tril_tangent(y, x, k=0):
    d[y] = np.tril(d[x], k)


# -- copies and new arrays --------------------------------------------------------
@adjoint(np.copy)
def copy(y, x, order="K", subok=False):
    d[x] = d[y]


@tangent(np.copy)
def copy_tangent(y, x, order="K", subok=False):
    d[y] = np.copy(d[x])


@adjoint(np.ndarray.copy)
def copy_method(y, x, order="C"):
    d[x] = d[y]


@tangent(np.ndarray.copy)
def copy_method_tangent(y, x, order="C"):
    d[y] = np.copy(d[x])


@adjoint(np.array)
def array(y, object, dtype=None, *, copy=True, order="K", subok=False, ndmin=0, ndmax=0,
          like=None):
    d[object] = array_adjoint(d[y], object, y)


@tangent(np.array)
def array_tangent(y, object, dtype=None, *, copy=True, order="K", subok=False, ndmin=0,
                  ndmax=0, like=None):
    d[y] = array_jvp(d[object], object, y)


@adjoint(np.asarray)
def asarray(y, a, dtype=None, order=None, *, device=None, copy=None, like=None):
    d[a] = array_adjoint(d[y], a, y)


@tangent(np.asarray)
def asarray_tangent(y, a, dtype=None, order=None, *, device=None, copy=None, like=None):
    d[y] = array_jvp(d[a], a, y)


@adjoint(np.full)
def full(y, shape, fill_value, dtype=None, order="C", *, device=None, like=None):
    d[fill_value] = fill_adjoint(d[y], fill_value, y)


@tangent(np.full)
def full_tangent(y, shape, fill_value, dtype=None, order="C", *, device=None, like=None):
    d[y] = fill_jvp(d[fill_value], y)


@adjoint(np.full_like)
def full_like(y, a, fill_value, dtype=None, order="K", subok=True, shape=None, *,
              device=None):
    d[fill_value] = fill_adjoint(d[y], fill_value, y)


@tangent(np.full_like)
def full_like_tangent(y, a, fill_value, dtype=None, order="K", subok=True, shape=None, *,
                      device=None):
    d[y] = fill_jvp(d[fill_value], y)


@adjoint(np.linspace)
def linspace(y, start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0, *,
             device=None):
    d[start] = linspace_adjoint(d[y], start, stop, y, num, endpoint, retstep, axis, 0)
    d[stop] = linspace_adjoint(d[y], start, stop, y, num, endpoint, retstep, axis, 1)


@tangent(np.linspace)
def linspace_tangent(y, start, stop, num=50, endpoint=True, retstep=False, dtype=None,
                     axis=0, *, device=None):
    d[y] = linspace_jvp(d[start], d[stop], start, stop, y, num, endpoint, retstep, axis)


# -- the helpers the adjoints above call, for derivatives of derivatives --------------
# (grad of grad needs their adjoints, hessian and hvp their tangents). Each is linear in
# its first argument, the gradient, and uses its other arguments for their shapes only
# (or a permutation, or a dtype): the tangent is the helper of the gradient's tangent,
# the adjoint the function the helper is the adjoint of. others_product is symmetric.
# cumprod_adjoint and average_adjoint have no rules yet: no second derivatives there.
@adjoint(others_product)
def others_product_adjoint(y, x, axis=None, initial=None):
    d[x] = others_product_jvp(d[y], x, axis, initial)


@tangent(others_product)
def others_product_tangent(y, x, axis=None, initial=None):
    d[y] = others_product_jvp(d[x], x, axis, initial)


@adjoint(join_adjoint)
def join_adjoint_adjoint(y, g, arrays, kind="concatenate", axis=0):
    d[g] = join_jvp(d[y], arrays, g, kind, axis)


@tangent(join_adjoint)
def join_adjoint_tangent(y, g, arrays, kind="concatenate", axis=0):
    d[y] = join_adjoint(d[g], arrays, kind, axis)


@adjoint(split_adjoint)
def split_adjoint_adjoint(y, g, x, indices_or_sections, axis=0, kind="split"):
    d[g] = split_cotangent(d[y], indices_or_sections, axis, kind)


@tangent(split_adjoint)
def split_adjoint_tangent(y, g, x, indices_or_sections, axis=0, kind="split"):
    d[y] = split_adjoint(d[g], x, indices_or_sections, axis, kind)


@adjoint(tile_adjoint)
def tile_adjoint_adjoint(y, g, x, reps):
    d[g] = np.reshape(np.tile(d[y], reps), np.shape(g))


@tangent(tile_adjoint)
def tile_adjoint_tangent(y, g, x, reps):
    d[y] = tile_adjoint(d[g], x, reps)


@adjoint(repeat_adjoint)
def repeat_adjoint_adjoint(y, g, x, repeats, axis=None):
    d[g] = np.repeat(d[y], repeats, axis)


@tangent(repeat_adjoint)
def repeat_adjoint_tangent(y, g, x, repeats, axis=None):
    d[y] = repeat_adjoint(d[g], x, repeats, axis)


@adjoint(pad_adjoint)
def pad_adjoint_adjoint(y, g, x, pad_width, mode="constant"):
    d[g] = np.pad(d[y], pad_width, mode)


@tangent(pad_adjoint)
def pad_adjoint_tangent(y, g, x, pad_width, mode="constant"):
    d[y] = pad_adjoint(d[g], x, pad_width, mode)


@adjoint(pad_values_adjoint)
def pad_values_adjoint_adjoint(y, g, x, pad_width, constant_values=0):
    d[g] = pad_values_cotangent(d[y], x, pad_width)


@tangent(pad_values_adjoint)
def pad_values_adjoint_tangent(y, g, x, pad_width, constant_values=0):
    d[y] = pad_values_adjoint(d[g], x, pad_width, constant_values)


@adjoint(sort_adjoint)
def sort_adjoint_adjoint(y, g, x, axis=-1, kind=None, stable=None):
    d[g] = sort_jvp(d[y], x, g, axis, kind, stable)


@tangent(sort_adjoint)
def sort_adjoint_tangent(y, g, x, axis=-1, kind=None, stable=None):
    d[y] = sort_adjoint(d[g], x, axis, kind, stable)


@adjoint(take_adjoint)
def take_adjoint_adjoint(y, g, x, indices, axis=None, mode="raise"):
    d[g] = np.take(d[y], indices, axis, None, mode)


@tangent(take_adjoint)
def take_adjoint_tangent(y, g, x, indices, axis=None, mode="raise"):
    d[y] = take_adjoint(d[g], x, indices, axis, mode)


@adjoint(take_along_axis_adjoint)
def take_along_axis_adjoint_adjoint(y, g, x, indices, axis):
    d[g] = np.take_along_axis(d[y], indices, axis)


@tangent(take_along_axis_adjoint)
def take_along_axis_adjoint_tangent(y, g, x, indices, axis):
    d[y] = take_along_axis_adjoint(d[g], x, indices, axis)


@adjoint(diagonal_adjoint)
def diagonal_adjoint_adjoint(y, g, x, offset=0, axis1=0, axis2=1):
    d[g] = np.diagonal(d[y], offset, axis1, axis2)


@tangent(diagonal_adjoint)
def diagonal_adjoint_tangent(y, g, x, offset=0, axis1=0, axis2=1):
    d[y] = diagonal_adjoint(d[g], x, offset, axis1, axis2)


@adjoint(diag_adjoint)
def diag_adjoint_adjoint(y, g, x, k=0):
    d[g] = np.diag(d[y], k)


@tangent(diag_adjoint)
def diag_adjoint_tangent(y, g, x, k=0):
    d[y] = diag_adjoint(d[g], x, k)


@adjoint(array_adjoint)
def array_adjoint_adjoint(out, g, obj, y):
    d[g] = array_jvp(d[out], obj, y)


@tangent(array_adjoint)
def array_adjoint_tangent(out, g, obj, y):
    d[out] = array_adjoint(d[g], obj, y)


@adjoint(fill_adjoint)
def fill_adjoint_adjoint(out, g, fill_value, y):
    d[g] = fill_jvp(d[out], y)


@tangent(fill_adjoint)
def fill_adjoint_tangent(out, g, fill_value, y):
    d[out] = fill_adjoint(d[g], fill_value, y)


@adjoint(linspace_adjoint)
def linspace_adjoint_adjoint(out, g, start, stop, y, num=50, endpoint=True, retstep=False,
                             axis=0, argnum=0):
    d[g] = linspace_cotangent(d[out], start, stop, y, num, endpoint, retstep, axis, argnum)


@tangent(linspace_adjoint)
def linspace_adjoint_tangent(out, g, start, stop, y, num=50, endpoint=True, retstep=False,
                             axis=0, argnum=0):
    d[out] = linspace_adjoint(d[g], start, stop, y, num, endpoint, retstep, axis, argnum)
