"""What the rules of products and of ``numpy.linalg`` call at run time
(templates/numpy_products.py, templates/numpy_linalg.py).

Conventions, as in `s2sad.runtime`: ``g`` is the gradient of a result, ``t`` a tangent;
the scalar ``0.0`` stands for a zero of whatever shape (a constant argument's tangent, the
part of a tuple result's gradient that got none). Tuple results (``slogdet``, ``eigh``,
``svd``, ``qr``) get their gradient as a `Cotangent` (parts read with `item`) and give
their tangent as a tuple, in the order of the result.

The products all reduce to one einsum: each builds its subscripts and its adjoint is
`_einsum_vjp`, which writes the reverse einsum (the result's gradient and the other
operands, contracted to the operand's indices; broadcast and repeated indices handled).

Functions that read one triangle of their argument (``cholesky``, ``eigh``, ``svd`` and
``pinv`` with ``hermitian=True``) are differentiated as the functions NumPy computes: the
gradient of the triangle that is not read is zero, and a tangent of the unread triangle
has no effect. For a symmetric argument built as ``b + b.T`` or ``b @ b.T`` this is the
same derivative as the symmetric one.

Not supported (`NotImplementedError` at run time): einsum in the interleaved form
(operands and index lists) or with more than eight operands; ``svd`` with
``full_matrices=True`` of a non-square matrix; ``qr`` in the modes ``'complete'`` (of a
tall matrix) and ``'raw'``; ``lstsq`` of a wide or rank-deficient matrix. Derivatives at
repeated eigenvalues or singular values, at a rank-deficient ``pinv`` or a singular
``inv``/``det``/``solve`` are not finite.
"""

from __future__ import annotations

import string

import numpy as np

from .runtime import Cotangent, dot_adjoint, item, shape_of, unbroadcast

_LETTERS = string.ascii_letters
EINSUM_OPERANDS = 8  # the operands the einsum rule names (a0 ... a7)


def _zero(t) -> bool:
    """Is ``t`` the zero that stands for a missing gradient or a constant's tangent?"""
    return type(t) in (float, int) and t == 0


def _zeros(like):
    """A zero array in the shape and float dtype of ``like``."""
    dtype = np.result_type(like)
    return np.zeros(shape_of(like), dtype=dtype if dtype.kind == "f" else np.float64)


def _float_dtype(*values):
    dtype = np.result_type(*values)
    return dtype if dtype.kind == "f" else np.dtype(np.float64)


def _T(x):
    return np.swapaxes(x, -1, -2)


def _eye(n: int, dtype=np.float64):
    return np.eye(n, dtype=dtype)


def _bilinear_jvp(fn, y, a, b, ta, tb):
    """The tangent of ``y = fn(a, b)``, ``fn`` bilinear, without the terms of zero tangents."""
    if _zero(ta) and _zero(tb):
        return _zeros(y)
    if _zero(ta):
        return fn(a, tb)
    if _zero(tb):
        return fn(ta, b)
    return fn(ta, b) + fn(a, tb)


# -- einsum ---------------------------------------------------------------------------

def parse_einsum(subscripts, shapes):
    """The explicit form of an einsum: one label string per operand and the output's,
    every ``...`` replaced by letters of its own (right-aligned across operands), and the
    output of the implicit form (no ``->``) spelled out as NumPy forms it."""
    if not isinstance(subscripts, str):
        raise NotImplementedError("the derivative of np.einsum is implemented for subscripts "
                                  "given as a string ('ij,jk->ik'), not for the interleaved "
                                  "form of operands and index lists")
    spec = subscripts.replace(" ", "")
    ins, arrow, out = spec.partition("->")
    ins = ins.split(",")
    if len(ins) != len(shapes):
        raise ValueError(f"einsum subscripts {subscripts!r} name {len(ins)} operands, "
                         f"{len(shapes)} given")
    used = {c for c in spec if c.isalpha()}
    free = [c for c in _LETTERS if c not in used]
    counts = [len(shape) - (len(s) - 3) if "..." in s else 0 for s, shape in zip(ins, shapes)]
    n_ell = max(counts, default=0)
    ell = "".join(free[:n_ell])
    labels = [s.replace("...", ell[n_ell - c:]) for s, c in zip(ins, counts)]
    if arrow:
        out = out.replace("...", ell)
    else:
        once = sorted(c for c in used if sum(s.count(c) for s in ins) == 1)
        out = ell + "".join(once)
    return labels, out


def _sizes(labels, shapes) -> dict:
    sizes: dict = {}
    for lab, shape in zip(labels, shapes):
        for c, n in zip(lab, shape):
            sizes[c] = n if sizes.get(c, 1) == 1 else sizes[c]
    return sizes


