"""Stage 5, optimize: remove what the generated code computes and never uses.

Takes a generated `FunctionDef`, returns it without assignments whose target
is never read (when their right-hand side has no effect: names, constants,
operators, indexing, tuples) and without ``if`` statements left empty. The
reverse transform already emits no zero arrays and no ``+=`` onto zeros; this
pass cleans what user code and template instantiation leave behind.
"""

from __future__ import annotations

import gast

from . import syntax as S

_PURE = (gast.Name, gast.Constant, gast.BinOp, gast.UnaryOp, gast.Compare, gast.Tuple,
         gast.List, gast.Attribute, gast.Subscript)


def _pure(node) -> bool:
    # ops on atoms; a Call anywhere may have effects (or raise), so it stays
    return isinstance(node, _PURE) and not any(isinstance(n, gast.Call) for n in gast.walk(node))


class _DeadStores(gast.NodeTransformer):
    def __init__(self, read: set[str]) -> None:
        self.read = read
        self.changed = False

    def visit_Assign(self, node):
        target = node.targets[0]
        if isinstance(target, gast.Name) and target.id not in self.read and _pure(node.value):
            self.changed = True
            return None
        return node

    def visit_If(self, node):
        self.generic_visit(node)
        empty = all(isinstance(s, gast.Pass) for s in node.body + node.orelse)
        if empty and isinstance(node.test, gast.Name):
            self.changed = True
            return None
        node.body = node.body or [gast.Pass()]
        return node

    def visit_For(self, node):
        self.generic_visit(node)
        node.body = node.body or [gast.Pass()]
        return node

    visit_While = visit_For


def optimize(fn: gast.FunctionDef) -> gast.FunctionDef:
    while True:
        read = S.load_names(fn)
        dead = _DeadStores(read)
        dead.visit(fn)
        if not dead.changed:
            return fn


class _Rename(gast.NodeTransformer):
    def __init__(self, copies: dict) -> None:
        self.copies = copies

    def visit_Name(self, node):
        if isinstance(node.ctx, gast.Load) and node.id in self.copies:
            return S.name(self.copies[node.id])
        return node


def propagate_copies(stmts: list, keep: set[str]) -> list:
    """Replace reads of ``a`` after ``a = b`` by ``b`` while neither changes.

    Only for names outside ``keep`` (the user's variables stay as they are, for the
    reader); compound statements end a run. Dead copies are removed afterwards by
    `optimize`.
    """
    copies: dict[str, str] = {}
    out = []
    for stmt in stmts:
        if isinstance(stmt, (gast.If, gast.For, gast.While)):
            stmt = _Rename(copies).visit(stmt) if isinstance(stmt, gast.If) else stmt
            for field in ("body", "orelse"):
                setattr(stmt, field, propagate_copies(getattr(stmt, field), keep))
            copies = {}
            out.append(stmt)
            continue
        if isinstance(stmt, gast.Assign):
            stmt.value = _Rename(copies).visit(stmt.value)
            targets = S.store_names(stmt)
            value = stmt.value
            if isinstance(value, gast.Name) and targets == {value.id}:
                continue  # x = x
            copies = {a: b for a, b in copies.items() if a not in targets and b not in targets}
            if isinstance(value, gast.Name) and len(targets) == 1:
                (target,) = targets
                if target not in keep and value.id not in keep:
                    copies[target] = value.id
        else:
            stmt = _Rename(copies).visit(stmt)
        out.append(stmt)
    return out


