"""Stage 3, analyze: which variables provably have the same shape.

Takes a core-language function, its `Classifier`, the variables known to be numbers of
shape () and the parameters known to hold NumPy arrays (both from the call-time
specialization); returns a table ``variable -> shape class``. Two variables with the
same class have the same shape whenever both are defined. Classes are ``"()"`` (numbers
and full reductions) and ``"param:x"`` (the shape of array parameter ``x``); a variable
missing from the table may have any shape.

The transforms use it to drop bookkeeping: ``unbroadcast(g, x)`` is ``g`` when ``x`` has
the shape of the result the gradient ``g`` belongs to, and then the adjoint no longer
reads ``x`` (so it is neither pushed in loops nor kept alive).

Only what NumPy guarantees is used: a ufunc's result has the broadcast shape of its
arguments, and broadcasting a shape with () or with itself gives that shape. The
analysis is a fixed point over all assignments (flow-insensitive): a variable assigned
values of different classes, or assigned other than by ``name = value``, has none. A
call of a user function has the class its own analysis gives its result (``callee``,
from the pipeline: ``x = step(x)`` keeps x's class when step returns something of its
argument's shape).
"""

from __future__ import annotations

import types
from collections import Counter

import gast
import numpy as np

from . import syntax as S
from .analyze import Classifier, _hashable, assignments, resolve
from .parse import MISSING

SCALAR = "()"
_TOP = object()   # may have any shape
_SHAPE = object()  # not an array: the shape of one (a tuple of ints)
_BOTTOM = None    # no definition seen yet

ELEMENTWISE_OPS = (gast.Add, gast.Sub, gast.Mult, gast.Div, gast.Pow, gast.Mod,
                    gast.FloorDiv)
# called with one array and nothing else, these give a number of shape ()
_REDUCTIONS = {np.sum, np.mean, np.prod, np.max, np.min, np.amax, np.amin,
               np.linalg.norm, np.std, np.var}
_REDUCTION_METHODS = {"sum", "mean", "prod", "max", "min", "std", "var"}
# called with one array and nothing else, these give an array of its shape
_SAME_SHAPE = {np.zeros_like, np.ones_like, np.copy, np.empty_like, np.positive,
               np.negative}


def shape_classes(node: gast.FunctionDef, classify: Classifier, numbers: set[str],
                  arrays: set[str], callee=None) -> dict[str, str]:
    """The shape class of each variable whose shape is known relative to the parameters.

    ``callee(func, classes)``, if given, tells the class of what a user function returns
    when called with arguments of ``classes`` (a class, or None for unknown, per
    positional parameter), in those same terms; or None when it cannot tell."""
    params = set(S.param_names(node))
    defs = list(assignments(node.body))
    simple = Counter(target for target, _ in defs)
    stored = Counter(n.id for n in gast.walk(gast.Module(body=node.body, type_ignores=[]))
                     if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store))
    table: dict = {}
    for name in params:
        table[name] = SCALAR if name in numbers else f"param:{name}" if name in arrays \
            else _TOP
    for name in stored:
        if stored[name] != simple[name]:
            table[name] = _TOP  # rebound by a loop, unpacking or a with block
    for name in numbers:
        table.setdefault(name, SCALAR)

    def cls(value):
        return _class_of(value, table, classify, callee)

    changed = True
    while changed:
        changed = False
        for target, value in defs:
            old = table.get(target, _BOTTOM)
            if old is _TOP:
                continue
            new = _join(old, cls(value))
            if new != old:
                table[target] = new
                changed = True
    return {name: c for name, c in table.items() if isinstance(c, str)}


def class_of(expr, shapes: dict[str, str], classify: Classifier) -> str | None:
    """The shape class of an expression over variables of ``shapes`` (a table made by
    `shape_classes`), or None when it is not known."""
    found = _class_of(expr, _Known(shapes), classify)
    return found if isinstance(found, str) else None


class _Known(dict):
    """A finished table: a variable missing from it may have any shape."""

    def get(self, key, default=None):
        return dict.get(self, key, _TOP)


def _join(a, b):
    if a is _BOTTOM:
        return b
    if b is _BOTTOM or a == b:
        return a
    return _TOP


def _broadcast(classes):
    """The class of the broadcast of values of ``classes``."""
    out = SCALAR
    for c in classes:
        if c is _TOP or c is _BOTTOM or c is _SHAPE:
            return _TOP if c is _SHAPE else c
        if c != SCALAR:
            if out not in (SCALAR, c):
                return _TOP
            out = c
    return out


def _class_of(value, table: dict, classify: Classifier, callee=None):
    if isinstance(value, gast.Constant):
        ok = isinstance(value.value, (int, float)) and not isinstance(value.value, bool)
        return SCALAR if ok else _TOP
    if isinstance(value, gast.Name):
        return table.get(value.id, _BOTTOM) if value.id in classify.locals else _TOP
    if isinstance(value, gast.BinOp) and isinstance(value.op, ELEMENTWISE_OPS):
        return _broadcast([_class_of(value.left, table, classify, callee),
                           _class_of(value.right, table, classify, callee)])
    if isinstance(value, gast.UnaryOp) and isinstance(value.op, (gast.USub, gast.UAdd)):
        return _class_of(value.operand, table, classify, callee)
    if isinstance(value, gast.Call) and not value.keywords:
        args = [_class_of(a, table, classify, callee) for a in value.args]
        return _call_class(value.func, args, table, classify, callee)
    # sizes: x.ndim, x.size, x.shape[k] (of an array; any other value with these
    # attributes is taken to follow NumPy)
    if isinstance(value, gast.Attribute) and isinstance(value.value, gast.Name) \
            and value.value.id in classify.locals:
        return SCALAR if value.attr in ("ndim", "size") else \
            _SHAPE if value.attr == "shape" else _TOP
    if isinstance(value, gast.Subscript) and isinstance(value.slice, gast.Constant) \
            and type(value.slice.value) is int \
            and _class_of(value.value, table, classify) is _SHAPE:
        return SCALAR
    return _TOP


def _call_class(func, args: list, table: dict, classify: Classifier, callee=None):
    if isinstance(func, gast.Attribute) and isinstance(func.value, gast.Name) \
            and func.value.id in classify.locals:
        known = table.get(func.value.id, _BOTTOM)
        if func.attr in _REDUCTION_METHODS and not args and known is not _TOP:
            return SCALAR if known is not _BOTTOM else _BOTTOM
        return _TOP
    if S.all_names(func) & classify.locals:
        return _TOP
    fn = resolve(func, classify.scope)
    if fn is MISSING:
        return _TOP
    if callee is not None and isinstance(fn, types.FunctionType) and _hashable(fn) \
            and classify.registry.lookup(fn) is None \
            and not classify.registry.is_nondifferentiable(fn):
        if any(a is _BOTTOM for a in args):
            return _BOTTOM  # (the fixed point comes back with more)
        found = callee(fn, [a if isinstance(a, str) else None for a in args])
        return found if found is not None else _TOP
    if isinstance(fn, np.ufunc):
        ok = fn.nout == 1 and fn.signature is None and len(args) == fn.nin
        return _broadcast(args) if ok else _TOP
    if len(args) == 1 and _hashable(fn):
        if fn in _REDUCTIONS:  # of anything array-like: a number
            return SCALAR
        if fn in _SAME_SHAPE or fn is abs:
            return args[0]
        if fn is float:
            return SCALAR
    if getattr(fn, "__module__", None) == "math" and callable(fn):
        return _broadcast(args) if all(a == SCALAR for a in args) else _TOP
    return _TOP

