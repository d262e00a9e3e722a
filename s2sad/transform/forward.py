"""Stage 4', forward: a core-language function -> one that also computes tangents.

Takes the normalized function, its `Activity` and the `ModuleBuilder`; returns
the statements of a function that runs the primal and, after each active
assignment, the tangent template of its operation: ``d[result]`` from the
``d[arg]`` of its arguments. Arguments without a tangent (constants, inactive
values) are the symbolic zero, folded away before emission, so no zero arrays
are computed. No stack: control flow runs as in the primal. A user function
called on active values is replaced by its own tangent function, which returns
the value and its tangent.
"""

from __future__ import annotations

import gast

from .. import syntax as S
from ..analyze import Op, is_append, is_pop, missing_rule
from ..errors import TransformError, at
from ..optimize import fold_zeros, is_zero
from ..runtime import restore_part
from .common import FunctionTransform
from .functions import with_params
from .instantiate import bind_arguments, instantiate
from .reverse import call_arguments


def jvp_function(name: str, core, fwd: Forward, body: list, active: list[str], ret):
    """``def name(d<active>..., params...): body; return value, d<value>``."""
    tangent = fwd.tangent(ret)
    if isinstance(ret, gast.Name) and not fwd.act.active(ret.id) or not isinstance(
            ret, gast.Name):
        tangent = S.call(fwd.helper("zero_tangent"), ret)
    # a parameter without a tangent that the body rebinds to an active value: its
    # tangent is read (flow-insensitive activity) before the body assigns it
    constants = [p for p in S.param_names(core) if p not in active and fwd.act.active(p)]
    start = [S.assign(fwd.namer.grad(p), S.call(fwd.helper("zero_tangent"), S.name(p)))
             for p in constants]
    fn = S.function(name, [fwd.namer.grad(p) for p in active],
                    start + body + [S.located(S.return_(S.tuple_([ret, tangent])),
                                              S.line(core.body[-1]))])
    return with_params(fn, core.args)