def prune(stmts: list, live: set[str], effects, exits: tuple = (set(), set())
          ) -> tuple[list, set[str]]:
    """Dead-code elimination by liveness, backwards over structured code.

    Removes assignments to names that are not read afterwards, unless they call one of
    ``effects`` (names: stack pops, adjoints of other functions; or a predicate on a
    ``Call`` node). A store into a subscript or attribute always stays (a view or alias
    may see it). ``live`` are the names read after ``stmts``; ``exits`` those live where a
    ``break`` and a ``continue`` of the enclosing loop go. Returns the kept statements
    and the names live before them.
    """
    out: list = []
    for stmt in reversed(stmts):
        if isinstance(stmt, gast.If):
            body, live_body = prune(stmt.body, set(live), effects, exits)
            orelse, live_else = prune(stmt.orelse, set(live), effects, exits)
            stmt.body, stmt.orelse = body or [gast.Pass()], orelse
            live = live_body | live_else | S.load_names(stmt.test)
            if not body and not orelse:  # only the decision's pop is left
                if _calls(stmt.test, effects):
                    out.append(S.expr_stmt(stmt.test))
                continue
        elif isinstance(stmt, (gast.For, gast.While)):
            header = S.load_names(stmt.iter if isinstance(stmt, gast.For) else stmt.test)
            # the body runs again after itself (a while loop's test in between)
            live_in = set(live) | (header if isinstance(stmt, gast.While) else set())
            while True:
                body, live_body = prune(_copy_body(stmt.body), live_in | live, effects,
                                        (live, live_in | live))
                if live_body <= live_in:
                    break
                live_in |= live_body
            if not body and not stmt.orelse and isinstance(stmt, gast.For) \
                    and not _calls(stmt.iter, effects):
                continue  # nothing left to repeat
            stmt.body = body or [gast.Pass()]
            live = live | live_in | header | S.load_names(
                gast.Module(body=stmt.orelse, type_ignores=[]))
        elif isinstance(stmt, (gast.Break, gast.Continue)):
            live = live | exits[isinstance(stmt, gast.Continue)]
        elif isinstance(stmt, gast.Assign):
            targets = S.store_names(stmt)
            if not targets & live and not _calls(stmt.value, effects) \
                    and all(_named(t) for t in stmt.targets):
                continue
            live = (live - targets) | S.load_names(stmt.value)
        else:
            live = live | S.load_names(stmt)
        out.append(stmt)
    return list(reversed(out)), live


def _copy_body(body: list) -> list:
    return [S.substitute(stmt, {}) for stmt in body]


def _calls(node, effects) -> bool:
    """Whether ``node`` calls one of ``effects`` (a set of names, or a predicate on calls)."""
    if callable(effects):
        return any(isinstance(n, gast.Call) and effects(n) for n in gast.walk(node))
    return any(isinstance(n, gast.Call) and isinstance(n.func, gast.Name)
               and n.func.id in effects for n in gast.walk(node))


def _named(target) -> bool:
    """A plain name, or a tuple or list of them (nothing stored into an object)."""
    if isinstance(target, (gast.Tuple, gast.List)):
        return all(_named(t) for t in target.elts)
    return isinstance(target, gast.Name)


def is_zero(node) -> bool:
    """A symbolic zero: the constant 0 (a derivative known to vanish)."""
    return isinstance(node, gast.Constant) and not isinstance(node.value, bool) \
        and isinstance(node.value, (int, float)) and node.value == 0


class _FoldZeros(gast.NodeTransformer):
    def __init__(self, linear) -> None:
        self.linear = linear

    def visit_Call(self, node):
        self.generic_visit(node)
        if node.args and is_zero(node.args[0]) and self.linear(node.func):
            return S.const(0.0)
        return node

    def visit_BinOp(self, node):
        self.generic_visit(node)
        folded = _fold_constants(node)
        if folded is not node:
            return folded
        left, right = is_zero(node.left), is_zero(node.right)
        if isinstance(node.op, (gast.Mult, gast.MatMult)) and (left or right):
            return S.const(0.0)
        if isinstance(node.op, gast.Div) and left:
            return S.const(0.0)
        if isinstance(node.op, gast.Add) and (left or right):
            return node.right if left else node.left
        if isinstance(node.op, gast.Sub) and right:
            return node.left
        if isinstance(node.op, gast.Sub) and left:
            return gast.UnaryOp(op=gast.USub(), operand=node.right)
        return node

    def visit_UnaryOp(self, node):
        self.generic_visit(node)
        if isinstance(node.op, (gast.USub, gast.UAdd)) and is_zero(node.operand):
            return S.const(0.0)
        return node

    def visit_Compare(self, node):
        """``2 == 0`` in a rule's expression (``y - 1 + (y == 0)``) -> ``0``: a number, as
        the arithmetic around it reads it."""
        self.generic_visit(node)
        if len(node.ops) == 1 and _number(node.left) and _number(node.comparators[0]) \
                and type(node.ops[0]) in _COMPARISONS:
            return S.const(int(_COMPARISONS[type(node.ops[0])](node.left.value,
                                                               node.comparators[0].value)))
        return node


