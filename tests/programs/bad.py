"""Functions s2sad must refuse, each with a clear error at the right line."""

import numpy as np


def uses_try(x):
    try:
        y = x * 2
    except ValueError:
        y = x
    return y


def uses_with(x):
    with open("f") as fh:
        y = x * len(fh.name)
    return y


def uses_yield(x):
    yield x * 2


async def uses_async(x):
    return x * 2


def uses_global(x):
    global COUNTER
    COUNTER = x
    return x * 2


def uses_star(x):
    a, *rest = x
    return a * 2


def uses_lambda(x):
    return np.sum(list(map(lambda v: v * 2, x)))


def uses_comprehension(x):
    return sum([v * 2 for v in x])


def uses_missing_rule(x):
    y = np.fft.fft(x)
    return y.real.sum()


def uses_subscript_store(x):
    y = x
    y[0] = 2.0
    return y.sum()


def returns_nothing(x):
    x * 2


def loop_else(x):
    for i in range(3):
        x = x * 2
    else:
        x = x + 1
    return x


def calls_builtin_without_rule(x):
    return np.sum(np.frexp(x)[0])
