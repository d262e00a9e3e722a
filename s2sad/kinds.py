"""Type trees: what a derivative is specialized to for arguments holding code.

An argument that is an object (whose methods are transformed), a function (transformed,
or used through its rule), or a container or object holding such values, is described
by a *kind*, read when the derivative is called:

- a function: the function itself;
- an object: `ObjectKind` (its class, and the kinds of the attributes that hold objects,
  functions or containers of them: ``self.layer``, ``self.act``);
- a tuple, list or dict holding such values: `ContainerKind` (the kind of each item).

Arrays and numbers have no kind (None). Kinds are hashable and compare by value, so they
key the memo of derivatives; `describe` spells one out for the disk cache's key.
`local_kinds` propagates the kinds of parameters to the locals read from them
(``layer = self.layers[0]``), so that ``layer(x)`` is a call of a known method.
"""

from __future__ import annotations

from dataclasses import dataclass

import gast

_MAX_DEPTH = 8


@dataclass(frozen=True)
class ObjectKind:
    cls: type
    attrs: tuple = ()  # (attribute name, kind), sorted by name

    def attribute(self, name: str):
        return dict(self.attrs).get(name)


@dataclass(frozen=True)
class ContainerKind:
    cls: type          # tuple, list or dict
    items: tuple = ()  # (index or key, kind) of the items that have one
    size: int = 0

    def item(self, key):
        return dict(self.items).get(key)

    def element(self):
        """The kind of any item (a loop over the container): when all items share one.
        (A size of -1: a slice of unknown length of such a container.)"""
        kinds = {kind for _, kind in self.items}
        if len(kinds) == 1 and (len(self.items) == self.size or self.size == -1) \
                and self.cls is not dict:
            return next(iter(kinds))
        return None

    def sliced(self, bounds):
        """The kind of ``container[lower:upper:step]`` (bounds: ints, None, or ... unknown)."""
        if self.cls is dict:
            return None
        if ... not in bounds:
            keys = list(range(self.size))[slice(*bounds)]
            items = tuple((k, self.item(old)) for k, old in enumerate(keys)
                          if self.item(old) is not None)
            return ContainerKind(self.cls, items, len(keys)) if items else None
        element = self.element()
        return ContainerKind(self.cls, ((0, element),), -1) if element is not None else MIXED


class Mixed:
    """The kind of an item read from a container whose items differ (other classes, or
    other functions inside): ``for layer in layers: h = layer(h)`` cannot be specialized."""

    def __repr__(self) -> str:
        return "MIXED"


MIXED = Mixed()


def is_function_kind(kind) -> bool:
    """A function (not an object, a container, or np.ndarray: an array argument)."""
    return kind is not None and not isinstance(kind, (ObjectKind, ContainerKind, Mixed, type))


def kind_of(value, is_function, is_object, depth: int = 0):
    """The kind of ``value`` (None for data); ``is_function`` and ``is_object`` say which
    values are code and which are objects (see `api`)."""
    if depth > _MAX_DEPTH:
        return None
    if is_function(value):
        return value
    if is_object(value):
        attrs = tuple(sorted((name, kind) for name, kind in (
            (name, kind_of(v, is_function, is_object, depth + 1))
            for name, v in vars(value).items()) if kind is not None))
        return ObjectKind(type(value), attrs)
    if type(value) in (tuple, list, dict):
        pairs = value.items() if isinstance(value, dict) else enumerate(value)
        items = tuple((key, kind) for key, kind in (
            (key, kind_of(v, is_function, is_object, depth + 1)) for key, v in pairs)
            if kind is not None)
        if items and all(_plain_key(key) for key, _ in items):
            return ContainerKind(type(value), items, len(value))
    return None


def _plain_key(key) -> bool:
    return type(key) in (int, str, float, bool) or key is None