_ARITHMETIC = {gast.Add: lambda a, b: a + b, gast.Sub: lambda a, b: a - b,
               gast.Mult: lambda a, b: a * b, gast.Pow: lambda a, b: a ** b}


_COMPARISONS = {gast.Eq: lambda a, b: a == b, gast.NotEq: lambda a, b: a != b}


def _number(node) -> bool:
    return isinstance(node, gast.Constant) and type(node.value) in (int, float)


def _fold_constants(node):
    """``2 - 1`` -> ``1``; ``x ** 1``, ``x * 1`` and ``1 * x`` -> ``x``."""
    op = type(node.op)
    if _number(node.left) and _number(node.right) and op in _ARITHMETIC:
        try:
            value = _ARITHMETIC[op](node.left.value, node.right.value)
        except (OverflowError, ZeroDivisionError):
            return node
        if type(value) in (int, float) and abs(value) < 1e15:
            return S.const(value)
    if _number(node.right) and node.right.value == 1 and op in (gast.Pow, gast.Mult):
        return node.left
    if _number(node.left) and node.left.value == 1 and op is gast.Mult:
        return node.right
    return node


def fold_zeros(expr, linear=lambda func: False):
    """Simplify an expression in which some derivatives are the symbolic zero ``0.0``:
    ``0 * a`` and ``a @ 0`` vanish, ``a + 0`` is ``a``, ``0 - a`` is ``-a``, and so does a
    call ``f(0, ...)`` when ``linear(f)`` says f is linear in its first argument."""
    return _FoldZeros(linear).visit(expr)


# -- inlining temporaries ------------------------------------------------------------------
# What may be evaluated before a temporary's value moves past it: reading names and
# constants, attributes, operators and indexing (no call, no branch inside an expression).
_MOVABLE_PAST = (gast.Name, gast.Constant, gast.Attribute, gast.BinOp, gast.UnaryOp,
                 gast.Compare, gast.Tuple, gast.List, gast.Subscript, gast.Slice,
                 gast.Starred, gast.keyword)
_BRANCHING = (gast.IfExp, gast.BoolOp, gast.Lambda, gast.ListComp, gast.SetComp,
              gast.DictComp, gast.GeneratorExp, gast.NamedExpr, gast.Await, gast.Yield,
              gast.YieldFrom)


def inline_temporaries(fn: gast.FunctionDef, temporaries: set[str],
                       pushes: frozenset = frozenset()) -> gast.FunctionDef:
    """Put each temporary the transform made (``t3 = x ** 2``) back into the one place
    that reads it, when that is the very next statement and nothing with an effect runs
    in between: ``u = np.exp(-(x ** 2))``. The code reads like the user's again, and
    NumPy can reuse the temporary arrays of a nested expression in place. ``pushes``:
    the tape and the functions that put a value on it and take it off (``push(x)`` and
    ``y = pop()`` change no other value, so a temporary whose value does not use the
    tape itself may move past them)."""
    loads: dict[str, int] = {}
    stores: dict[str, int] = {}
    for node in gast.walk(fn):
        if isinstance(node, gast.Name):
            counts = loads if isinstance(node.ctx, gast.Load) else stores
            counts[node.id] = counts.get(node.id, 0) + 1
    fn.body = _reuse_block(fn.body)
    optimize(fn)  # copies the reuse left unread
    loads = {}
    for node in gast.walk(fn):
        if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Load):
            loads[node.id] = loads.get(node.id, 0) + 1
    once = {t for t in temporaries if loads.get(t) == 1 and stores.get(t) == 1}
    fn.body = _inline_block(fn.body, once, pushes)
    return fn


_ARITHMETIC_NODES = (gast.BinOp, gast.UnaryOp, gast.Name, gast.Constant, gast.operator,
                     gast.unaryop, gast.Load)


