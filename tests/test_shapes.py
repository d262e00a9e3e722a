"""The shape-class analysis (s2sad/shapes.py): golden tables on small functions, and
that what it removes from generated code leaves gradients right where shapes differ."""

from __future__ import annotations

import gast
import numpy as np
import pytest
from gradcheck import numgrad

import s2sad
from s2sad import syntax as S
from s2sad.analyze import Classifier
from s2sad.normalize import normalize
from s2sad.parse import parse_function
from s2sad.pipeline import callee_shapes
from s2sad.rules import registry
from s2sad.shapes import shape_classes
from s2sad.transform.module import ModuleBuilder


def classes(func, numbers=(), arrays=()):
    """``{source variable: class}`` for the variables the user named (temporaries of the
    normalized code are left out: their numbering is not what this test is about)."""
    parsed = parse_function(func)
    core, _ = normalize(parsed.node, parsed.filename)
    local = set(S.param_names(core)) | S.store_names(gast.Module(body=core.body,
                                                                 type_ignores=[]))
    table = shape_classes(core, Classifier(parsed.scope, registry(), local), set(numbers),
                          set(arrays), callee_shapes(ModuleBuilder(registry())))
    named = set(func.__code__.co_varnames)
    return {k: v for k, v in table.items() if k in named}


def elementwise(x, y, c):
    a = np.sin(x) * 0.5
    b = a + x
    d = -b / 2.0
    e = x + y           # two arrays: shapes may differ
    s = np.sum(a)
    m = c * 3.0
    return d, e, s, m


def test_ufuncs_and_numbers_keep_the_shape_of_their_array():
    assert classes(elementwise, numbers={"c"}, arrays={"x", "y"}) == {
        "x": "param:x", "y": "param:y", "c": "()", "a": "param:x", "b": "param:x",
        "d": "param:x", "s": "()", "m": "()"}


def test_nothing_is_known_of_parameters_of_unknown_kind():
    # x might be a list: x + x would concatenate; a full reduction still gives a number
    assert classes(elementwise) == {"s": "()"}


def sizes(x, xs):
    n = x.shape[0]
    shape = xs.shape
    k = shape[1]
    d = x.ndim
    m = np.mean(xs) / n
    bad = shape * 2     # a tuple repeated: no shape class
    return n, k, d, m, bad


def test_sizes_and_full_reductions_are_numbers():
    assert classes(sizes) == {"n": "()", "k": "()", "d": "()", "m": "()"}


def squares(x, w):
    h = x @ w
    return np.sum(h * h) + np.sum(h - 1.0) + np.sum(h ** 2)


def test_an_operation_of_a_value_with_itself_or_numbers_keeps_its_shape():
    """h has no shape class (a matrix product), but h * h, h - 1.0 and h ** 2 have its
    shape: their adjoints need no unbroadcast."""
    assert "h" not in classes(squares, arrays={"x", "w"})
    df = s2sad.grad(squares, (0, 1))
    x, w = np.linspace(-1.0, 1.0, 6).reshape(2, 3), np.linspace(0.5, 2.0, 12).reshape(3, 4)
    for i, g in enumerate(df(x, w)):
        np.testing.assert_allclose(g, numgrad(squares, (x, w), i), rtol=1e-6)
    assert "unbroadcast" not in s2sad.source(df)


def concatenated(x, y):
    xs = [x, y]
    both = xs + xs
    twice = xs * 2
    return both[0] * both[3] + twice[1] * twice[2]


def test_lists_added_to_themselves_keep_their_bookkeeping():
    x, y = np.array([0.5, -1.0]), np.array([2.0, 3.0])
    for i in (0, 1):
        np.testing.assert_allclose(s2sad.grad(concatenated, i)(x, y),
                                   numgrad(concatenated, (x, y), i), rtol=1e-6)


def loop(x, n):
    for i in range(n):
        x = np.sin(x) * 0.9 + 0.1 * x
    return x


def rebinds(x, w):
    h = np.tanh(x)
    if np.sum(h) > 0:
        h = h @ w           # the shape changes on one path
    return h


def unpacks(x):
    a = np.cos(x)
    a, b = np.linalg.qr(a)  # another shape on the second definition
    return a + b


def test_loops_reach_a_fixed_point_and_any_other_shape_is_unknown():
    assert classes(loop, numbers={"n"}, arrays={"x"})["x"] == "param:x"
    assert "h" not in classes(rebinds, arrays={"x", "w"})
    assert "a" not in classes(unpacks, arrays={"x"})


# -- end to end: gradients where the analysis must keep the bookkeeping -------------------
def broadcast_in_loop(x, b):
    for _ in range(3):
        x = np.tanh(x + b)      # b (3,) broadcast against x (2, 3)
    return np.sum(x * x)


