"""The rules of templates/numpy_elementwise.py and the elementwise ``math`` and builtin
rules of templates/math.py and templates/operators.py.

One table, the drivers of tests/test_rules.py (reverse: ``s2sad.grad`` and ``s2sad.vjp``)
and tests/test_forward_rules.py (``s2sad.jvp``) run over it. The oracle is autograd on the
same snippet, an autograd snippet computing the same thing (the NumPy twin of a ``math``
function; ``np.clip(x, lo, hi)`` for ``min=``/``max=`` keywords), or central finite
differences where autograd has no rule (cbrt, copysign, erf, fsum, the bounds of clip).

Inputs keep away from kinks and edges: the domains of tests/test_rules.py ("pos", "any")
and, added here, "unit" (``0.1 < |x| < 0.85``: arcsin, arctanh) and "gt1" (``1.2 .. 2.5``:
arccosh, a logarithm's base).
"""

from __future__ import annotations

import math

import autograd
import autograd.numpy as anp
import numpy as np
import pytest
import test_forward_rules as forward
import test_rules
from test_rules import (
    A32,
    BINARY,
    F32,
    F64,
    FD,
    SCALARS,
    UNARY,
    ZERO,
    F,
    L,
    Row,
    _mod_ok,
    _params,
    _seed,
    keys_in,
    rows,
)

import s2sad
import s2sad.runtime_elementwise as rte

pytestmark = pytest.mark.filterwarnings("ignore:Output seems independent of input")

_sample = test_rules._sample


def _sample_more(rng, shape, domain: str):
    if domain == "unit":
        return rng.choice([-1.0, 1.0], shape) * rng.uniform(0.1, 0.85, shape)
    if domain == "gt1":
        return rng.uniform(1.2, 2.5, shape)
    return _sample(rng, shape, domain)


@pytest.fixture(autouse=True)
def more_domains(monkeypatch):
    """The drivers draw through test_rules._sample: give it this file's domains too."""
    monkeypatch.setattr(test_rules, "_sample", _sample_more)


def _remainder_ok(x, y) -> bool:
    """x / y away from the integers and the half-integers (the kinks of IEEE remainder)."""
    q = np.mod(np.asarray(x) / np.asarray(y), 0.5)
    return bool(np.all(np.abs(q - 0.25) < 0.2))


PAIR = "x, y"
# fewer pairings than BINARY, for the rules whose broadcasting BINARY already covers
SOME_PAIRS = [(F, (3, 2)), ((2,), (3, 2)), ((3, 2), (1, 2)), ((3, 2), F), (F64, F)]
MATH_PAIRS = [(F, F), (F64, F), ((), F)]

CBRT = "np.sign(x) * np.abs(x) ** (1.0 / 3.0)"  # autograd has no cbrt

# (key, snippet, domain, oracle): every case of UNARY, float32 for those marked
NP_UNARY = [
    (np.exp2, "np.exp2(x)", "any", None), (np.expm1, "np.expm1(x)", "any", None),
    (np.log2, "np.log2(x)", "pos", None), (np.log10, "np.log10(x)", "pos", None),
    (np.log1p, "np.log1p(x)", "pos", None), (np.tan, "np.tan(x)", "any", None),
    (np.arcsin, "np.arcsin(x)", "unit", None), (np.arccos, "np.arccos(x)", "unit", None),
    (np.arctan, "np.arctan(x)", "any", None), (np.sinh, "np.sinh(x)", "any", None),
    (np.cosh, "np.cosh(x)", "any", None), (np.arcsinh, "np.arcsinh(x)", "any", None),
    (np.arccosh, "np.arccosh(x)", "gt1", None), (np.arctanh, "np.arctanh(x)", "unit", None),
    (np.cbrt, "np.cbrt(x)", "any", CBRT), (np.reciprocal, "np.reciprocal(x)", "any", None),
    (np.fabs, "np.fabs(x)", "any", None), (np.positive, "np.positive(x)", "any", "x"),
    (np.sinc, "np.sinc(x)", "any", None), (np.deg2rad, "np.deg2rad(x)", "any", None),
    (np.radians, "np.radians(x)", "any", None), (np.rad2deg, "np.rad2deg(x)", "any", None),
    (np.degrees, "np.degrees(x)", "any", None), (np.conjugate, "np.conj(x)", "any", None),
    (np.conjugate, "np.conjugate(x)", "any", None), (np.real, "np.real(x)", "any", None),
    (np.nan_to_num, "np.nan_to_num(x)", "any", None),
]
# every kind of UNARY for some; a Python float and an array for the rest
ALL_KINDS = {np.exp2, np.sinc, np.nan_to_num, np.real}
FEW = [F, (3, 2)]
FLOAT32_UNARY = {np.exp2, np.log2, np.arcsin, np.arccosh, np.sinc, np.cbrt, np.reciprocal,
                 np.deg2rad, np.nan_to_num, np.positive}

