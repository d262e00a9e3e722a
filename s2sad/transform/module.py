"""The generated module being built: its namespace and its functions.

One `ModuleBuilder` per derivative request. It binds every global name the
generated code uses (the user's modules and constants, template helpers) to
one value, renaming where two scopes disagree, and hands out the primal and
adjoint function names of each user function called on active values, so
each is transformed once per set of active parameters (recursion included).
"""

from __future__ import annotations

import types
from dataclasses import dataclass, field

import numpy as np

from ..parse import Scope


class Generated:
    """Placeholder binding for a name the generated module defines itself."""

    def __init__(self, name: str) -> None:
        self.name = name


@dataclass
class Specialization:
    func: types.FunctionType
    active: tuple[str, ...]      # the parameters whose gradient is wanted
    scalars: frozenset           # the parameters known to be numbers of shape ()
    primal: str
    adjoint: str


@dataclass
class ModuleBuilder:
    registry: object
    bindings: dict = field(default_factory=dict)
    functions: list = field(default_factory=list)
    specs: dict = field(default_factory=dict)
    pending: list = field(default_factory=list)
    live: list = field(default_factory=list)     # (name, scope, free name) refreshed per call
    sources: list = field(default_factory=list)  # (qualname, source) of each function
    origins: dict = field(default_factory=dict)  # generated function -> user file

    def bind(self, name: str, value, avoid=frozenset()) -> str:
        """The module-level name under which the generated code finds ``value``."""
        candidate = name
        while candidate in avoid or (candidate in self.bindings
                                     and not _same(self.bindings[candidate], value)):
            candidate += "_"
        if candidate in self.bindings:
            return candidate
        self.bindings[candidate] = value
        return candidate

    def bind_free(self, name: str, scope: Scope, avoid=frozenset()) -> str:
        """Bind a free name of a user function; data (not modules or functions) stays live."""
        value = scope.lookup(name)
        bound = self.bind(name, value, avoid)
        if not isinstance(value, (types.ModuleType, types.FunctionType, type,
                                  types.BuiltinFunctionType, np.ufunc)):
            self.live.append((bound, scope, name))
        return bound

    def reserve(self, name: str) -> str:
        """A module-level name for a generated function (defined by the module itself)."""
        return self.bind(name, Generated(name))

    def namespace(self) -> dict:
        """The values to run the generated module with."""
        return {k: v for k, v in self.bindings.items() if not isinstance(v, Generated)}

    def specialize(self, func, active: tuple[str, ...], scalars: frozenset) -> Specialization:
        key = (func, active, scalars)
        if key not in self.specs:
            base = func.__name__
            spec = Specialization(func, active, scalars, self.reserve(f"{base}_primal"),
                                  self.reserve(f"{base}_adjoint"))
            self.specs[key] = spec
            self.pending.append(spec)
        return self.specs[key]


def _same(a, b) -> bool:
    if a is b:
        return True
    try:
        return bool(a == b) and type(a) is type(b)
    except Exception:  # arrays and other values without a plain ==
        return False
