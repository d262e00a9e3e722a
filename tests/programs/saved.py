"""Programs whose saved values are unambiguous: each push is one the adjoint cannot do
without (tests/test_saved.py pins the listing down)."""

import numpy as np


def halve(x):
    y = x
    while np.sum(y) > 1.0:
        y = np.sin(y)
    return np.sum(y)


def pick(x):
    if np.sum(x) > 0:
        y = np.sin(x)
    else:
        y = np.cos(x)
    return y


def wave(a):
    return np.sin(a)


def squared(x):
    z = wave(x)
    return z * z


def steps(x, n):
    k = 0
    while k < n:
        x = wave(x)
        k = k + 1
    return x
