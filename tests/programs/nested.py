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


def rhs(y, t):
    return -y


def euler_step(f, y, dt):
    return y + dt * f(y, 0.0)


def shadows_a_module_function(params, y0):
    k = params[0]

    def rhs(y, t):  # shadows the module-level rhs
        return -k * y

    y = y0
    for _ in range(5):
        y = euler_step(rhs, y, 0.1)
    return np.sum(y)


def lambda_passed_on(x):
    sq = lambda z: z * z
    return np.sum(euler_step(lambda_user(sq), x, 0.1))


def lambda_user(f):
    return f
