"""Stage 3, analyze: what each statement computes, and which variables are active.

Takes a core-language function (see `normalize.anf`), its `Scope` and the rule
registry; returns tables, never annotations on the tree:
- `classify(value)` says what one right-hand side is: a copy, a rule call, a
  call of a user function, a literal, something without derivative, or unknown;
- `activity(...)` returns the `Activity` of the function: the variables that
  depend on a differentiated input (varied) and reach the output (useful).
"""

from __future__ import annotations

import inspect
import operator
import types
from dataclasses import dataclass, field

import gast
import numpy as np

from . import syntax as S
from .errors import MissingRuleError, ObjectCallError, UnsupportedConstructError, at
from .kinds import MIXED, ObjectKind, is_function_kind, local_kinds, split_attribute_calls
from .parse import MISSING, Scope

BINOPS = {
    gast.Add: operator.add, gast.Sub: operator.sub, gast.Mult: operator.mul,
    gast.Div: operator.truediv, gast.Pow: operator.pow, gast.Mod: operator.mod,
    gast.MatMult: operator.matmul, gast.FloorDiv: operator.floordiv,
    gast.BitAnd: operator.and_, gast.BitOr: operator.or_, gast.BitXor: operator.xor,
    gast.LShift: operator.lshift, gast.RShift: operator.rshift,
}
UNARYOPS = {gast.USub: operator.neg, gast.UAdd: operator.pos, gast.Not: operator.not_,
            gast.Invert: operator.invert}


@dataclass
class Op:
    """What a right-hand side computes.

    kind: "atom" (a copy or a constant), "rule" (``key`` has a registered rule),
    "user" (``key`` is a Python function to transform), "literal" (tuple/list),
    "nondiff" (zero derivative), "unknown" (no rule: an error if it is active).
    inputs: the local names whose derivatives can flow through it.
    """

    kind: str
    key: object = None
    inputs: list[str] = field(default_factory=list)
    label: str = ""
    receiver: bool = False  # a method call: the object is the rule's first argument
    passed: bool = False    # a function passed in as an argument


def resolve(node, scope: Scope):
    """The value of a static expression (``np.linalg.norm``), or MISSING."""
    if isinstance(node, gast.Name):
        return scope.lookup(node.id)
    if isinstance(node, gast.Attribute):
        base = resolve(node.value, scope)
        return MISSING if base is MISSING else getattr(base, node.attr, MISSING)
    return MISSING


