"""Checkpointed loops in reverse mode: ``for i in s2sad.checkpointed(range(n)): body``.

Takes such a loop (core language) inside a `Reverse` transform and returns its primal
and adjoint statements: a call of `runtime_checkpoint.checkpoint_loop`, which runs the
loop untaped and keeps snapshots of the loop-carried state, and a call of
`checkpoint_loop_adjoint`, which reverses it on the binomial schedule. The body becomes
three functions of the generated module, made by `pipeline.loop_functions` from the
`LoopSpec` this registers (the way a called user function becomes a pair):

    def f_loop4_step(i, <carried>, <reads>):           # one pass of the body, untaped
    def f_loop4_primal(stack, i, <carried>, <reads>):  # the same, taping
    def f_loop4_adjoint(stack, dstate):                # -> gradients of its active inputs

<carried>: the variables the body assigns (or stores into) and either reads before
assigning or leaves for after the loop; <reads>: the other local variables it reads.
The taping primal returns the carried variables and then the active reads, so that a
read variable's gradient runs through every step's adjoint and sums in the same order
as in the store-everything gradient: the two are equal to the last bit.

Refused with a `TransformError`: ``break`` or ``return`` in the loop, the loop index
read after the loop, a carried variable that may have no value before the loop.
"""

from __future__ import annotations

from dataclasses import dataclass

import gast

from .. import syntax as S
from ..analyze import Activity, assignments, resolve, stores
from ..naming import Namer, identifier
from ..normalize.desugar import named_checkpointed
from ..parse import MISSING
from ..runtime_checkpoint import checkpoint_loop, checkpoint_loop_adjoint, checkpointed


@dataclass
class LoopSpec:
    """A checkpointed loop's step functions, to be generated (``module.pending``)."""

    loop: gast.For           # kept: its id is the key in ``module.specs``
    parsed: object
    core: gast.FunctionDef   # the taping step, in the core language
    plain: gast.FunctionDef  # the untaped step
    act: Activity
    classify: object
    numbers: set
    shapes: dict
    temporaries: set         # names the normalizer made up (inlined again when optimizing)
    local_names: set
    active: tuple            # the step's parameters with gradients
    step: str
    primal: str
    adjoint: str
    mode: str = "loop"


@dataclass
class LoopVariables:
    carried: list            # active ones first
    reads: list              # active ones first
    active_carried: list
    active_reads: list
    copies: tuple            # positions in ``carried`` of values changed in place
    body: list               # the loop body without its final ``if stop: break``


def _definitions(core) -> dict:
    """Name -> value for the names assigned exactly once in ``core``."""
    found: dict = {}
    for target, value in assignments(core.body):
        found[target] = value if target not in found else None
    return found


def checkpoint_marker(scope):
    """Whether a loop over ``func(...)`` is checkpointed, ``func`` resolved in ``scope``:
    s2sad.checkpointed under any name (``from s2sad import checkpointed as ck``); an
    unresolvable name counts by its spelling (a NameError when it runs, as in f); a
    function of the user's named ``checkpointed`` makes an ordinary loop."""
    def marker(func) -> bool:
        value = resolve(func, scope)
        if value is MISSING:
            return named_checkpointed(func)
        return value is checkpointed
    return marker


def checkpointed_call(rev, stmt):
    """The ``s2sad.checkpointed(...)`` call the loop runs over, or None."""
    if not isinstance(stmt.iter, gast.Name):
        return None
    if getattr(rev, "_definitions", None) is None:
        rev._definitions = _definitions(rev.core)
    value = rev._definitions.get(stmt.iter.id)
    if isinstance(value, gast.Call) and rev.classify(value).key is checkpointed:
        return value
    return None


