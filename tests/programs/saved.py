"""Programs whose saved values are unambiguous: each push is one the adjoint cannot do
without (tests/test_saved.py pins the listing down)."""

import numpy as np

import s2sad


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


def relax(x, n):
    for t in range(n):
        x = np.sin(x) * 0.9 + 0.1 * x
    return x.sum()


def relax_checkpointed(x, n):
    for t in s2sad.checkpointed(range(n)):
        x = np.sin(x) * 0.9 + 0.1 * x
    return x.sum()


@s2sad.checkpoint
def wave_again(a):
    return np.sin(a) * a


def calls_checkpointed(x):
    y = wave_again(x)
    return np.sum(y)