def describe(kind):
    """A JSON value naming ``kind``: part of the disk cache's key."""
    if isinstance(kind, ObjectKind):
        return ["object", _qualified(kind.cls), [[n, describe(k)] for n, k in kind.attrs]]
    if isinstance(kind, ContainerKind):
        return [kind.cls.__name__, kind.size, [[repr(key), describe(k)] for key, k in kind.items]]
    if isinstance(kind, type):
        return ["class", _qualified(kind)]  # np.ndarray: an array argument
    return ["function", _qualified(kind)]


def _qualified(value) -> str:
    name = getattr(value, "__qualname__", getattr(value, "__name__", repr(value)))
    return f"{getattr(value, '__module__', None)}.{name}"


def expression_kind(value, kinds: dict):
    """The kind of a core-language right-hand side, given the kinds of locals."""
    if isinstance(value, gast.Name):
        return kinds.get(value.id)
    if isinstance(value, gast.Attribute) and isinstance(value.value, gast.Name):
        owner = kinds.get(value.value.id)
        return owner.attribute(value.attr) if isinstance(owner, ObjectKind) else None
    if isinstance(value, gast.Subscript) and isinstance(value.value, gast.Name):
        owner = kinds.get(value.value.id)
        if not isinstance(owner, ContainerKind):
            return None
        index = value.slice
        if isinstance(index, gast.Constant):
            key = index.value
            if isinstance(key, int) and owner.cls is not dict and key < 0:
                key += owner.size
            return owner.item(key)
        if isinstance(index, gast.UnaryOp) and isinstance(index.op, gast.USub) \
                and isinstance(index.operand, gast.Constant):
            return owner.item(owner.size - index.operand.value)
        if isinstance(index, gast.Slice):
            return owner.sliced(tuple(_bound(p) for p in (index.lower, index.upper,
                                                           index.step)))
        return owner.element() or MIXED
    return None


def _bound(node):
    if node is None:
        return None
    if isinstance(node, gast.Constant) and type(node.value) is int:
        return node.value
    return ...


def local_kinds(assignments: list, params: dict, param_names) -> dict:
    """Local name -> kind, for the locals whose every assignment gives the same kind.

    ``assignments``: ``(target, value)`` of every assignment; ``params``: the kinds of the
    parameters (a parameter that is assigned keeps a kind only if every assignment agrees).
    """
    defs: dict = {}
    for target, value in assignments:
        defs.setdefault(target, []).append(value)
    kinds = {p: k for p, k in params.items() if p not in defs}
    for _ in range(len(defs) + 1):
        new = {p: k for p, k in params.items() if p not in defs}
        for name, values in defs.items():
            options = [expression_kind(v, kinds) for v in values]
            if name in param_names:
                options.append(params.get(name))
            if MIXED in options:
                new[name] = MIXED
            elif options[0] is not None and all(o == options[0] for o in options):
                new[name] = options[0]
        if new == kinds:
            break
        kinds = new
    return kinds


def split_attribute_calls(stmts: list, kinds: dict, fresh) -> list:
    """``y = obj.layer(x)`` where ``layer`` is an attribute holding an object or a function
    (not a method of obj's class) -> ``t = obj.layer; y = t(x)``: a call of a local of known
    kind. ``fresh(base)`` makes the new names."""
    out = []
    for stmt in stmts:
        for part in ("body", "orelse"):
            if isinstance(getattr(stmt, part, None), list):
                setattr(stmt, part, split_attribute_calls(getattr(stmt, part), kinds, fresh))
        call = stmt.value if isinstance(stmt, (gast.Assign, gast.Expr)) else None
        func = getattr(call, "func", None) if isinstance(call, gast.Call) else None
        owner = kinds.get(func.value.id) if isinstance(func, gast.Attribute) \
            and isinstance(func.value, gast.Name) else None
        if isinstance(owner, ObjectKind) and owner.attribute(func.attr) is not None:
            temp = fresh("t")
            read = gast.Assign(targets=[gast.Name(id=temp, ctx=gast.Store(), annotation=None,
                                                  type_comment=None)],
                               value=func, type_comment=None)
            out.append(gast.copy_location(read, stmt))
            call.func = gast.Name(id=temp, ctx=gast.Load(), annotation=None, type_comment=None)
        out.append(stmt)
    return out