def _einsum_vjp(g, labels, out, operands, k: int, optimize=False):
    """The gradient of operand ``k`` of ``np.einsum(labels -> out)`` given the result's ``g``:
    the einsum of ``g`` and the other operands to operand ``k``'s indices; indices of ``k``
    that are broadcast (size 1) or that nothing else carries are broadcast back, and a
    repeated index (a diagonal, a trace) is written back onto the diagonal."""
    shapes = [shape_of(op) for op in operands]
    sizes = _sizes(labels, shapes)
    x_shape = shapes[k]
    g = np.broadcast_to(g, tuple(sizes[c] for c in out))
    terms, specs = [g], [out]
    for j, (lab, op) in enumerate(zip(labels, operands)):
        if j == k:
            continue
        op = np.asarray(op)
        drop = tuple(i for i, c in enumerate(lab) if op.shape[i] == 1 and sizes[c] != 1)
        if drop:  # a broadcast axis: squeezed, so that einsum sums it with the others
            op = np.squeeze(op, drop)
            lab = "".join(c for i, c in enumerate(lab) if i not in drop)
        terms.append(op)
        specs.append(lab)
    lab_k = labels[k]
    own = {}  # index -> its size in operand k
    for c, n in zip(lab_k, x_shape):
        own.setdefault(c, n)
    uniq = list(own)
    carried = set("".join(specs))
    target = [c for c in uniq if c in carried and own[c] == sizes[c]]
    r = np.einsum(",".join(specs) + "->" + "".join(target), *terms, optimize=optimize)
    missing = tuple(i for i, c in enumerate(uniq) if c not in target)
    if missing:
        r = np.expand_dims(r, missing)
    r = np.broadcast_to(r, tuple(own[c] for c in uniq))
    if len(uniq) == len(lab_k):
        return r
    # a repeated index: r goes onto the diagonal of a zero array of operand k's shape
    full = np.zeros(x_shape, dtype=r.dtype)
    strides = [sum(full.strides[i] for i, c in enumerate(lab_k) if c == u) for u in uniq]
    view = np.lib.stride_tricks.as_strided(full, shape=r.shape, strides=strides,
                                           writeable=True)
    view[...] = r
    return full


def _einsum_operands(subscripts, operands, more) -> list:
    """The operands of an einsum (the rule names eight, padded with None)."""
    if not isinstance(subscripts, str):
        parse_einsum(subscripts, [])  # raises: the interleaved form
    if more:
        raise NotImplementedError(f"the derivative of np.einsum is implemented for at most "
                                  f"{EINSUM_OPERANDS} operands")
    return list(operands[:subscripts.partition("->")[0].count(",") + 1])


def einsum_adjoint(g, subscripts, operands, more, k: int, optimize=False):
    """Gradient of operand ``k`` of ``np.einsum(subscripts, *operands)``; ``operands`` are
    the rule's named operands (padded with None), ``more`` the rest (none supported)."""
    operands = _einsum_operands(subscripts, operands, more)
    if k < 0:  # the subscripts: a string, constant
        return 0.0
    labels, out = parse_einsum(subscripts, [shape_of(op) for op in operands])
    return _einsum_vjp(g, labels, out, operands, k, optimize)


def einsum_adjoint_jvp(g, subscripts, operands, more, tangents, k: int, optimize=False):
    """The part of the tangent of ``einsum_adjoint(g, subscripts, operands, more, k)`` that
    moves with the operands (``tangents``: theirs): the gradient of operand ``k`` is
    linear in each other operand, so one term per moving operand, with its tangent in its
    place (operand ``k``'s own tangent does not move it)."""
    if k < 0 or _zero(g) or _zero(tangents):
        return 0.0
    operands = _einsum_operands(subscripts, operands, more)
    total = 0.0
    for j, t in enumerate(tuple(tangents)[:len(operands)]):
        if j == k or _zero(t) or operands[j] is None:
            continue
        moved = list(operands)
        moved[j] = t
        total = total + einsum_adjoint(g, subscripts, moved, more, k, optimize)
    return total


def einsum_adjoint_cotangent(h, subscripts, operands, more, k: int, optimize=False):
    """The gradient of ``g`` in ``einsum_adjoint(g, subscripts, operands, more, k)`` given
    the cotangent ``h`` of its result: the einsum itself with ``h`` in place of operand
    ``k`` (both are the full contraction of ``g``, ``h`` and the other operands)."""
    if k < 0 or _zero(h):
        return 0.0
    operands = _einsum_operands(subscripts, operands, more)
    operands[k] = h
    return np.einsum(subscripts, *operands, optimize=optimize)


def einsum_adjoint_partners(g, h, subscripts, operands, more, k: int, optimize=False):
    """The gradient of the operands in ``einsum_adjoint(g, subscripts, operands, more, k)``
    given the cotangent ``h`` of its result: for each other operand, its own gradient in
    the einsum with ``h`` in place of operand ``k``, seeded with ``g`` (a `Cotangent` of
    the eight named operands; zero for operand ``k`` and the missing ones)."""
    named = tuple(operands)
    if k < 0 or _zero(h) or _zero(g):
        return 0.0
    used = _einsum_operands(subscripts, named, more)
    used[k] = h
    out = [0.0] * len(named)
    for j in range(len(used)):
        if j != k:
            out[j] = einsum_adjoint(g, subscripts, used, more, j, optimize)
    return Cotangent(out)


def einsum_jvp(y, subscripts, operands, more, tangents, optimize=False):
    """Tangent of ``y = np.einsum(subscripts, *operands)``: one einsum per moving operand,
    with its tangent in its place (``tangents``: that of ``subscripts``, which moves only
    in the interleaved form, then the operands')."""
    if not isinstance(subscripts, str) and not _zero(tangents[0]):
        parse_einsum(subscripts, [])  # raises: the interleaved form
    operands = _einsum_operands(subscripts, operands, more)
    total = None
    for k, t in enumerate(tangents[1:len(operands) + 1]):
        if _zero(t):
            continue
        term = np.einsum(subscripts, *operands[:k], t, *operands[k + 1:], optimize=optimize)
        total = term if total is None else total + term
    return _zeros(y) if total is None else total


