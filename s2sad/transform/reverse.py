"""Stage 4, reverse: a core-language function -> its primal sweep and adjoint sweep.

Takes the normalized function, its `Activity`, the set of variables the adjoint
reads (``needed``; empty on the first of two passes) and the `ModuleBuilder`;
returns a `Sweeps` record: the primal statements (the original computation,
plus pushes) and the adjoint statements (derivatives in reverse order, plus pops).

The protocol between the two sweeps, one stack per call:
- a variable the adjoint reads and the primal overwrites is pushed just before
  it is overwritten and popped right after the adjoint of that assignment, so
  at every adjoint statement each variable holds the value it had just after
  the corresponding primal statement;
- an ``if`` with derivative work pushes its decision after it runs;
- a loop with derivative work pushes its iterations (a range) or trip count;
- a user function called on active values is replaced by its primal, which
  pushes its own tape; its adjoint pops it. In the joint form (the one a
  derivative of this derivative is made from) the primal calls the function
  itself, and its adjoint runs its primal sweep again on a tape of its own.

Gradients that are zero so far are a fact of the transform (the set ``zs`` of
gradient names holding a value): the first contribution assigns, later ones add.
"""

from __future__ import annotations

from dataclasses import dataclass

import gast

from .. import syntax as S
from ..analyze import (
    Activity,
    Classifier,
    Op,
    assignments,
    is_append,
    is_pop,
    missing_rule,
    stores,
)
from ..errors import MissingRuleError, TransformError, at
from ..optimize import fold_zeros
from ..runtime import restore_part
from ..runtime_checkpoint import CHECKPOINT_FLAG
from ..shapes import ELEMENTWISE_OPS, SCALAR, class_of
from .checkpoint import checkpointed_loop
from .common import FunctionTransform
from .instantiate import bind_arguments, instantiate


@dataclass
class Sweeps:
    primal: list
    adjoint: list
    reads: set          # primal variables the adjoint reads
    pushed: set         # variables pushed before being overwritten
    uses_stack: bool
    exposed: set | None = None  # of reads, those the adjoint may read before it assigns them


def def_sites(stmts, in_loop: bool = False, sites: dict | None = None) -> dict:
    """Variable -> one flag per assignment: is it inside a loop (re-run each iteration)."""
    sites = {} if sites is None else sites
    for stmt in stmts:
        if isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name):
            sites.setdefault(stmt.targets[0].id, []).append(in_loop)
        elif isinstance(stmt, gast.For):
            sites.setdefault(stmt.target.id, []).append(False)  # replayed by reversed()
            def_sites(stmt.body, True, sites)
        elif isinstance(stmt, gast.While):
            def_sites(stmt.body, True, sites)
        elif isinstance(stmt, gast.If):
            def_sites(stmt.body, in_loop, sites)
            def_sites(stmt.orelse, in_loop, sites)
    return sites


