"""Products and numpy.linalg: the rows of the rule table for templates/numpy_products.py
and templates/numpy_linalg.py, run by the reverse driver of tests/test_rules.py and the
forward driver of tests/test_forward_rules.py; then tuple results unpacked in user code,
derivatives of derivatives through N-D np.dot, and what is refused.

Matrices are drawn with the table's own sampler and kept only when well conditioned (the
``check`` of a row): distinct eigenvalues or singular values, no near-singular matrix.
cholesky takes ``x + 5 I``, positive definite for the sampler's entries (at most 1.4 in
size). Functions that read one triangle (cholesky, eigh, hermitian svd and pinv) are
checked against finite differences or autograd on the triangle NumPy reads: the gradient
of the other triangle is zero.

autograd has no forward mode for numpy.linalg (norm excepted): the forward driver checks
those rows against central differences. Run time: about 11 s of CPU (400 cases).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import test_forward_rules
from gradcheck import check_grad, numdirectional
from test_rules import A32, FD, ZERO, F, Row, _params, _seed, rows, run_row

import s2sad

pytestmark = [pytest.mark.filterwarnings("ignore:Output seems independent of input"),
              pytest.mark.filterwarnings("ignore:Arrays of 2-dimensional vectors")]


# -- what a drawn matrix must be -------------------------------------------------------

def _mats(x):
    x = np.asarray(x)
    return x.reshape((-1,) + x.shape[-2:])


def _conditioned(limit=10.0):
    def check(x, *rest):
        return all(np.linalg.cond(m) < limit for m in _mats(x))
    return check


def _sym(x, upper=False):
    return np.triu(x) + np.triu(x, 1).T if upper else np.tril(x) + np.tril(x, -1).T


def _eig_gaps(upper=False, gap=0.2):
    def check(x):
        return all(np.min(np.diff(np.linalg.eigvalsh(_sym(m, upper)))) > gap for m in _mats(x))
    return check


def _sv_gaps(gap=0.2, hermitian=False):
    def check(x):
        for m in _mats(x):
            s = np.linalg.svd(_sym(m) if hermitian else m, compute_uv=False)
            if np.min(s) < gap or len(s) > 1 and np.min(-np.diff(s)) < gap:
                return False
        return True
    return check


def _qr_ok(x):
    m = min(np.shape(x)[-2:])
    return _sv_gaps(0.3)(np.asarray(x)[..., :m])


# -- the table --------------------------------------------------------------------------

XY = "x, y"

INNER = [((3,), (3,)), ((2, 3), (3,)), ((2, 3), (4, 3)), ((2, 2, 3), (3,)), (F, (2, 3)),
         ((2, 3), ())]
OUTER = [((3,), (2,)), ((2, 2), (3,)), (F, (3,))]
VDOT = [((3,), (3,)), ((2, 3), (3, 2)), (F, F)]
KRON = [((2,), (3,)), ((2, 2), (3, 2)), ((2,), (2, 3)), (F, (2,))]
DOT_ND = [((2, 3, 4), (4,)), ((2, 3, 4), (4, 5)), ((2, 3), (4, 3, 5)), ((2, 2, 3), (2, 3, 4)),
          ((3,), (2, 3, 4)), (F, (2, 3, 4))]

VECTOR_ORDS = ["None", "2", "1", "np.inf", "-np.inf", "3", "0.5", "-1", "-2"]
MATRIX_ORDS = ["None", "'fro'", "'nuc'", "1", "-1", "2", "-2", "np.inf", "-np.inf"]


def _norm_oracle(ord_, snippet, matrix=False):
    """autograd differentiates these norms (without keepdims); the others are checked by
    differences."""
    known = ("None", "'fro'", "'nuc'") if matrix else ("None", "2", "3")
    return None if ord_ in known and "keepdims" not in snippet else FD


def _norm_rows() -> list[Row]:
    out = []
    for o in VECTOR_ORDS:
        out += rows(np.linalg.norm, f"np.linalg.norm(x, {o})", [(4,)],
                    oracle=_norm_oracle(o, ""))
    for o in ["None", "1", "np.inf", "3"]:
        out += rows(np.linalg.norm, f"np.linalg.norm(x, {o}, axis=1)", [(3, 4)],
                    oracle=_norm_oracle(o, ""))
    for o in ["-np.inf", "0.5"]:
        out += rows(np.linalg.norm, f"np.linalg.norm(x, ord={o}, axis=0, keepdims=True)",
                    [(3, 4)], oracle=FD)
    for o in MATRIX_ORDS:
        out += rows(np.linalg.norm, f"np.linalg.norm(x, {o})", [(3, 4)],
                    oracle=_norm_oracle(o, "", matrix=True), check=_sv_gaps(0.2))
        out += rows(np.linalg.norm, f"np.linalg.norm(x, {o}, (2, 0))", [(3, 2, 4)], oracle=FD,
                    check=lambda x: _sv_gaps(0.2)(np.moveaxis(x, (2, 0), (-2, -1))))
    for o in ["'nuc'", "1", "-np.inf"]:
        out += rows(np.linalg.norm, f"np.linalg.norm(x, {o}, axis=(0, 1), keepdims=True)",
                    [(2, 3)], oracle=FD, check=_sv_gaps(0.2))
    out += rows(np.linalg.norm, "np.linalg.norm(x, 0)", [(4,)], oracle=ZERO)
    out += rows(np.linalg.norm, "np.linalg.norm(x, 0) * x", [(4,)], oracle="x * 4.0")
    out += rows(np.linalg.norm, "np.linalg.norm(x)", [(2, 3, 4)])
    out += rows(np.linalg.norm, "np.linalg.norm(x)", [F], oracle=FD)  # autograd fails
    out += rows(np.linalg.norm, ["np.linalg.norm(x, 'nuc')", "np.linalg.norm(x, np.inf)"],
                [A32(3, 2)], oracle=FD, check=_sv_gaps(0.2))
    return out


TABLE: list[Row] = [
    # -- products
    *rows(np.inner, "np.inner(x, y)", INNER, params=XY),
    *rows(np.inner, "np.inner(x, x)", [(2, 3)]),
    *rows(np.outer, "np.outer(x, y)", OUTER, params=XY, oracle=FD),  # autograd: 1-D only
    *rows(np.tensordot, "np.tensordot(x, y)", [((3, 2, 2), (2, 2, 4))], params=XY),
    *rows(np.tensordot, ["np.tensordot(x, y, 1)", "np.tensordot(x, y, axes=(1, 0))"],
          [((2, 3), (3, 4))], params=XY),
    *rows(np.tensordot, "np.tensordot(x, y, axes=([1, 0], [0, 2]))",
          [((3, 2, 4), (2, 5, 3))], params=XY),
    *rows(np.tensordot, "np.tensordot(x, y, axes=0)", [((2,), (3, 2))], params=XY),
    *rows(np.einsum, ["np.einsum('ij,jk->ik', x, y)", "np.einsum('ij,jk', x, y)",
                      "np.einsum('ij, jk -> ki', x, y)", "np.einsum('ij,jk->', x, y)"],
          [((2, 3), (3, 4))], params=XY),
    *rows(np.einsum, ["np.einsum('ij->ji', x)", "np.einsum('ij->j', x)",
                      "np.einsum('ij,jk->ik', x, x)"], [(3, 3)]),
    # autograd cannot differentiate a trace or a diagonal
    *rows(np.einsum, ["np.einsum('ii->', x)", "np.einsum('ii->i', x)", "np.einsum('ii', x)",
                      "np.einsum('ii,ij->j', x, x)"], [(3, 3)], oracle=FD),
    *rows(np.einsum, "np.einsum('iij->ji', x)", [(3, 3, 2)], oracle=FD),
    *rows(np.einsum, "np.einsum('...ij,...jk->...ik', x, y)",
          [((2, 2, 3), (2, 3, 4)), ((2, 3), (5, 3, 4)), ((5, 2, 3), (3,  4))], params=XY),
    *rows(np.einsum, "np.einsum('...ij,...jk->...ik', x, y)", [((1, 2, 3), (5, 3, 4))],
          params=XY, oracle=FD),
    *rows(np.einsum, "np.einsum('...ii->...i', x)", [(2, 3, 3)], oracle=FD),
    *rows(np.einsum, "np.einsum('ij,j->i', x, y)", [((2, 3), (1,))], params=XY, oracle=FD),
    *rows(np.einsum, ["np.einsum('i,i->', x, y)", "np.einsum('i,j->ij', x, y)"],
          [((3,), (3,))], params=XY),
    *rows(np.einsum, "np.einsum('ijk,jl,l->ik', x, y, z)", [((2, 3, 4), (3, 2), (2,))],
          params="x, y, z"),
    *rows(np.einsum, "np.einsum('ij,jk,kl,lm->im', x, y, y.T, x.T, optimize=True)",
          [((2, 3), (3, 3))], params=XY),
    *rows(np.einsum, "np.einsum(',i->i', x, y)", [(F, (3,))], params=XY, oracle=FD),
    *rows(np.einsum, "np.einsum('ij,ij->i', x, y)", [(A32(2, 3), A32(2, 3))], params=XY),
    *rows(np.vdot, "np.vdot(x, y)", VDOT, params=XY, oracle=FD),  # not in autograd
    *rows(np.cross, "np.cross(x, y)", [((3,), (3,)), ((4, 3), (4, 3))], params=XY),
    # autograd does not sum the gradient of a broadcast argument
    *rows(np.cross, "np.cross(x, y)", [((4, 3), (3,)), ((2, 1, 3), (4, 3))], params=XY,
          oracle=FD),
    *rows(np.cross, "np.cross(x, y)", [((2,), (2,)), ((3, 2), (2,)), ((2,), (3,))],
          params=XY, oracle=FD),
    *rows(np.cross, ["np.cross(x, y, axis=0)", "np.cross(x, y, axisa=0, axisb=0, axisc=0)"],
          [((3, 4), (3, 4))], params=XY, oracle=FD),
    *rows(np.cross, "np.cross(x, y, axisa=0, axisc=0)", [((3, 4), (4, 3))], params=XY,
          oracle=FD),
    *rows(np.kron, "np.kron(x, y)", KRON, params=XY),
    *rows(np.dot, "np.dot(x, y)", DOT_ND, params=XY),
    *rows(np.ndarray.dot, "x.dot(y)", [c for c in DOT_ND if c[0] is not F], params=XY,
          oracle="np.dot(x, y)"),
    # the rules of dot's helper (derivatives of derivatives): g, then the operands
    *rows(s2sad.runtime_linalg.dot_adjoint_nd,
          "s2sad.runtime_linalg.dot_adjoint_nd(g, x, y, 0)",
          [((2, 3, 5), (2, 3, 4), (4, 5)), ((2, 4), (2, 3), (3, 4))], params="g, x, y",
          oracle=FD),
    *rows(s2sad.runtime_linalg.dot_adjoint_nd,
          "s2sad.runtime_linalg.dot_adjoint_nd(g, x, y, 1)",
          [((2, 3, 5), (2, 3, 4), (4, 5)), ((3,), (3, 4), (4,))], params="g, x, y",
          oracle=FD),
    # -- numpy.linalg
    *rows(np.linalg.inv, "np.linalg.inv(x)", [(3, 3), (2, 3, 3)], check=_conditioned()),
    *rows(np.linalg.det, "np.linalg.det(x)", [(3, 3), (2, 3, 3)], check=_conditioned()),
    *rows(np.linalg.slogdet, "np.linalg.slogdet(x)[1]", [(3, 3), (2, 3, 3)],
          check=_conditioned()),
    *rows(np.linalg.slogdet, "np.linalg.slogdet(x)[0]", [(3, 3)], oracle=ZERO,
          check=_conditioned()),
    *rows(np.linalg.solve, "np.linalg.solve(x, y)", [((3, 3), (3,)), ((3, 3), (3, 2)),
                                                      ((2, 3, 3), (2, 3, 2))],
          params=XY, check=_conditioned()),
    *rows(np.linalg.solve, "np.linalg.solve(x, y)", [((2, 3, 3), (3,)), ((2, 3, 3), (3, 2))],
          params=XY, check=_conditioned(), oracle=FD),
    *rows(np.linalg.matrix_power, ["np.linalg.matrix_power(x, 3)",
                                   "np.linalg.matrix_power(x, 1)",
                                   "np.linalg.matrix_power(x, -2)"], [(3, 3), (2, 3, 3)],
          check=_conditioned(), oracle=FD),
    *rows(np.linalg.matrix_power, "np.linalg.matrix_power(x, 0)", [(3, 3)], oracle=ZERO),
    *_norm_rows(),
    *rows(np.linalg.cholesky, ["np.linalg.cholesky(x + 5.0 * np.eye(3))",
                               "np.linalg.cholesky(x + 5.0 * np.eye(3), upper=True)"],
          [(3, 3), (2, 3, 3)], oracle=FD),
    *rows(np.linalg.eigh, ["np.linalg.eigh(x)[0]", "np.linalg.eigh(x)[1]"],
          [(3, 3), (2, 3, 3)], check=_eig_gaps()),
    *rows(np.linalg.eigh, ["np.linalg.eigh(x, 'U')[1]", "np.linalg.eigh(x, UPLO='U')[0]"],
          [(3, 3)], check=_eig_gaps(upper=True)),
    *rows(np.linalg.svd, ["np.linalg.svd(x, full_matrices=False)[0]",
                          "np.linalg.svd(x, full_matrices=False)[1]",
                          "np.linalg.svd(x, full_matrices=False)[2]"],
          [(3, 2), (2, 3), (3, 3), (2, 3, 2)], check=_sv_gaps()),
    *rows(np.linalg.svd, "np.linalg.svd(x, compute_uv=False)", [(3, 3)], check=_sv_gaps()),
    *rows(np.linalg.svd, ["np.linalg.svd(x)[0]", "np.linalg.svd(x)[2]"], [(3, 3)],
          check=_sv_gaps(), oracle=FD),  # autograd: full_matrices=False only
    *rows(np.linalg.svd, "np.linalg.svd(x, compute_uv=False)", [(3, 2), (2, 4)],
          check=_sv_gaps()),
    *rows(np.linalg.svd, ["np.linalg.svd(x, hermitian=True)[0]",
                          "np.linalg.svd(x, hermitian=True)[1]",
                          "np.linalg.svd(x, hermitian=True)[2]"],
          [(3, 3)], check=lambda x: _sv_gaps(hermitian=True)(x) and _eig_gaps()(x), oracle=FD),
    *rows(np.linalg.pinv, "np.linalg.pinv(x)", [(3, 2), (2, 3), (3, 3), (2, 3, 2)],
          check=_sv_gaps(0.3)),
    *rows(np.linalg.pinv, "np.linalg.pinv(x, hermitian=True)", [(3, 3)],
          check=_sv_gaps(0.3, hermitian=True), oracle=FD),
    *rows(np.linalg.qr, ["np.linalg.qr(x)[0]", "np.linalg.qr(x)[1]"],
          [(3, 3), (4, 2), (2, 4), (2, 3, 2)], check=_qr_ok, oracle=FD),
    *rows(np.linalg.qr, "np.linalg.qr(x, mode='r')", [(3, 2), (2, 3)], check=_qr_ok,
          oracle=FD),
    *rows(np.linalg.qr, "np.linalg.qr(x, 'complete')[0]", [(2, 3), (3, 3)], check=_qr_ok,
          oracle=FD),
]

# float32 in, float32 out (the tangent as computed, too)
TABLE += [
    *rows(np.tensordot, "np.tensordot(x, y, 1)", [(A32(2, 3), A32(3, 4))], params=XY),
    *rows(np.kron, "np.kron(x, y)", [(A32(2,), A32(2, 2))], params=XY),
    *rows(np.linalg.inv, "np.linalg.inv(x)", [A32(3, 3)], check=_conditioned()),
    *rows(np.linalg.det, "np.linalg.det(x)", [A32(3, 3)], check=_conditioned()),
    *rows(np.linalg.slogdet, "np.linalg.slogdet(x)[1]", [A32(3, 3)], check=_conditioned()),
    *rows(np.linalg.solve, "np.linalg.solve(x, y)", [(A32(3, 3), A32(3,))], params=XY,
          check=_conditioned()),
    *rows(np.linalg.matrix_power, "np.linalg.matrix_power(x, -2)", [A32(3, 3)],
          check=_conditioned(), oracle=FD),
    *rows(np.linalg.cholesky, "np.linalg.cholesky(x + 5.0 * np.eye(3, dtype=np.float32))",
          [A32(3, 3)], oracle=FD),
    *rows(np.linalg.eigh, "np.linalg.eigh(x)[1]", [A32(3, 3)], check=_eig_gaps(gap=0.4)),
    *rows(np.linalg.svd, "np.linalg.svd(x, full_matrices=False)[0]", [A32(3, 2)],
          check=_sv_gaps(0.4)),
    *rows(np.linalg.pinv, "np.linalg.pinv(x)", [A32(2, 3)], check=_sv_gaps(0.4)),
    *rows(np.linalg.qr, "np.linalg.qr(x)[0]", [A32(3, 2)], check=_qr_ok, oracle=FD),
]

# autograd has no forward mode for these: the forward driver uses central differences
NO_AUTOGRAD_JVP = {np.linalg.inv, np.linalg.det, np.linalg.slogdet, np.linalg.solve,
                   np.linalg.eigh, np.linalg.svd, np.linalg.pinv, np.linalg.cholesky}


@pytest.fixture(scope="module")
def module_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("linalg_rule_cases")


@pytest.mark.parametrize("row,case", _params(TABLE))
def test_rule(row, case, module_dir, request):
    run_row(row, case, module_dir, _seed(request))


@pytest.mark.parametrize("row,case", _params(TABLE))
def test_tangent(row, case, module_dir, request):
    if row.key in NO_AUTOGRAD_JVP and row.oracle != ZERO:
        row = dataclasses.replace(row, oracle=FD)
    test_forward_rules.run_row(row, case, module_dir, _seed(request))


# -- tuple results unpacked in user code -----------------------------------------------

def slogdet_unpacked(a):
    sign, logdet = np.linalg.slogdet(a)
    return sign * logdet + logdet * logdet


def eigh_unpacked(a):
    w, v = np.linalg.eigh(a)
    return np.sum(w * np.sin(w)) + np.sum(v[0] * v[1] * w)  # v: sign-invariant


def svd_unpacked(a):
    u, s, vt = np.linalg.svd(a, full_matrices=False)
    return np.sum(u * u[0] * s) + np.sum(vt[0] * vt[1]) + np.sum(s * s * s)


def qr_unpacked(a):
    q, r = np.linalg.qr(a)
    return np.sum(q[0]) * np.sum(r[0]) + np.sum(np.tanh(r)) + np.sum(q * q * q)


def eigh_whole(a):
    return np.linalg.eigh(a)


def svd_whole(a):
    return np.linalg.svd(a, full_matrices=False)


UNPACKED = [(slogdet_unpacked, (3, 3), _conditioned()), (eigh_unpacked, (3, 3), _eig_gaps()),
            (svd_unpacked, (4, 3), _sv_gaps()), (svd_unpacked, (2, 3), _sv_gaps()),
            (qr_unpacked, (4, 3), _qr_ok), (qr_unpacked, (2, 3), _qr_ok)]
WHOLE = [(eigh_whole, (3, 3), _eig_gaps()), (svd_whole, (3, 2), _sv_gaps())]


def _matrix(shape, check, seed):
    rng = np.random.default_rng(seed)
    while True:
        x = rng.choice([-1.0, 1.0], shape) * rng.uniform(0.4, 1.4, shape)
        if check(x):
            return x


def _jvp_check(f, a, v):
    _, tangent = s2sad.jvp(f, (a,), (v,))
    if isinstance(tangent, tuple):
        tangent = sum(np.sum(t) for t in tangent)
    np.testing.assert_allclose(tangent, numdirectional(f, (a,), 0, v), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("f,shape,check", UNPACKED + WHOLE,
                         ids=[f"{f.__name__}-{s}" for f, s, _ in UNPACKED + WHOLE])
def test_tuple_results_both_modes(f, shape, check):
    a = _matrix(shape, check, 7)
    check_grad(f, a)                                    # reverse: the sum of all outputs
    if (f, shape, check) not in WHOLE:
        _jvp_check(f, a, np.random.default_rng(8).standard_normal(shape))


@pytest.mark.parametrize("f,shape,check", WHOLE, ids=[f.__name__ for f, _, _ in WHOLE])
def test_tangent_of_a_namedtuple_result(f, shape, check):
    a = _matrix(shape, check, 7)
    _jvp_check(f, a, np.random.default_rng(8).standard_normal(shape))


def test_tuple_cotangent_from_the_user():
    """vjp of a tuple result with a tuple cotangent, one part of it zero."""
    import autograd
    import autograd.numpy as anp
    a = _matrix((3, 3), _eig_gaps(), 9)
    gv = np.random.default_rng(10).standard_normal((3, 3))
    _, pullback = s2sad.vjp(eigh_whole, a)
    expected = autograd.grad(lambda m: anp.sum(anp.linalg.eigh(m)[1] * gv))(a)
    got, = pullback((np.zeros(3), gv))
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-9)


# -- derivatives of derivatives through N-D np.dot ------------------------------------

W = np.random.default_rng(11).standard_normal((4, 5))


def dot_nd(x):
    return np.sum(np.tanh(np.dot(x, W)))


def dot_nd_grad_sum(x):
    return np.sum(s2sad.grad(dot_nd)(x))


def test_second_derivatives_through_nd_dot():
    rng = np.random.default_rng(12)
    x, v = 0.5 * rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 3, 4))
    grad = s2sad.grad(dot_nd)
    eps = 1e-6
    expected = (grad(x + eps * v) - grad(x - eps * v)) / (2 * eps)
    np.testing.assert_allclose(s2sad.hvp(dot_nd)(x, v), expected, rtol=1e-6, atol=1e-8)
    # reverse over reverse: the gradient of the sum of the gradient
    np.testing.assert_allclose(np.sum(s2sad.grad(s2sad.grad(dot_nd))(x) * v),
                               np.sum(expected), rtol=1e-6, atol=1e-8)


# -- second derivatives through np.einsum ----------------------------------------------

def einsum_chain(a, b, c):
    return np.sum(np.einsum("ij,jk,k->i", a, b, c) ** 2) \
        + np.sum(np.tanh(np.einsum("ij,ij->i", a, a)))


@pytest.mark.parametrize("i", [0, 1, 2])
def test_second_derivatives_through_einsum(i):
    """hvp and grad of grad through einsum_adjoint (its rules: its source, with a list
    comprehension, cannot be transformed)."""
    rng = np.random.default_rng(14)
    args = [rng.standard_normal((2, 3)), rng.standard_normal((3, 4)), rng.standard_normal(4)]
    v = rng.standard_normal(np.shape(args[i]))
    grad = s2sad.grad(einsum_chain, i)
    eps = 1e-6
    plus, minus = list(args), list(args)
    plus[i], minus[i] = args[i] + eps * v, args[i] - eps * v
    expected = (grad(*plus) - grad(*minus)) / (2 * eps)
    np.testing.assert_allclose(s2sad.hvp(einsum_chain, i)(*args, v), expected, rtol=1e-6,
                               atol=1e-7)
    np.testing.assert_allclose(np.sum(s2sad.grad(grad, i)(*args) * v), np.sum(expected),
                               rtol=1e-6, atol=1e-7)


# -- second derivatives through np.linalg.norm ------------------------------------------

def norm_cubed(x):
    return np.linalg.norm(x) ** 3


def norm_rows(x):
    return np.sum(np.linalg.norm(x, axis=1) ** 3 * np.arange(1.0, 4.0))


def norm_p_keepdims(x):
    return np.sum(np.linalg.norm(x, ord=3, axis=0, keepdims=True) ** 2 * x)


def norm_fro_and_one(x):
    return np.sin(np.linalg.norm(x, "fro")) + np.linalg.norm(x, 1) * np.sum(x ** 2)


def norm_vector_ords(x):
    return np.linalg.norm(x[0], 1.5) ** 2 + np.linalg.norm(x[1], 1) ** 2 \
        + np.linalg.norm(x[2], np.inf) * np.sum(x ** 2)


@pytest.mark.parametrize("f", [norm_cubed, norm_rows, norm_p_keepdims, norm_fro_and_one,
                               norm_vector_ords])
def test_second_derivatives_through_norm(f):
    """hvp and grad of grad through linalg_norm_adjoint (its rules; its source cannot be
    transformed: that was a MissingRuleError for sorted)."""
    rng = np.random.default_rng(13)
    x, v = rng.standard_normal((3, 2)), rng.standard_normal((3, 2))
    grad = s2sad.grad(f)
    eps = 1e-6
    expected = (grad(x + eps * v) - grad(x - eps * v)) / (2 * eps)
    np.testing.assert_allclose(s2sad.hvp(f)(x, v), expected, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(np.sum(s2sad.grad(grad)(x) * v), np.sum(expected),
                               rtol=1e-6, atol=1e-7)


def norm_spectral(x):
    return np.linalg.norm(x, 2) ** 2


def test_second_derivatives_through_a_spectral_norm_are_refused():
    with pytest.raises(NotImplementedError, match="ord=2"):
        s2sad.hvp(norm_spectral)(np.eye(2) + 0.1, np.ones((2, 2)))


# -- what is refused, and says so ---------------------------------------------------------

def svd_full(a):
    return np.sum(np.linalg.svd(a)[0])


def qr_complete(a):
    return np.sum(np.linalg.qr(a, mode="complete")[0])


def qr_raw(a):
    return np.sum(np.linalg.qr(a, mode="raw")[0])


def einsum_interleaved(a, b):
    return np.sum(np.einsum(a, [0, 1], b, [1, 2]))


def einsum_nine(a):
    return np.einsum("i,i,i,i,i,i,i,i,i->", a, a, a, a, a, a, a, a, a)


REFUSED = [(svd_full, [(3, 2)], "full_matrices=True"), (qr_complete, [(3, 2)], "complete"),
           (qr_raw, [(3, 2)], "raw"), (einsum_interleaved, [(2, 3), (3, 2)], "interleaved"),
           (einsum_nine, [(3,)], "collects extra arguments|at most 8 operands")]


@pytest.mark.parametrize("f,shapes,message", REFUSED, ids=[r[0].__name__ for r in REFUSED])
def test_unsupported_cases_raise(f, shapes, message):
    args = [_matrix(s, lambda x: True, 13) for s in shapes]
    with pytest.raises(NotImplementedError, match=message):
        s2sad.grad(f)(*args)
    with pytest.raises(NotImplementedError, match=message):
        s2sad.jvp(f, args, [np.ones_like(a) for a in args])


ONES = np.ones(3)


def einsum_ninth_only(a):
    return np.einsum("i,i,i,i,i,i,i,i,i->", ONES, ONES, ONES, ONES, ONES, ONES, ONES, ONES, a)


def test_einsum_gradient_past_the_named_operands_is_refused():
    with pytest.raises((NotImplementedError, s2sad.TransformError)):
        s2sad.grad(einsum_ninth_only)(np.arange(3.0))
