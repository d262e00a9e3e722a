"""Rules for ``numpy.linalg``."""

import numpy as np

from s2sad.rules import adjoint, d
from s2sad.runtime import norm_adjoint


@adjoint(np.linalg.norm)
def norm(y, x, ord=None, axis=None, keepdims=False):
    d[x] = norm_adjoint(d[y], y, x, ord, axis, keepdims)