# (key, snippet, domains, cases, oracle, check)
NP_BINARY = [
    (np.logaddexp, "np.logaddexp(x, y)", ("any", "any"), BINARY, None, None),
    (np.logaddexp2, "np.logaddexp2(x, y)", ("any", "any"), SOME_PAIRS, None, None),
    (np.arctan2, "np.arctan2(x, y)", ("any", "any"), SOME_PAIRS, None, None),
    # autograd has a gradient for hypot, not a forward rule
    (np.hypot, "np.hypot(x, y)", ("any", "any"), SOME_PAIRS, "np.sqrt(x * x + y * y)", None),
    (np.fmax, "np.fmax(x, y)", ("any", "any"), SOME_PAIRS, None, None),
    (np.fmin, "np.fmin(x, y)", ("any", "any"), SOME_PAIRS, None, None),
    # autograd has no float_power: power computes the same (in float64 here)
    (np.float_power, "np.float_power(x, y)", ("pos", "any"), SOME_PAIRS, "np.power(x, y)",
     None),
    (np.fmod, "np.fmod(x, y)", ("any", "any"), SOME_PAIRS, "x - np.trunc(x / y) * y",
     _mod_ok),
    (np.remainder, "np.remainder(x, y)", ("any", "any"), SOME_PAIRS, None, _mod_ok),
    (np.remainder, "np.mod(x, y)", ("any", "any"), SOME_PAIRS, None, _mod_ok),
    (np.divide, "np.true_divide(x, y)", ("any", "any"), SOME_PAIRS, None, None),
    (np.copysign, "np.copysign(x, y)", ("any", "any"), SOME_PAIRS,
     "np.abs(x) * np.sign(y)", None),
]
# float32 pairs: all of them for some, one for the rest
FLOAT32_BINARY = [(A32(3, 2), A32(2,)), (A32(2,), F), (F32, A32(3, 2))]
ALL_FLOAT32 = {np.logaddexp, np.fmax, np.float_power, np.remainder}

# (key, snippet, domain, oracle) on numbers (SCALARS: float, np.float64, 0-d array)
MATH_UNARY = [
    (math.asin, "np.arcsin(x)", "unit"), (math.acos, "np.arccos(x)", "unit"),
    (math.atan, "np.arctan(x)", "any"), (math.sinh, "np.sinh(x)", "any"),
    (math.cosh, "np.cosh(x)", "any"), (math.asinh, "np.arcsinh(x)", "any"),
    (math.acosh, "np.arccosh(x)", "gt1"), (math.atanh, "np.arctanh(x)", "unit"),
    (math.log2, "np.log2(x)", "pos"), (math.log10, "np.log10(x)", "pos"),
    (math.log1p, "np.log1p(x)", "pos"), (math.expm1, "np.expm1(x)", "any"),
    (math.erf, FD, "any"), (math.erfc, FD, "any"), (math.radians, "np.radians(x)", "any"),
    (math.degrees, "np.degrees(x)", "any"),
] + [(getattr(math, name), oracle, "any") for name, oracle in  # Python 3.11
     [("exp2", "np.exp2(x)"), ("cbrt", CBRT)]
     if hasattr(math, name)]

