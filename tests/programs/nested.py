"""Functions defined inside the differentiated function, and lambdas."""

import numpy as np


def outer(x, k):
    scale = k * 2.0

    def inner(v, p=2.0):
        if v.sum() > 100:
            return v
        w = v * scale
        return w ** p

    sq = lambda z: z * z + scale  # noqa: E731 - the lambda is the point of the test
    y = inner(x) + inner(x * 0.5, p=3.0)
    return np.sum(sq(y))


def recursive_inside(x):
    def fact(n):
        return 1.0 if n == 0 else n * fact(n - 1)
    return x * fact(3)
