"""Rules for s2sad's own primitives and runtime helpers.

Generated derivatives call these helpers; with their rules, a derivative can be
differentiated again (grad of grad, jvp of grad) like any other code.
"""

import numpy as np

from s2sad.rules import adjoint, d, nondifferentiable, tangent
from s2sad.runtime import (
    Tape,
    astype_adjoint,
    balanced_eq,
    broadcast_like,
    check_unshared,
    count,
    dot_adjoint,
    dot_adjoint_cotangent,
    dot_adjoint_partner,
    dot_adjoint_tangent,
    drop_last,
    get_attribute,
    inverse_axes,
    item,
    last_part,
    last_part_adjoint,
    matmul_adjoint,
    matmul_adjoint_cotangent,
    matmul_adjoint_partner,
    matmul_adjoint_tangent,
    ones_like,
    padded,
    part,
    saved_part,
    shape_of,
    stop_gradient,
    sum_adjoint,
    unattribute,
    unbroadcast,
    unindex,
    zero_part,
    zero_tangent,
    zeros_like,
)
from s2sad.runtime_checkpoint import checkpointed
from s2sad.runtime_linalg import (
    einsum_adjoint,
    einsum_adjoint_cotangent,
    einsum_adjoint_jvp,
    einsum_adjoint_partners,
    linalg_norm_adjoint,
    linalg_norm_adjoint_jvp,
    linalg_norm_jvp,
)
from s2sad.runtime_shape import (
    cumprod_adjoint,
    cumprod_adjoint_jvp,
    cumprod_adjoint_partner,
    cumprod_jvp,
    diff_adjoint,
)

# Third derivatives through matrix products would need rules for the *_cotangent and
# *_partner helpers below as well; second derivatives do not.

nondifferentiable(stop_gradient, ones_like, zeros_like, zero_tangent, count, balanced_eq,
                  inverse_axes, Tape, shape_of, reversed, np.floor_divide, checkpointed,
                  check_unshared)


@adjoint(unbroadcast)
def unbroadcast_adjoint(y, g, like, before=None):
    d[g] = broadcast_like(d[y], g, before)


@tangent(unbroadcast)
def unbroadcast_tangent(y, g, like, before=None):
    d[y] = unbroadcast(d[g], like, before)


@adjoint(broadcast_like)
def broadcast_like_adjoint(y, v, target, before=None):
    d[v] = unbroadcast(d[y], v, before)


@tangent(broadcast_like)
def broadcast_like_tangent(y, v, target, before=None):
    d[y] = broadcast_like(d[v], target, before)


@adjoint(sum_adjoint)
def sum_adjoint_adjoint(y, g, x, axis=None, keepdims=False):
    d[g] = np.sum(d[y], axis=axis, keepdims=keepdims)


@tangent(sum_adjoint)
def sum_adjoint_tangent(y, g, x, axis=None, keepdims=False):
    d[y] = sum_adjoint(d[g], x, axis, keepdims)


@adjoint(unindex)
def unindex_adjoint(y, g, like, index):
    d[g] = d[y][index]


@tangent(unindex)
def unindex_tangent(y, g, like, index):
    d[y] = unindex(d[g], like, index)


@adjoint(item)
def item_adjoint(y, g, k):
    d[g] = unindex(d[y], g, k)


@tangent(item)
def item_tangent(y, g, k):
    d[y] = item(d[g], k)


@adjoint(astype_adjoint)
def astype_adjoint_adjoint(out, g, y):
    d[g] = astype_adjoint(d[out], y)


@tangent(astype_adjoint)
def astype_adjoint_tangent(out, g, y):
    d[out] = astype_adjoint(d[g], y)


@adjoint(matmul_adjoint)
def matmul_adjoint_adjoint(y, g, a, b, argnum):
    d[g] = matmul_adjoint_cotangent(d[y], a, b, argnum)
    d[a] = matmul_adjoint_partner(g, d[y], a, b, argnum, 0)
    d[b] = matmul_adjoint_partner(g, d[y], a, b, argnum, 1)


@tangent(matmul_adjoint)
def matmul_adjoint_tangent_rule(y, g, a, b, argnum):
    d[y] = matmul_adjoint(d[g], a, b, argnum) + matmul_adjoint_tangent(g, a, b, d[a], d[b],
                                                                       argnum)


@adjoint(dot_adjoint)
def dot_adjoint_adjoint(y, g, a, b, argnum):
    d[g] = dot_adjoint_cotangent(d[y], a, b, argnum)
    d[a] = dot_adjoint_partner(g, d[y], a, b, argnum, 0)
    d[b] = dot_adjoint_partner(g, d[y], a, b, argnum, 1)