# -- products, as einsums ------------------------------------------------------------

def _label(n: int, start: int = 0) -> str:
    return _LETTERS[start:start + n]


def _inner_spec(a_nd: int, b_nd: int):
    la = _label(a_nd)
    lb = _label(b_nd - 1, a_nd) + la[-1]
    return [la, lb], la[:-1] + lb[:-1]


def inner_adjoint(g, a, b, argnum: int):
    """Gradient of ``np.inner(a, b)`` (a product when either is a scalar)."""
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return unbroadcast(g * (b if argnum == 0 else a), a if argnum == 0 else b)
    labels, out = _inner_spec(np.ndim(a), np.ndim(b))
    return _einsum_vjp(g, labels, out, [a, b], argnum)


def inner_jvp(y, a, b, ta, tb):
    return _bilinear_jvp(np.inner, y, a, b, ta, tb)


def outer_adjoint(g, a, b, argnum: int):
    """Gradient of ``np.outer(a, b)`` (of the flattened ``a`` and ``b``)."""
    g = np.reshape(g, (np.size(a), np.size(b)))
    if argnum == 0:
        return np.reshape(g @ np.ravel(b), shape_of(a))
    return np.reshape(np.ravel(a) @ g, shape_of(b))


def outer_jvp(y, a, b, ta, tb):
    return _bilinear_jvp(np.outer, y, a, b, ta, tb)


def vdot_adjoint(g, a, b, argnum: int):
    """Gradient of ``np.vdot(a, b)`` (real: the sum of the flattened products)."""
    other, like = (b, a) if argnum == 0 else (a, b)
    return np.reshape(g * np.ravel(other), shape_of(like))


def vdot_jvp(y, a, b, ta, tb):
    return _bilinear_jvp(np.vdot, y, a, b, ta, tb)


def _tensordot_spec(a_nd: int, b_nd: int, axes):
    if isinstance(axes, (int, np.integer)):
        n = int(axes)
        ax_a, ax_b = list(range(a_nd - n, a_nd)), list(range(n))
    else:
        ax_a, ax_b = axes
        ax_a = [ax_a] if isinstance(ax_a, (int, np.integer)) else list(ax_a)
        ax_b = [ax_b] if isinstance(ax_b, (int, np.integer)) else list(ax_b)
    ax_a = [int(i) % a_nd for i in ax_a]
    ax_b = [int(i) % b_nd for i in ax_b]
    la = _label(a_nd)
    lb = list(_label(b_nd, a_nd))
    for i, j in zip(ax_a, ax_b):
        lb[j] = la[i]
    out = ("".join(c for i, c in enumerate(la) if i not in ax_a)
           + "".join(c for j, c in enumerate(lb) if j not in ax_b))
    return [la, "".join(lb)], out


def tensordot_adjoint(g, a, b, axes, argnum: int):
    """Gradient of ``np.tensordot(a, b, axes)`` (an int, or a pair of axis lists)."""
    labels, out = _tensordot_spec(np.ndim(a), np.ndim(b), axes)
    return _einsum_vjp(g, labels, out, [a, b], argnum)


def tensordot_jvp(y, a, b, ta, tb, axes):
    return _bilinear_jvp(lambda u, v: np.tensordot(u, v, axes), y, a, b, ta, tb)


def _kron_spec(nd: int):
    la, lb = _label(nd), _label(nd, nd)
    return [la, lb], "".join(p + q for p, q in zip(la, lb))


def kron_adjoint(g, a, b, argnum: int):
    """Gradient of ``np.kron(a, b)``: the result's gradient with each axis split in two
    (``a``'s index, ``b``'s index), contracted with the other factor."""
    nd = max(np.ndim(a), np.ndim(b))
    sa = (1,) * (nd - np.ndim(a)) + tuple(shape_of(a))
    sb = (1,) * (nd - np.ndim(b)) + tuple(shape_of(b))
    g = np.reshape(g, tuple(n for pair in zip(sa, sb) for n in pair))
    labels, out = _kron_spec(nd)
    ops = [np.reshape(a, sa), np.reshape(b, sb)]
    r = _einsum_vjp(g, labels, out, ops, argnum)
    return np.reshape(r, shape_of(a if argnum == 0 else b))


def kron_jvp(y, a, b, ta, tb):
    return _bilinear_jvp(np.kron, y, a, b, ta, tb)


def _cross_axes(axisa, axisb, axisc, axis):
    return (axis, axis, axis) if axis is not None else (axisa, axisb, axisc)


def _to3(v):
    if v.shape[-1] == 3:
        return v
    return np.concatenate([v, np.zeros(v.shape[:-1] + (1,), dtype=v.dtype)], axis=-1)


def cross_adjoint(g, a, b, axisa, axisb, axisc, axis, argnum: int):
    """Gradient of ``np.cross(a, b, ...)`` (2- and 3-vectors): ``b x g`` for ``a``,
    ``g x a`` for ``b``, a 2-vector being a 3-vector with a zero third component."""
    axisa, axisb, axisc = _cross_axes(axisa, axisb, axisc, axis)
    a_ = np.moveaxis(np.asarray(a), axisa, -1)
    b_ = np.moveaxis(np.asarray(b), axisb, -1)
    g = np.asarray(g)
    if a_.shape[-1] == 2 and b_.shape[-1] == 2:  # the result is the third component
        g3 = np.stack([np.zeros_like(g), np.zeros_like(g), g], axis=-1)
    else:
        g3 = np.moveaxis(g, axisc, -1)
    if argnum == 0:
        r = np.cross(_to3(b_), g3)[..., :a_.shape[-1]]
        return np.moveaxis(unbroadcast(r, a_), -1, axisa)
    r = np.cross(g3, _to3(a_))[..., :b_.shape[-1]]
    return np.moveaxis(unbroadcast(r, b_), -1, axisb)


