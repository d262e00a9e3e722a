"""Mutation safety: in-place changes that another live name would see.

Inside a differentiated function, ``z += y`` rebinds ``z`` (``z = z + y``) and stores
(``x[i] = v``) and appends (``xs.append(v)``) are replayed by the adjoint on their own
name only. Plain Python writes into the memory ``z`` or ``x`` shares with other names:
a copy (``z = x``), a view (``row = x[1]``, ``x.T``), an attribute (``w = model.W``), or
a container holding it (``hs = [h]``, ``hs.append(h)``). If such a name is read after
the change, the derivative would compute something else than the function: never
silently. This module finds those cases on the core-language function.

Takes the core function, the (line, name) of each ``name op= value`` of the source and
the file name; `check_mutations` raises `UnsupportedConstructError` for a store or append
whose change another live name would see, and returns the augmented assignments (core
statements) whose target shares memory with a name read later: whether ``+=`` writes in
place depends on the value (an array does, a number does not), so the generated code
checks it when it runs (`runtime.check_unshared`).
"""

from __future__ import annotations

from dataclasses import dataclass

import gast

from . import syntax as S
from .analyze import literal_containers
from .errors import UnsupportedConstructError, at

VIEW_METHODS = {"T", "reshape", "ravel", "view", "transpose", "swapaxes", "squeeze",
                "real", "flat", "diagonal"}
VIEW_FUNCTIONS = {"reshape", "ravel", "transpose", "swapaxes", "squeeze", "expand_dims",
                  "asarray", "asanyarray", "moveaxis", "atleast_1d", "atleast_2d",
                  "atleast_3d", "broadcast_to", "diagonal", "rollaxis"}
ANY = "*"


@dataclass
class Event:
    stmt: object
    path: tuple  # the enclosing branches and loops (ids), outermost first


def events(stmts, path=()) -> list:
    """The statements in an order where whatever may run after a statement comes after
    it: loop bodies twice (the next trip), both branches of an ``if``."""
    out = []
    for stmt in stmts:
        out.append(Event(stmt, path))
        if isinstance(stmt, gast.If):
            out += events(stmt.body, path + (id(stmt), "body"))
            out += events(stmt.orelse, path + (id(stmt), "orelse"))
        elif isinstance(stmt, (gast.For, gast.While)):
            inner = path + (id(stmt),)
            out += events(stmt.body, inner) + events(stmt.body, inner)
    return out


class Memory:
    """Which memory each local may refer to (its *roots*) and what its items may refer
    to, followed statement by statement in the order of `events`. An assignment at the
    top level of the function replaces what a name refers to; one inside a branch or a
    loop adds to it (the branch may not run)."""

    def __init__(self, node: gast.FunctionDef, local_names: set[str]) -> None:
        self.locals = local_names
        self.containers = literal_containers(node.body)
        self.roots = {n: {n} for n in local_names}
        self.items: dict = {n: {} for n in local_names}

    def step(self, event: Event) -> None:
        """Apply one statement's effect on what names refer to."""
        stmt = event.stmt
        if _is_append(stmt):
            owner = stmt.value.func.value.id
            if owner in self.locals:  # a global list is outside this analysis
                self._add_item(owner, ANY, self.reach(stmt.value.args[0]))
        elif isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Subscript):
            owner = stmt.targets[0].value
            if isinstance(owner, gast.Name) and owner.id in self.locals:
                self._add_item(owner.id, ANY, self.reach(stmt.value))
        elif isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name):
            self.assign(stmt.targets[0].id, stmt.value, strong=not event.path)

    def assign(self, name: str, value, strong: bool) -> None:
        own = {f"{name}@{id(value)}"}
        if strong:
            self.roots[name], self.items[name] = set(), {}
        if isinstance(value, (gast.Tuple, gast.List)):
            self.roots[name] |= own
            for k, elt in enumerate(value.elts):
                self._add_item(name, k, self.reach(elt))
        elif isinstance(value, gast.Dict):
            self.roots[name] |= own
            for k, v in zip(value.keys, value.values):
                key = k.value if isinstance(k, gast.Constant) else ANY
                self._add_item(name, key, self.reach(v))
        else:
            self.roots[name] |= self.shared(value) or own

    def _add_item(self, name: str, key, roots: set) -> None:
        self.items[name].setdefault(key, set()).update(roots)

    def reach(self, atom) -> set:
        """The memory a value may refer to, its items' included."""
        if not isinstance(atom, gast.Name) or atom.id not in self.locals:
            return set()
        out = set(self.roots[atom.id])
        for slot in self.items[atom.id].values():
            out |= slot
        return out

    def shared(self, value) -> set:
        """The memory the result of ``value`` may share with its operands."""
        if isinstance(value, gast.Name):
            return self.reach(value)
        if isinstance(value, gast.Subscript) and isinstance(value.value, gast.Name):
            owner = value.value.id
            if owner in self.containers:
                index = value.slice
                key = index.value if isinstance(index, gast.Constant) else None
                slots = self.items.get(owner, {})
                if key is None:
                    return set().union(*slots.values()) if slots else set()
                return slots.get(key, set()) | slots.get(ANY, set())
            return self.reach(value.value)
        if isinstance(value, gast.Attribute):
            return self.reach(value.value)  # model.W, x.T
        if isinstance(value, gast.Call):
            func = value.func
            if isinstance(func, gast.Attribute) and func.attr in VIEW_METHODS \
                    and isinstance(func.value, gast.Name) and func.value.id in self.locals:
                return self.reach(func.value)
            name = func.attr if isinstance(func, gast.Attribute) else getattr(func, "id", "")
            if name in VIEW_FUNCTIONS and value.args and name not in self.locals:
                return self.reach(value.args[0])
        return set()