class Reverse(FunctionTransform):
    def __init__(self, module, parsed, core: gast.FunctionDef, namer, act: Activity,
                 classify: Classifier, needed: set[str], scalars: set[str],
                 shapes: dict | None = None, final: set[str] = frozenset()) -> None:
        super().__init__(module, parsed, core, namer, act, classify, scalars, shapes)
        self.core = core
        self.needed = needed
        params = S.param_names(core)
        sites = def_sites(core.body)
        for p in params:
            sites.setdefault(p, []).insert(0, False)
        # pushed: what the adjoint reads and the primal overwrites; not what the adjoint
        # reads only as its final value, nor values that are the same on every assignment
        self.pushed = {v for v in needed if len(sites.get(v, [])) > 1 or any(sites.get(v, []))}
        self.pushed -= set(final) | invariant_values(core)
        # the first assignment of a local, at top level, has no old value to keep
        self.fresh_defs = set()
        self.assigned_first = set()  # locals whose first assignment is a top-level one
        seen = set(params)
        for stmt in core.body:
            if isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name) \
                    and stmt.targets[0].id not in seen:
                self.fresh_defs.add(id(stmt))
                self.assigned_first.add(stmt.targets[0].id)
            seen |= S.store_names(stmt)
        # gradients known to hold ones in the shape of their variable (the seed of a
        # scalar result, and what a full sum hands back): multiplying by them is a copy
        self.ones: set[str] = set()
        self.markers: set[str] = set()  # t of t = s2sad.checkpointed(...): nothing to run
        self.computed = computed_values(core)
        self.stack = namer.unique("stack")
        self.push = namer.unique("push")
        self.pop = namer.unique("pop")
        self.uses_stack = False
        self.tpush = namer.unique("tpush")
        self.tpop = namer.unique("tpop")
        self.uses_transfers = False
        self.zeroed = set()  # variables whose zero gradient the adjoint makes from them

    # -- small pieces ---------------------------------------------------------------
    def where(self, node):
        def error(message, hint="", cls=TransformError):
            return at(node, self.parsed.filename, message, hint, cls)
        return error

    def push_stmt(self, value) -> gast.stmt:
        self.uses_stack = True
        return S.expr_stmt(S.call(self.push, value))

    def pop_expr(self):
        self.uses_stack = True
        return S.call(self.pop)

    def zero(self, var: str):
        return S.call(self.helper("zeros_like"), S.name(var))

    def accumulate(self, var: str, value, zs: set) -> gast.stmt:
        grad = self.namer.grad(var)
        if grad not in zs:
            zs.add(grad)
            if self.is_ones(value, var):
                self.ones.add(grad)
            return S.assign(grad, value)
        self.ones.discard(grad)
        return S.assign(grad, gast.BinOp(left=S.name(grad), op=gast.Add(), right=value))

    def is_ones(self, value, var: str) -> bool:
        """Whether ``value``, a contribution to the gradient of ``var``, is all ones in its
        shape: another such gradient, or the sum rule's answer to one of shape ()."""
        from ..runtime import sum_adjoint
        known = self.shapes.get(var)
        if known is None:
            return False
        if isinstance(value, gast.Name):
            return value.id in self.ones and self.shape_of_grad(value.id) == known
        return (isinstance(value, gast.Call) and isinstance(value.func, gast.Name)
                and self.module.bindings.get(value.func.id) is sum_adjoint
                and isinstance(value.args[0], gast.Name) and value.args[0].id in self.ones
                and self.shape_of_grad(value.args[0].id) == SCALAR
                and (len(value.args) < 3 or isinstance(value.args[2], gast.Constant)
                     and value.args[2].value is None)
                and not value.keywords)

    def shape_of_grad(self, grad: str):
        owner = {g: v for v, g in self.namer.grads.items()}.get(grad)
        return self.shapes.get(owner)

    def fold_ones(self, expr, target: str):
        """``ones * e`` is ``e`` when ``e`` has the shape of ``target`` (the ones' own) and
        is a new value (not an alias a caller could see change)."""
        grad = self.namer.grad(target)
        if grad not in self.ones or not isinstance(expr, gast.BinOp) \
                or not isinstance(expr.op, gast.Mult):
            return expr
        for mine, other in ((expr.left, expr.right), (expr.right, expr.left)):
            if isinstance(mine, gast.Name) and mine.id == grad \
                    and class_of(other, self.shapes, self.classify) == self.shapes.get(target) \
                    and (not isinstance(other, gast.Name) or other.id in self.computed):
                return other
        return expr

    def active_name(self, atom) -> bool:
        return isinstance(atom, gast.Name) and self.act.active(atom.id)

    # -- blocks ---------------------------------------------------------------------
    def block(self, stmts: list, zs: set, record: list | None = None):
        """The sweeps of a block; ``record`` collects ``(statement, primal variables its
        adjoint reads)``."""
        primal_parts, adjoint = [], []
        for stmt in reversed(stmts):
            primal, adj, zs = self.statement(stmt, zs)
            primal_parts.append(primal)
            adjoint.extend(S.located(s, S.line(stmt)) for s in adj)
            if record is not None:
                record.append((stmt, S.load_names(gast.Module(body=adj, type_ignores=[]))))
        primal = [s for part in reversed(primal_parts) for s in part]
        return primal, adjoint, zs

    def statement(self, stmt, zs: set):
        handler = getattr(self, "stmt_" + type(stmt).__name__, None)
        if handler is None:
            return [stmt], [], zs
        simple = isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name)
        if not simple:
            self.ones.clear()  # ones are followed through straight-line code only
        out = handler(stmt, zs)
        if not simple:
            self.ones.clear()
        return out

    # -- assignments ----------------------------------------------------------------
    def stmt_Assign(self, stmt, zs: set):
        if isinstance(stmt.targets[0], gast.Subscript):
            return self.store(stmt, zs)
        target = stmt.targets[0].id
        if target in self.markers:
            return [], [], zs  # the checkpointed loop runs over the range itself
        grad = self.namer.grad(target)
        op = self.classify(stmt.value)
        primal, adjoint = [stmt], []
        live = self.act.active(target) and any(self.act.active(i) for i in op.inputs)
        if op.kind == "pop" and self.act.active(target):
            # target = pop(): what was pushed gets this gradient, at the push's adjoint
            self.uses_transfers = True
            value = S.name(grad) if grad in zs else self.zero(target)
            adjoint = [S.expr_stmt(S.call(self.tpush, value))]
        elif live and op.kind == "user":
            primal, adjoint = self.user_call(stmt, op, zs)
        elif live and grad in zs:
            adjoint = self.contributions(stmt, op, zs)
        zs.discard(grad)  # the old value of target is another variable
        self.ones.discard(grad)
        if target in self.pushed and id(stmt) not in self.fresh_defs:
            primal = [self.push_stmt(S.name(target))] + primal
            adjoint.append(S.assign(target, self.pop_expr()))
        return primal, adjoint, zs

    def contributions(self, stmt, op: Op, zs: set) -> list:
        target, value = stmt.targets[0].id, stmt.value
        dtarget = S.name(self.namer.grad(target))
        if op.kind == "atom":
            return [self.accumulate(value.id, dtarget, zs)]
        if op.kind == "literal" and isinstance(value, gast.Dict):
            return [self.accumulate(v.id, S.call(self.helper("part"), dtarget, S.clone(k)), zs)
                    for k, v in zip(value.keys, value.values) if self.active_name(v)]
        if op.kind == "literal":
            return [self.accumulate(elt.id, S.call(self.helper("item"), dtarget, S.const(k)), zs)
                    for k, elt in enumerate(value.elts) if self.active_name(elt)]
        if op.kind == "unknown" or self.module.registry.lookup(op.key).adjoint is None:
            raise missing_rule(stmt.value, op, self.parsed.filename)
        template = self.module.registry.lookup(op.key).adjoint
        args, keywords = call_arguments(value, op)
        bound = bind_arguments(template, target, args, keywords, self.where(stmt))
        wanted = {p for p, atom in bound.items()
                  if p != template.params[0] and self.active_name(atom)}
        if template.vararg is not None and any(
                self.active_name(atom) for atom in bound[template.vararg].elts):
            raise self.where(stmt)(
                f"{op.label}: a differentiated value is passed where the rule at "
                f"{template.origin} collects extra arguments (*{template.vararg}), which "
                "get no gradient", "pass it as a named argument of the rule, or extend the "
                "rule", MissingRuleError)
        inst = instantiate(template, bound, wanted,
                           lambda atom: S.name(self.namer.grad(atom.id)),
                           self.namer.fresh, self.template_binder(template))
        out = list(inst.temps)
        for param, expr in inst.contributions:
            expr = self.same_shape(expr, target, value)
            expr = fold_zeros(self.fold_ones(expr, target))
            out.append(self.accumulate(bound[param].id, expr, zs))
        return out

    def same_shape(self, expr, target: str, value=None):
        """``unbroadcast(g, x)`` is ``g`` when ``x`` has the shape of the result ``target``
        (whose gradient ``g`` is shaped like): both numbers, the same shape class, or
        ``value`` (what ``target`` is assigned) an elementwise operation of ``x`` with
        itself or numbers (``x * x``, ``2 * x``: broadcasting keeps ``x``'s shape)."""
        from ..runtime import unbroadcast
        if not (isinstance(expr, gast.Call) and isinstance(expr.func, gast.Name)
                and self.module.bindings.get(expr.func.id) is unbroadcast
                and isinstance(expr.args[1], gast.Name)):
            return expr
        like = expr.args[1].id
        if target in self.scalars and like in self.scalars:
            return expr.args[0]
        if isinstance(value, gast.BinOp) and self.keeps_shape(value, like):
            return expr.args[0]
        known = self.shapes.get(target)
        return expr.args[0] if known is not None and self.shapes.get(like) == known else expr

    def keeps_shape(self, value: gast.BinOp, like: str) -> bool:
        """Whether ``value`` has the shape of ``like``, one of its operands: ``x * x``,
        ``x - 1``, ``x ** 2``; for an array or a number also ``x + x`` and ``2 * x`` (on
        lists and tuples these concatenate and repeat)."""
        if not isinstance(value.op, ELEMENTWISE_OPS):
            return False
        operands = (value.left, value.right)
        if not any(isinstance(v, gast.Name) and v.id == like for v in operands):
            return False
        numeric = like in self.scalars or like in self.shapes
        same = all(isinstance(v, gast.Name) and v.id == like for v in operands)
        if same:
            return numeric or not isinstance(value.op, gast.Add)
        others = [v for v in operands if not (isinstance(v, gast.Name) and v.id == like)]
        return all(class_of(v, self.shapes, self.classify) == SCALAR for v in others) \
            and (numeric or not isinstance(value.op, (gast.Add, gast.Mult)))

    def user_call(self, stmt, op: Op, zs: set):
        """``t = h(args)``. Split (the default): the primal calls ``h_primal``, which pushes
        what its adjoint needs on this function's tape, and the adjoint calls
        ``h_adjoint(stack, dt)``, which pops it. Joint (``module.joint``): the primal calls
        ``h`` itself and the adjoint calls ``h_adjoint(dt, args)``, which runs h's primal
        sweep again on a tape of its own: nothing crosses between functions on a tape, so
        a derivative of this derivative sees every value a helper's adjoint reads."""
        target = stmt.targets[0].id
        call = stmt.value
        args, bound, spec = self.call_site(stmt, op, "reverse")
        grad = self.namer.grad(target)
        seed = S.name(grad) if grad in zs else self.zero(target)
        parts = [self.namer.fresh("g") for _ in spec.active]
        if self.module.joint:
            primal, adjoint = [stmt], []
            again = gast.Call(func=S.name(spec.adjoint), args=[seed] + S.clone(args),
                              keywords=S.clone(call.keywords))
        else:
            self.uses_stack = True
            primal_call = gast.Call(func=S.name(spec.primal),
                                    args=[S.name(self.stack)] + args, keywords=call.keywords)
            primal, adjoint = [S.located(S.assign(target, primal_call), S.line(stmt))], []
            if getattr(op.key, CHECKPOINT_FLAG, False):  # @s2sad.checkpoint: taped in the adjoint
                primal, adjoint = [stmt], [S.expr_stmt(primal_call)]
            again = S.call(spec.adjoint, S.name(self.stack), seed)
        adjoint += [gast.Assign(targets=[S.tuple_((S.name(p, store=True) for p in parts),
                                                  store=True)],
                                value=again, type_comment=None)]
        for param, part in zip(spec.active, parts):
            adjoint.append(self.accumulate(bound.arguments[param].id, S.name(part), zs))
        return primal, adjoint

    def store(self, stmt, zs: set):
        """``x[index] = v``: the overwritten part is saved first and written back after the
        adjoint, which sends the gradient of that part to ``v`` and zeroes it in ``dx``."""
        target = stmt.targets[0]
        name, index, value = target.value.id, S.value_of_index(target.slice), stmt.value
        saved = S.call(self.helper("saved_part"), S.name(name), index)
        primal = [self.push_stmt(saved), stmt]
        grad = self.namer.grad(name)
        adjoint = []
        if self.act.active(name) and grad in zs:
            if self.active_name(value):
                g = S.call(self.helper("part"), S.name(grad), S.substitute(index, {}))
                g = S.call(self.helper("unbroadcast"), g, S.name(value.id))
                adjoint.append(self.accumulate(value.id, g, zs))
            adjoint.append(S.assign(grad, S.call(self.helper("zero_part"), S.name(grad),
                                                 S.substitute(index, {}))))
        adjoint.append(S.expr_stmt(S.call(self.helper("restore_part"), S.name(name),
                                          S.substitute(index, {}), self.pop_expr())))
        return primal, adjoint, zs

    def append(self, stmt, zs: set):
        """``xs.append(v)``: the last gradient of ``xs`` goes to ``v``; the adjoint pops the
        element again, so ``xs`` is as long as it was at every earlier statement. A list
        that is not a local (a module's log of values) is the function's effect: it keeps
        what was appended, and gives no gradient."""
        name, value = stmt.value.func.value.id, stmt.value.args[0]
        if name not in self.classify.locals:
            return [stmt], [], zs
        grad = self.namer.grad(name)
        adjoint = []
        if self.act.active(name) and grad in zs:
            if self.active_name(value):
                adjoint.append(self.accumulate(value.id, S.call(self.helper("last_part"),
                                                                S.name(grad)), zs))
            adjoint.append(S.assign(grad, S.call(self.helper("drop_last"), S.name(grad))))
        adjoint.append(S.expr_stmt(S.quote_expr(f"{name}.pop()")))
        return [stmt], adjoint, zs

    def list_pop(self, stmt, zs: set):
        """``xs.pop()`` (its value unused; the adjoint of an append, differentiated
        again): the primal saves the element it removes, the adjoint appends it back, and
        the gradient of ``xs`` gets a zero for it."""
        name = stmt.value.func.value.id
        if name not in self.classify.locals:
            return [stmt], [], zs
        primal = [self.push_stmt(S.quote_expr(f"{name}[-1]")), stmt]
        adjoint = []
        grad = self.namer.grad(name)
        if self.act.active(name) and grad in zs:
            adjoint.append(S.assign(grad, S.call(self.helper("padded"), S.name(grad))))
        adjoint.append(S.expr_stmt(S.call(S.quote_expr(f"{name}.append"), self.pop_expr())))
        return primal, adjoint, zs

    def stmt_With(self, stmt, zs: set):
        """``with s2sad.grad_of(h) as dh: body``: nothing in the primal; in the adjoint the
        gradient of h so far (complete: every later use of h is already reversed) is handed
        to the body as ``dh``, and what the body leaves in ``dh`` becomes the gradient."""
        item = stmt.items[0]
        var, alias = item.context_expr.args[0].id, item.optional_vars.id
        if not self.act.active(var):
            return [], [], zs
        grad = self.namer.grad(var)
        current = S.name(grad) if grad in zs else self.zero(var)
        adjoint = [S.assign(alias, current)] + list(stmt.body) + [S.assign(grad, S.name(alias))]
        zs.add(grad)
        return [], adjoint, zs

    def stmt_Expr(self, stmt, zs: set):
        if is_append(stmt):
            return self.append(stmt, zs)
        if is_pop(stmt):
            return self.list_pop(stmt, zs)
        op = self.classify(stmt.value) if isinstance(stmt.value, gast.Call) else None
        if op is not None and op.kind == "push" and op.inputs and self.act.active(op.inputs[0]):
            self.uses_transfers = True
            return [stmt], [self.accumulate(op.inputs[0], S.call(self.tpop), zs)], zs
        if op is not None and op.key is restore_part:
            return self.restore(stmt, zs)
        return [stmt], [], zs

    def restore(self, stmt, zs: set):
        """``restore_part(x, index, old)`` in a derivative differentiated again: a store of
        ``old`` into ``x`` (or the removal of a key a store added), reversed as a store:
        the part it overwrites is saved, and its gradient goes to ``old`` (read as it was
        saved from ``x``, so of the part's shape already)."""
        x, index, old = stmt.value.args
        if not (isinstance(x, gast.Name) and self.act.active(x.id)):
            return [stmt], [], zs
        primal = [self.push_stmt(S.call(self.helper("saved_part"), S.name(x.id),
                                        S.clone(index))), stmt]
        grad = self.namer.grad(x.id)
        adjoint = []
        if grad in zs:
            if self.active_name(old):
                g = S.call(self.helper("part"), S.name(grad), S.substitute(index, {}))
                adjoint.append(self.accumulate(old.id, g, zs))
            adjoint.append(S.assign(grad, S.call(self.helper("zero_part"), S.name(grad),
                                                 S.substitute(index, {}))))
        adjoint.append(S.expr_stmt(S.call(self.helper("restore_part"), S.name(x.id),
                                          S.substitute(index, {}), self.pop_expr())))
        return primal, adjoint, zs

    # -- control flow ---------------------------------------------------------------
    def stmt_If(self, stmt, zs: set):
        p1, a1, z1 = self.block(stmt.body, set(zs))
        p2, a2, z2 = self.block(stmt.orelse, set(zs))
        a1 += self.materialize(z2 - z1)
        a2 += self.materialize(z1 - z2)
        primal = [S.if_(stmt.test, p1, p2)]
        if not a1 and not a2:
            return primal, [], z1 | z2
        primal.append(self.push_stmt(stmt.test))
        return primal, [S.if_(self.pop_expr(), a1, a2)], z1 | z2

    def materialize(self, grads: set) -> list:
        """Make gradients that are zero on this path real zeros (they are live on another)."""
        owner = {self.namer.grad(v): v for v in self.act.useful}
        self.zeroed |= {owner[g] for g in grads}
        return [S.assign(g, self.zero(owner[g])) for g in sorted(grads)]

    def loop_body(self, body: list, zs: set):
        """The body's sweeps with a set of live gradients that is the same on every pass."""
        z_in = set(zs)
        while True:
            primal, adjoint, z_out = self.block(body, set(z_in))
            if z_out <= z_in:
                break
            z_in |= z_out
        adjoint += self.materialize(z_in - z_out)
        return primal, adjoint, z_in, self.materialize(z_in - zs)

    def stmt_For(self, stmt, zs: set):
        made = checkpointed_loop(self, stmt, zs)
        if made is not None:  # for i in s2sad.checkpointed(range(n)): see checkpoint.py
            return made
        primal, adjoint, z_in, init = self.loop_body(stmt.body, zs)
        if not adjoint:
            return [S.for_(stmt.target, stmt.iter, primal)], [], z_in
        target = stmt.target.id
        breaks = isinstance(stmt.body[-1], gast.If) and isinstance(stmt.body[-1].body[0],
                                                                    gast.Break)
        if breaks:
            trips = self.namer.fresh("trips")
            before = [S.assign(trips, S.const(0))]
            primal = S.quote(f"{trips} += 1") + primal
            record = S.quote_expr(f"ITER[:{trips}]", ITER=stmt.iter)
        else:
            before, record = [], stmt.iter
        loop = [S.for_(stmt.target, stmt.iter, primal)]
        replay = S.for_(S.name(target), S.call("reversed", self.pop_expr()), adjoint)
        out_primal = before + loop + [self.push_stmt(record)]
        out_adjoint = init + [replay]
        if target in self.pushed:
            out_primal = [self.push_stmt(S.name(target))] + out_primal
            out_adjoint.append(S.assign(target, self.pop_expr()))
        return out_primal, out_adjoint, z_in

    def stmt_While(self, stmt, zs: set):
        primal, adjoint, z_in, init = self.loop_body(stmt.body, zs)
        if not adjoint:
            return [S.while_(stmt.test, primal)], [], z_in
        trips = self.namer.fresh("trips")
        loop = S.while_(stmt.test, S.quote(f"{trips} += 1") + primal)
        out_primal = [S.assign(trips, S.const(0)), loop, self.push_stmt(S.name(trips))]
        replay = S.for_(S.name(self.namer.unique("_"), store=True),
                        S.call("range", self.pop_expr()), adjoint)
        return out_primal, init + [replay], z_in


