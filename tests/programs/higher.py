"""Functions for forward mode and higher-order tests."""

import math

import numpy as np


def cubic(x):
    return x * x * x


def seed_f(a):
    b = a * 2
    while np.linalg.norm(b) < 1000:
        b = b * 2
    if b.sum() > 0:
        c = b
    else:
        c = 100 * b
    return c


def loopy(x, k):
    s = 0.0
    for i in range(5):
        if s > 2.0:
            s = s - math.sin(x * i) * k
        else:
            s = s + x * x * k
    return s


def vector(x, w):
    h = np.tanh(x @ w)
    y = np.sin(x) * x
    return np.sum(h * h) + np.sum(y * y) + np.sum(x * w[:, 0])


def mapping(x):
    y = np.tanh(x) * x[0]
    return y[::-1] + x ** 2


def helper(x, p):
    return x ** p


def calls(x):
    total = 0.0
    for i in range(3):
        total = total + helper(x, 2.0) * (i + 1)
    return np.sum(total * np.exp(-x))


def inner(a, b=2.0, *, scale=1.0):
    return scale * a ** b


def keyword_only(x, y):
    return inner(x, b=y, scale=2.0) + inner(y)