def _dotted(node) -> str | None:
    """``a.b.c`` for a chain of attributes of a name (what unparse gives, much faster: a
    label is made for every call the transform classifies); None for anything else."""
    parts = []
    while isinstance(node, gast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, gast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def _local_names(nodes, local_names: set[str]) -> list[str]:
    names: list[str] = []
    for node in nodes:
        if isinstance(node, gast.Starred):
            node = node.value
        if isinstance(node, gast.Name) and node.id in local_names and node.id not in names:
            names.append(node.id)
    return names


class Classifier:
    def __init__(self, scope: Scope, registry, local_names: set[str],
                 stacks: dict | None = None, types: dict | None = None) -> None:
        self.scope = scope
        self.registry = registry
        self.locals = local_names
        self.stacks = stacks or {}  # local name -> "push" / "pop" (generated code's tape)
        self.types = types or {}    # local -> kind of the object or function it holds

    def by_key(self, key, inputs, label) -> Op:
        if self.registry.is_nondifferentiable(key):
            return Op("nondiff", key, [], label)
        if self.registry.lookup(key) is not None:
            return Op("rule", key, inputs, label)
        if isinstance(key, types.FunctionType):
            return Op("user", key, inputs, label)
        return Op("unknown", key, inputs, label)

    def __call__(self, value) -> Op:
        inputs = _local_names([value] if isinstance(value, gast.Name) else
                              list(gast.iter_child_nodes(value)), self.locals)
        if isinstance(value, gast.Name):
            if value.id in self.locals:
                return Op("atom", None, [value.id])
            return Op("atom")
        if isinstance(value, gast.Constant) or (isinstance(value, gast.Attribute)
                                                and value.attr and _is_static(value, self.locals)):
            return Op("atom")
        if isinstance(value, gast.BinOp):
            key = BINOPS[type(value.op)]
            return self.by_key(key, inputs, f"operator.{key.__name__}")
        if isinstance(value, gast.UnaryOp):
            key = UNARYOPS[type(value.op)]
            return self.by_key(key, inputs, f"operator.{key.__name__}")
        if isinstance(value, gast.Compare):
            return Op("nondiff")
        if isinstance(value, (gast.Tuple, gast.List)):
            return Op("literal", type(value).__name__, inputs)
        if isinstance(value, gast.Dict):
            return Op("literal", "Dict", _local_names(value.values, self.locals))
        if isinstance(value, gast.Subscript):
            return self.by_key(operator.getitem, _local_names([value.value], self.locals),
                               "operator.getitem")
        if isinstance(value, gast.Attribute):
            key = getattr(np.ndarray, value.attr, None)
            if key is None:  # an attribute of an object: model.W
                from .runtime import get_attribute
                return self.by_key(get_attribute, inputs, f"the attribute .{value.attr}")
            return self.by_key(key, inputs, f"np.ndarray.{value.attr}")
        if isinstance(value, gast.Call):
            return self.call(value)
        return Op("unknown", type(value).__name__, inputs, S.unparse(value))

    def call(self, node: gast.Call) -> Op:
        args = list(node.args) + [k.value for k in node.keywords]
        inputs = _local_names(args, self.locals)
        func = node.func
        label = _dotted(func) or S.unparse(func)
        if isinstance(func, gast.Name) and func.id in self.stacks:
            return Op(self.stacks[func.id], None, inputs, label)
        bound = self.bound_method(func)
        if bound is not None and bound[1] is None and not isinstance(bound[0],
                                                                     types.FunctionType):
            return self.by_key(bound[0], inputs, label)  # np.tanh passed in as act
        if bound is not None:  # model(x), model.forward(x), self.act(x), act(x)
            method, receiver = bound
            extra = [receiver] if receiver is not None and receiver not in inputs else []
            op = Op("user", method, inputs + extra, f"{method.__qualname__}")
            op.receiver = receiver is not None
            op.passed = receiver is None
            return op
        if isinstance(func, gast.Attribute) and not _is_static(func, self.locals):
            op = self.method(func, inputs + _local_names([func.value], self.locals))
            if op.kind == "unknown" and not hasattr(np.ndarray, func.attr):
                op.key = "object call"  # a method of an object: model.forward(x)
            return op
        value = resolve(func, self.scope) if _is_static(func, self.locals) else MISSING
        if value is MISSING:
            key = "object call" if isinstance(func, gast.Name) else label
            if isinstance(func, gast.Name) and self.types.get(func.id) is MIXED:
                key = "mixed call"
            return Op("unknown", key, inputs + _local_names([func], self.locals), label)
        if isinstance(getattr(value, "__self__", None), np.ndarray):
            return self.method(func, inputs)  # A.dot(y) with A a module-level array
        op = self.by_key(value, inputs, label)
        if op.kind == "unknown" and _is_instance(value):
            op.key = "global object"
        return op

    def bound_method(self, func):
        """``(function, receiver)`` when ``func`` is a method of an object of known class;
        ``(function, None)`` when it is a parameter holding a Python function."""
        known = self.types.get(func.id) if isinstance(func, gast.Name) else None
        if is_function_kind(known):
            return known, None  # a function passed in: act(x)
        owner = self.types.get(func.value.id) if isinstance(func, gast.Attribute) \
            and isinstance(func.value, gast.Name) else None
        if isinstance(known, ObjectKind):
            cls, name, receiver = known.cls, "__call__", func.id
        elif isinstance(owner, ObjectKind):
            cls, name, receiver = owner.cls, func.attr, func.value.id
        else:
            return None
        raw = inspect.getattr_static(cls, name, None)
        method = getattr(cls, name, None)
        if isinstance(raw, (staticmethod, classmethod)) or not isinstance(
                method, types.FunctionType):
            return None
        return method, receiver

    def method(self, func: gast.Attribute, inputs) -> Op:
        key = getattr(np.ndarray, func.attr, None)
        op = self.by_key(key if key is not None else f".{func.attr}()", inputs,
                         f"np.ndarray.{func.attr}")
        op.receiver = True
        return op


def _is_instance(value) -> bool:
    """An object whose class defines ``__call__`` in Python, or a Python method bound to
    an object (``model``, ``model.forward``)."""
    from .runtime import _is_object
    if isinstance(value, types.MethodType):
        return isinstance(value.__func__, types.FunctionType) and _is_object(value.__self__)
    return _is_object(value) and isinstance(
        inspect.getattr_static(type(value), "__call__", None), types.FunctionType)


def stack_operations(node: gast.FunctionDef) -> dict:
    """Locals bound to a tape's ``append``/``pop`` (``push = stack.append`` in generated code).

    Differentiating a derivative again must see through its tape: what a ``pop`` returns
    is what the matching ``push`` stored.
    """
    local_names = set(S.param_names(node)) | S.store_names(
        gast.Module(body=node.body, type_ignores=[]))
    found = {}
    for target, value in assignments(node.body):
        if isinstance(value, gast.Attribute) and value.attr in ("append", "pop") \
                and isinstance(value.value, gast.Name) and value.value.id in local_names:
            found[target] = "push" if value.attr == "append" else "pop"
    return found


def _is_static(node, local_names: set[str]) -> bool:
    while isinstance(node, gast.Attribute):
        node = node.value
    return isinstance(node, gast.Name) and node.id not in local_names


@dataclass
class Activity:
    varied: set[str]
    useful: set[str]

    def active(self, name: str) -> bool:
        return name in self.varied and name in self.useful

    def varied_name(self, name: str) -> bool:
        return name in self.varied


def assignments(stmts):
    """Every ``name = value`` of a core-language body, at any depth (not inside a
    ``grad_of`` block, whose code belongs to the adjoint)."""
    for stmt in stmts:
        if isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name):
            yield stmt.targets[0].id, stmt.value
        if isinstance(stmt, gast.With):
            continue
        for body in ("body", "orelse"):
            yield from assignments(getattr(stmt, body, []))