TABLE: list[Row] = []
for key, snippet, dom, oracle in NP_UNARY:
    cases = (UNARY if key in ALL_KINDS else FEW) + (
        [A32(3, 2)] if key in FLOAT32_UNARY else []) + ([F32] if key is np.exp2 else [])
    TABLE += rows(key, snippet, cases, domain=(dom,), oracle=oracle)
for key, snippet, doms, cases, oracle, check in NP_BINARY:
    f32 = FLOAT32_BINARY if key in ALL_FLOAT32 else FLOAT32_BINARY[:1]
    TABLE += rows(key, snippet, cases + f32, params=PAIR, domain=doms, oracle=oracle,
                  check=check)
for key, oracle, dom in MATH_UNARY:
    TABLE += rows(key, f"math.{key.__name__}(x)", [F, F64], domain=(dom,), oracle=oracle)

TABLE += [
    # -- constants on one side, the same variable on both -----------------------------
    *rows(np.logaddexp, ["np.logaddexp(x, 0.0)", "np.logaddexp(x, x)"], [F, (3, 2)]),
    *rows(np.arctan2, ["np.arctan2(x, 2.0)", "np.arctan2(1.5, x)", "np.arctan2(x, x * x)"],
          [F, (3, 2)]),
    *rows(np.hypot, "np.hypot(3.0, x)", [(3, 2)], oracle="np.sqrt(9.0 + x * x)"),
    *rows(np.float_power, "np.float_power(x, 3)", [(3, 2), A32(2,)], domain=("pos",),
          oracle="np.power(x, 3.0)"),
    *rows(np.float_power, "np.float_power(2.0, x)", [(3, 2), F], oracle="np.power(2.0, x)"),
    *rows(np.fmod, "np.fmod(x, 0.7)", [(3, 2)], oracle="x - np.trunc(x / 0.7) * 0.7",
          check=lambda x: _mod_ok(x, 0.7)),
    *rows(np.remainder, "np.mod(x, 0.7)", [(3, 2)], check=lambda x: _mod_ok(x, 0.7)),
    *rows(np.fmax, ["np.fmax(x, 0.0)", "np.fmax(x, -x)"], [(3, 2)]),
    *rows(np.fmin, "np.fmin(0.3, x)", [F, (3, 2)]),
    *rows(np.copysign, "np.copysign(x, -1.0)", [F, (3, 2)], oracle="-np.abs(x)"),
    *rows(np.copysign, "np.copysign(2.0, x)", [(3, 2)], oracle=ZERO),
    # -- clip: None bounds, keywords, bounds that are arguments (and broadcast) ------------
    *rows(np.clip, "np.clip(x, -0.8, 0.8)", [F, F64, (), (3, 2), A32(3, 2)]),
    *rows(np.clip, ["np.clip(x, None, 0.8)", "np.clip(x, -0.8, None)",
                    "np.clip(x, a_min=-0.8, a_max=0.8)"], [F, (3, 2)]),
    *rows(np.clip, "np.clip(x, min=-0.8, max=0.8)", [F, (3, 2)],
          oracle="np.clip(x, -0.8, 0.8)"),
    *rows(np.clip, "np.clip(x, max=0.8)", [(3, 2)], oracle="np.clip(x, None, 0.8)"),
    # autograd's clip differentiates x only: the oracle of a bound is the composition
    *rows(np.clip, "np.clip(x, lo, hi)", [((3, 2), (2,), F), ((2,), (3, 1), (1, 2)),
                                          (F, F, F), (A32(3, 2), A32(2,), F)],
          params="x, lo, hi", oracle="np.minimum(np.maximum(x, lo), hi)"),
    *rows(np.clip, "np.clip(x, lo, None)", [((3, 2), (2,)), (F, (3,))], params="x, lo",
          oracle="np.maximum(x, lo)"),
    *rows(np.clip, "np.clip(x, min=lo)", [((3, 2), (2,))], params="x, lo",
          oracle="np.maximum(x, lo)"),
    *rows(np.clip, "np.clip(x, None, lo)", [(F, (3,))], params="x, lo",
          oracle="np.minimum(x, lo)"),
    *rows(np.ndarray.clip, "x.clip(-0.8, 0.8)", [(3, 2), A32(2,)],
          oracle="np.clip(x, -0.8, 0.8)"),
    *rows(np.ndarray.clip, "x.clip(None, 0.8)", [(3, 2)], oracle="np.clip(x, None, 0.8)"),
    *rows(np.ndarray.clip, "x.clip(min=-0.8)", [(3, 2)], oracle="np.clip(x, -0.8, None)"),
    *rows(np.ndarray.clip, "x.clip(lo, 0.8)", [((3, 2), (2,))], params="x, lo",
          oracle="np.minimum(np.maximum(x, lo), 0.8)"),
    *rows(np.ndarray.clip, "x.clip(max=lo)", [((3, 2), (2,))], params="x, lo",
          oracle="np.minimum(x, lo)"),
    # -- attributes and methods -----------------------------------------------------------
    *rows(np.ndarray.real, "x.real", [(3, 2), F64, A32(2,)], oracle="x"),
    *rows(np.ndarray.conj, "x.conj()", [(3, 2), F64], oracle="x"),
    *rows(np.ndarray.conjugate, "x.conjugate()", [(3, 2)], oracle="x"),
    # -- math: two arguments --------------------------------------------------------------
    *rows(math.log, "math.log(x, y)", MATH_PAIRS, params=PAIR, domain=("pos", "gt1"),
          oracle="np.log(x) / np.log(y)"),
    *rows(math.log, ["math.log(x, 2.0)", "math.log(x, 10)"], SCALARS, domain=("pos",),
          oracle=FD),
    *rows(math.log, "math.log(3.0, x)", SCALARS, domain=("gt1",), oracle="np.log(3.0) / np.log(x)"),
    *rows(math.atan2, "math.atan2(x, y)", MATH_PAIRS, params=PAIR, oracle="np.arctan2(x, y)"),
    *rows(math.hypot, "math.hypot(x, y)", MATH_PAIRS, params=PAIR,
          oracle="np.sqrt(x * x + y * y)"),
    *rows(math.hypot, "math.hypot(x)", SCALARS, oracle="np.abs(x)"),
    *rows(math.pow, "math.pow(x, y)", MATH_PAIRS, params=PAIR, domain=("pos", "any"),
          oracle="x ** y"),
    *rows(math.pow, "math.pow(x, 3)", [F], oracle="x ** 3"),
    *rows(math.fmod, "math.fmod(x, y)", MATH_PAIRS, params=PAIR, check=_mod_ok,
          oracle="x - np.trunc(x / y) * y"),
    *rows(math.remainder, "math.remainder(x, y)", MATH_PAIRS, params=PAIR,
          check=_remainder_ok, oracle="x - np.round(x / y) * y"),
    *rows(math.copysign, "math.copysign(x, y)", MATH_PAIRS, params=PAIR,
          oracle="np.abs(x) * np.sign(y)"),
    *rows(math.fsum, "math.fsum([x, y, x])", [(F, F), (F64, F)], params=PAIR, oracle=FD),
    *rows(math.fsum, "math.fsum(x)", [L(3)], oracle=FD),
    # -- builtins on numbers --------------------------------------------------------------
    *rows(pow, "pow(x, y)", [(F, F), (F64, F), ((3, 2), (2,)), (F, (3,))], params=PAIR,
          domain=("pos", "any"), oracle="x ** y"),
    *rows(pow, "pow(x, 2)", [F, (3, 2)], oracle="x ** 2"),
    *rows(max, "max(x, y)", [(F, F), (F64, F), ((), F), (F, F64)], params=PAIR),
    *rows(min, "min(x, y)", [(F, F), (F64, F), ((), F)], params=PAIR),
    *rows(max, ["max(x, 0.5)", "max(-x, x)"], [F, F64]),
    *rows(min, "min(0.5, x)", [F]),
    *rows(sum, "sum([x, y])",
          [(F, F), ((2,), (3, 2)), ((3, 2), F), (F64, ()), (A32(2,), F32)], params=PAIR),
    *rows(sum, "sum([x], y)", [(F, F), ((2,), (3, 2))], params=PAIR),
    *rows(sum, ["sum((x, y, x))", "sum([x, 2.0], y)"], [(F, F), ((2,), (3, 2))], params=PAIR),
    *rows(sum, "sum(x)", [L(3)], oracle=FD),
    *rows(sum, "sum(x)", [(3, 2), (3,)], oracle="np.sum(x, axis=0)"),
    *rows(sum, "sum(x, 1.0)", [L(2)], oracle=FD),
    # -- the runtime helpers the templates call, which have rules of their own ----------
    *rows(rte.safe_log, "s2sad.runtime_elementwise.safe_log(x)", [F, (3, 2)],
          domain=("pos",), oracle="np.log(x)"),
    *rows(rte.sinc_derivative, "s2sad.runtime_elementwise.sinc_derivative(x)",
          [F, (3, 2)], oracle=FD),
    *rows(rte.sequence_sum_adjoint,
          ["s2sad.runtime_elementwise.sequence_sum_adjoint(x, [y, y])[1]",
           "s2sad.runtime_elementwise.sequence_sum_adjoint(x, (y, x))[0]"],
          [((3, 2), (2,)), (F, F)], params=PAIR, oracle=FD),
]

