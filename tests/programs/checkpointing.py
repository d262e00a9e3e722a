"""Checkpointed loops spelled in other ways (tests/test_checkpoint.py)."""

import numpy as np

import s2sad
from s2sad import checkpointed

ck = s2sad.checkpointed


def imported_name(x, n):
    for i in checkpointed(range(n), 2):
        x = np.sin(x) * 0.9 + 0.1 * x
    return x.sum()


def other_name(x, n):
    for i in ck(range(n)):
        x = np.sin(x) * 0.9 + 0.1 * x
    return x.sum()
