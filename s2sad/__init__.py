"""s2sad: source-to-source automatic differentiation for Python and NumPy.

    >>> import numpy as np, s2sad
    >>> def f(x):
    ...     return np.sum(np.tanh(x) ** 2)
    >>> df = s2sad.grad(f)
    >>> print(s2sad.source(df))  # the generated derivative, as Python  # doctest: +SKIP
"""

from .api import grad, hessian, hvp, jacobian, jvp, source, value_and_grad, vjp
from .errors import MissingRuleError, NoSourceError, TransformError, UnsupportedConstructError
from .pipeline import VERSION as __version__
from .rules import adjoint, d, nondifferentiable, tangent
from .runtime import stop_gradient

__all__ = [
    "grad", "value_and_grad", "vjp", "jvp", "jacobian", "hessian", "hvp", "source",
    "stop_gradient",
    "adjoint", "tangent", "nondifferentiable", "d",
    "TransformError", "UnsupportedConstructError", "MissingRuleError", "NoSourceError",
    "__version__",
]
