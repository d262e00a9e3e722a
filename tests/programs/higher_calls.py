"""Programs that call their own helpers, for second derivatives (tests/test_higher_order.py).

Written for NumPy; the tests also run this source with autograd's NumPy as the oracle, so
only functions both provide are used here.
"""

import numpy as np


def square(v):
    return v * v


def smooth(v, w):
    return np.tanh(v * w) + square(v) * 0.5  # a helper calling a helper


def nested(x, w):
    return np.sum(smooth(x, w) * smooth(w, x))


def step(h, w):
    for _ in range(2):  # a loop inside the helper: its tape overwrites h
        h = np.sin(h * w) + h
    return h, np.sum(h * h)


def loop_of_helpers(x, w):
    total = 0.0
    h = x
    for _ in range(3):
        h, s = step(h, w)
        total = total + s
    return total + np.sum(h)


def branchy(v, w):
    if np.sum(v) > 0:
        return np.exp(v * 0.3) * w
    return square(v) - w


def helpers_in_branches(x, w):
    a = branchy(x, w)
    if np.sum(a) > 1.0:
        a = branchy(a * 0.5, w)
    else:
        a = smooth(a, w)
    return np.sum(a * x)


def power(v, n):
    if n == 0:
        return v * 0.0 + 1.0
    return v * power(v, n - 1)  # recursion


def recursive(x, w):
    return np.sum(power(x, 3) * w + power(w * x, 2))


def scaled(v, p=2.0, *, scale=1.5):
    v = v ** p  # rebinds its parameter
    return scale * v


def keywords(x, w):
    return np.sum(scaled(x, scale=w[0]) + scaled(w, p=3.0))


def apply(fn, v):
    return np.sum(fn(v) * v)


def wave(v):
    return np.sin(v) * v


def passes_function(x, fn):
    return apply(fn, x) + np.sum(fn(x * x))  # a function passed in, and on to a helper


def energy(v, w):
    return np.sum(np.sin(v) * w) ** 2  # a number: its adjoint's seed is a parameter


def scalar_helper(x, w):
    return energy(x, w) * energy(w, x * x)


def cube(a):
    return a * a * a


def cubes(x):
    return cube(x) * 2.0 + cube(x * 0.5)  # 2 x^3 + x^3 / 8 on Python floats
