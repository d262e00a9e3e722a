"""A user function with its own derivative rule, registered from user code."""

import numpy as np

import s2sad
from s2sad import d


def hard_clip(x):
    return np.clip(x, -1.0, 1.0)


@s2sad.adjoint(hard_clip)
def hard_clip_adjoint(y, x):
    d[x] = d[y]  # straight-through


def scale(x, *extra, k=1.0):
    return x * k


@s2sad.adjoint(scale)
def scale_adjoint(y, x, *extra, k=1.0):
    d[x] = d[y] * k


def uses_clip(x):
    return np.sum(hard_clip(x * 3.0))


def uses_scale_positional(x):
    return scale(x, 5.0)


def uses_scale_keyword(x):
    return scale(x, 5.0, k=3.0)
