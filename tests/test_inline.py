"""Inlining of temporaries (optimize.inline_temporaries): golden sources, and that no
call is ever moved past another one."""

from __future__ import annotations

import math
import textwrap

import gast
import numpy as np
import pytest
from gradcheck import numgrad

import s2sad
from s2sad import syntax as S
from s2sad.optimize import inline_temporaries


def inlined(source: str, temporaries: set[str]) -> str:
    fn = gast.parse(textwrap.dedent(source)).body[0]
    return S.unparse(inline_temporaries(fn, temporaries)).strip()


def test_a_temporary_read_by_the_next_statement_goes_into_it():
    assert inlined("""
        def f(x):
            t1 = x ** 2
            t2 = -t1
            y = np.exp(t2)
            return y
        """, {"t1", "t2"}) == "def f(x):\n    y = np.exp(-x ** 2)\n    return y"


def test_calls_keep_their_order():
    # k(x) would run before g(x) if t1 went into h(k(x), t1)
    assert inlined("""
        def f(x):
            t1 = g(x)
            t2 = k(x)
            u = h(t2, t1)
            return u
        """, {"t1", "t2"}) == "def f(x):\n    t1 = g(x)\n    u = h(k(x), t1)\n    return u"


def test_only_single_reads_in_the_next_statement_of_made_up_names():
    source = """
        def f(x, n):
            t1 = np.sin(x)
            y = t1 * t1
            t2 = np.cos(x)
            for i in range(n):
                x = x + t2
            t3 = np.tan(x)
            push(x)
            z = t3 + y
            w = np.exp(x)
            v = w + z
            return v
        """
    # read twice (t1), read in another block (t2), not next (t3), the user's own (w)
    assert inlined(source, {"t1", "t2", "t3"}) == S.unparse(
        gast.parse(textwrap.dedent(source)).body[0]).strip()


def bump(x):
    return np.sum(np.tanh(x) * np.exp(-x ** 2))


def test_generated_code_reads_like_the_original_and_is_right():
    df = s2sad.grad(bump)
    x = np.linspace(-2.0, 2.0, 7)
    np.testing.assert_allclose(df(x), numgrad(bump, (x,), 0), rtol=1e-6, atol=1e-9)
    code = s2sad.source(df)
    assert "np.exp(-x ** 2)" in code
    assert "unbroadcast" not in code


# -- accumulating in place ------------------------------------------------------------------
def rnn(Wx, Wh, xs):
    h = np.zeros((xs.shape[1], Wh.shape[0]))
    for t in range(xs.shape[0]):
        h = np.tanh(xs[t] @ Wx + h @ Wh)
    return np.sum(h * h)


def shared(x, w):
    s = 0.0
    for _ in range(3):
        y = x * w
        s = s + np.sum(y * y)
    return s + np.sum(x)


def test_weight_gradients_of_a_loop_accumulate_in_place_and_are_right():
    rng = np.random.default_rng(0)
    args = (rng.standard_normal((3, 4)) * 0.5, rng.standard_normal((4, 4)) * 0.3,
            rng.standard_normal((5, 2, 3)))
    df = s2sad.grad(rnn, wrt=(0, 1))
    for k, g in enumerate(df(*args)):
        np.testing.assert_allclose(g, numgrad(rnn, args, k), rtol=1e-6, atol=1e-9)
    code = s2sad.source(df)
    assert "dWx += " in code and "dWh += " in code


def test_gradients_that_may_share_an_array_are_not_added_to_in_place():
    # dx starts as what the sum hands back (a read-only broadcast view): it is rebound,
    # while dw starts as zeros of its own and may grow in place
    x, w = np.array([0.5, -1.0]), np.array([2.0, 0.25])
    gx, gw = s2sad.grad(shared, wrt=(0, 1))(x, w)
    np.testing.assert_allclose(gx, numgrad(shared, (x, w), 0), rtol=1e-6)
    np.testing.assert_allclose(gw, numgrad(shared, (x, w), 1), rtol=1e-6)


