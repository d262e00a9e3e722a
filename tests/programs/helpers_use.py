"""User code calling s2sad's runtime helpers directly, to check their own rules."""

import numpy as np

from s2sad.runtime import (astype_adjoint, broadcast_like, dot_adjoint, item, matmul_adjoint,
                           sum_adjoint, unbroadcast, unindex)

C23 = np.linspace(0.5, 1.5, 6).reshape(2, 3)
C3 = np.array([0.3, -0.4, 0.9])
C32 = np.linspace(-1.0, 1.0, 6).reshape(3, 2)


def use_unbroadcast(x):          # x: (2, 3) -> (1, 3)
    return np.sum(unbroadcast(x * x, C3.reshape(1, 3)) * C3)


def use_broadcast_like(x):       # x: (3,) -> (2, 3)
    return np.sum(broadcast_like(x * x, C23) * C23)


def use_sum_adjoint(x):          # x: (2,) -> (2, 3)
    return np.sum(sum_adjoint(x * x, C23, 1, False) * C23)


def use_unindex(x):              # x: (3,) -> row 1 of a (2, 3)
    return np.sum(unindex(x * x, C23, 1) * C23)


def use_item(x, y):
    return item((x * y, y * y), 1) + item((x * y, y * y), 0)


def use_astype_adjoint(x):
    return np.sum(astype_adjoint(x * x, C23) * C23)


def use_matmul_adjoint(g, a, b):  # g (2, 2), a (2, 3), b (3, 2)
    return np.sum(matmul_adjoint(g, a, b, 0) * a) + np.sum(matmul_adjoint(g, a, b, 1) * b)


def use_dot_adjoint(g, a, b):
    return np.sum(dot_adjoint(g, a, b, 0) * a * a) + np.sum(dot_adjoint(g, a, b, 1) * b)