def _walk(stmts):
    for stmt in stmts:
        yield stmt
        if isinstance(stmt, gast.With):
            continue
        for body in ("body", "orelse"):
            yield from _walk(getattr(stmt, body, []))


def _is_append(stmt) -> bool:
    from .analyze import is_append
    return is_append(stmt)


def _is_pop(stmt) -> bool:
    from .analyze import is_pop
    return is_pop(stmt)


def _reads(stmt) -> set:
    if isinstance(stmt, (gast.If, gast.While)):
        return S.load_names(stmt.test)
    if isinstance(stmt, gast.For):
        return S.load_names(stmt.iter)
    return S.load_names(stmt)


def _kills(stmt) -> set:
    if isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name):
        return {stmt.targets[0].id}
    return set()


def live_after(order: list, position: int, names: set) -> set:
    """The names of ``names`` read after ``order[position]`` before being assigned anew
    (an assignment counts when it runs whenever the changing statement's block does)."""
    path = order[position].path
    pending, live = set(names), set()
    for event in order[position + 1:]:
        live |= _reads(event.stmt) & pending
        if event.path == path[:len(event.path)]:
            pending -= _kills(event.stmt)
    return live


def check_mutations(node: gast.FunctionDef, augmented: set, filename: str,
                    local_names: set[str], helper: bool = False) -> list:
    """Raise for a store or append another live name would see; return the augmented
    assignments whose target shares memory with a live name (checked at run time).
    In a ``helper`` (a function the differentiated one calls), the caller may read its
    arguments again: a parameter's memory is always live."""
    memory = Memory(node, local_names)
    params = set(S.param_names(node)) if helper else set()
    order = events(node.body)
    guarded = []
    for k, event in enumerate(order):
        stmt = event.stmt
        name = _changed(stmt, augmented)
        if name is not None and name in local_names:  # not a global the function changes
            roots = memory.roots[name]
            partners = {n for n in local_names - {name} if memory.reach(S.name(n)) & roots}
            live = sorted(live_after(order, k, partners))
            if roots & params:
                live.append("the caller's argument")
            if live and isinstance(stmt, gast.Assign) \
                    and isinstance(stmt.targets[0], gast.Name):
                guarded.append((stmt, live))
            elif live:
                what = "writes into" if not isinstance(stmt, gast.Expr) else \
                    "pops from" if _is_pop(stmt) else "appends to"
                raise at(stmt, filename, f"this {what} {name!r} in place, and {live[0]!r}, "
                         "read later, shares its memory (a copy, a view, an attribute or an "
                         "item of it): the derivative would not see the change",
                         f"copy first ({name} = {name}.copy(), or list({name})), or read "
                         f"{live[0]!r} before the change", UnsupportedConstructError)
        memory.step(event)
    return _unique(guarded)


def _unique(pairs):
    seen, out = set(), []
    for stmt, live in pairs:
        if id(stmt) not in seen:
            seen.add(id(stmt))
            out.append((stmt, live))
    return out


def _changed(stmt, augmented: set):
    """The name a statement changes in place: a store, an append, an augmented assignment."""
    if isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Subscript) \
            and isinstance(stmt.targets[0].value, gast.Name):
        return stmt.targets[0].value.id
    if _is_append(stmt) or _is_pop(stmt):
        return stmt.value.func.value.id
    if isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name):
        name = stmt.targets[0].id
        # a function inlined where it is called has its locals renamed: v -> v1
        if (S.line(stmt), name) in augmented or (S.line(stmt), name.rstrip("0123456789")) \
                in augmented:
            return name
    return None


def guard(stmts: list, guarded: list, filename: str, runtime: str) -> list:
    """``stmts`` with a run-time check before each guarded augmented assignment:
    ``runtime.check_unshared(z, file, line, 'z', 'x')`` raises if ``z`` is an array or a
    list (``+=`` would write into memory that ``x``, read later, shares)."""
    found = {id(stmt): live for stmt, live in guarded}
    out = []
    for stmt in stmts:
        for part in ("body", "orelse"):
            if isinstance(getattr(stmt, part, None), list):
                setattr(stmt, part, guard(getattr(stmt, part), guarded, filename, runtime))
        if id(stmt) in found:
            name = stmt.targets[0].id
            check = S.call(gast.Attribute(value=S.name(runtime), attr="check_unshared",
                                          ctx=gast.Load()),
                           S.name(name), S.const(filename), S.const(S.line(stmt) or 0),
                           S.const(name), S.const(found[id(stmt)][0]))
            out.append(S.located(S.expr_stmt(check), S.line(stmt)))
        out.append(stmt)
    return out


def augmented_names(node: gast.FunctionDef) -> set:
    """``(line, name)`` of every ``name op= value`` in the source."""
    return {(n.lineno, n.target.id) for n in gast.walk(node)
            if isinstance(n, gast.AugAssign) and isinstance(n.target, gast.Name)}
