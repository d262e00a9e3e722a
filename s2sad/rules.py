"""Derivative rules: templates read from `templates/` (and from user code) into records.

A template is a plain Python function whose first parameter is the primal's
result and whose other parameters are the primal's arguments, in order; inside
it ``d[x]`` is the derivative of ``x``. An adjoint template assigns ``d[arg]``
(the contribution of this call to the argument's gradient) from ``d[result]``::

    @adjoint(np.tanh)
    def tanh(y, x):
        d[x] = d[y] * (1.0 - y * y)

`nondifferentiable(...)` declares functions whose result carries no derivative
(``len``, ``np.floor``, comparisons). Templates are parsed once, on first use,
into `Template` records; the transformer instantiates them, it never runs them.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import inspect
import os
import textwrap
import types
from dataclasses import dataclass, field
from pathlib import Path

import gast
import numpy as np


class _Derivative:
    """``d`` in a template: ``d[x]`` names the derivative of ``x``. Never evaluated."""

    def __getitem__(self, item):
        raise RuntimeError("d[...] only has meaning inside an s2sad template")

    def __setitem__(self, item, value):
        raise RuntimeError("d[...] only has meaning inside an s2sad template")


d = _Derivative()


@dataclass
class Template:
    """One parsed rule: its parameters, its statements and the names it uses."""

    params: list[str]            # the result, then the positional parameters
    defaults: dict[str, object]
    vararg: str | None
    kwonly: list[str]            # keyword-only parameters (after *args)
    body: list
    namespace: dict
    source: str
    origin: str

    @classmethod
    def from_function(cls, fn) -> Template:
        from .parse import source_lines  # not inspect.getsource: see source_lines
        source = textwrap.dedent("".join(source_lines(fn)[0]))
        node = gast.parse(source).body[0]
        sig = inspect.signature(fn)
        params, defaults, vararg, kwonly = [], {}, None, []
        for p in sig.parameters.values():
            if p.kind is p.VAR_POSITIONAL:
                vararg = p.name
                continue
            (kwonly if p.kind is p.KEYWORD_ONLY else params).append(p.name)
            if p.default is not p.empty:
                defaults[p.name] = p.default
        origin = f"{inspect.getsourcefile(fn)}:{fn.__code__.co_firstlineno}"
        return cls(params, defaults, vararg, kwonly, node.body, fn.__globals__, source,
                   origin)


@dataclass
class Rule:
    key: object
    adjoint_fn: object = None
    tangent_fn: object = None
    _adjoint: Template | None = field(default=None, repr=False)
    _tangent: Template | None = field(default=None, repr=False)

    @property
    def adjoint(self) -> Template | None:
        if self._adjoint is None and self.adjoint_fn is not None:
            self._adjoint = Template.from_function(self.adjoint_fn)
        return self._adjoint

    @property
    def tangent(self) -> Template | None:
        if self._tangent is None and self.tangent_fn is not None:
            self._tangent = Template.from_function(self.tangent_fn)
        return self._tangent


class Registry:
    """Every rule s2sad knows, keyed by the object the rule covers."""

    def __init__(self) -> None:
        self.rules: dict[object, Rule] = {}
        self.nondiff: set = set()
        self.user_nondiff: set = set()
        self.user_sources: list[str] = []  # rules registered from user code
        self._digest = None
        self.loading = False

    def rule(self, key) -> Rule:
        if key not in self.rules:
            self.rules[key] = Rule(key)
        return self.rules[key]

    def add(self, key, direction: str, fn) -> None:
        _check_signature(key, fn)
        setattr(self.rule(key), direction + "_fn", fn)
        setattr(self.rule(key), "_" + direction, None)
        if not self.loading:
            self.user_sources.append(f"{direction} {_describe(key)}\n{inspect.getsource(fn)}")

    def lookup(self, key) -> Rule | None:
        try:
            return self.rules.get(key)
        except TypeError:  # unhashable
            return None

    def is_nondifferentiable(self, key) -> bool:
        try:
            return key in self.nondiff
        except TypeError:
            return False

    def digest(self) -> str:
        """A hash of every rule's text (shipped files and user rules): part of the cache key."""
        state = (len(self.user_sources), len(self.user_nondiff))
        if self._digest is None or self._digest[0] != state:
            self._digest = (state, self._compute_digest())
        return self._digest[1]

    def _compute_digest(self) -> str:
        h = hashlib.sha256()
        folder = _template_dir()
        for name in sorted(os.listdir(folder)):  # no glob: its regex costs ms on warm paths
            if name.endswith(".py"):
                h.update(name.encode() + b"\0" + (folder / name).read_bytes())
        for text in self.user_sources + sorted(map(_describe, self.user_nondiff)):
            h.update(text.encode())
        return h.hexdigest()[:16]


