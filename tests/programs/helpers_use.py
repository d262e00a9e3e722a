"""User code calling s2sad's runtime helpers directly, to check their own rules."""

import numpy as np

from s2sad.runtime import (astype_adjoint, broadcast_like, dot_adjoint, drop_last, item,
                           last_part, matmul_adjoint, padded, part, saved_part, sum_adjoint,
                           unbroadcast, unindex, zero_part)
from s2sad.runtime_linalg import einsum_adjoint, linalg_norm_adjoint
from s2sad.runtime_shape import cumprod_adjoint, diff_adjoint

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


C5 = np.array([0.5, -1.0, 2.0, 0.25, 1.5])


def use_diff_adjoint(g):         # g: (3,), the gradient of np.diff(x, 2) for x: (5,)
    return np.sum(diff_adjoint(g * g, C5, 2, -1) * C5)


def use_cumprod_adjoint(g, x):   # g, x: (2, 3)
    return np.sum(cumprod_adjoint(g, np.cumprod(x, axis=1), x, 1) * C23)


def use_einsum_adjoint(g, a, b):  # g (2, 2), a (2, 3), b (3, 2)
    return np.sum(einsum_adjoint(g, "ij,jk->ik", (a, b), (), 0) * a) \
        + np.sum(einsum_adjoint(g, "ij,jk->ik", (a, b), (), 1) * b * b)


def use_linalg_norm_adjoint(g, x):  # g (2,), x (2, 3)
    return np.sum(linalg_norm_adjoint(g, np.linalg.norm(x, axis=1), x, None, 1) * C23)


def use_saved_part(x):           # x: (2, 3)
    return np.sum(saved_part(x * x, 1) * C3)


def use_part(x):
    return np.sum(part(x * x, 0) * C3)


def use_zero_part(x):
    return np.sum(zero_part(x * x, 0) * C23)


def use_last_part(x, y):
    return last_part((x * y, y * y)) + last_part((y * y,))


def use_drop_last(x, y):
    return item(drop_last((x * y, y * y, x)), 0) + item(drop_last((y, x * x)), 0)


def use_padded(x, y):
    return item(padded((x * y, y * y)), 1) + item(padded((x * x,)), 0)