def checkpointed_loop(rev, stmt, zs: set):
    """``(primal, adjoint, zs)`` of a checkpointed loop, or None for any other loop (or
    one without derivative work)."""
    call = checkpointed_call(rev, stmt)
    written = S.store_names(gast.Module(body=stmt.body, type_ignores=[])) | {
        name for name, _, _ in stores(stmt.body)}
    if call is None or not any(rev.act.active(v) for v in written):
        return None  # nothing to differentiate in it: an ordinary loop
    loop = loop_variables(rev, stmt)
    if not loop.active_carried:
        return None
    spec = register(rev, stmt, loop)
    rev.uses_stack = True
    rev.markers.add(stmt.iter.id)
    saved = [c for c in loop.carried if c in rev.pushed]
    primal = [rev.push_stmt(S.name(c)) for c in saved]
    primal.append(S.located(gast.Assign(
        targets=[S.tuple_((S.name(c, store=True) for c in loop.carried), store=True)],
        value=_forward_call(rev, call, spec, loop), type_comment=None), S.line(stmt)))

    def gradient(v):
        grad = rev.namer.grad(v)
        return S.name(grad) if grad in zs else rev.zero(v)

    grads = [rev.namer.grad(v) for v in loop.active_carried + loop.active_reads]
    reverse = S.call(rev._bind("checkpoint_loop_adjoint", checkpoint_loop_adjoint),
                     rev.pop_expr(), S.name(spec.primal), S.name(spec.adjoint),
                     S.tuple_(gradient(v) for v in loop.active_carried),
                     S.tuple_(gradient(v) for v in loop.active_reads))
    adjoint = [gast.Assign(targets=[S.tuple_((S.name(g, store=True) for g in grads),
                                             store=True)], value=reverse, type_comment=None)]
    adjoint += [S.assign(c, rev.pop_expr()) for c in reversed(saved)]
    return primal, adjoint, zs | set(grads)


def _forward_call(rev, call, spec: LoopSpec, loop: LoopVariables):
    """``checkpoint_loop(push, step, range, (carried...), (reads...), snapshots=...)``."""
    options = {}
    snapshots = call.args[1] if len(call.args) > 1 else next(
        (k.value for k in call.keywords if k.arg == "snapshots"), None)
    if snapshots is not None:
        options["snapshots"] = S.clone(snapshots)
    if loop.copies:
        options["copies"] = S.tuple_(S.const(k) for k in loop.copies)
    return S.call(rev._bind("checkpoint_loop", checkpoint_loop), S.name(rev.push),
                  S.name(spec.step), S.clone(call.args[0]), _names(loop.carried),
                  _names(loop.reads), keywords=options)


def register(rev, stmt, loop: LoopVariables) -> LoopSpec:
    """The `LoopSpec` of this loop, registered once per transform of its function."""
    key = ("loop", id(stmt))
    if key in rev.module.specs:
        return rev.module.specs[key]
    base = f"{identifier(rev.parsed.func.__name__)}_loop{S.line(stmt) or ''}"
    params = [stmt.target.id] + loop.carried + loop.reads
    body = [S.substitute(s, {}) for s in loop.body]
    result = Namer(S.all_names(gast.Module(body=body, type_ignores=[])) | set(params)) \
        .unique("state")
    out = S.tuple_(S.name(v) for v in loop.carried + loop.active_reads)
    core = S.function(rev.module.reserve(f"{base}_primal"), params,
                      body + [S.located(S.assign(result, out), S.line(stmt)),
                              S.located(S.return_(S.name(result)), S.line(stmt))])
    plain_body = _without_surgery([S.substitute(s, {}) for s in loop.body])
    plain = S.function(rev.module.reserve(f"{base}_step"), params, plain_body + [
        S.located(S.return_(S.tuple_(S.name(v) for v in loop.carried)), S.line(stmt))])
    act = Activity(rev.act.varied | {result}, rev.act.useful | {result})
    local_names = set(params) | S.store_names(gast.Module(body=body, type_ignores=[])) \
        | {result}
    spec = LoopSpec(stmt, rev.parsed, core, plain, act, rev.classify, rev.scalars,
                    rev.shapes, set(rev.namer.made) & local_names, local_names,
                    tuple(loop.active_carried + loop.active_reads), plain.name, core.name,
                    rev.module.reserve(f"{base}_adjoint"))
    rev.module.specs[key] = spec
    rev.module.pending.append(spec)
    return spec