def _maybe_changed(stmt) -> set[str]:
    if isinstance(stmt, gast.Expr) or not isinstance(stmt, gast.Assign):
        return S.all_names(stmt)
    return {c.func.value.id for c in gast.walk(stmt) if isinstance(c, gast.Call)
            and isinstance(c.func, gast.Attribute) and isinstance(c.func.value, gast.Name)}


def _reuse_block(stmts: list) -> list:
    """Common subexpressions: ``v = a * b`` computed again, with neither ``a``, ``b`` nor
    the earlier result reassigned in between, reads the earlier result (the adjoint often
    recomputes a product the primal has, e.g. after multiplying by a symbolic one)."""
    seen: dict[str, tuple[str, set]] = {}   # expression dump -> (variable, names read)
    copies: dict[str, str] = {}             # a = b: a holds what b holds
    for stmt in stmts:
        for field in ("body", "orelse"):
            if isinstance(getattr(stmt, field, None), list):
                setattr(stmt, field, _reuse_block(getattr(stmt, field)))
        written = S.store_names(stmt)
        simple = isinstance(stmt, gast.Assign) and len(stmt.targets) == 1 \
            and isinstance(stmt.targets[0], gast.Name)
        new_copy = new_entry = None
        if simple and isinstance(stmt.value, gast.Name):
            new_copy = (stmt.targets[0].id, copies.get(stmt.value.id, stmt.value.id))
        elif simple and isinstance(stmt.value, (gast.BinOp, gast.UnaryOp)) \
                and all(isinstance(n, _ARITHMETIC_NODES) for n in gast.walk(stmt.value)):
            canonical = S.substitute(stmt.value, copies)
            key = gast.dump(canonical)
            if key in seen:
                stmt.value = S.name(seen[key][0])
            elif stmt.targets[0].id not in S.load_names(canonical):
                new_entry = (key, (stmt.targets[0].id, S.load_names(canonical)))
        # what this statement assigns, or may change in place (what a call made for its
        # effect is handed: restore_part(x, ...); the object of a method: xs.append(v)),
        # ends every fact that mentions it; then come its own
        touched = written | _maybe_changed(stmt)
        seen = {k: (v, reads) for k, (v, reads) in seen.items()
                if v not in touched and not reads & touched}
        copies = {a: b for a, b in copies.items() if a not in written and b not in written}
        if new_entry is not None:
            seen[new_entry[0]] = new_entry[1]
        if new_copy is not None and new_copy[0] != new_copy[1] \
                and new_copy[1] not in written:
            copies[new_copy[0]] = new_copy[1]
    return stmts


_LOOK_BACK = 8  # statements a temporary's value may move past (bounds the work)


def _inline_block(stmts: list, once: set[str], pushes: frozenset) -> list:
    out: list = []
    for stmt in stmts:
        for field in ("body", "orelse"):
            if isinstance(getattr(stmt, field, None), list):
                setattr(stmt, field, _inline_block(getattr(stmt, field), once, pushes))
        found = True
        while found:
            found = False
            for j in range(len(out) - 1, max(-1, len(out) - 1 - _LOOK_BACK), -1):
                prev = out[j]
                if _inlinable(prev, stmt, once) and all(_passable(s, prev, pushes)
                                                        for s in out[j + 1:]):
                    del out[j]
                    stmt = _Inline(prev.targets[0].id, prev.value).visit(stmt)
                    found = True
                    break
        out.append(stmt)
    return out


def _redefines_reading_once(stmt, name: str) -> bool:
    if not (isinstance(stmt, gast.Assign) and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], gast.Name) and stmt.targets[0].id == name):
        return False
    return sum(isinstance(n, gast.Name) and n.id == name for n in gast.walk(stmt.value)) == 1


