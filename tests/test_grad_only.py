"""`grad` runs a function of its own that computes no value (functions.gradient_only):
what only the value needed is pruned, everything with an effect stays, and control flow
(while tests, break, continue) keeps what it reads."""

from __future__ import annotations

import numpy as np
from gradcheck import numgrad

import s2sad

CALLS = []


def bump(x):
    return np.sum(np.tanh(x) * np.exp(-x ** 2))


def logged(v):
    CALLS.append(v)
    return v


def value_with_effects(x):
    y = np.sin(x) * x
    total = np.sum(y)
    print("total", float(total))
    return logged(total) + np.sum(y * 2.0)


def while_loop(x):
    b = x * 2.0
    k = 0
    while np.linalg.norm(b) < 100.0:
        b = b * 1.5
        k = k + 1
    out = b * np.cos(b)
    return np.sum(out) + np.sum(out * out)


def breaks(x):
    s = 0.0
    v = x
    for i in range(10):
        v = np.sin(v) + 0.5
        if np.sum(v) > 2.5:
            break
        if i % 2:
            continue
        s = s + np.sum(v * v)
    return s + np.sum(v)


def test_the_value_is_not_computed():
    df = s2sad.grad(bump)
    x = np.linspace(-2.0, 2.0, 9)
    np.testing.assert_allclose(df(x), numgrad(bump, (x,), 0), rtol=1e-6, atol=1e-9)
    gradient = s2sad.source(df).split("def bump_grad(")[1]
    assert "np.sum(" not in gradient.split("\n", 2)[2]  # past the comment line
    value, g = s2sad.value_and_grad(bump)(x)
    assert value == bump(x)
    np.testing.assert_array_equal(g, df(x))


def test_calls_with_effects_stay(capsys):
    df = s2sad.grad(value_with_effects)
    x = np.linspace(-1.0, 1.0, 4)
    CALLS.clear()
    g = df(x)
    assert len(CALLS) == 1 and "total" in capsys.readouterr().out
    np.testing.assert_allclose(g, numgrad(value_with_effects, (x,), 0), rtol=1e-6)
    # the module's list keeps what f appended (f's effect), in both modes
    CALLS.clear()
    s2sad.jvp(value_with_effects, (x,), (np.ones(4),))
    s2sad.value_and_grad(value_with_effects)(x)
    assert len(CALLS) == 2


def test_while_tests_keep_what_they_read():
    df = s2sad.grad(while_loop)
    for x in (np.array([0.3, -0.2]), np.array([5.0, 1.0]), np.array([80.0, 90.0])):
        np.testing.assert_allclose(df(x), numgrad(while_loop, (x,), 0), rtol=1e-5)


def test_break_and_continue_keep_what_the_exit_reads():
    df = s2sad.grad(breaks)
    for x in (np.array([0.1, 0.2]), np.array([1.0, 2.0, 0.3]), np.array([-3.0])):
        np.testing.assert_allclose(df(x), numgrad(breaks, (x,), 0), rtol=1e-5, atol=1e-9)


def test_grad_of_grad_through_the_gradient_function():
    x = np.array([0.4, -0.7, 1.2])
    gradient = s2sad.grad(bump)
    numeric = np.stack([numgrad(lambda v, k=k: gradient(v)[k], (x,), 0) for k in range(3)])
    np.testing.assert_allclose(s2sad.hessian(bump)(x), numeric, rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(s2sad.jacobian(gradient)(x), numeric, rtol=1e-5, atol=1e-8)