def test_a_value_moves_past_plain_assignments_but_not_past_a_call_or_a_rebinding():
    assert inlined("""
        def f(x):
            t1 = x * 2
            u = x + 1
            y = t1 + u
            return y
        """, {"t1"}) == "def f(x):\n    u = x + 1\n    y = x * 2 + u\n    return y"
    for middle in ("u = g(x)", "x = x + 1"):
        source = f"""
        def f(x):
            t1 = x * 2
            {middle}
            y = t1 + u
            return y
        """
        assert inlined(source, {"t1"}) == S.unparse(
            gast.parse(textwrap.dedent(source)).body[0]).strip()


def oscillator_step(c, x, v, n):
    for _ in range(n):
        v = v + 0.1 * (-2.0 * x - c * v)
        x = x + 0.1 * v
    return x * x


def test_tangent_code_interleaves_but_reads_like_the_original():
    args = (0.3, 1.0, 0.0, 5)
    value, tangent = s2sad.jvp(oscillator_step, args, (1.0, 0.0, 0.0, None))
    assert value == oscillator_step(*args)
    np.testing.assert_allclose(tangent, numgrad(oscillator_step, args, 0), rtol=1e-6)
    from s2sad import api
    (compiled,) = [c for c in api._MEMO[oscillator_step]().values()]
    assert "v = v + 0.1 * (-2.0 * x - c * v)" in compiled.derivative.source


def test_an_assignment_followed_by_an_accumulation_becomes_one_sum():
    assert inlined("""
        def f(x, dx):
            dt = dx
            x = pop()
            dx = dx * 0.1
            dx = dx + dt * np.cos(x)
            return dx
        """, {"dt"}) == ("def f(x, dx):\n    x = pop()\n"
                         "    dx = dx * 0.1 + dx * np.cos(x)\n    return dx")


def test_gradients_factor_but_primal_values_do_not():
    from s2sad.optimize import factor_gradients
    fn = gast.parse("def f(a, g):\n    y = a * 2.0 + a * 3.0\n    dy = g * 2.0 + g * a * 3.0\n"
                    "    return y, dy").body[0]
    assert S.unparse(factor_gradients(fn, {"dy"})).strip() == (
        "def f(a, g):\n    y = a * 2.0 + a * 3.0\n    dy = g * (2.0 + a * 3.0)\n"
        "    return (y, dy)")


def long_loop(x, n):
    for i in range(n):
        x = np.sin(x) * 0.9 + 0.1 * x
    return x.sum()


def test_a_same_shape_loop_gradient_is_the_hand_written_one():
    df = s2sad.grad(long_loop)
    x = np.linspace(-1.0, 1.0, 5)
    np.testing.assert_allclose(df(x, 4), numgrad(lambda x: long_loop(x, 4), (x,), 0),
                               rtol=1e-6)
    assert "dx = dx * (0.1 + 0.9 * np.cos(x))" in s2sad.source(df)


def test_a_product_computed_again_is_read_back_unless_its_operands_changed():
    assert inlined("""
        def f(a, b):
            p = a * b
            s = np.sum(p)
            c = b
            q = a * c
            b = b + 1.0
            r = a * b
            return s, q, r
        """, set()) == ("def f(a, b):\n    p = a * b\n    s = np.sum(p)\n"
                        "    q = p\n    b = b + 1.0\n    r = a * b\n    return (s, q, r)")
    # a call made for its effect may change what it is handed
    source = """
        def f(a, b):
            p = a * b
            restore_part(a, 0, 1.0)
            q = a * b
            return p, q
        """
    assert inlined(source, set()) == S.unparse(
        gast.parse(textwrap.dedent(source)).body[0]).strip()


def test_the_bump_gradient_reuses_the_primal_product():
    df = s2sad.grad(bump)
    x = np.linspace(-2.0, 2.0, 7)
    np.testing.assert_allclose(df(x), numgrad(bump, (x,), 0), rtol=1e-6, atol=1e-9)
    both, gradient = s2sad.source(df).split("def bump_grad(")
    for code in (both, gradient):
        assert code.count("t1 * t4") == 1 and "* -2" in code
    # grad computes no value: the sum is gone from the function it runs
    assert "np.sum(t5)" in both and "np.sum(t5)" not in gradient
    assert gradient.rstrip().endswith("return dx")