# Functions without a derivative: no error, zero gradient (or only through the rest)
NONDIFF = [
    *rows(np.floor_divide, "np.floor_divide(x, 0.7) * x", [(3, 2)], oracle=FD,
          check=lambda x: _mod_ok(x, 0.7)),
    *rows(np.heaviside, "np.heaviside(x, 0.5) * x", [F, (3, 2)], oracle=FD),
    *rows(np.signbit, "np.signbit(x) * x", [(3, 2)], oracle=FD),
    *rows(np.isclose, "np.isclose(x, x * 2.0) * x", [(3, 2)], oracle=FD),
    *rows(np.fix, "np.fix(x) * x", [(3, 2)]),
    *rows(np.around, "np.around(x, 1)", [(3, 2)], oracle=ZERO),
    *rows(math.isclose, "math.isclose(x, x * 1.0) * x", [F], oracle="x"),
]


@pytest.mark.parametrize("row,case", _params(TABLE + NONDIFF))
def test_reverse(row, case, module_dir, request):
    test_rules.run_row(row, case, module_dir, _seed(request))


@pytest.mark.parametrize("row,case", _params(TABLE + NONDIFF))
def test_forward(row, case, forward_dir, request):
    forward.run_row(row, case, forward_dir, _seed(request))


@pytest.fixture(scope="module")
def module_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("elementwise_cases")