def object_kinds(node: gast.FunctionDef, params: dict, fresh) -> dict:
    """Local -> kind (see `kinds`) given the kinds of the parameters; calls of attributes
    holding objects or functions (``self.layer(x)``) are split into a read and a call."""
    names = set(S.param_names(node))
    kinds = local_kinds(list(assignments(node.body)), params, names)
    if any(isinstance(k, ObjectKind) for k in kinds.values()):
        node.body = split_attribute_calls(node.body, kinds, fresh)
        kinds = local_kinds(list(assignments(node.body)), params, names)
    return kinds


def pack_star_arguments(stmts: list, classify: Classifier, fresh) -> list:
    """``y = g(x, a, b, k=c)`` where ``g`` is a user function ``g(x, *rest, **options)``
    -> ``t1 = (a, b); t2 = {'k': c}; y = g(x, *t1, **t2)``: the extra arguments become one
    tuple (and one dict) whose gradient the literal's adjoint hands out. ``fresh(base)``
    makes the new names, which are added to ``classify.locals``."""
    out = []
    for stmt in stmts:
        for part in ("body", "orelse"):
            if isinstance(getattr(stmt, part, None), list):
                setattr(stmt, part, pack_star_arguments(getattr(stmt, part), classify, fresh))
        call = stmt.value if isinstance(stmt, (gast.Assign, gast.Expr)) else None
        op = classify(call) if isinstance(call, gast.Call) else None
        code = getattr(op.key, "__code__", None) if op is not None and op.kind == "user" \
            else None
        if code is not None:
            out += _pack(call, op, code, classify, fresh)
        out.append(stmt)
    return out


