"""Rules for NumPy's products: inner, outer, tensordot, einsum, vdot, cross, kron, and dot
of arrays of any number of dimensions.

Each adjoint is an einsum of the result's gradient with the other operands
(`s2sad.runtime_linalg`); each tangent is the product with one operand replaced by its
tangent, summed over the operands that move.

This file registers np.dot and np.ndarray.dot again (templates load in name order, so
these replace the rules of templates/numpy.py): the same derivative for at most two
dimensions, and the N-D case that `s2sad.runtime.dot_adjoint` refuses. With them come the
rules of their helper `dot_adjoint_nd`, so that derivatives through np.dot can be
differentiated again.
"""

import numpy as np

from s2sad.rules import adjoint, d, tangent
from s2sad.runtime import dot_jvp
from s2sad.runtime_linalg import (
    cross_adjoint,
    cross_jvp,
    dot_adjoint_nd,
    dot_nd_cotangent,
    dot_nd_partner,
    dot_nd_tangent,
    einsum_adjoint,
    einsum_jvp,
    inner_adjoint,
    inner_jvp,
    kron_adjoint,
    kron_jvp,
    outer_adjoint,
    outer_jvp,
    tensordot_adjoint,
    tensordot_jvp,
    vdot_adjoint,
    vdot_jvp,
)


@adjoint(np.inner)
def inner(z, a, b):
    d[a] = inner_adjoint(d[z], a, b, 0)
    d[b] = inner_adjoint(d[z], a, b, 1)


@tangent(np.inner)
def inner_tangent(z, a, b):
    d[z] = inner_jvp(z, a, b, d[a], d[b])


@adjoint(np.outer)
def outer(z, a, b, out=None):
    d[a] = outer_adjoint(d[z], a, b, 0)
    d[b] = outer_adjoint(d[z], a, b, 1)


@tangent(np.outer)
def outer_tangent(z, a, b, out=None):
    d[z] = outer_jvp(z, a, b, d[a], d[b])


@adjoint(np.tensordot)
def tensordot(z, a, b, axes=2):
    d[a] = tensordot_adjoint(d[z], a, b, axes, 0)
    d[b] = tensordot_adjoint(d[z], a, b, axes, 1)


@tangent(np.tensordot)
def tensordot_tangent(z, a, b, axes=2):
    d[z] = tensordot_jvp(z, a, b, d[a], d[b], axes)


# The operands are named one by one (a template cannot name a gradient inside *more):
# up to eight; beyond that the helpers raise NotImplementedError. ``subscripts`` has a
# derivative only in the interleaved form (einsum(x, [0, 1], y, [1, 2])): refused.
@adjoint(np.einsum)
def einsum(z, subscripts, a0, a1=None, a2=None, a3=None, a4=None, a5=None, a6=None, a7=None,
           *more, out=None, dtype=None, order="K", casting="safe", optimize=False):
    d[subscripts] = einsum_adjoint(d[z], subscripts, (a0, a1, a2, a3, a4, a5, a6, a7), more,
                                   -1, optimize)
    d[a0] = einsum_adjoint(d[z], subscripts, (a0, a1, a2, a3, a4, a5, a6, a7), more, 0,
                           optimize)
    d[a1] = einsum_adjoint(d[z], subscripts, (a0, a1, a2, a3, a4, a5, a6, a7), more, 1,
                           optimize)
    d[a2] = einsum_adjoint(d[z], subscripts, (a0, a1, a2, a3, a4, a5, a6, a7), more, 2,
                           optimize)
    d[a3] = einsum_adjoint(d[z], subscripts, (a0, a1, a2, a3, a4, a5, a6, a7), more, 3,
                           optimize)
    d[a4] = einsum_adjoint(d[z], subscripts, (a0, a1, a2, a3, a4, a5, a6, a7), more, 4,
                           optimize)
    d[a5] = einsum_adjoint(d[z], subscripts, (a0, a1, a2, a3, a4, a5, a6, a7), more, 5,
                           optimize)
    d[a6] = einsum_adjoint(d[z], subscripts, (a0, a1, a2, a3, a4, a5, a6, a7), more, 6,
                           optimize)
    d[a7] = einsum_adjoint(d[z], subscripts, (a0, a1, a2, a3, a4, a5, a6, a7), more, 7,
                           optimize)


@tangent(np.einsum)
def einsum_tangent(z, subscripts, a0, a1=None, a2=None, a3=None, a4=None, a5=None, a6=None,
                   a7=None, *more, out=None, dtype=None, order="K", casting="safe",
                   optimize=False):
    d[z] = einsum_jvp(z, subscripts, (a0, a1, a2, a3, a4, a5, a6, a7), more,
                      (d[subscripts], d[a0], d[a1], d[a2], d[a3], d[a4], d[a5], d[a6], d[a7]),
                      optimize)


@adjoint(np.vdot)
def vdot(z, a, b):
    d[a] = vdot_adjoint(d[z], a, b, 0)
    d[b] = vdot_adjoint(d[z], a, b, 1)


@tangent(np.vdot)
def vdot_tangent(z, a, b):
    d[z] = vdot_jvp(z, a, b, d[a], d[b])


@adjoint(np.cross)
def cross(z, a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    d[a] = cross_adjoint(d[z], a, b, axisa, axisb, axisc, axis, 0)
    d[b] = cross_adjoint(d[z], a, b, axisa, axisb, axisc, axis, 1)


@tangent(np.cross)
def cross_tangent(z, a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    d[z] = cross_jvp(z, a, b, d[a], d[b], axisa, axisb, axisc, axis)


@adjoint(np.kron)
def kron(z, a, b):
    d[a] = kron_adjoint(d[z], a, b, 0)
    d[b] = kron_adjoint(d[z], a, b, 1)


@tangent(np.kron)
def kron_tangent(z, a, b):
    d[z] = kron_jvp(z, a, b, d[a], d[b])


@adjoint(np.dot, np.ndarray.dot)
def dot(z, x, y, out=None):
    d[x] = dot_adjoint_nd(d[z], x, y, 0)
    d[y] = dot_adjoint_nd(d[z], x, y, 1)


@tangent(np.dot, np.ndarray.dot)
def dot_tangent(z, x, y, out=None):
    d[z] = dot_jvp(z, x, y, d[x], d[y])


# -- the helper of dot, for derivatives of derivatives ----------------------------------
@adjoint(dot_adjoint_nd)
def dot_adjoint_nd_adjoint(y, g, a, b, argnum):
    d[g] = dot_nd_cotangent(d[y], a, b, argnum)
    d[a] = dot_nd_partner(g, d[y], a, b, argnum, 0)
    d[b] = dot_nd_partner(g, d[y], a, b, argnum, 1)


@tangent(dot_adjoint_nd)
def dot_adjoint_nd_tangent(y, g, a, b, argnum):
    d[y] = dot_adjoint_nd(d[g], a, b, argnum) + dot_nd_tangent(g, a, b, d[a], d[b], argnum)