@pytest.fixture(scope="module")
def forward_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("elementwise_forward_cases")


@pytest.mark.parametrize("row", TABLE + NONDIFF, ids=lambda r: r.snippet)
def test_row_uses_its_rule(row):
    assert any(k is row.key for k in keys_in(row.snippet, row.params)), row.snippet


def test_nondifferentiable_rows_are_declared():
    assert all(s2sad.rules.registry().is_nondifferentiable(row.key) for row in NONDIFF)


# -- edges: ties, zeros, NaN and infinities -------------------------------------------

def max_tie(x, y):
    return max(x, y) * 3.0 + min(x, y)


def test_builtin_max_min_tie_split_like_autograd():
    assert s2sad.grad(max_tie, wrt=(0, 1))(2.0, 2.0) == (2.0, 2.0)
    assert s2sad.jvp(max_tie, (2.0, 2.0), (1.0, 0.0)) == (8.0, 2.0)
    gx, gy = s2sad.grad(max_tie, wrt=(0, 1))(1.0, 2.0)
    assert (gx, gy) == (1.0, 3.0) and type(gx) is float


def fmax_tie(x, y):
    return np.sum(np.fmax(x, y) * np.array([1.0, 2.0, 3.0]))


def test_fmax_tie_and_nan():
    x, y = np.array([1.0, np.nan, 2.0]), np.array([1.0, 0.5, np.nan])
    gx, gy = s2sad.grad(fmax_tie, wrt=(0, 1))(x, y)
    np.testing.assert_array_equal(gx, [0.5, 0.0, 3.0])  # NaN: the other one is the result
    np.testing.assert_array_equal(gy, [0.5, 2.0, 0.0])


