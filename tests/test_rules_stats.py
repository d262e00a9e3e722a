"""The rules of templates/numpy_stats.py (nansum, nanmean, ptp, median, quantile,
percentile, interp), of np.linalg.lstsq and of math.lgamma and math.gamma (digamma).

One table, run by the drivers of tests/test_rules.py (reverse: ``s2sad.grad`` and
``s2sad.vjp``) and tests/test_forward_rules.py (``s2sad.jvp``), always against central
finite differences; the inputs are drawn away from ties and kinks (distinct values, ``x``
off the breakpoints of interp, away from the poles of the gamma function). Then the
NaN, loop, tie and second-derivative cases, and digamma itself.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import test_forward_rules as forward
from gradcheck import check_grad, numdirectional, numgrad
from test_rules import A32, F64, FD, F, Row, _params, _seed, keys_in, rows
from test_rules import run_row as reverse_run_row

import s2sad
from s2sad import runtime_stats as rs
from s2sad.runtime_elementwise import digamma, trigamma

pytestmark = pytest.mark.filterwarnings("ignore:Output seems independent of input")

CUBE = (3, 2, 4)  # axes of odd and even lengths
XP = "np.array([-1.0, -0.2, 0.5, 1.0])"  # interp's breakpoints: "any" x falls in and out


def _distinct(x, *rest) -> bool:
    """No two values of ``x`` within 1e-3: no ties among the order statistics."""
    values = np.sort(np.ravel(x))
    return bool(np.all(np.diff(values) > 1e-3))


def _off(points):
    """A check: the first argument keeps 1e-3 away from each of ``points``."""
    def check(x, *rest) -> bool:
        return bool(np.all(np.abs(np.subtract.outer(np.ravel(x), points)) > 1e-3))
    return check


def _nan_masked(x, *rest) -> bool:
    """``x > 1.1`` masks some elements (NaN), none within 1e-3 of the threshold, and leaves
    a value in every row of the last axis (no all-NaN mean)."""
    x = np.asarray(x)
    kept = x <= 1.1
    return bool(np.all(np.abs(x - 1.1) > 1e-3) and np.any(~kept)
                and (x.ndim == 0 or np.all(np.any(kept, axis=-1))))


def _full_rank(a, b) -> bool:
    return bool(np.linalg.cond(a) < 20)


def _gamma_ok(x) -> bool:
    """Away from the poles 0, -1, -2, ..."""
    return bool(x > 0 or abs(x - round(x)) > 0.1)


NAN = "x + np.where(x > 1.1, np.nan, 0.0)"
REDUCE = ["", ", axis=0", ", axis=-1, keepdims=True", ", 1", ", axis=None, keepdims=True"]


def reduce_rows(key, fn: str, vectors, **kw) -> list[Row]:
    """``np.fn(x, ...)`` with each of `REDUCE` on a cube, and the whole of each vector."""
    return (rows(key, [f"np.{fn}(x{a})" for a in REDUCE], [CUBE], oracle=FD, **kw)
            + rows(key, [f"np.{fn}(x)", f"np.{fn}(x, axis=0, keepdims=True)"], vectors,
                   oracle=FD, **kw))


TABLE: list[Row] = [
    # -- nansum, nanmean: without NaN as sum and mean; NaN elements get no derivative ------
    *reduce_rows(np.nansum, "nansum", [(4,)]),
    *rows(np.nansum, "np.nansum(x)", [F, ()], oracle=FD),
    *rows(np.nansum, [f"np.nansum({NAN}, axis=1)", f"np.nansum({NAN})"], [(3, 5)], oracle=FD,
          check=_nan_masked),
    *reduce_rows(np.nanmean, "nanmean", [(4,)]),
    *rows(np.nanmean, [f"np.nanmean({NAN}, axis=-1)", f"np.nanmean({NAN}, 1, keepdims=True)",
                       f"np.nanmean({NAN})"], [(3, 6)], oracle=FD, check=_nan_masked),
    # -- ptp ---------------------------------------------------------------------------
    *reduce_rows(np.ptp, "ptp", [(5,)], check=_distinct),
    *rows(np.ptp, "np.ptp(x, axis=(0, 2))", [CUBE], oracle=FD, check=_distinct),
    # -- median, quantile, percentile: odd and even lengths -----------------------------
    *reduce_rows(np.median, "median", [(5,), (4,)], check=_distinct),
    *rows(np.quantile, ["np.quantile(x, 0.3)", "np.quantile(x, [0.1, 0.5, 1.0], axis=0)",
                        "np.quantile(x, np.array([[0.25], [0.8]]), axis=-1, keepdims=True)",
                        "np.quantile(x, 0.0, axis=1)", "np.quantile(x, 0.7, 2, keepdims=True)"],
          [CUBE], oracle=FD, check=_distinct),
    *rows(np.quantile, ["np.quantile(x, 0.3)", "np.quantile(x, [0.05, 0.6, 0.99])"],
          [(5,), (6,)], oracle=FD, check=_distinct),
    *rows(np.percentile, ["np.percentile(x, 40.0)",
                          "np.percentile(x, [10.0, 75.0], axis=1, keepdims=True)",
                          "np.percentile(x, 62.5, axis=-1)"], [CUBE], oracle=FD,
          check=_distinct),
    *rows(np.percentile, "np.percentile(x, [30.0, 50.0])", [(4,), (7,)], oracle=FD,
          check=_distinct),
    # -- interp: x in, below and above the breakpoints; fp; left and right --------------
    *rows(np.interp, f"np.interp(x, {XP}, y)", [((6,), (4,)), ((3, 2), (4,)), (F, (4,))],
          params="x, y", oracle=FD, check=_off([-1.0, -0.2, 0.5, 1.0])),
    *rows(np.interp, f"np.interp(x, {XP}, np.array([0.0, 2.0, 1.0, -1.0]))", [(7,), F],
          oracle=FD, check=_off([-1.0, -0.2, 0.5, 1.0])),
    *rows(np.interp, "np.interp(x, np.array([-1.0, 0.5, 1.0]), y, z, 2.0 * z)",
          [((8,), (3,), F)], params="x, y, z", oracle=FD, check=_off([-1.0, 0.5, 1.0])),
    *rows(np.interp, "np.interp(x, np.array([-1.0, 0.5, 1.0]), y, right=y[0])",
          [((8,), (3,))], params="x, y", oracle=FD, check=_off([-1.0, 0.5, 1.0])),
    # -- lstsq: full column rank; x, the residuals, the singular values ----------------
    *rows(np.linalg.lstsq, "np.linalg.lstsq(x, y, rcond=None)[0]",
          [((5, 3), (5,)), ((5, 3), (5, 2)), ((3, 3), (3, 2))], params="x, y", oracle=FD,
          check=_full_rank),
    *rows(np.linalg.lstsq, ["np.linalg.lstsq(x, y)[1]", "np.linalg.lstsq(x, y)[3]"],
          [((5, 3), (5, 2)), ((4, 2), (4,))], params="x, y", oracle=FD, check=_full_rank),
    # -- lgamma, gamma; digamma (their derivative) has a rule too -----------------------
    *rows(math.lgamma, "math.lgamma(x)", [F, F64], oracle=FD, check=_gamma_ok),
    *rows(math.lgamma, "math.lgamma(x)", [F], domain=("pos",), oracle=FD),
    *rows(math.gamma, "math.gamma(x)", [F, F64], oracle=FD, check=_gamma_ok),
    *rows(digamma, "s2sad.runtime_elementwise.digamma(x)", [F], oracle=FD, check=_gamma_ok),
]

# the helpers' rules (derivatives of derivatives): each linear in its first argument
H = "s2sad.runtime_stats."
M = "np.array([[3.0, 1.0, 2.0], [0.5, 4.0, -1.0]])"
POINTS = "np.array([-0.5, 0.3, 1.7, 4.0]), np.array([0.0, 1.0, 2.0])"
TABLE += [
    *rows(rs.quantile_adjoint, H + f"quantile_adjoint(x, {M}, [0.3, 0.5], 1)", [(2, 2)],
          oracle=FD),
    *rows(rs.quantile_adjoint, H + f"quantile_adjoint(x, {M}, 0.8, 0, True)", [(1, 3)],
          oracle=FD),
    *rows(rs.quantile_jvp, [H + f"quantile_jvp(x, {M}, [0.3, 0.5], 1)",
                            H + f"quantile_jvp(x, {M}, 0.4)"], [(2, 3)], oracle=FD),
    *rows(rs.interp_fp_adjoint, H + f"interp_fp_adjoint(x, {POINTS}, np.ones(3), 0.0)",
          [(4,)], oracle=FD),
    *rows(rs.interp_fp_jvp, H + f"interp_fp_jvp(x, {POINTS}, np.ones(3), None, 1.0)", [(3,)],
          oracle=FD),
    *rows(rs.interp_slope_adjoint, H + f"interp_slope_adjoint(x, {POINTS}, np.ones(3))",
          [(4,)], oracle=FD),
    *rows(rs.interp_slope_jvp, H + f"interp_slope_jvp(x, {POINTS}, np.ones(3))", [(3,)],
          oracle=FD),
    # and in x, on a segment (the weights move with x): x off the breakpoints
    *rows(rs.interp_fp_adjoint, H + "interp_fp_adjoint(y, x, np.array([-1.0, 0.5, 1.0]), "
          "np.ones(3), None, 2.0)", [((5,), (5,))], params="x, y", oracle=FD,
          check=_off([-1.0, 0.5, 1.0])),
    *rows(rs.interp_fp_jvp, H + "interp_fp_jvp(y, x, np.array([-1.0, 0.5, 1.0]), np.ones(3))",
          [((5,), (3,))], params="x, y", oracle=FD, check=_off([-1.0, 0.5, 1.0])),
]

FLOAT32 = [
    *rows(np.median, "np.median(x, axis=0)", [A32(3, 2)], oracle=FD, check=_distinct),
    *rows(np.nanmean, "np.nanmean(x, axis=1)", [A32(3, 2)], oracle=FD),
    *rows(np.ptp, "np.ptp(x)", [A32(4,)], oracle=FD, check=_distinct),
]


@pytest.fixture(scope="module")
def stats_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("stats_rule_cases")


@pytest.mark.parametrize("row,case", _params(TABLE + FLOAT32))
def test_rule(row, case, stats_dir, request):
    reverse_run_row(row, case, stats_dir, _seed(request))


@pytest.mark.parametrize("row,case", _params(TABLE + FLOAT32))
def test_tangent(row, case, stats_dir, request):
    forward.run_row(row, case, stats_dir, _seed(request))


@pytest.mark.parametrize("row", TABLE + FLOAT32, ids=lambda r: r.snippet)
def test_row_uses_its_rule(row):
    assert any(k is row.key for k in keys_in(row.snippet, row.params)), \
        (row.snippet, keys_in(row.snippet, row.params))


# -- both modes on explicit inputs: NaN, ties, a loop and a branch --------------------

def _check_both(f, args, wrt, rtol=1e-6, atol=1e-7):
    """``s2sad.grad`` (via `check_grad`) and ``s2sad.jvp`` along a random direction of each
    argument in ``wrt``, both against central differences."""
    check_grad(f, *args, wrt=wrt, rtol=rtol, atol=atol)
    rng = np.random.default_rng(7)
    for i in wrt:
        v = rng.standard_normal(np.shape(args[i]))
        directions = [v if k == i else None for k in range(len(args))]
        _, t = s2sad.jvp(f, tuple(args), tuple(directions))
        np.testing.assert_allclose(t, numdirectional(f, args, i, v), rtol=rtol, atol=atol)


WITH_NAN = np.array([[0.5, np.nan, -1.0, 2.0], [np.nan, np.nan, 3.0, 0.25],
                     [1.5, -0.5, np.nan, 0.75]])


def nan_reductions(x):
    a = np.nansum(x, axis=1)
    b = np.nanmean(x, axis=0, keepdims=True)
    return np.sum(a * a) + np.sum(b * np.arange(1.0, 5.0)) + np.nanmean(x) * np.nansum(x)


def test_nan_elements_get_no_gradient():
    """(Only the NaN the reduction reads: one made by ``x * w`` sends ``0 * NaN`` back.)"""
    g = s2sad.grad(nan_reductions)(WITH_NAN)
    assert np.all(g[np.isnan(WITH_NAN)] == 0.0) and np.all(np.isfinite(g))
    _check_both(nan_reductions, [WITH_NAN], (0,))


def ptp_rows(x):
    return np.sum(np.ptp(x, axis=1) * np.array([1.0, 2.0, 3.0]))


def test_ptp_ties_split_like_max_and_min():
    x = np.array([[1.0, 3.0, 3.0, 0.0], [2.0, 2.0, 2.0, 2.0], [0.0, 5.0, 0.0, 0.0]])
    g = s2sad.grad(ptp_rows)(x)
    np.testing.assert_allclose(g, [[0.0, 0.5, 0.5, -1.0], [0.0] * 4, [-1.0, 3.0, -1.0, -1.0]])
    v = np.arange(12.0).reshape(3, 4)
    _, t = s2sad.jvp(ptp_rows, (x,), (v,))
    assert t == pytest.approx(np.sum(g * v))


def robust_loss(x, y, fp):
    """A loop and a branch around median, quantile and interp."""
    total = 0.0
    for k in range(x.shape[0]):
        row = x[k]
        m = np.median(row)
        if m > 0.0:
            total = total + np.sum(np.interp(row, np.array([-2.0, 0.0, 1.0, 3.0]), fp) * m)
        else:
            total = total - np.quantile(row * y, 0.75) ** 2
    return total + np.percentile(y, 30.0)


def test_inside_a_loop_and_a_branch():
    rng = np.random.default_rng(4)
    x = rng.uniform(-1.5, 2.5, (4, 5))
    x[0] = np.abs(x[0]) + 0.1  # one row through each branch at least
    x[1] = -np.abs(x[1]) - 0.1
    y, fp = rng.uniform(0.5, 1.5, 5), rng.standard_normal(4)
    _check_both(robust_loss, [x, y, fp], (0, 1, 2))


def interp_sum(x, xp, fp):
    return np.sum(np.interp(x, xp, fp) ** 2)


def test_interp_breakpoints_get_no_gradient():
    x, xp, fp = np.array([-0.5, 0.3, 1.7, 4.0]), np.array([0.0, 1.0, 2.0]), np.array([1.0, 3.0, 2.0])
    gx, gxp, gfp = s2sad.grad(interp_sum, wrt=(0, 1, 2))(x, xp, fp)
    np.testing.assert_array_equal(gxp, np.zeros(3))
    np.testing.assert_allclose(gx, numgrad(interp_sum, (x, xp, fp), 0), atol=1e-6)
    np.testing.assert_allclose(gfp, numgrad(interp_sum, (x, xp, fp), 2), rtol=1e-6)
    assert gx[0] == 0.0 and gx[3] == 0.0  # clamped outside [xp[0], xp[-1]]
    _, t = s2sad.jvp(interp_sum, (x, xp, fp), (None, np.ones(3), None))
    assert t == 0.0


def lstsq_unpacked(a, b):
    x, residuals, rank, s = np.linalg.lstsq(a, b, rcond=None)
    return np.sum(x * x) + 0.5 * np.sum(residuals) + np.sum(s) * rank


def test_lstsq_unpacked():
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal((6, 3)), rng.standard_normal((6, 2))
    _check_both(lstsq_unpacked, [a, b], (0, 1), rtol=1e-5, atol=1e-6)


def lstsq_x(a, b):
    return np.sum(np.linalg.lstsq(a, b)[0])


def quantile_nearest(a):
    return np.quantile(a, 0.5, method="nearest")


@pytest.mark.parametrize("fn,args", [
    (lstsq_x, (np.ones((2, 3)), np.ones(2))),  # wide: the minimum-norm solution
    (lstsq_x, (np.ones((3, 2)), np.ones(3))),  # rank-deficient
    (quantile_nearest, (np.arange(3.0),)),
])
def test_unsupported_variants_raise(fn, args):
    with pytest.raises(NotImplementedError):
        s2sad.grad(fn)(*args)


# -- digamma, and second derivatives of lgamma --------------------------------------

@pytest.mark.parametrize("x", [1e-3, 0.1, 0.5, 1.0, 1.5, 2.0, 3.7, 5.99, 6.0, 9.5, 47.0,
                               1e3, 1e6, -0.5, -1.3, -2.75, -7.7])
def test_digamma_is_the_derivative_of_lgamma(x):
    h = 1e-5 * (x if x > 0 else min(1.0, abs(x - round(x))))  # small beside a pole
    fd = (math.lgamma(x + h) - math.lgamma(x - h)) / (2 * h)
    assert digamma(x) == pytest.approx(fd, rel=1e-8, abs=1e-9)
    fd = (digamma(x + h) - digamma(x - h)) / (2 * h)
    assert trigamma(x) == pytest.approx(fd, rel=1e-7, abs=1e-9)


def test_digamma_exact_values():
    euler = 0.5772156649015329
    assert digamma(1.0) == pytest.approx(-euler, rel=1e-12)
    assert digamma(0.5) == pytest.approx(-euler - 2.0 * math.log(2.0), rel=1e-12)
    assert digamma(10.0) == pytest.approx(-euler + sum(1.0 / k for k in range(1, 10)),
                                          rel=1e-12)
    assert trigamma(1.0) == pytest.approx(math.pi ** 2 / 6.0, rel=1e-12)
    assert math.isnan(digamma(0.0)) and math.isnan(digamma(-3.0))


def log_likelihood(x):
    return math.lgamma(x) + 0.5 * math.gamma(x) - math.lgamma(x * x + 1.0)


@pytest.mark.parametrize("x", [0.7, 2.3, -1.6])
def test_second_derivative_of_lgamma(x):
    h = 1e-4
    second = (log_likelihood(x + h) - 2.0 * log_likelihood(x) + log_likelihood(x - h)) / h ** 2
    assert s2sad.grad(s2sad.grad(log_likelihood))(x) == pytest.approx(second, rel=1e-5)
    assert s2sad.hessian(log_likelihood)(x) == pytest.approx(second, rel=1e-5)


def second_stats(x):
    a = np.median(x * x, axis=0) * np.quantile(x, [0.3, 0.9], axis=1)[0]
    b = np.percentile(x ** 3, 40.0) * np.ptp(x * x, axis=1)
    fp = np.array([0.5, -1.0, 2.0, 1.0]) * x[0, 0]
    c = np.interp(x * x, np.array([0.0, 0.5, 1.5, 3.0]), fp)
    return np.sum(a ** 2) + np.sum(b) + np.sum(c * x) + np.nanmean(x ** 2) * np.nansum(x)


def test_second_derivatives():
    """Hessians (forward over reverse) and grad of grad against differences of the
    gradient: the helpers' rules at work."""
    x = np.random.default_rng(5).uniform(-1.2, 1.6, (3, 3))
    grad = s2sad.grad(second_stats)
    eps = 1e-6
    fd = np.stack([(grad(x + eps * e) - grad(x - eps * e)) / (2 * eps)
                   for e in np.eye(9).reshape(9, 3, 3)]).reshape(9, 9)
    np.testing.assert_allclose(s2sad.hessian(second_stats)(x).reshape(9, 9), fd, rtol=1e-5,
                               atol=1e-5)
    np.testing.assert_allclose(s2sad.grad(grad)(x).reshape(9), fd.sum(axis=0), rtol=1e-5,
                               atol=1e-5)