def cross_jvp(y, a, b, ta, tb, axisa, axisb, axisc, axis):
    def fn(u, v):
        return np.cross(u, v, axisa=axisa, axisb=axisb, axisc=axisc, axis=axis)
    return _bilinear_jvp(fn, y, a, b, ta, tb)


def _dot_spec(a_nd: int, b_nd: int):
    la = _label(a_nd)
    if b_nd == 1:
        return [la, la[-1]], la[:-1]
    rest = _label(b_nd - 1, a_nd)
    lb = rest[:-1] + la[-1] + rest[-1]
    return [la, lb], la[:-1] + lb[:-2] + lb[-1]


def dot_adjoint_nd(g, a, b, argnum: int):
    """Gradient of ``np.dot(a, b)`` for arrays of any number of dimensions (the cases of
    at most two dimensions as `s2sad.runtime.dot_adjoint`)."""
    like = a if argnum == 0 else b
    if _zero(g):
        return _zeros(like)
    a_nd, b_nd = np.ndim(a), np.ndim(b)
    if a_nd <= 2 and b_nd <= 2 or a_nd == 0 or b_nd == 0:
        return dot_adjoint(g, a, b, argnum)
    labels, out = _dot_spec(a_nd, b_nd)
    return _einsum_vjp(g, labels, out, [a, b], argnum)


def dot_nd_cotangent(u, a, b, argnum: int):
    """d/dg of <u, dot_adjoint_nd(g, a, b, argnum)>: ``np.dot(u, b)`` or ``np.dot(a, u)``."""
    return np.dot(u, b) if argnum == 0 else np.dot(a, u)


def dot_nd_partner(g, u, a, b, argnum: int, wrt: int):
    """d/d(a or b) of <u, dot_adjoint_nd(g, a, b, argnum)>; the operand ``argnum`` only
    gives the shape, so its derivative is zero."""
    if wrt == argnum:
        return _zeros(a if wrt == 0 else b)
    return dot_adjoint_nd(g, u, b, 1) if argnum == 0 else dot_adjoint_nd(g, a, u, 0)


def dot_nd_tangent(g, a, b, ta, tb, argnum: int):
    """The tangent of dot_adjoint_nd(g, a, b, argnum) along the other operand."""
    other = tb if argnum == 0 else ta
    if _zero(other):
        return _zeros(a if argnum == 0 else b)
    return dot_adjoint_nd(g, a, tb, 0) if argnum == 0 else dot_adjoint_nd(g, ta, b, 1)


# -- inv, det, slogdet, solve, matrix_power --------------------------------------------

def inv_adjoint(g, y):
    """Gradient of ``y = inv(a)``: ``-y.T @ g @ y.T``."""
    return -(_T(y) @ g @ _T(y))


def inv_jvp(t, y):
    if _zero(t):
        return _zeros(y)
    return -(y @ t @ y)


def det_adjoint(g, y, a):
    """Gradient of ``y = det(a)``: ``g * y * inv(a).T``."""
    return (np.asarray(g * y)[..., None, None]) * _T(np.linalg.inv(a))


def _trace_solve(a, t):
    """``trace(inv(a) @ t)`` over the last two axes."""
    return np.trace(np.linalg.solve(a, t), axis1=-2, axis2=-1)


def det_jvp(t, y, a):
    if _zero(t):
        return _zeros(y)
    return y * _trace_solve(a, t)


def slogdet_adjoint(g, a):
    """Gradient of ``sign, logdet = slogdet(a)``: ``g_logdet * inv(a).T`` (the sign is
    piecewise constant)."""
    gl = item(g, 1)
    if _zero(gl):
        return _zeros(a)
    return np.asarray(gl)[..., None, None] * _T(np.linalg.inv(a))


def slogdet_jvp(t, y, a):
    sign, logdet = y
    zero = _zeros(sign)
    if _zero(t):
        return (zero, _zeros(logdet))
    return (zero, _trace_solve(a, t))


def _solve_vector(a, b) -> bool:
    return np.ndim(b) == 1  # NumPy 2: b is a stack of vectors only when it has one axis


def solve_adjoint(g, a, b, y, argnum: int):
    """Gradient of ``y = solve(a, b)``: ``gb = solve(a.T, g)``, ``ga = -gb y.T``."""
    vector = _solve_vector(a, b)
    if vector:
        gb = np.linalg.solve(_T(a), np.asarray(g)[..., None])[..., 0]
    else:
        gb = np.linalg.solve(_T(a), g)
    if argnum == 1:
        return unbroadcast(gb, b)
    if vector:
        ga = -gb[..., :, None] * np.asarray(y)[..., None, :]
    else:
        ga = -(gb @ _T(y))
    return unbroadcast(ga, a)


