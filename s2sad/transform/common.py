"""What the reverse and forward transforms share: names in the generated module,
templates' globals, and how a call of a user function binds its arguments."""

from __future__ import annotations

import inspect

import gast
import numpy as np

from .. import syntax as S
from ..errors import TransformError, at
from ..shapes import SCALAR


def _bind_call(func, args: list, keywords: list):
    """The parameters of ``func`` bound to a call's atoms; a ``*t`` (``**t``) made by
    `analyze.pack_star_arguments` binds the ``*args`` (``**kwargs``) parameter to ``t``."""
    star = args[-1].value if args and isinstance(args[-1], gast.Starred) else None
    stars = next((k.value for k in keywords if k.arg is None), None)
    bound = inspect.signature(func).bind_partial(
        *(args[:-1] if star is not None else args),
        **{k.arg: k.value for k in keywords if k.arg is not None})
    for param in inspect.signature(func).parameters.values():
        if param.kind is param.VAR_POSITIONAL and star is not None:
            bound.arguments[param.name] = star
        elif param.kind is param.VAR_KEYWORD and stars is not None:
            bound.arguments[param.name] = stars
    return bound


class FunctionTransform:
    """Base of `Reverse` and `Forward`: one user function being transformed."""

    def __init__(self, module, parsed, core, namer, act, classify, scalars,
                 shapes=None) -> None:
        self.module = module
        self.parsed = parsed
        self.namer = namer
        self.act = act
        self.classify = classify
        self.scalars = scalars
        self.shapes = shapes or {}  # variable -> shape class (`shapes.shape_classes`)
        # module-level names must not be shadowed by this function's own variables
        free = S.load_names(core) - classify.locals
        self.own_names = frozenset(namer.taken) - free

    def helper(self, name: str) -> str:
        """A runtime helper's name in the generated module."""
        from .. import runtime
        return self._bind(name, getattr(runtime, name))

    def _bind(self, name: str, value) -> str:
        bound = self.module.bind(name, value, avoid=self.own_names)
        self.namer.reserve([bound])
        return bound

    def template_binder(self, template):
        """The function giving each global a template uses its name in the module."""
        def bind(name: str) -> str:
            if name not in template.namespace:
                raise TransformError(f"the template at {template.origin} uses {name!r}, "
                                     "which its module does not define")
            return self._bind(name, template.namespace[name])
        return bind

    def call_site(self, stmt, op, mode: str):
        """``(positional atoms, bound arguments, specialization)`` for a call of the user
        function ``op.key`` (a method gets its object as the first argument)."""
        call = stmt.value
        args = list(call.args)
        if op.receiver:
            args = [call.func if isinstance(call.func, gast.Name) else call.func.value] + args
        try:
            bound = _bind_call(op.key, args, call.keywords)
        except TypeError as exc:
            raise at(stmt, self.parsed.filename, f"cannot call {op.label}: {exc}") from None
        active = tuple(p for p, atom in bound.arguments.items()
                       if isinstance(atom, gast.Name) and self.act.active(atom.id))
        numbers = frozenset(p for p, atom in bound.arguments.items()
                            if isinstance(atom, gast.Name) and atom.id in self.scalars
                            or isinstance(atom, gast.Constant)
                            and isinstance(atom.value, (int, float)))
        types = tuple(sorted(
            [(p, self.classify.types[atom.id]) for p, atom in bound.arguments.items()
             if isinstance(atom, gast.Name) and atom.id in self.classify.types]
            + [(p, np.ndarray) for p, atom in bound.arguments.items()
               if p not in numbers and self.known_array(atom)]
            + [(p, code) for p, code in ((p, self.static_function(atom))
                                         for p, atom in bound.arguments.items())
               if code is not None],
            key=lambda pair: pair[0]))
        if op.receiver or op.passed:  # found through a class or an argument, not a name
            path = (-1, f"{op.key.__module__}:{op.key.__qualname__}")
        else:
            path = (self.module.scope_index(self.parsed.func), S.unparse(call.func))
        spec = self.module.specialize(op.key, active, numbers, path, mode=mode, types=types)
        return args, bound, spec

    def static_function(self, atom):
        """The function a module-level name passes to a helper (``rk4(rhs, y)``,
        ``apply(np.sin, x)``): the helper is specialized to it, as to a function
        handed to the differentiated function. None for anything else."""
        from ..analyze import _is_static, resolve
        from ..api import _is_function
        if not isinstance(atom, (gast.Name, gast.Attribute)) \
                or not _is_static(atom, self.classify.locals):
            return None
        value = resolve(atom, self.classify.scope)
        try:
            return value if _is_function(value) else None
        except TypeError:  # unhashable: no rule can be registered for it
            return None

    def known_array(self, atom) -> bool:
        """Whether ``atom`` is a local known to hold a NumPy array (it has a shape class
        other than that of numbers) that is not already passed on with its class."""
        return isinstance(atom, gast.Name) and atom.id not in self.classify.types \
            and self.shapes.get(atom.id, SCALAR) != SCALAR