def nan_to_num_of(x, c):
    y = np.nan_to_num(x * 2.0, nan=c, posinf=c * 3.0, neginf=-5.0)
    return np.sum(y * np.arange(1.0, 5.0))


def test_nan_to_num_at_nan_and_inf():
    x = np.array([1.0, np.nan, np.inf, -np.inf])
    gx, gc = s2sad.grad(nan_to_num_of, wrt=(0, 1))(x, 0.5)
    np.testing.assert_array_equal(gx, [2.0, 0.0, 0.0, 0.0])
    assert gc == 2.0 + 3.0 * 3.0 and type(gc) is float
    _, t = s2sad.jvp(nan_to_num_of, (x, 0.5), (np.ones(4), 1.0))
    assert t == 2.0 + 2.0 + 3.0 * 3.0


def sinc_sum(x):
    return np.sum(np.sinc(x))


def test_sinc_at_and_near_zero():
    x = np.array([0.0, 1e-5, -2e-4, 1e-2, 0.7])
    g = s2sad.grad(sinc_sum)(x)
    expected = autograd.grad(lambda v: anp.sum(anp.sinc(v)))(x[2:])
    assert g[0] == 0.0
    np.testing.assert_allclose(g[1], -np.pi ** 2 * 1e-5 / 3, rtol=1e-9)
    np.testing.assert_allclose(g[2:], expected, rtol=1e-7)
    _, t = s2sad.jvp(sinc_sum, (x,), (np.ones(5),))
    np.testing.assert_allclose(t, np.sum(g))


def power_at_zero(x, y):
    return np.sum(np.float_power(x, y)) + pow(x[0], y[0])


def test_power_of_zero_base():
    x, y = np.array([0.0, 2.0]), np.array([2.0, 3.0])
    gx, gy = s2sad.grad(power_at_zero, wrt=(0, 1))(x, y)
    np.testing.assert_array_equal(gy, [0.0, 8.0 * np.log(2.0)])
    np.testing.assert_array_equal(gx, [0.0, 12.0])


def log_two_ways(x):
    return math.log(x) + math.log(x, 2.0) + math.log(8.0, x)  # noqa: FURB163


def test_math_log_one_and_two_arguments():
    x = 1.7
    expected = 1 / x + 1 / (x * math.log(2.0)) - math.log(8.0) / (x * math.log(x) ** 2)
    assert s2sad.grad(log_two_ways)(x) == pytest.approx(expected, rel=1e-12)
    assert s2sad.jvp(log_two_ways, (x,), (1.0,))[1] == pytest.approx(expected, rel=1e-12)


# -- derivatives of derivatives through the new rules --------------------------------