def solve_jvp(y, a, b, ta, tb):
    """Tangent of ``y = solve(a, b)``: ``solve(a, tb - ta y)``."""
    vector = _solve_vector(a, b)
    if _zero(ta) and _zero(tb):
        return _zeros(y)
    rhs = 0.0
    if not _zero(ta):
        rhs = -(ta @ np.asarray(y)[..., None])[..., 0] if vector else -(ta @ y)
    if not _zero(tb):
        rhs = rhs + tb
    rhs = np.broadcast_to(rhs, shape_of(y))
    if vector:
        return np.linalg.solve(a, rhs[..., None])[..., 0]
    return np.linalg.solve(a, rhs)


def _powers(a, n: int) -> list:
    """``[a^0, a^1, ..., a^n]`` (stacked like ``a``)."""
    out = [np.broadcast_to(_eye(a.shape[-1], _float_dtype(a)), a.shape)]
    for _ in range(n):
        out.append(out[-1] @ a)
    return out


def matrix_power_adjoint(g, a, n):
    """Gradient of ``matrix_power(a, n)``: ``sum_k (a^k).T g (a^(n-1-k)).T``; through
    ``inv(a)`` for a negative ``n``."""
    n = int(n)
    a = np.asarray(a)
    if n == 0 or _zero(g):
        return _zeros(a)
    if n < 0:
        b = np.linalg.inv(a)
        return inv_adjoint(matrix_power_adjoint(g, b, -n), b)
    p = _powers(a, n - 1)
    return sum(_T(p[k]) @ g @ _T(p[n - 1 - k]) for k in range(n))


def matrix_power_jvp(y, a, t, n):
    n = int(n)
    a = np.asarray(a)
    if n == 0 or _zero(t):
        return _zeros(y)
    if n < 0:
        b = np.linalg.inv(a)
        return matrix_power_jvp(y, b, inv_jvp(t, b), -n)
    p = _powers(a, n - 1)
    return sum(p[k] @ t @ p[n - 1 - k] for k in range(n))


# -- functions that read one triangle -------------------------------------------------

def _sym(a, upper: bool):
    """The symmetric matrix NumPy reads from ``a``'s lower (or upper) triangle."""
    if upper:
        return np.triu(a) + _T(np.triu(a, 1))
    return np.tril(a) + _T(np.tril(a, -1))


def _sym_adjoint(x, upper: bool):
    """The adjoint of `_sym`: the gradient of the triangle read, given that of the
    symmetric matrix."""
    both = x + _T(x)
    diag = np.eye(x.shape[-1], dtype=bool)
    if upper:
        return np.where(diag, x, np.triu(both, 1))
    return np.where(diag, x, np.tril(both, -1))


def _phi(x):
    """The lower triangle of ``x``, diagonal halved."""
    return np.tril(x) - 0.5 * x * np.eye(x.shape[-1], dtype=x.dtype)


def cholesky_adjoint(g, y, upper=False):
    """Gradient of ``y = cholesky(a)`` (Murray, arXiv:1602.07527), for the triangle of
    ``a`` NumPy reads."""
    L, gL = (_T(y), _T(g)) if upper else (y, g)
    P = _phi(_T(L) @ gL)
    X = np.linalg.solve(_T(L), P)                 # L^-T P
    S = _T(np.linalg.solve(_T(L), _T(X)))         # L^-T P L^-1
    return _sym_adjoint(0.5 * (S + _T(S)), upper)


def cholesky_jvp(t, y, upper=False):
    if _zero(t):
        return _zeros(y)
    L = _T(y) if upper else y
    dm = _sym(t, upper)
    X = np.linalg.solve(L, _T(np.linalg.solve(L, dm)))   # L^-1 dM L^-T (dM symmetric)
    dL = L @ _phi(X)
    return _T(dL) if upper else dL


def _gaps(w):
    """``F[i, j] = 1 / (w[j] - w[i])`` off the diagonal, 0 on it."""
    diff = w[..., None, :] - w[..., :, None]
    eye = np.eye(w.shape[-1], dtype=bool)
    return np.where(eye, 0.0, 1.0 / np.where(eye, 1.0, diff)).astype(_float_dtype(w))


def eigh_adjoint(g, y, a, UPLO="L"):
    """Gradient of ``w, v = eigh(a)`` (distinct eigenvalues)."""
    w, v = y
    gw, gv = item(g, 0), item(g, 1)
    inner = np.zeros(shape_of(v), dtype=_float_dtype(v))
    if not _zero(gw):
        inner = inner + np.asarray(gw)[..., None, :] * np.eye(w.shape[-1], dtype=inner.dtype)
    if not _zero(gv):
        inner = inner + _gaps(w) * (_T(v) @ gv)
    return _sym_adjoint(v @ inner @ _T(v), UPLO.upper() == "U")


def eigh_jvp(t, y, a, UPLO="L"):
    w, v = y
    if _zero(t):
        return (_zeros(w), _zeros(v))
    c = _T(v) @ _sym(t, UPLO.upper() == "U") @ v
    return (np.diagonal(c, axis1=-2, axis2=-1).copy(), v @ (_gaps(w) * c))


def _svd_parts(y, a, full_matrices, compute_uv, hermitian):
    m, n = np.shape(a)[-2:]
    if compute_uv and full_matrices and m != n:
        raise NotImplementedError("the derivative of np.linalg.svd with full_matrices=True "
                                  "is implemented for square matrices only; pass "
                                  "full_matrices=False")
    if compute_uv:
        return y
    return np.linalg.svd(_sym(a, False) if hermitian else a, full_matrices=False,
                         hermitian=hermitian)


