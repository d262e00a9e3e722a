"""The generated module being built: its namespace and its functions.

One `ModuleBuilder` per derivative request. It binds every global name the
generated code uses (the user's modules and constants, template helpers) to
one value, renaming where two scopes disagree, and hands out the primal and
adjoint function names of each user function called on active values, so
each is transformed once per set of active parameters (recursion included).
"""

from __future__ import annotations

import re
import types
from dataclasses import dataclass, field

import gast
import numpy as np

from ..naming import identifier
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
    primal: str                  # reverse: the primal that records (unused when the
                                 # helper's adjoint is joint); forward: the jvp
    adjoint: str | None
    mode: str = "reverse"
    types: tuple = ()            # (parameter, kind) of parameters holding code (`kinds`)


def import_recipe(value):
    """How to find ``value`` again in a fresh process, as ``["import", module, qualname]``."""
    if isinstance(value, types.ModuleType):
        return ["import", value.__name__, ""]
    module = getattr(value, "__module__", None) or getattr(
        getattr(value, "__objclass__", None), "__module__", None)
    qualname = getattr(value, "__qualname__", None) or getattr(value, "__name__", None)
    if isinstance(value, np.ufunc):
        module, qualname = "numpy", value.__name__
    if not module or not qualname or "<" in qualname:
        return None
    return ["import", module, qualname] if resolve_recipe(["import", module, qualname]) \
        is value else None


def resolve_recipe(recipe, scopes=()):
    """The value a recipe names (`import_recipe`, or ``["free", scope index, name]``)."""
    import importlib

    from ..parse import MISSING
    if recipe[0] == "free":
        return scopes[recipe[1]].lookup(recipe[2])
    try:
        value = importlib.import_module(recipe[1])
        for part in filter(None, recipe[2].split(".")):
            value = getattr(value, part)
    except (ImportError, AttributeError):
        return MISSING
    return value


@dataclass
class ModuleBuilder:
    registry: object
    joint: bool = False  # helpers' adjoints recompute their primal (see functions.joint)
    bindings: dict = field(default_factory=dict)
    recipes: dict = field(default_factory=dict)  # name -> recipe (None: cannot be cached)
    functions: list = field(default_factory=list)
    specs: dict = field(default_factory=dict)
    pending: list = field(default_factory=list)
    live: list = field(default_factory=list)     # (name, scope, free name) refreshed per call
    scopes: list = field(default_factory=list)   # Scope of each transformed user function
    callees: list = field(default_factory=list)  # how each scope after the first is reached
    sources: list = field(default_factory=list)  # (qualname, source) of each function
    origins: dict = field(default_factory=dict)  # generated function -> user file
    results: dict = field(default_factory=dict)  # (code, classes) -> shape class returned

    def bind(self, name: str, value, avoid=frozenset(), recipe="import") -> str:
        """The module-level name under which the generated code finds ``value``."""
        candidate = name
        while candidate in avoid or (candidate in self.bindings
                                     and not _same(self.bindings[candidate], value)):
            candidate += "_"
        if candidate in self.bindings:
            return candidate
        self.bindings[candidate] = value
        if not isinstance(value, Generated):
            self.recipes[candidate] = import_recipe(value) if recipe == "import" else recipe
        return candidate

    def scope_index(self, func, path=None) -> int:
        """The index of ``func``'s scope; ``path`` (caller index, expression) reaches it."""
        for k, scope in enumerate(self.scopes):
            if scope.func is func:
                return k
        self.scopes.append(Scope(func))
        if path is not None:
            self.callees.append(list(path))
        return len(self.scopes) - 1

    def bind_free(self, name: str, scope_index: int, avoid=frozenset()) -> str:
        """Bind a free name of a user function; data (not modules or functions) stays live."""
        scope = self.scopes[scope_index]
        value = scope.lookup(name)
        bound = self.bind(name, value, avoid, recipe=["free", scope_index, name])
        if is_live(value):
            self.live.append((bound, scope, name))
        return bound

    def reserve(self, name: str) -> str:
        """A module-level name for a generated function (defined by the module itself)."""
        return self.bind(name, Generated(name))

    def namespace(self) -> dict:
        """The values to run the generated module with."""
        return {k: v for k, v in self.bindings.items() if not isinstance(v, Generated)}

    def may_have_effects(self, call) -> bool:
        """Whether a call in the generated code may do more than compute its value: true
        but for functions with a derivative rule (NumPy's, math's, a user's registered
        ones: rules describe mathematical functions) and s2sad's runtime helpers that
        only compute values. Methods of local values and unknown names count as effects."""
        value = self._resolved(call.func)
        if value is None:
            return True
        if getattr(value, "__module__", "") in _RUNTIME_MODULES:
            return getattr(value, "__name__", "") in _RUNTIME_EFFECTS
        try:
            return self.registry.lookup(value) is None
        except TypeError:  # unhashable
            return True

    def _resolved(self, node):
        """The module-level value an expression of names and attributes of modules reaches."""
        if isinstance(node, gast.Name):
            value = self.bindings.get(node.id)
            return None if isinstance(value, Generated) else value
        if isinstance(node, gast.Attribute):
            base = self._resolved(node.value)
            if isinstance(base, types.ModuleType):
                return getattr(base, node.attr, None)
        return None

    def specialize(self, func, active: tuple[str, ...], scalars: frozenset,
                   path=None, mode: str = "reverse", types: tuple = ()) -> Specialization:
        key = (func, active, scalars, mode, types)
        self.scope_index(func, path)
        if key not in self.specs:
            # Dense.__call__ -> Dense_call: readable names for methods too
            parts = [re.sub(r"\W", "", p).strip("_") for p in func.__qualname__.split(".")
                     if p != "<locals>"]
            base = identifier("_".join(p for p in parts if p) or func.__name__)
            if mode == "forward":
                spec = Specialization(func, active, scalars, self.reserve(f"{base}_jvp"),
                                      None, mode, types)
            else:
                spec = Specialization(func, active, scalars, self.reserve(f"{base}_primal"),
                                      self.reserve(f"{base}_adjoint"), types=types)
            self.specs[key] = spec
            self.pending.append(spec)
        return self.specs[key]


_RUNTIME_MODULES = frozenset({"s2sad.runtime", "s2sad.runtime_elementwise",
                              "s2sad.runtime_linalg", "s2sad.runtime_shape"})
_RUNTIME_EFFECTS = frozenset({"check_unshared", "restore_part", "Tape"})


def is_live(value) -> bool:
    """Data (not a module, function or class) is looked up again at each call."""
    return not isinstance(value, (types.ModuleType, types.FunctionType, type,
                                  types.BuiltinFunctionType, np.ufunc))


def _same(a, b) -> bool:
    if a is b:
        return True
    try:
        return bool(a == b) and type(a) is type(b)
    except Exception:  # noqa: BLE001 - arrays and other values without a plain ==
        return False