def many(x):
    a = np.exp2(x) + np.expm1(x) + np.log1p(x * x) + np.arctan(x) + np.sinh(x) * np.cosh(x)
    b = np.arcsinh(x) + np.sinc(x) + np.reciprocal(x + 3.0) + np.cbrt(x + 3.0)
    c = np.logaddexp(x, 2.0 * x) + np.arctan2(x, 1.5) + np.hypot(x, 0.5)
    d = np.float_power(x + 2.0, x) + np.tan(x) + np.log10(x + 2.0) + np.deg2rad(x * x)
    return np.sum(a * b + c * d)


def many_autograd(x):
    a = anp.exp2(x) + anp.expm1(x) + anp.log1p(x * x) + anp.arctan(x) + anp.sinh(x) * anp.cosh(x)
    b = anp.arcsinh(x) + anp.sinc(x) + anp.reciprocal(x + 3.0) + (x + 3.0) ** (1.0 / 3.0)
    c = anp.logaddexp(x, 2.0 * x) + anp.arctan2(x, 1.5) + anp.hypot(x, 0.5)
    d = anp.power(x + 2.0, x) + anp.tan(x) + anp.log10(x + 2.0) + anp.deg2rad(x * x)
    return anp.sum(a * b + c * d)


def scalar_many(x, y):
    u = math.asin(x / 3.0) + math.acosh(y + 1.5) + math.atanh(x / 2.0) + math.log(y, 3.0)
    v = math.atan2(x, y) + math.hypot(x, y) + math.pow(y, x) + max(x, y)
    return u * v + sum([x, y * y]) + pow(y, x) + math.log2(y) + math.expm1(x)


def scalar_many_autograd(x, y):
    u = (anp.arcsin(x / 3.0) + anp.arccosh(y + 1.5) + anp.arctanh(x / 2.0)
         + anp.log(y) / anp.log(3.0))
    v = anp.arctan2(x, y) + anp.sqrt(x * x + y * y) + y ** x + anp.maximum(x, y)
    return u * v + (x + y * y) + y ** x + anp.log2(y) + anp.expm1(x)


def test_hessian_through_numpy_rules():
    x = np.array([0.3, -0.6, 0.9])
    np.testing.assert_allclose(s2sad.hessian(many)(x), autograd.hessian(many_autograd)(x),
                               rtol=1e-8, atol=1e-10)


def small(x, y):
    return math.pow(y, x) * math.atanh(x / 2.0) + max(x, y) * math.log(y, 3.0) + sum([x, y * y])


def small_autograd(x, y):
    return (y ** x * anp.arctanh(x / 2.0) + anp.maximum(x, y) * anp.log(y) / anp.log(3.0)
            + x + y * y)


def test_second_derivatives_through_math_and_builtin_rules():
    x, y = 0.7, 1.3
    h = autograd.hessian(lambda v: scalar_many_autograd(v[0], v[1]))(np.array([x, y]))
    for i, direction in enumerate([(1.0, 0.0), (0.0, 1.0)]):  # forward over reverse
        _, t = s2sad.jvp(s2sad.grad(scalar_many, wrt=(0, 1)), (x, y), direction)
        np.testing.assert_allclose(t, h[i], rtol=1e-8)
    h = autograd.hessian(lambda v: small_autograd(v[0], v[1]))(np.array([x, y]))
    ddx = s2sad.grad(s2sad.grad(small, wrt=0), wrt=(0, 1))(x, y)  # reverse over reverse
    np.testing.assert_allclose(ddx, h[0], rtol=1e-8)


# -- complex intermediates --------------------------------------------------------------

def through_complex(x):
    return np.sum(np.real(np.conj(x * (1.0 + 2.0j)) * (0.5 - 1.0j)))  # -1.5 x


def test_gradient_of_real_input_through_complex_values():
    for x in (0.3, np.array([0.3, 0.7])):
        np.testing.assert_array_equal(s2sad.grad(through_complex)(x), np.full_like(x, -1.5))