def _pack(call: gast.Call, op: Op, code, classify: Classifier, fresh) -> list:
    slots = code.co_argcount - (1 if op.receiver else 0)
    named = set(code.co_varnames[:code.co_argcount + code.co_kwonlyargcount])
    made = []
    if code.co_flags & inspect.CO_VARARGS and len(call.args) > slots:
        temp = fresh("t")
        made.append(S.assign(temp, S.tuple_(call.args[slots:])))
        call.args = call.args[:slots] + [gast.Starred(value=S.name(temp), ctx=gast.Load())]
        classify.locals.add(temp)
    extra = [k for k in call.keywords if k.arg not in named]
    if code.co_flags & inspect.CO_VARKEYWORDS and extra:
        temp = fresh("t")
        made.append(S.assign(temp, gast.Dict(keys=[S.const(k.arg) for k in extra],
                                             values=[k.value for k in extra])))
        call.keywords = [k for k in call.keywords if k.arg in named] + [
            gast.keyword(arg=None, value=S.name(temp))]
        classify.locals.add(temp)
    return [S.located(s, S.line(call)) for s in made]


def check_rules(node: gast.FunctionDef, act: Activity, classify: Classifier,
                filename: str, direction: str = "adjoint") -> None:
    """Raise `MissingRuleError` at the first active operation (in program order) without a
    rule for ``direction`` ("adjoint" or "tangent"), before any code is generated."""
    for target, value in assignments(node.body):
        op = classify(value)
        if not (act.active(target) and any(act.active(i) for i in op.inputs)):
            continue
        rule = classify.registry.lookup(op.key) if op.kind == "rule" else None
        if op.kind == "unknown" or (op.kind == "rule" and getattr(rule, direction) is None):
            raise missing_rule(value, op, filename, direction)


def missing_rule(node, op: Op, filename: str, direction: str = "adjoint") -> MissingRuleError:
    what = op.label or S.unparse(node)
    if op.kind == "unknown" and op.key == "global object":
        return at(node, filename, f"{what}(...) calls an object defined outside the function "
                  "(a module-level or enclosing variable), whose class s2sad does not "
                  "specialize to", "pass the object as an argument of the differentiated "
                  "function (its class, and those of the objects and functions in its "
                  "attributes, are read when the derivative is called)", MissingRuleError)
    if op.kind == "unknown" and op.key == "mixed call":
        return at(node, filename, f"{what}(...) calls an item of a list, tuple or dict whose "
                  "items differ in class or in the functions they hold, so the call cannot "
                  "be specialized to one of them",
                  "give the items the same class and the same functions in their attributes, "
                  "or call them one by one (layers[0](x), layers[1](x))", ObjectCallError)
    if op.kind == "unknown" and op.key == "object call":
        return at(node, filename, f"{what}(...) calls an object whose class is not known",
                  "pass the object as an argument of the differentiated function (its class "
                  "is read when the derivative is called)", ObjectCallError)
    hint = ("add its rules in your own code (d[v] is the derivative of v; the first "
            "parameter is the result):\n"
            "      from s2sad import adjoint, d, tangent\n"
            f"      @adjoint({what})\n"
            "      def my_adjoint(y, x):\n"
            "          d[x] = ...   # from d[y], y and x\n"
            f"      @tangent({what})\n"
            "      def my_tangent(y, x):\n"
            "          d[y] = ...   # from d[x], x and y\n"
            "  or wrap the value in s2sad.stop_gradient(...) if it needs no derivative")
    mode = "forward-mode " if direction == "tangent" else ""
    return at(node, filename, f"no {mode}derivative rule for {what}", hint, MissingRuleError)