REGISTRY = Registry()
_loaded = False


def _describe(key) -> str:
    owner = getattr(key, "__objclass__", None) or getattr(key, "__self__", None)
    module = getattr(key, "__module__", None) or getattr(owner, "__name__", "")
    return f"{module}.{getattr(key, '__qualname__', getattr(key, '__name__', repr(key)))}"


def _parameter_count(fn) -> int:
    """How many parameters ``fn`` has, not counting ``*args``; from its code object
    (`inspect.signature`, 400 times, was a fifth of the time to load the templates)."""
    code = getattr(fn, "__code__", None)
    if code is None or not isinstance(fn, types.FunctionType):
        return len([p for p in inspect.signature(fn).parameters.values()
                    if p.kind is not p.VAR_POSITIONAL])
    return code.co_argcount + code.co_kwonlyargcount + bool(code.co_flags & inspect.CO_VARKEYWORDS)


def _check_signature(key, fn) -> None:
    """A template has the result first, then at least the function's required arguments."""
    nin = getattr(key, "nin", None)
    count = _parameter_count(fn)
    if isinstance(key, np.ufunc) and count - 1 != nin:
        raise TypeError(f"template {fn.__name__} for ufunc {key.__name__} takes "
                        f"{count - 1} arguments; the ufunc takes {nin}")
    if not count:
        raise TypeError(f"template {fn.__name__} needs the result as its first parameter")


def adjoint(*keys):
    """Register the decorated template as the reverse-mode rule of each of ``keys``.

    >>> @adjoint(np.tanh)
    ... def tanh(y, x):
    ...     d[x] = d[y] * (1.0 - y * y)
    """
    def register(fn):
        registry()  # shipped rules first, so that a user's rule replaces them
        for key in keys:
            REGISTRY.add(key, "adjoint", fn)
        return fn
    return register


def tangent(*keys):
    """Register the decorated template as the forward-mode rule of each of ``keys``."""
    def register(fn):
        registry()
        for key in keys:
            REGISTRY.add(key, "tangent", fn)
        return fn
    return register


def nondifferentiable(*keys) -> None:
    """Declare functions whose results have zero derivative (``np.floor``, ``len``)."""
    registry()
    REGISTRY.nondiff.update(keys)
    if not REGISTRY.loading:
        REGISTRY.user_nondiff.update(keys)


def _template_dir() -> Path:
    """Where the shipped templates are: inside the installed package (the wheel maps
    templates/ to s2sad/templates), or beside the package in a source checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "templates", here.parent / "templates"):
        if (candidate / "operators.py").is_file():
            return candidate
    spec = importlib.util.find_spec("s2sad.templates")
    return Path(next(iter(spec.submodule_search_locations)))


def registry() -> Registry:
    """The registry, with the shipped templates loaded (once)."""
    global _loaded
    if not _loaded:
        _loaded = True
        REGISTRY.loading = True
        try:
            _load_templates()
        finally:
            REGISTRY.loading = False
    return REGISTRY


def _load_templates() -> None:
    from .cache import compiled
    for path in sorted(_template_dir().glob("*.py")):
        if path.name.startswith("_"):
            continue
        name = f"s2sad.templates.{path.stem}"
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        # compiled code kept in the cache: much faster than compiling where Python keeps
        # no .pyc of its own (PYTHONDONTWRITEBYTECODE, a read-only install)
        tag = hashlib.sha256(str(path).encode()).hexdigest()[:8]
        code = compiled(path.read_text(encoding="utf-8"), str(path), f"{name}-{tag}")
        exec(code, module.__dict__)  # noqa: S102 - s2sad's own rule files


def registry_digest() -> str:
    """The digest of the rule set, without loading the shipped templates if not yet needed."""
    return REGISTRY.digest()