def final_reads(core: gast.FunctionDef, body: list, record: list,
                keep: set[str] = frozenset()) -> set[str]:
    """Locals that the adjoint reads only where the primal has assigned them for the last
    time (after the top-level statement holding their last assignment): their final
    value serves, with no push or pop. ``keep``: parameters whose first value is read
    after the adjoint (the shape of a zero gradient)."""
    last_def: dict[str, int] = {}
    for i, stmt in enumerate(body):
        for v in S.store_names(stmt):
            last_def[v] = i
    where = {id(stmt): i for i, stmt in enumerate(body)}
    first_read: dict[str, int] = {}
    for stmt, reads in record:
        i = where.get(id(stmt), -1)
        for v in reads:
            first_read[v] = min(first_read.get(v, i), i)
    return {v for v, i in first_read.items()
            if v in last_def and v not in keep and i > last_def[v]}


_INVARIANT = (gast.BinOp, gast.UnaryOp, gast.Compare, gast.Name, gast.Constant,
              gast.operator, gast.unaryop, gast.cmpop, gast.Load)


def invariant_values(core: gast.FunctionDef) -> set[str]:
    """Locals assigned once, from operators on parameters that are never reassigned,
    constants and other such locals: inside a loop they get the same value on every
    iteration, so the adjoint can read the last one instead of popping each."""
    module = gast.Module(body=core.body, type_ignores=[])
    defs: dict[str, list] = {}
    for target, value in assignments(core.body):
        defs.setdefault(target, []).append(value)
    counts: dict[str, int] = {}
    for n in gast.walk(module):
        if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store):
            counts[n.id] = counts.get(n.id, 0) + 1
    params = set(S.param_names(core))
    written = {name for name, _, _ in stores(core.body)}
    fixed = params - set(counts) - written
    found: set[str] = set()
    changed = True
    while changed:
        changed = False
        for target, values in defs.items():
            if target in found or target in params or target in written \
                    or len(values) != 1 or counts.get(target) != 1:
                continue
            nodes = list(gast.walk(values[0]))
            if all(isinstance(n, _INVARIANT) for n in nodes) and all(
                    n.id in fixed or n.id in found for n in nodes if isinstance(n, gast.Name)):
                found.add(target)
                changed = True
    return found


