"""Rules for ``numpy.linalg``."""

import numpy as np

from s2sad.rules import adjoint, d, tangent
from s2sad.runtime import norm_adjoint, norm_jvp


@adjoint(np.linalg.norm)
def norm(y, x, ord=None, axis=None, keepdims=False):
    d[x] = norm_adjoint(d[y], y, x, ord, axis, keepdims)


@tangent(np.linalg.norm)
def norm_tangent(y, x, ord=None, axis=None, keepdims=False):
    d[y] = norm_jvp(d[x], y, x, ord, axis, keepdims)
