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
from .residuals import saved
from .rules import adjoint, d, nondifferentiable, tangent
from .runtime import grad_of, stop_gradient
from .runtime_checkpoint import checkpoint, checkpointed

__all__ = [
    "MissingRuleError",
    "NoSourceError",
    "TransformError",
    "UnsupportedConstructError",
    "__version__",
    "adjoint",
    "checkpoint",
    "checkpointed",
    "d",
    "grad",
    "grad_of",
    "hessian",
    "hvp",
    "jacobian",
    "jvp",
    "nondifferentiable",
    "saved",
    "source",
    "stop_gradient",
    "tangent",
    "value_and_grad",
    "vjp",
]