def _passable(stmt, moving, pushes: frozenset = frozenset()) -> bool:
    """Whether the value of ``moving`` (an assignment) may be evaluated after
    ``stmt`` instead of before it: ``stmt`` assigns names only, calls nothing (unless the
    value is a bare name: a call cannot rebind it; or the call takes a value off the
    tape), rebinds nothing ``moving`` reads and does not touch what ``moving`` assigns;
    or ``stmt`` pushes a variable other than the one ``moving`` assigns on the tape
    (``pushes``). Neither when ``moving`` itself uses the tape: its order there counts."""
    on_tape = bool(S.all_names(moving.value) & pushes)  # it pushes or pops itself
    if isinstance(stmt, gast.Expr) and isinstance(stmt.value, gast.Call) \
            and isinstance(stmt.value.func, gast.Name) and stmt.value.func.id in pushes \
            and len(stmt.value.args) == 1 and isinstance(stmt.value.args[0], gast.Name):
        return not on_tape and stmt.value.args[0].id != moving.targets[0].id
    if not (isinstance(stmt, gast.Assign) and all(isinstance(t, gast.Name)
                                                   for t in stmt.targets)):
        return False
    if any(isinstance(n, _BRANCHING) for n in gast.walk(stmt.value)):
        return False
    if not isinstance(moving.value, (gast.Name, gast.Constant)) and any(
            isinstance(n, gast.Call) and (on_tape or not _tape_call(n, pushes))
            for n in gast.walk(stmt.value)):
        return False
    return not (S.store_names(stmt) & S.load_names(moving.value)) \
        and moving.targets[0].id not in S.all_names(stmt)


def _tape_call(node: gast.Call, tape: frozenset) -> bool:
    """``pop()``: taking a value off the tape changes no other value."""
    return isinstance(node.func, gast.Name) and node.func.id in tape and not node.args


def _inlinable(prev, stmt, once: set[str]) -> bool:
    """Whether ``prev`` (``t = value``) can go into ``stmt``: ``t`` is a temporary read only
    there, or ``stmt`` is ``t = ... t ...`` (reading t once: an accumulation), which
    makes prev's value dead right after its one use."""
    if not (isinstance(prev, gast.Assign) and len(prev.targets) == 1
            and isinstance(prev.targets[0], gast.Name)
            and isinstance(stmt, (gast.Assign, gast.Expr, gast.Return))):
        return False
    target = prev.targets[0].id
    if target not in once and not _redefines_reading_once(stmt, target):
        return False
    if any(isinstance(n, _BRANCHING) for n in gast.walk(stmt)):
        return False
    name = prev.targets[0].id
    for node in _evaluation_order(stmt):
        if isinstance(node, gast.Name) and node.id == name and isinstance(node.ctx, gast.Load):
            return True
        if not isinstance(node, _MOVABLE_PAST):
            return False
    return False


def _evaluation_order(node):
    """The sub-expressions of a statement, each after what Python evaluates before it."""
    if isinstance(node, gast.Assign):
        yield from _evaluation_order(node.value)
        for target in node.targets:
            yield from _evaluation_order(target)
        return
    if isinstance(node, (gast.Expr, gast.Return)):
        if node.value is not None:
            yield from _evaluation_order(node.value)
        return
    if isinstance(node, gast.Call):
        children = [node.func] + node.args + [k.value for k in node.keywords]
    elif isinstance(node, gast.Dict):
        children = [c for pair in zip(node.keys, node.values) for c in pair if c is not None]
    else:
        children = [c for _, c in gast.iter_fields(node) if isinstance(c, gast.expr)]
        children += [c for _, f in gast.iter_fields(node) if isinstance(f, list)
                     for c in f if isinstance(c, gast.expr)]
    for child in children:
        yield from _evaluation_order(child)
    yield node


class _Inline(gast.NodeTransformer):
    def __init__(self, name: str, value) -> None:
        self.name = name
        self.value = value

    def visit_Name(self, node):
        if node.id == self.name and isinstance(node.ctx, gast.Load):
            return self.value
        return node