def is_append(stmt) -> bool:
    """``name.append(value)``: a list grows in place."""
    return (isinstance(stmt, gast.Expr) and isinstance(stmt.value, gast.Call)
            and isinstance(stmt.value.func, gast.Attribute) and stmt.value.func.attr == "append"
            and isinstance(stmt.value.func.value, gast.Name) and len(stmt.value.args) == 1
            and not stmt.value.keywords)


def is_pop(stmt) -> bool:
    """``name.pop()``: a list loses its last element in place (the value unused; the
    adjoint of an append undoes it so)."""
    return (isinstance(stmt, gast.Expr) and isinstance(stmt.value, gast.Call)
            and isinstance(stmt.value.func, gast.Attribute) and stmt.value.func.attr == "pop"
            and isinstance(stmt.value.func.value, gast.Name) and not stmt.value.args
            and not stmt.value.keywords)


def stores(stmts):
    """Every write into a local's memory: ``name[index] = value`` and
    ``name.append(value)``, at any depth, as ``(name, value, statement)``."""
    for stmt in stmts:
        if isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Subscript):
            yield stmt.targets[0].value.id, stmt.value, stmt
        elif is_append(stmt):
            yield stmt.value.func.value.id, stmt.value.args[0], stmt
        if isinstance(stmt, gast.With):
            continue
        for body in ("body", "orelse"):
            yield from stores(getattr(stmt, body, []))


def literal_containers(stmts: list) -> set[str]:
    """The names assigned only tuple, list and dict literals (containers made here)."""
    literal = (gast.Tuple, gast.List, gast.Dict)
    values: dict = {}
    for target, value in assignments(stmts):
        values.setdefault(target, []).append(value)
    return {n for n, vs in values.items() if all(isinstance(v, literal) for v in vs)}


def check_effects(node: gast.FunctionDef, act: Activity, classify: Classifier,
                  filename: str) -> None:
    """A call made for its effect on active values must be one s2sad understands
    (``xs.append(v)``); anything else could change values behind the transform's back."""
    containers = literal_containers(node.body)

    def walk(stmts):
        for stmt in stmts:
            if isinstance(stmt, gast.Expr) and isinstance(stmt.value, gast.Call) \
                    and not is_append(stmt) and not is_pop(stmt):
                op = classify(stmt.value)
                if op.kind not in ("push", "nondiff", "user") and any(
                        act.varied_name(i) for i in op.inputs):
                    raise at(stmt, filename, f"{S.unparse(stmt.value.func)}(...) is called for "
                             "its effect on a differentiated value, which s2sad cannot follow",
                             "compute a new value and assign it instead",
                             UnsupportedConstructError)
            if isinstance(stmt, gast.Assign) and isinstance(stmt.value, gast.Call) \
                    and isinstance(stmt.value.func, gast.Attribute) \
                    and isinstance(stmt.value.func.value, gast.Name) \
                    and stmt.value.func.value.id in containers:
                # `_ = xs.pop()` on a list, dict or tuple made here: a method without a
                # rule, whose value is not differentiated (so check_rules lets it be), may
                # still change a differentiated value
                op = classify(stmt.value)
                if op.kind == "unknown" and act.varied_name(stmt.value.func.value.id):
                    raise at(stmt, filename, f"{S.unparse(stmt.value.func)}(...) may change "
                             "a differentiated value in place, which s2sad cannot follow",
                             "compute a new value and assign it instead (xs.pop() on its own "
                             "line, without using its value, is supported)",
                             UnsupportedConstructError)
            for body in ("body", "orelse"):
                walk(getattr(stmt, body, []))
    walk(node.body)