def svd_adjoint(g, y, a, full_matrices=True, compute_uv=True, hermitian=False):
    """Gradient of ``u, s, vt = svd(a)`` (or ``s`` alone), distinct nonzero singular values
    (Townsend, "Differentiating the singular value decomposition")."""
    u, s, vt = _svd_parts(y, a, full_matrices, compute_uv, hermitian)
    if compute_uv:
        gu, gs, gvt = item(g, 0), item(g, 1), item(g, 2)
    else:
        gu, gs, gvt = 0.0, g, 0.0
    m, n = np.shape(a)[-2:]
    k = s.shape[-1]
    v = _T(vt)
    dtype = _float_dtype(s)
    eye = np.eye(k, dtype=dtype)
    t1 = np.zeros(s.shape[:-1] + (k, k), dtype=dtype)
    if not _zero(gs):
        t1 = t1 + eye * np.asarray(gs)[..., :, None]
    f = _gaps(s * s)
    if not _zero(gu):
        utgu = _T(u) @ gu
        t1 = t1 + (f * (utgu - _T(utgu))) * s[..., None, :]
    if not _zero(gvt):
        gv = _T(gvt)
        vtgv = _T(v) @ gv
        t1 = t1 + s[..., :, None] * (f * (vtgv - _T(vtgv)))
    ga = u @ t1 @ vt
    if m > n and not _zero(gu):
        ga = ga + (gu - u @ (_T(u) @ gu)) / s[..., None, :] @ vt
    if m < n and not _zero(gvt):
        gv = _T(gvt)
        ga = ga + (u / s[..., None, :]) @ _T(gv - v @ (_T(v) @ gv))
    return _sym_adjoint(ga, False) if hermitian else ga


def svd_jvp(t, y, a, full_matrices=True, compute_uv=True, hermitian=False):
    u, s, vt = _svd_parts(y, a, full_matrices, compute_uv, hermitian)
    if _zero(t):
        return tuple(_zeros(p) for p in y) if compute_uv else _zeros(y)
    if hermitian:
        t = _sym(t, False)
    v = _T(vt)
    p = _T(u) @ t @ v
    ds = np.diagonal(p, axis1=-2, axis2=-1).copy()
    if not compute_uv:
        return ds
    f = _gaps(s * s)
    du = u @ (f * (p * s[..., None, :] + s[..., :, None] * _T(p)))
    dv = v @ (f * (s[..., :, None] * p + _T(p) * s[..., None, :]))
    m, n = np.shape(a)[-2:]
    if m > n:
        tv = t @ v
        du = du + (tv - u @ (_T(u) @ tv)) / s[..., None, :]
    if m < n:
        ttu = _T(t) @ u
        dv = dv + (ttu - v @ (_T(v) @ ttu)) / s[..., None, :]
    return (du, ds, _T(dv))


def pinv_adjoint(g, y, a, hermitian=False):
    """Gradient of ``y = pinv(a)`` (full rank, as the rank is locally constant)."""
    a = _sym(a, False) if hermitian else a
    m, n = np.shape(a)[-2:]
    dtype = _float_dtype(y)
    ga = _T(-(y @ _T(g) @ y)
            + y @ _T(y) @ g @ (_eye(m, dtype) - a @ y)
            + (_eye(n, dtype) - y @ a) @ g @ _T(y) @ y)
    return _sym_adjoint(ga, False) if hermitian else ga


def pinv_jvp(t, y, a, hermitian=False):
    if _zero(t):
        return _zeros(y)
    if hermitian:
        a, t = _sym(a, False), _sym(t, False)
    m, n = np.shape(a)[-2:]
    dtype = _float_dtype(y)
    return (-(y @ t @ y) + y @ _T(y) @ _T(t) @ (_eye(m, dtype) - a @ y)
            + (_eye(n, dtype) - y @ a) @ _T(t) @ _T(y) @ y)


# -- lstsq ------------------------------------------------------------------------------

def _lstsq_parts(y, a, b):
    """``x`` and the residual ``r = b - a x`` as matrices (a column per column of ``b``) and
    whether ``b`` is a vector, for a tall or square ``a`` of full column rank (where
    ``x = solve(a.T a, a.T b)`` is smooth)."""
    m, n = np.shape(a)
    if m < n or y[2] < n:
        raise NotImplementedError("the derivative of np.linalg.lstsq is implemented for a "
                                  "matrix of full column rank only (at least as many rows "
                                  "as columns)")
    vector = np.ndim(b) == 1
    x = np.asarray(y[0])[:, None] if vector else np.asarray(y[0])
    bm = np.asarray(b)[:, None] if vector else np.asarray(b)
    return x, bm - a @ x, vector


def _column(g, vector: bool):
    return np.asarray(g)[:, None] if vector else np.asarray(g)


def lstsq_adjoint(g, y, a, b, argnum: int):
    """Gradient of ``x, residuals, rank, s = lstsq(a, b)`` with respect to ``a`` (argnum 0)
    or ``b`` (1), from the gradients of ``x`` (``dx = pinv(a) (db - da x) + inv(a.T a)
    da.T r``), of the residuals (``2 r.T (db - da x)`` per column; ``a.T r = 0``) and, for
    ``a``, of the singular values ``s`` (``u_i v_i.T``)."""
    x, r, vector = _lstsq_parts(y, a, b)
    gx, gres, gs = item(g, 0), item(g, 1), item(g, 3)
    gb = np.zeros(r.shape, dtype=_float_dtype(a, b))
    ga = np.zeros(np.shape(a), dtype=gb.dtype)
    if not _zero(gx):
        z = np.linalg.solve(_T(a) @ a, _column(gx, vector))
        gb = gb + a @ z
        ga = ga + r @ _T(z)
    if not _zero(gres) and np.size(y[1]):
        gb = gb + 2.0 * r * np.asarray(gres)
    if argnum == 1:
        return gb[:, 0] if vector else gb
    ga = ga - gb @ _T(x)
    if not _zero(gs):
        u, _, vt = np.linalg.svd(a, full_matrices=False)
        ga = ga + (u * np.asarray(gs)) @ vt
    return ga