def scalar_loop(x, k):
    for i in range(50):
        x = x + 0.01 * math.sin(x) * k
    return x


def test_temporaries_move_past_the_tape_and_gradients_factor_out():
    """A temporary may move past ``push(x)`` and ``y = pop()`` (they change no other
    value), so the loop reads like the original; ``g + g * a`` is ``g * (1.0 + a)``."""
    df = s2sad.grad(scalar_loop, (0, 1))
    for i, g in enumerate(df(0.7, 1.3)):
        assert g == pytest.approx(numgrad(scalar_loop, (0.7, 1.3), i), rel=1e-6)
    code = s2sad.source(df)
    assert "push(x)\n        x = x + t3 * k" in code
    assert "dx = dx * (1.0 + k * 0.01 * math.cos(x))" in code


def step(h, W, x):
    return np.tanh(W @ h + x)


def pops_in_order(h, W, xs):
    for t in range(len(xs)):
        h = step(h, W, xs[t]) * 0.5
    return np.sum(h)


def test_pops_never_pass_each_other():
    """A temporary that pops, or calls a helper that pushes or pops, keeps its place
    among the other tape operations."""
    h, W = np.array([0.1, -0.3, 0.2]), np.array([[0.5, 0.1, 0.0], [0.2, -0.4, 0.3],
                                                  [0.0, 0.1, 0.6]])
    xs = np.linspace(-1.0, 1.0, 12).reshape(4, 3)
    for i, g in enumerate(s2sad.grad(pops_in_order, (0, 1))(h, W, xs)):
        np.testing.assert_allclose(g, numgrad(pops_in_order, (h, W, xs), i), rtol=1e-6)


def fill(x):
    out = np.zeros(x.shape[0])
    for i in range(x.shape[0]):
        out[i] = np.sin(x[i]) * x[i]
    return np.sum(out * out)


def fill_rows(X):
    out = np.zeros_like(X)
    for i in range(X.shape[0]):
        out[i] = np.tanh(X[i]) * 2.0
        out[i] = out[i] * X[i]   # a row read back after its store
    return np.sum(out ** 2)


def test_stores_in_a_loop_zero_the_gradient_in_place():
    """``out[i] = v`` in a loop: the adjoint zeroes the part of the gradient in place
    (it owns its array) and reads the part as a copy, instead of copying the whole
    gradient per store; rows read back after the store stay right."""
    x = np.linspace(-1.0, 1.0, 7)
    df = s2sad.grad(fill)
    np.testing.assert_allclose(df(x), numgrad(fill, (x,), 0), rtol=1e-6)
    code = s2sad.source(df)
    assert "zero_part_owned(dout, i)" in code and "part_copy(dout, i)" in code
    X = np.linspace(-1.0, 1.0, 12).reshape(4, 3)
    np.testing.assert_allclose(s2sad.grad(fill_rows)(X), numgrad(fill_rows, (X,), 0),
                               rtol=1e-6)
    # differentiated again (hvp: the joint form), the functional helpers are used
    v = np.ones_like(x)
    np.testing.assert_allclose(s2sad.hvp(fill)(x, v),
                               numgrad(lambda y: np.sum(df(y) * v), (x,), 0), rtol=1e-5)


def stores_of_sums(x):
    out = np.zeros(3)
    for i in range(3):
        out[i] = np.sum(x * x) * (i + 1.0)
    return np.sum(out * out)


def test_second_derivatives_of_stores_zeroed_in_place():
    """The gradient's code zeroes in place (and no index_add tells it apart): what a
    second derivative transforms is its joint form, with the functional helpers."""
    x = np.array([0.3, 0.5])
    df = s2sad.grad(stores_of_sums)
    assert "zero_part_owned" in s2sad.source(df)
    numeric = np.stack([numgrad(lambda v, k=k: df(v)[k], (x,), 0) for k in range(2)])
    np.testing.assert_allclose(s2sad.hessian(stores_of_sums)(x), numeric, rtol=1e-5)
    np.testing.assert_allclose(s2sad.jacobian(df)(x), numeric, rtol=1e-5)
    np.testing.assert_allclose(s2sad.hvp(stores_of_sums)(x, np.ones(2)), numeric.sum(1),
                               rtol=1e-5)