# -- accumulating in place ------------------------------------------------------------------
def accumulate_in_place(fn: gast.FunctionDef, grads: set[str], bound: dict[str, str],
                        bind) -> gast.FunctionDef:
    """``dW = dW + c`` -> ``dW += c`` for a gradient that owns its array: every assignment
    to it is a fresh ``zeros_like(...)`` or such an accumulation, and nothing else reads
    it but those and the ``return``. Then no other name can hold the same array, and
    adding in place (a loop accumulating weight gradients) saves an allocation and a
    copy per step. Python numbers and other immutable values are rebound as before.

    ``bound``: the names the code calls runtime helpers by (``zeros_like``, and where the
    in-place helpers may replace them, ``unindex``, ``part`` and ``zero_part``); ``bind(name)``
    gives the name of the runtime helper ``name`` in the module.

    - ``dx += unindex(g, x, i)`` becomes ``dx = index_add(dx, g, x, i)``, which adds ``g`` at
      ``i`` only: a loop over the elements of ``x`` no longer makes an array of ``x``'s
      shape per element.
    - With ``part`` and ``zero_part``, a gradient may also start as the result of arithmetic
      (a new array), be read by ``part(dx, i)`` and be zeroed by ``dx = zero_part(dx, i)``
      (the adjoint of a store ``x[i] = v``) and still own its array: those become
      ``part_copy`` and ``zero_part_owned``, which zeroes the part in place; a loop of
      stores no longer copies the whole gradient per store."""
    zeros, scatter = bound["zeros_like"], bound.get("unindex")
    parts = (bound["part"], bound["zero_part"]) if "part" in bound and "zero_part" in bound \
        else None
    accumulations: dict[str, list] = {}
    owned = set(grads)
    allowed_loads: dict[str, int] = {}
    for node in gast.walk(fn):
        if isinstance(node, gast.Return) and node.value is not None:
            for n in gast.walk(node.value):
                if isinstance(n, gast.Name) and n.id in grads:
                    allowed_loads[n.id] = allowed_loads.get(n.id, 0) + 1
        if not isinstance(node, gast.Assign):
            for n in _stored(node):
                owned.discard(n)
            continue
        target = node.targets[0]
        if len(node.targets) != 1 or not isinstance(target, gast.Name) \
                or target.id not in grads:
            for n in _stored(node):
                owned.discard(n)
            continue
        g, value = target.id, node.value
        if isinstance(value, gast.BinOp) and isinstance(value.op, gast.Add) \
                and isinstance(value.left, gast.Name) and value.left.id == g:
            accumulations.setdefault(g, []).append(node)
            allowed_loads[g] = allowed_loads.get(g, 0) + 1
        elif parts is not None and _calls_on(value, parts[1], g):
            accumulations.setdefault(g, []).append(node)  # dx = zero_part(dx, i)
            allowed_loads[g] = allowed_loads.get(g, 0) + 1
        elif parts is not None and isinstance(value, (gast.BinOp, gast.UnaryOp)) \
                and g not in S.load_names(value):
            pass  # arithmetic makes a new array (or an immutable number)
        elif not (isinstance(value, gast.Call) and isinstance(value.func, gast.Name)
                  and value.func.id == zeros):
            owned.discard(g)
    if parts is not None:  # part(dx, i) reads a copy once in place (see _InPlace)
        for n in gast.walk(fn):
            for g in grads:
                if _calls_on(n, parts[0], g):
                    allowed_loads[g] = allowed_loads.get(g, 0) + 1
    loads: dict[str, int] = {}
    for n in gast.walk(fn):
        if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load) and n.id in owned:
            loads[n.id] = loads.get(n.id, 0) + 1
    chosen = {g for g in owned if g in accumulations and loads.get(g) == allowed_loads.get(g)}
    if chosen:
        _InPlace(chosen, scatter, parts, bind).visit(fn)
    return fn


def _calls_on(node, func: str, name: str) -> bool:
    """``node`` is ``func(name, ...)``."""
    return isinstance(node, gast.Call) and isinstance(node.func, gast.Name) \
        and node.func.id == func and bool(node.args) \
        and isinstance(node.args[0], gast.Name) and node.args[0].id == name


def _stored(node) -> set[str]:
    """Names a statement itself binds (not those of statements nested in it)."""
    if isinstance(node, (gast.Assign, gast.AugAssign, gast.AnnAssign)):
        targets = node.targets if isinstance(node, gast.Assign) else [node.target]
        return {n.id for t in targets for n in gast.walk(t)
                if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)}
    if isinstance(node, (gast.For, gast.With)):
        parts = [node.target] if isinstance(node, gast.For) else \
            [i.optional_vars for i in node.items if i.optional_vars is not None]
        return {n.id for t in parts for n in gast.walk(t) if isinstance(n, gast.Name)}
    return set()