def lstsq_jvp(ta, tb, y, a, b):
    """Tangent of ``(x, residuals, rank, s) = lstsq(a, b)`` (the rank's is zero)."""
    x, r, vector = _lstsq_parts(y, a, b)
    change = -(ta @ x) if not _zero(ta) else np.zeros(r.shape)
    if not _zero(tb):
        change = change + _column(tb, vector)
    right = _T(a) @ change + (_T(ta) @ r if not _zero(ta) else 0.0)
    dx = np.linalg.solve(_T(a) @ a, right)
    dres = 2.0 * np.sum(r * change, axis=0) if np.size(y[1]) else _zeros(y[1])
    if _zero(ta):
        ds = _zeros(y[3])
    else:
        u, _, vt = np.linalg.svd(a, full_matrices=False)
        ds = np.sum(u * (ta @ _T(vt)), axis=0)
    return (dx[:, 0] if vector else dx, dres, _zeros(y[2]), ds)


# -- qr ---------------------------------------------------------------------------------

def _qr_parts(y, a, mode):
    if mode not in ("reduced", "complete", "r"):
        raise NotImplementedError(f"the derivative of np.linalg.qr with mode={mode!r} is not "
                                  "implemented (modes 'reduced' and 'r' are)")
    m, n = np.shape(a)[-2:]
    if mode == "complete" and m > n:
        raise NotImplementedError("the derivative of np.linalg.qr with mode='complete' of a "
                                  "tall matrix is not implemented (its extra columns of Q "
                                  "are not unique); use mode='reduced'")
    if mode == "r":
        return np.linalg.qr(a)
    return y


def _solve_right_rt(x, r):
    """``x @ inv(r).T`` for a square ``r``."""
    return _T(np.linalg.solve(r, _T(x)))


def _qr_square_adjoint(gq, gr, q, r):
    """Gradient of ``q, r = qr(a)`` for ``m >= n`` (``r`` square)."""
    m = gr @ _T(r) - _T(q) @ gq
    n_ = np.triu(m) + np.tril(_T(m), -1)
    return _solve_right_rt(gq + q @ n_, r)


def qr_adjoint(g, y, a, mode="reduced"):
    """Gradient of ``q, r = qr(a)`` (or ``r`` alone), ``a`` of full rank."""
    q, r = _qr_parts(y, a, mode)
    if mode == "r":
        gq, gr = 0.0, g
    else:
        gq, gr = item(g, 0), item(g, 1)
    gq = _zeros(q) if _zero(gq) else gq
    gr = _zeros(r) if _zero(gr) else gr
    m, n = np.shape(a)[-2:]
    if m >= n:
        return _qr_square_adjoint(gq, gr, q, r)
    # wide: a = [x | z], q r1 = qr(x), r2 = q.T z
    z = np.asarray(a)[..., m:]
    gr1, gr2 = gr[..., :m], gr[..., m:]
    gx = _qr_square_adjoint(gq + z @ _T(gr2), gr1, q, r[..., :m])
    return np.concatenate([gx, q @ gr2], axis=-1)


def _qr_square_jvp(t, q, r):
    c = _T(q) @ _solve_right_rt(t, _T(r))          # q.T t r^-1
    low = np.tril(c, -1)
    omega = low - _T(low)
    dr = (c - omega) @ r
    dq = _solve_right_rt(t, _T(r)) - q @ (c - omega)
    return dq, dr


def qr_jvp(t, y, a, mode="reduced"):
    q, r = _qr_parts(y, a, mode)
    if _zero(t):
        return _zeros(r) if mode == "r" else (_zeros(q), _zeros(r))
    m, n = np.shape(a)[-2:]
    if m >= n:
        dq, dr = _qr_square_jvp(t, q, r)
    else:
        z, tz = np.asarray(a)[..., m:], t[..., m:]
        dq, dr1 = _qr_square_jvp(t[..., :m], q, r[..., :m])
        dr = np.concatenate([dr1, _T(dq) @ z + _T(q) @ tz], axis=-1)
    return dr if mode == "r" else (dq, dr)


# -- norm -------------------------------------------------------------------------------

def _norm_kind(x, ord, axis):
    """("flat" | "vector" | "matrix", the normed axes) as np.linalg.norm decides."""
    nd = np.ndim(x)
    if axis is None:
        if ord is None or nd == 0:
            return "flat", tuple(range(nd))
        return ("vector", (0,)) if nd == 1 else ("matrix", (0, 1))
    if isinstance(axis, (tuple, list)):
        axes = tuple(int(i) % nd for i in axis)
        return ("vector" if len(axes) == 1 else "matrix"), axes
    return "vector", (int(axis) % nd,)


def _share(mask, axis):
    """``mask`` as weights that sum to one along ``axis`` (a tie shares the derivative)."""
    return mask / np.sum(mask, axis=axis, keepdims=True)


