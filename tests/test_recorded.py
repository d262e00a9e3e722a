"""What the primal sweep records (Tapenade's to-be-recorded analysis): a value is pushed
only when the adjoint reads it and the primal overwrites it before that read. Gradients
are checked against finite differences; the sources against what must (not) be pushed."""

from __future__ import annotations

import math

import numpy as np
from gradcheck import numgrad

import s2sad


def oscillator(c, amp, k, w, dt, n):
    x = 1.0
    v = 0.0
    for i in range(n):
        t = i * dt
        v = v + dt * (-k * x - c * v + amp * math.sin(w * t))
        x = x + dt * v
    return x * x


def test_loop_invariant_and_final_values_are_not_pushed():
    args = (0.3, 0.8, 2.0, 1.3, 0.05, 40)
    df = s2sad.grad(oscillator, wrt=(0, 1))
    for k, g in enumerate(df(*args)):
        np.testing.assert_allclose(g, numgrad(oscillator, args, k), rtol=1e-6)
    code = s2sad.source(df)
    # per step: v (the adjoint of c * v reads it) and sin(w * t); not -k (the same every
    # step) nor x (the adjoint reads only its final value, in x * x)
    assert code.count("push(") == 3  # the two above and the loop's range
    assert "push(x)" not in code


def pair(x, y):
    return np.cos(x) * y


def rebinds_after_use(x, y):
    a = pair(x, x * y)
    x = y                       # the adjoint of x * y still needs the old x
    return np.sum(a) + np.sum(x)


def reads_before_and_after(x):
    y = np.sin(x)
    s = np.sum(y * y)
    y = np.cos(x) * 2.0
    return s + np.sum(y * x)


def test_values_overwritten_after_their_use_are_restored():
    x, y = np.array([0.5, -1.0, 2.0]), np.array([1.5, 0.25, -2.0])
    for func, args in ((rebinds_after_use, (x, y)), (reads_before_and_after, (x,))):
        grads = s2sad.grad(func, wrt=tuple(range(len(args))))(*args)
        for k, g in enumerate(grads):
            np.testing.assert_allclose(g, numgrad(func, args, k), rtol=1e-6, atol=1e-9)