@tangent(dot_adjoint)
def dot_adjoint_tangent_rule(y, g, a, b, argnum):
    d[y] = dot_adjoint(d[g], a, b, argnum) + dot_adjoint_tangent(g, a, b, d[a], d[b], argnum)


@adjoint(get_attribute)
def get_attribute_adjoint(y, obj, name):
    d[obj] = unattribute(d[y], name)


@tangent(get_attribute)
def get_attribute_tangent(y, obj, name):
    d[y] = part(d[obj], name)


# -- second derivatives through the adjoints of NumPy rules whose helpers s2sad cannot
# transform (a lambda, a comprehension, sorted() of axes); each adjoint is linear in g

@adjoint(diff_adjoint)
def diff_adjoint_adjoint(y, g, x, n=1, axis=-1):
    d[g] = np.diff(d[y], n, axis)


@tangent(diff_adjoint)
def diff_adjoint_tangent(y, g, x, n=1, axis=-1):
    d[y] = diff_adjoint(d[g], x, n, axis)


# cumprod: moving with x too (y, its cumprod, is left to x)
@adjoint(cumprod_adjoint)
def cumprod_adjoint_adjoint(r, g, y, x, axis=None):
    d[g] = cumprod_jvp(d[r], y, x, axis)
    d[x] = cumprod_adjoint_partner(d[r], g, x, axis)


@tangent(cumprod_adjoint)
def cumprod_adjoint_tangent(r, g, y, x, axis=None):
    d[r] = cumprod_adjoint(d[g], y, x, axis) + cumprod_adjoint_jvp(g, x, d[x], axis)


# einsum: linear in each operand other than k too
@adjoint(einsum_adjoint)
def einsum_adjoint_adjoint(y, g, subscripts, operands, more, k, optimize=False):
    d[g] = einsum_adjoint_cotangent(d[y], subscripts, operands, more, k, optimize)
    d[operands] = einsum_adjoint_partners(g, d[y], subscripts, operands, more, k, optimize)


@tangent(einsum_adjoint)
def einsum_adjoint_tangent(y, g, subscripts, operands, more, k, optimize=False):
    d[y] = einsum_adjoint(d[g], subscripts, operands, more, k, optimize) + einsum_adjoint_jvp(
        g, subscripts, operands, more, d[operands], k, optimize)


# np.linalg.norm: the derivative for x is g times the norm's Hessian, which is symmetric
# (y, the norm of x, is left to x)
@adjoint(linalg_norm_adjoint)
def norm_adjoint_adjoint(r, g, y, x, ord=None, axis=None, keepdims=False):
    d[g] = linalg_norm_jvp(d[r], y, x, ord, axis, keepdims)
    d[x] = linalg_norm_adjoint_jvp(g, y, x, d[r], ord, axis, keepdims)


@tangent(linalg_norm_adjoint)
def norm_adjoint_tangent(r, g, y, x, ord=None, axis=None, keepdims=False):
    d[r] = linalg_norm_adjoint(d[g], y, x, ord, axis, keepdims) + linalg_norm_adjoint_jvp(
        g, y, x, d[x], ord, axis, keepdims)


# -- second derivatives through a store x[index] = v: the part saved before the store,
# the gradient's part, and the gradient with it zeroed are linear in x and its gradient;
# restore_part, a store, is the transforms' own (transform/forward.py, reverse.py)

@adjoint(saved_part)
def saved_part_adjoint(y, x, index):
    d[x] = unindex(d[y], x, index)


@adjoint(part)
def part_adjoint(y, g, index):
    d[g] = unindex(d[y], g, index)


@adjoint(zero_part)
def zero_part_adjoint(y, g, index):
    d[g] = zero_part(d[y], index)


@tangent(saved_part)
def saved_part_tangent(y, x, index):
    d[y] = saved_part(d[x], index)


@tangent(part)
def part_tangent(y, g, index):
    d[y] = part(d[g], index)


@tangent(zero_part)
def zero_part_tangent(y, g, index):
    d[y] = zero_part(d[g], index)


# -- second derivatives through xs.append(v): the adjoint takes the last element's
# gradient and drops it (xs.pop() is the transforms' own)

@adjoint(last_part)
def last_part_adjoint_rule(y, g):
    d[g] = last_part_adjoint(d[y], g)


@tangent(last_part)
def last_part_tangent(y, g):
    d[y] = last_part(d[g])


@adjoint(drop_last)
def drop_last_adjoint(y, g):
    d[g] = padded(d[y])


@tangent(drop_last)
def drop_last_tangent(y, g):
    d[y] = drop_last(d[g])


@adjoint(padded)
def padded_adjoint(y, g):
    d[g] = drop_last(d[y])


@tangent(padded)
def padded_tangent(y, g):
    d[y] = padded(d[g])