def _vector_weights(x, yk, ord, ax):
    ax = ax[0]
    if ord is None or ord == 2:
        return x / yk
    if ord == 0:
        return np.zeros_like(x)
    if ord == 1:
        return np.sign(x)
    absx = np.abs(x)
    if ord == np.inf or ord == -np.inf:
        return np.sign(x) * _share(absx == yk, ax)
    return np.sign(x) * (absx / yk) ** (ord - 1)


def _matrix_weights(xm, ord):
    """The weights of a matrix norm of ``xm`` (the matrices on the last two axes)."""
    if ord == "nuc":
        u, _, vt = np.linalg.svd(xm, full_matrices=False)
        return u @ vt
    if ord == 2 or ord == -2:
        u, _, vt = np.linalg.svd(xm, full_matrices=False)
        i = 0 if ord == 2 else -1
        return u[..., :, i, None] * vt[..., None, i, :]
    if ord in (1, -1):      # the largest (smallest) column sum of |x|
        sums = np.sum(np.abs(xm), axis=-2)
        best = sums.max(-1, keepdims=True) if ord == 1 else sums.min(-1, keepdims=True)
        return np.sign(xm) * _share(sums == best, -1)[..., None, :]
    if ord == np.inf or ord == -np.inf:    # the largest (smallest) row sum
        sums = np.sum(np.abs(xm), axis=-1)
        best = sums.max(-1, keepdims=True) if ord > 0 else sums.min(-1, keepdims=True)
        return np.sign(xm) * _share(sums == best, -1)[..., :, None]
    raise NotImplementedError(f"the derivative of np.linalg.norm with the matrix "
                              f"ord={ord!r} is not implemented")


def _norm_weights(y, x, ord, axis, keepdims):
    """``(w, axes)``: the derivative of the norm, ``dy = sum(w * dx, axes)``."""
    x = np.asarray(x)
    kind, axes = _norm_kind(x, ord, axis)
    yk = y if keepdims or not axes else np.expand_dims(y, tuple(sorted(axes)))
    if kind == "flat" or kind == "matrix" and ord in (None, "fro"):
        w = x / yk
    elif kind == "vector":
        w = _vector_weights(x, yk, ord, axes)
    else:
        xm = np.moveaxis(x, axes, (-2, -1))
        w = np.moveaxis(_matrix_weights(xm, ord), (-2, -1), axes)
    dtype = _float_dtype(x)
    return np.asarray(w).astype(dtype, copy=False), axes


def linalg_norm_adjoint(g, y, x, ord=None, axis=None, keepdims=False):
    """Gradient of ``y = np.linalg.norm(x, ord, axis, keepdims)``: every vector ``ord``
    (``0`` has a zero derivative, ``inf`` and ``-inf`` share it between ties) and every
    matrix ``ord`` (``'fro'``, ``'nuc'``, ``1``, ``-1``, ``2``, ``-2``, ``inf``, ``-inf``)."""
    w, axes = _norm_weights(y, x, ord, axis, keepdims)
    if not keepdims and axes:
        g = np.expand_dims(g, tuple(sorted(axes)))
    return g * w


def linalg_norm_adjoint_jvp(g, y, x, v, ord=None, axis=None, keepdims=False):
    """``g`` (as `linalg_norm_adjoint` broadcasts it) times ``H v``, ``H`` the Hessian of
    ``y = np.linalg.norm(x, ord, axis, keepdims)`` (the derivative of its weights along
    ``v``): the tangent of ``linalg_norm_adjoint(g, y, x)`` along ``d[x] = v`` and, ``H``
    being symmetric, its gradient for ``x`` given the cotangent ``v``. Vector ords and
    ``'fro'``; the weights of ``0``, ``1``, ``inf`` and of the matrix ords ``1``, ``-1``,
    ``inf``, ``-inf`` are constant where they have a derivative."""
    if _zero(v) or _zero(g):
        return _zeros(x)
    x = np.asarray(x)
    kind, axes = _norm_kind(x, ord, axis)
    expand = (lambda a: a) if keepdims or not axes else \
        (lambda a: np.expand_dims(a, tuple(sorted(axes))))
    yk = expand(y)
    w, _ = _norm_weights(y, x, ord, axis, keepdims)
    dyk = np.sum(w * v, axis=axes, keepdims=True)
    if kind == "flat" or kind == "matrix" and ord in (None, "fro") \
            or kind == "vector" and ord in (None, 2):
        hv = (v - w * dyk) / yk  # d(x / y)
    elif kind == "vector" and ord not in (0, 1, np.inf, -np.inf):
        hv = (ord - 1) * (np.abs(x) / yk) ** (ord - 2) * (v - x * dyk / yk) / yk
    elif kind == "vector" or ord in (1, -1, np.inf, -np.inf):
        hv = np.zeros_like(w)
    else:
        raise NotImplementedError(f"second derivatives of np.linalg.norm with the matrix "
                                  f"ord={ord!r} are not implemented")
    return expand(g) * hv


def linalg_norm_jvp(t, y, x, ord=None, axis=None, keepdims=False):
    """Tangent of ``y = np.linalg.norm(x, ord, axis, keepdims)``: ``sum(w * t)`` over the
    normed axes, ``w`` the derivative."""
    if _zero(t):
        return _zeros(y)
    w, axes = _norm_weights(y, x, ord, axis, keepdims)
    return np.sum(w * t, axis=axes, keepdims=keepdims)
