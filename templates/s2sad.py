"""Rules for s2sad's own primitives."""

from s2sad.rules import nondifferentiable
from s2sad.runtime import stop_gradient

nondifferentiable(stop_gradient)