def check_stores(node: gast.FunctionDef, filename: str) -> None:
    """A store must not write into memory another name can see: a parameter (the
    caller's array), a copy of another variable, or a part of one (a view)."""
    params = set(S.param_names(node))
    defs: dict = {}
    for target, value in assignments(node.body):
        defs.setdefault(target, []).append(value)
    for name, _, stmt in stores(node.body):
        shared = name in params or any(
            isinstance(v, (gast.Name, gast.Subscript, gast.Attribute))
            for v in defs.get(name, []))
        if shared:
            raise at(stmt, filename, f"this changes {name!r} in place, which shares memory with "
                     "a parameter or another variable",
                     f"store into a copy of your own: {name} = {name}.copy() (or "
                     "np.zeros(...)) before writing into it", UnsupportedConstructError)


def returned_name(node: gast.FunctionDef) -> str | None:
    ret = node.body[-1] if node.body else None
    if isinstance(ret, gast.Return) and isinstance(ret.value, gast.Name):
        return ret.value.id
    return None


def activity(node: gast.FunctionDef, wrt: list[str], classify: Classifier) -> Activity:
    """Varied and useful variables, by fixed point over all assignments (flow-insensitive)."""
    flows = [(target, classify(value)) for target, value in assignments(node.body)]
    flows = [(t, op) for t, op in flows if op.kind != "nondiff"]
    # x[i] = v: the new x depends on its old value and on v
    flows += [(name, Op("store", None, [name] + _local_names([value], classify.locals)))
              for name, value, _ in stores(node.body)]
    varied = set(wrt)
    changed = True
    while changed:
        changed = False
        for target, op in flows:
            if target not in varied and any(i in varied for i in op.inputs):
                varied.add(target)
                changed = True
    ret = returned_name(node)
    useful = {ret} if ret else set()
    changed = True
    while changed:
        changed = False
        for target, op in flows:
            if target in useful:
                new = [i for i in op.inputs if i not in useful]
                if new:
                    useful.update(new)
                    changed = True
    return Activity(varied, useful)


_SCALAR_BUILTINS = {abs, float, int, round, len, min, max, bool}


def _scalar_callee(fn) -> bool:
    if fn in _SCALAR_BUILTINS if _hashable(fn) else False:
        return True
    return getattr(fn, "__module__", None) == "math" or isinstance(fn, np.ufunc)


def _hashable(value) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def scalar_variables(node: gast.FunctionDef, scalar_params: set[str],
                     classify: Classifier) -> set[str]:
    """Variables that always hold a number of shape () when ``scalar_params`` do.

    Numbers combine into numbers; ``math`` functions, numeric builtins and ufuncs of
    numbers give numbers; loop counters are ints. Anything else may be an array.
    """
    params = set(S.param_names(node))
    defs = list(assignments(node.body))
    scalars = (set(classify.locals) - params) | set(scalar_params)
    scalars -= {name for name, _, _ in stores(node.body)}

    def scalar(value) -> bool:
        if isinstance(value, gast.Constant):
            return isinstance(value.value, (int, float)) and not isinstance(value.value, bool) \
                or isinstance(value.value, bool)
        if isinstance(value, gast.Name):
            return value.id in scalars
        if isinstance(value, gast.Attribute) and _is_static(value, classify.locals):
            return isinstance(resolve(value, classify.scope), (int, float))
        if isinstance(value, gast.BinOp):
            return scalar(value.left) and scalar(value.right)
        if isinstance(value, gast.UnaryOp):
            return scalar(value.operand)
        if isinstance(value, gast.Compare):
            return scalar(value.left) and all(scalar(c) for c in value.comparators)
        if isinstance(value, gast.Call) and _is_static(value.func, classify.locals):
            fn = resolve(value.func, classify.scope)
            return _scalar_callee(fn) and all(scalar(a) for a in value.args) \
                and not value.keywords
        return False

    changed = True
    while changed:
        changed = False
        for target, value in defs:
            if target in scalars and not scalar(value):
                scalars.discard(target)
                changed = True
    return scalars