def loop_variables(rev, stmt) -> LoopVariables:
    """The loop's carried and read variables (see the module docstring)."""
    where = rev.where(stmt)
    body = list(stmt.body)
    last = body[-1] if body else None
    if isinstance(last, gast.If) and last.body and isinstance(last.body[0], gast.Break):
        flag = last.test.id if isinstance(last.test, gast.Name) else None
        if flag in S.store_names(gast.Module(body=body[:-1], type_ignores=[])):
            raise where("break or return inside a loop over s2sad.checkpointed(...) is not "
                        "supported", "leave the loop after it, or drop checkpointed(...)")
        body = body[:-1]  # continue only: the flag is never set
    module = gast.Module(body=body, type_ignores=[])
    stored = {name for name, _, _ in stores(body)}
    surgery = {n.id for w in gast.walk(module) if isinstance(w, gast.With)
               for n in gast.walk(w) if isinstance(n, gast.Name)
               and isinstance(n.ctx, gast.Store)}  # grad_of blocks: adjoint code
    assigned = {target for target, _ in assignments(body)} | stored | {
        n.target.id for n in gast.walk(module) if isinstance(n, gast.For)}
    target = stmt.target.id
    outside = _loads_outside(rev.core.body, stmt)
    if target in outside:
        raise where(f"the index {target!r} of a loop over s2sad.checkpointed(...) is read "
                    "after the loop", "keep a copy of it in another variable, or drop "
                    "checkpointed(...)")
    exposed, _ = _exposed(body, {target})
    carried = (assigned & (exposed | outside)) - {target}
    before = _assigned_before(rev.core.body, stmt, set(S.param_names(rev.core)))
    unset = sorted(carried - (before or set()))
    if unset:
        raise where(f"{unset[0]!r} is assigned in a loop over s2sad.checkpointed(...) and "
                    "read after it, but may have no value before the loop",
                    f"give it a value before the loop ({unset[0]} = None will do)")
    reads = (S.load_names(module) - assigned - surgery - {target}) & rev.classify.locals
    active = rev.act.active
    carried_list = sorted(carried, key=lambda v: (not active(v), v))
    reads_list = sorted(reads, key=lambda v: (not active(v), v))
    copies = tuple(k for k, v in enumerate(carried_list) if v in stored)
    return LoopVariables(carried_list, reads_list, [v for v in carried_list if active(v)],
                         [v for v in reads_list if active(v)], copies, body)


def _without_surgery(stmts: list) -> list:
    """``stmts`` without ``grad_of`` blocks (adjoint code) at any depth."""
    out = []
    for stmt in stmts:
        if isinstance(stmt, gast.With):
            continue
        for part in ("body", "orelse"):
            if isinstance(getattr(stmt, part, None), list):
                setattr(stmt, part, _without_surgery(getattr(stmt, part)))
        out.append(stmt)
    return out


def _names(names: list):
    return S.tuple_(S.name(v) for v in names)


def _contains(stmt, node) -> bool:
    return any(n is node for n in gast.walk(stmt))


def _loads_outside(stmts: list, loop) -> set:
    """Names read by the function outside ``loop``'s body."""
    out: set = set()
    for stmt in stmts:
        if stmt is loop:
            continue
        if not _contains(stmt, loop):
            out |= S.load_names(stmt)
            continue
        for part in ("test", "iter"):
            if getattr(stmt, part, None) is not None:
                out |= S.load_names(getattr(stmt, part))
        for part in ("body", "orelse"):
            out |= _loads_outside(getattr(stmt, part, []), loop)
    return out


def _exposed(stmts: list, defined: set):
    """(names read before any assignment on some path, names surely assigned after)."""
    exposed: set = set()
    defined = set(defined)
    for stmt in stmts:
        if isinstance(stmt, gast.If):
            exposed |= S.load_names(stmt.test) - defined
            e1, d1 = _exposed(stmt.body, defined)
            e2, d2 = _exposed(stmt.orelse, defined)
            exposed |= e1 | e2
            defined |= d1 & d2
        elif isinstance(stmt, (gast.For, gast.While)):
            head = stmt.iter if isinstance(stmt, gast.For) else stmt.test
            exposed |= S.load_names(head) - defined
            inner = defined | S.store_names(stmt.target) if isinstance(stmt, gast.For) \
                else defined
            exposed |= _exposed(stmt.body, inner)[0]
        elif isinstance(stmt, gast.Assign):
            exposed |= S.load_names(stmt) - defined
            if isinstance(stmt.targets[0], gast.Name):
                defined.add(stmt.targets[0].id)
        elif isinstance(stmt, gast.With):
            continue  # gradient surgery: runs in the adjoint
        else:
            exposed |= S.load_names(stmt) - defined
    return exposed, defined


def _assigned_before(stmts: list, loop, defined: set):
    """The names surely assigned when ``loop`` starts (None if it is not in ``stmts``)."""
    for stmt in stmts:
        if stmt is loop:
            return defined
        if _contains(stmt, loop):
            inner = defined | (S.store_names(stmt.target) if isinstance(stmt, gast.For)
                               else set())
            for part in ("body", "orelse"):
                found = _assigned_before(getattr(stmt, part, []), loop, set(inner))
                if found is not None:
                    return found
        defined = defined | _exposed([stmt], defined)[1]
    return None