def computed_values(core: gast.FunctionDef) -> set[str]:
    """Locals only ever assigned a computed value (never a copy of another name, never
    stored into): no caller can hold the same array."""
    copies = {t for t, v in assignments(core.body) if not isinstance(v, (gast.Call, gast.BinOp,
                                                                         gast.UnaryOp))}
    stored = {name for name, _, _ in stores(core.body)}
    made = {t for t, _ in assignments(core.body)}
    return made - copies - stored - set(S.param_names(core))


def call_arguments(value, op: Op):
    """The positional atoms and keyword atoms of a simple expression, as a rule sees them."""
    if isinstance(value, gast.BinOp):
        return [value.left, value.right], {}
    if isinstance(value, gast.UnaryOp):
        return [value.operand], {}
    if isinstance(value, gast.Subscript):
        return [value.value, S.value_of_index(value.slice)], {}
    if isinstance(value, gast.Attribute):
        if op.label.startswith("the attribute"):
            return [value.value, S.const(value.attr)], {}
        return [value.value], {}
    if isinstance(value, gast.Call):
        args = list(value.args)
        if op.receiver:
            args = [value.func.value] + args  # a method: the object is the first argument
        return args, {k.arg: k.value for k in value.keywords}
    raise TypeError(f"not a rule call: {S.unparse(value)}")