class _InPlace(gast.NodeTransformer):
    def __init__(self, chosen: set[str], scatter, parts, bind) -> None:
        self.chosen = chosen
        self.scatter = scatter
        self.parts = parts
        self.bind = bind

    def visit_Call(self, node):
        self.generic_visit(node)
        if self.parts is not None:
            for func, helper in zip(self.parts, ("part_copy", "zero_part_owned")):
                if any(_calls_on(node, func, g) for g in self.chosen):
                    node.func = S.name(self.bind(helper))
                    break
        return node

    def visit_Assign(self, node):
        self.generic_visit(node)
        target = node.targets[0]
        if isinstance(target, gast.Name) and target.id in self.chosen \
                and isinstance(node.value, gast.BinOp) and isinstance(node.value.left, gast.Name) \
                and node.value.left.id == target.id:
            right = node.value.right
            if self.scatter is not None and isinstance(right, gast.Call) \
                    and isinstance(right.func, gast.Name) and right.func.id == self.scatter \
                    and len(right.args) == 3 and not right.keywords:
                g, like, index = right.args
                call = S.call(self.bind("index_add"), S.name(target.id), g, like, index)
                return gast.copy_location(S.assign(target.id, call), node)
            return gast.copy_location(
                gast.AugAssign(target=S.name(target.id, store=True), op=gast.Add(),
                               value=node.value.right), node)
        return node


# -- factoring gradients ---------------------------------------------------------------------
def factor_gradients(fn: gast.FunctionDef, grads: set[str]) -> gast.FunctionDef:
    """``g * a + g * b`` -> ``g * (a + b)`` and ``g + g * a`` -> ``g * (1.0 + a)`` in
    assignments to gradients (never in the primal computation, whose values must stay
    those of the original): one pass over the arrays less, e.g. ``dx * 0.1 + dx * 0.9 * np.cos(x)`` -> ``dx * (0.1 + 0.9 * np.cos(x))``."""
    for node in gast.walk(fn):
        if isinstance(node, gast.Assign) and len(node.targets) == 1 \
                and isinstance(node.targets[0], gast.Name) and node.targets[0].id in grads:
            node.value = _Factor().visit(node.value)
    return fn


def _factors(node) -> list:
    """The operands of a product ``a * b * c`` (left to right)."""
    if isinstance(node, gast.BinOp) and isinstance(node.op, gast.Mult):
        return _factors(node.left) + [node.right]
    return [node]


def _product(factors: list):
    out = factors[0]
    for f in factors[1:]:
        out = gast.BinOp(left=out, op=gast.Mult(), right=f)
    return out


class _Factor(gast.NodeTransformer):
    def visit_BinOp(self, node):
        self.generic_visit(node)
        if isinstance(node.op, gast.Mult) and isinstance(node.left, gast.UnaryOp) \
                and isinstance(node.left.op, gast.USub) and _number(node.right):
            return gast.BinOp(left=node.left.operand, op=gast.Mult(),
                              right=S.const(-node.right.value))  # -a * 2 -> a * -2
        if not isinstance(node.op, (gast.Add, gast.Sub)):
            return node
        left, right = _factors(node.left), _factors(node.right)
        for lone, other in ((left, right), (right, left)):  # g + g * a -> g * (1.0 + a)
            if len(lone) == 1 and len(other) >= 2 and isinstance(lone[0], gast.Name) \
                    and isinstance(other[0], gast.Name) and lone[0].id == other[0].id:
                one, rest = S.const(1.0), _product(other[1:])
                pair = (one, rest) if lone is left else (rest, one)
                return gast.BinOp(left=other[0], op=gast.Mult(),
                                  right=gast.BinOp(left=pair[0], op=node.op, right=pair[1]))
        if len(left) < 2 or len(right) < 2 or not all(
                isinstance(f[0], gast.Name) for f in (left, right)) \
                or left[0].id != right[0].id:
            return node
        rest = gast.BinOp(left=_product(left[1:]), op=node.op, right=_product(right[1:]))
        return gast.BinOp(left=left[0], op=gast.Mult(), right=rest)
