"""Small functions whose normalized and generated source the stage tests pin down."""

import math

import numpy as np


def poly(x):
    y = 3.0 * x * x + 2.0
    return y


def branch(x):
    if x > 0:
        y = x * x
    else:
        y = -x
    return y


def loop(x, n):
    for i in range(n):
        x = math.sin(x) * 2.0
    return x


def early(x):
    while x < 10.0:
        if x < 0.0:
            return x
        x = x * 2.0
    return x


def chain(x):
    return 0.0 < x < 1.0 or x > 5.0


def unpack(x, y):
    a, b = y, x
    a += b
    return a * b


def inactive(x):
    n = len(x)
    k = 0
    while k < n:
        k = k + 1
    return np.sum(x) * k