def grows(x, y):
    z = x * y                   # x (3,), y (2, 3): z (2, 3), not x's shape
    z = np.sin(z) * 2.0
    return np.sum(z)


@pytest.mark.parametrize("func, args", [
    (broadcast_in_loop, (np.linspace(-1.0, 1.0, 6).reshape(2, 3), np.array([0.1, -0.2, 0.3]))),
    (grows, (np.array([0.3, -0.6, 0.9]), np.linspace(0.5, 1.5, 6).reshape(2, 3))),
])
def test_broadcast_gradients_are_right(func, args):
    grads = s2sad.grad(func, wrt=(0, 1))(*args)
    for k, g in enumerate(grads):
        assert g.shape == args[k].shape
        np.testing.assert_allclose(g, numgrad(func, args, k), rtol=1e-6, atol=1e-8)


def long_loop(x, n):
    for i in range(n):
        x = np.sin(x) * 0.9 + 0.1 * x
    return x.sum()


def test_a_loop_of_same_shape_arithmetic_pushes_only_what_its_adjoint_reads():
    df = s2sad.grad(long_loop)
    x = np.linspace(-1.0, 1.0, 4)
    np.testing.assert_allclose(df(x, 5), numgrad(lambda x: long_loop(x, 5), (x,), 0),
                               rtol=1e-6)
    code = s2sad.source(df)
    assert "unbroadcast" not in code
    assert code.count("push(") == 2  # x before it is overwritten, and the loop's range


# -- ones: the seed of a number, and what a full sum hands back -----------------------------
def weighted(x, w):
    return np.sum(x * w)


def sum_of_computed(x):
    y = np.sin(x)
    z = np.cos(x)
    return np.sum(y * z)


def test_multiplying_by_the_seed_is_a_copy_of_computed_values_only():
    x, w = np.array([0.5, -1.0, 2.0]), np.array([1.5, 0.25, -2.0])
    gx, gw = s2sad.grad(weighted, wrt=(0, 1))(x, w)
    np.testing.assert_allclose(gx, w)
    np.testing.assert_allclose(gw, x)
    # the parameters are not handed back as gradients: a caller updating x in place must
    # not change its gradient too
    assert not np.shares_memory(gx, w) and not np.shares_memory(gw, x)

    df = s2sad.grad(sum_of_computed)
    np.testing.assert_allclose(df(x), numgrad(sum_of_computed, (x,), 0), rtol=1e-6)
    code = s2sad.source(df)
    assert "sum_adjoint" not in code and "ones_like" not in code


def step(x, k):
    for i in range(3):
        x = np.sin(x) * k + 0.5 * x
    return x


def total(x):
    return np.sum(x * x)


def product(a, b):
    return a @ b


def plus(a, b):
    return a + b


def countdown(x, n):
    if n > 0:
        return countdown(x * 0.5, n - 1)
    return x


def through_helpers(x, y, W, k):
    a = step(x, k)          # x's shape: the helper's own analysis says so
    s = total(a)            # a number
    p = product(a, W)       # a matrix product: unknown
    q = plus(a, 2.0)        # an array and a number: a's shape
    r = plus(x, y)          # two arrays: unknown
    c = countdown(x, 2)     # recursion: unknown
    return a, s, p, q, r, c


def test_a_helpers_result_has_the_class_its_own_analysis_gives():
    assert classes(through_helpers, numbers={"k"}, arrays={"x", "y", "W"}) == {
        "x": "param:x", "y": "param:y", "W": "param:W", "k": "()",
        "a": "param:x", "s": "()", "q": "param:x"}


def blocks(x, n):
    for b in range(n):
        x = step(x, 0.9)
    return x.sum()


def steps_inline(x, n):
    for b in range(n):
        for i in range(3):
            x = np.sin(x) * 0.9 + 0.5 * x
    return x.sum()


def test_a_helper_called_on_its_own_result_is_specialized_to_arrays():
    """x = step(x, ...) in a loop: x stays an array of the parameter's shape, so the helper
    is transformed for an array, with no bookkeeping for shapes; its gradient is the
    inline loop's to the last bit."""
    x = np.linspace(-1.0, 1.0, 5)
    df = s2sad.grad(blocks)
    np.testing.assert_array_equal(df(x, 4), s2sad.grad(steps_inline)(x, 4))
    np.testing.assert_allclose(df(x, 4), numgrad(blocks, (x, 4), 0), rtol=1e-6)
    helper = s2sad.source(df).split("def step_adjoint")[1]
    assert "unbroadcast" not in helper and "dx = dx * (0.5 + k * np.cos(x))" in helper