class Forward(FunctionTransform):
    def tangent(self, atom):
        """The node for ``d[atom]``: its tangent's name, or the symbolic zero."""
        if isinstance(atom, gast.Name) and self.act.active(atom.id):
            return S.name(self.namer.grad(atom.id))
        return S.const(0.0)

    def part_tangent(self, atom):
        """The tangent of a part of a literal: a constant array's is zeros of its shape,
        since the literal's tangent is taken apart (``for r in (y, C)``) and indexed."""
        if isinstance(atom, gast.Name) and not self.act.active(atom.id):
            return S.call(self.helper("zero_tangent"), S.clone(atom))
        return self.tangent(atom)

    def block(self, stmts: list) -> list:
        out: list = []
        for stmt in stmts:
            handler = getattr(self, "stmt_" + type(stmt).__name__, None)
            made = handler(stmt) if handler else [stmt]
            out.extend(S.located(s, S.line(stmt)) for s in made)
        return out

    def stmt_Expr(self, stmt):
        if is_append(stmt):
            name = stmt.value.func.value.id
            if not self.act.active(name):
                return [stmt]
            grad = self.namer.grad(name)
            return [stmt, S.assign(grad, S.call(self.helper("appended"), S.name(grad),
                                                self.tangent(stmt.value.args[0])))]
        if is_pop(stmt):  # xs.pop(): its tangent loses the last element too
            name = stmt.value.func.value.id
            if not self.act.active(name):
                return [stmt]
            grad = self.namer.grad(name)
            return [stmt, S.assign(grad, S.call(self.helper("drop_last"), S.name(grad)))]
        op = self.classify(stmt.value) if isinstance(stmt.value, gast.Call) else None
        if op is not None and op.kind == "push" and op.inputs and self.act.active(op.inputs[0]):
            # the tangent rides on the tape above its value
            return [stmt, S.expr_stmt(S.call(stmt.value.func, self.tangent(stmt.value.args[0])))]
        if op is not None and op.key is restore_part:
            return self.restore(stmt)
        return [stmt]

    def restore(self, stmt):
        """``restore_part(x, index, old)`` in a derivative differentiated again: the store
        of a saved part back into ``x`` (or a key's removal); the tangent of ``x`` gets the
        tangent of ``old``, which the tape held above it."""
        x, index, old = stmt.value.args
        if not (isinstance(x, gast.Name) and self.act.active(x.id)):
            return [stmt]
        grad = self.namer.grad(x.id)
        new = S.call(self.helper("set_part"), S.name(grad), S.clone(index), self.tangent(old))
        return [stmt, S.assign(grad, new)]

    def store(self, stmt):
        """``x[index] = v``: the tangent of x gets the tangent of v at ``index``."""
        target = stmt.targets[0]
        name = target.value.id
        if not self.act.active(name):
            return [stmt]
        grad = self.namer.grad(name)
        new = S.call(self.helper("set_part"), S.name(grad), S.value_of_index(target.slice),
                     self.tangent(stmt.value))
        return [stmt, S.assign(grad, new)]

    def stmt_With(self, stmt):
        return []  # gradient surgery acts on the adjoint; forward mode has none

    def stmt_If(self, stmt):
        return [S.if_(stmt.test, self.block(stmt.body), self.block(stmt.orelse))]

    def stmt_While(self, stmt):
        return [S.while_(stmt.test, self.block(stmt.body))]

    def stmt_For(self, stmt):
        return [S.for_(stmt.target, stmt.iter, self.block(stmt.body))]

    def stmt_Assign(self, stmt):
        if isinstance(stmt.targets[0], gast.Subscript):
            return self.store(stmt)
        target = stmt.targets[0].id
        if not self.act.active(target):
            return [stmt]
        op = self.classify(stmt.value)
        active_inputs = [i for i in op.inputs if self.act.active(i)]
        grad = self.namer.grad(target)
        if op.kind == "pop":  # the tangent was pushed after the value
            return [S.assign(grad, stmt.value), stmt]
        if not active_inputs or op.kind == "nondiff":
            return [stmt, S.assign(grad, S.call(self.helper("zero_tangent"), S.name(target)))]
        if op.kind == "user":
            return self.user_call(stmt, op)
        if op.kind == "atom":
            return [stmt, S.assign(grad, self.tangent(stmt.value))]
        if op.kind == "literal" and isinstance(stmt.value, gast.Dict):
            tangents = gast.Dict(keys=[S.clone(k) for k in stmt.value.keys],
                                 values=[self.part_tangent(v) for v in stmt.value.values])
            return [stmt, S.assign(grad, tangents)]
        if op.kind == "literal":
            return [stmt, S.assign(grad, S.tuple_(self.part_tangent(e)
                                                  for e in stmt.value.elts))]
        rule = self.module.registry.lookup(op.key) if op.kind == "rule" else None
        if rule is None or rule.tangent is None:
            raise missing_rule(stmt.value, op, self.parsed.filename, "tangent")
        template = rule.tangent
        args, keywords = call_arguments(stmt.value, op)
        where = lambda msg, hint="", cls=TransformError: at(stmt, self.parsed.filename,
                                                             msg, hint, cls)
        bound = bind_arguments(template, target, args, keywords, where)
        result = template.params[0]
        inst = instantiate(template, bound, {result}, self.tangent, self.namer.fresh,
                           self.template_binder(template))
        out = [stmt] + list(inst.temps)
        for _, expr in inst.contributions:
            expr = self.same_shape(fold_zeros(expr, self.is_linear), target)
            if is_zero(expr):
                expr = S.call(self.helper("zero_tangent"), S.name(target))
            out.append(S.assign(grad, expr))
        return out

    def same_shape(self, expr, target: str):
        """``broadcast_tangent(t, result)`` is ``t`` when the result is a number: the
        tangents of numbers are numbers."""
        from ..runtime import broadcast_tangent
        if (isinstance(expr, gast.Call) and isinstance(expr.func, gast.Name)
                and self.module.bindings.get(expr.func.id) is broadcast_tangent
                and target in self.scalars):
            return expr.args[0]
        return expr

    def is_linear(self, func) -> bool:
        """Whether the called expression is a function linear in its first argument."""
        from ..analyze import resolve
        from ..parse import MISSING
        from ..runtime import linear_in_first
        if isinstance(func, gast.Name):
            value = self.module.bindings.get(func.id, MISSING)
        else:
            root = func
            while isinstance(root, gast.Attribute):
                root = root.value
            if not isinstance(root, gast.Name) or root.id not in self.module.bindings:
                return False
            value = resolve(func, _Bindings(self.module.bindings))
        try:
            return value in linear_in_first()
        except TypeError:
            return False

    def user_call(self, stmt, op: Op):
        target = stmt.targets[0].id
        call = stmt.value
        args, bound, spec = self.call_site(stmt, op, "forward")
        tangents = [self.tangent(bound.arguments[p]) for p in spec.active]
        new_call = gast.Call(func=S.name(spec.primal), args=tangents + args,
                             keywords=call.keywords)
        targets = S.tuple_([S.name(target, store=True),
                            S.name(self.namer.grad(target), store=True)], store=True)
        return [gast.Assign(targets=[targets], value=new_call, type_comment=None)]


class _Bindings:
    """The generated module's namespace, looked up like a `Scope`."""

    def __init__(self, bindings: dict) -> None:
        self.bindings = bindings

    def lookup(self, name: str):
        from ..parse import MISSING
        return self.bindings.get(name, MISSING)
