"""Assemble sweeps into the functions of the generated module.

`fused` builds one function computing the value and the gradients of the
top-level function (``grad``, ``value_and_grad``); `split` builds a primal that
records its tape and an adjoint that consumes it (``vjp``, and every user function
called on active values); `joint` builds the adjoint of a called function in the
joint form of a derivative (its primal sweep again, then its adjoint sweep, with the
cotangent of its result as a parameter), which is what a second derivative transforms.
"""

from __future__ import annotations

import gast

from .. import syntax as S
from ..optimize import prune


def _stack_setup(rev, split: bool, primal_side: bool) -> list:
    if not rev.uses_stack and not rev.uses_transfers:
        return []
    code = []
    if not split:
        code.append(f"{rev.stack} = {rev.helper('Tape')}()")
    if primal_side or not split:
        code.append(f"{rev.push} = {rev.stack}.append")
    if not primal_side or not split:
        code.append(f"{rev.pop} = {rev.stack}.pop")
    if rev.uses_transfers and (not primal_side or not split):
        code.append(f"{rev.tpush} = {rev.stack}.transfers.append")
        code.append(f"{rev.tpop} = {rev.stack}.transfers.pop")
    return S.quote("\n".join(code))


def _inits(names) -> list:
    return [S.assign(v, S.const(None)) for v in sorted(names)]


def _maybe_unset(rev, sweeps, params) -> set:
    """Locals the adjoint may read on a path where the primal did not assign them: pushed
    ones, and those a zero gradient is made from (``zeros_like(None)`` is ``0.0``)."""
    return (sweeps.pushed | rev.zeroed) - set(params) - rev.assigned_first


def _returned_grads(rev, params: list[str], zs: set, shaped: bool = False):
    """The gradients of ``params``. One that stayed zero is the scalar 0.0 for the API
    (the parameter may have been rebound; finalize gives the zero its shape), and zeros in
    the parameter's shape for a caller's adjoint (``shaped``), whose rules need shapes."""
    out = []
    for p in params:
        grad = rev.namer.grad(p)
        if grad in zs:
            out.append(S.name(grad))
        else:
            out.append(rev.zero(p) if shaped else S.const(0.0))
    return out


def fused(name: str, core, rev, sweeps, zs: set, wrt: list[str], ret) -> gast.FunctionDef:
    """``def name(params): primal; seed; adjoint; return value, grads``."""
    params = S.param_names(core)
    body = _inits(_maybe_unset(rev, sweeps, params))
    body += _stack_setup(rev, False, True)
    body += sweeps.primal
    value = ret
    if isinstance(ret, gast.Name) and ret.id in sweeps.pushed:
        value = S.name(rev.namer.fresh("value"))
        body.append(S.assign(value.id, ret))
    grads = _returned_grads(rev, wrt, zs)
    result = grads[0] if len(grads) == 1 else S.tuple_(grads)
    if isinstance(ret, gast.Name) and rev.act.active(ret.id):
        seed = rev.namer.grad(ret.id)
        if seed in S.load_names(gast.Module(body=sweeps.adjoint + [S.expr_stmt(result)],
                                            type_ignores=[])):
            body.append(S.located(S.assign(seed, S.call(rev.helper("ones_like"), ret)),
                                  S.line(core.body[-1])))
        body += sweeps.adjoint
    body.append(S.return_(S.tuple_([value, result])))
    node = S.function(name, params, body)
    node.args = _copy_arguments(core.args)
    return node


def joint(name: str, core, rev, sweeps, zs: set, active: list[str], ret) -> gast.FunctionDef:
    """``def name(dresult, params): primal sweep; adjoint sweep; return grads``: the adjoint
    of a helper, called with the helper's own arguments, runs its primal sweep again on a
    tape of its own (joint reversal, as Tapenade does for calls by default). What the
    adjoint reads stays inside one function, so a derivative of this derivative sees it."""
    dret = rev.namer.grad(ret.id) if isinstance(ret, gast.Name) else rev.namer.unique("dresult")
    entry, grads = _entry_values(rev, core, active, zs)
    body = _inits(_maybe_unset(rev, sweeps, S.param_names(core)))
    body += entry + _stack_setup(rev, False, True) + sweeps.primal
    if isinstance(ret, gast.Name) and rev.act.active(ret.id):
        body += sweeps.adjoint
    body.append(S.return_(S.tuple_(grads)))
    return with_params(S.function(name, [dret], body), core.args)


def _entry_values(rev, core, active: list[str], zs: set):
    """``(statements, gradients)`` for a helper's adjoint: a parameter that stayed zero
    gets zeros shaped like the argument, which the body may have rebound (``y = C``), so
    the argument is kept under another name first."""
    rebound = S.store_names(gast.Module(body=core.body, type_ignores=[]))
    entry, grads = [], []
    for p, grad in zip(active, _returned_grads(rev, active, zs, shaped=True)):
        if p in rebound and rev.namer.grad(p) not in zs:
            kept = rev.namer.unique(f"{p}_in")
            entry.append(S.assign(kept, S.name(p)))
            grad = S.call(rev.helper("zeros_like"), S.name(kept))
        grads.append(grad)
    return entry, grads


def split(primal_name: str, adjoint_name: str, core, rev, sweeps, zs: set,
          active: list[str], ret) -> list[gast.FunctionDef]:
    """A primal that pushes its tape and the variables its adjoint reads, and that adjoint."""
    params = S.param_names(core)
    top_level = {s.targets[0].id for s in core.body
                 if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name)}
    entry, grads = _entry_values(rev, core, active, zs)
    kept = {s.targets[0].id for s in entry}
    # what the adjoint reads before it restores it itself (from a push in the primal sweep)
    reads = sweeps.reads if sweeps.exposed is None else sweeps.exposed
    saved = sorted(reads | S.load_names(S.tuple_(grads)) & (set(params) | kept))
    maybe_unset = (set(saved) - top_level - rev.assigned_first) | _maybe_unset(rev, sweeps,
                                                                              params)
    if saved:
        rev.uses_stack = True
    body = _inits(maybe_unset - set(params) - kept) + entry + _stack_setup(rev, True, True)
    body += sweeps.primal
    for name in saved:
        body += S.quote(f"{rev.push}({name})")
    body.append(S.return_(ret))
    primal = S.function(primal_name, [rev.stack], body)
    with_params(primal, core.args)

    dret = rev.namer.grad(ret.id) if isinstance(ret, gast.Name) else rev.namer.unique("dresult")
    adj_body = _stack_setup(rev, True, False) or S.quote(f"{rev.pop} = {rev.stack}.pop")
    for name in reversed(saved):  # one pop per variable: a derivative of this stays exact
        adj_body += S.quote(f"{name} = {rev.pop}()")
    adj_body += sweeps.adjoint
    adj_body.append(S.return_(S.tuple_(grads)))
    adjoint = S.function(adjoint_name, [rev.stack, dret], adj_body)
    return [primal, adjoint]


def _copy_arguments(args: gast.arguments) -> gast.arguments:
    return S.substitute(args, {})


def with_params(fn: gast.FunctionDef, args: gast.arguments) -> gast.FunctionDef:
    """Append the user function's parameters (defaults, keyword-only ones too) to ``fn``'s."""
    original = _copy_arguments(args)
    fn.args.args += original.args
    fn.args.defaults = original.defaults
    fn.args.kwonlyargs = original.kwonlyargs
    fn.args.kw_defaults = original.kw_defaults
    fn.args.vararg = original.vararg
    fn.args.kwarg = original.kwarg
    return fn


def gradient_only(name: str, value_and_grad: gast.FunctionDef, effect) -> gast.FunctionDef:
    """What ``grad`` runs: ``value_and_grad`` returning only the gradients, without what
    only the value needed (`prune`; a call ``effect`` says may have effects stays, and so
    does every statement that is not a plain assignment). When that saves no computation
    (the value is a variable the gradients need too), `grad_only`'s one-line wrapper, but
    for a function with ``*args`` or ``**kwargs``."""
    node = S.clone(value_and_grad)
    node.name = name
    *body, ret = node.body
    value, grads = ret.value.elts
    kept, _ = prune(body, S.load_names(grads), effect)
    starred = node.args.vararg is not None or node.args.kwarg is not None
    if _operations(kept) == _operations(body) and not _operations([S.expr_stmt(value)]) \
            and not starred:  # (a call passing *args on could not be differentiated again)
        return grad_only(name, value_and_grad)
    node.body = kept + [S.located(S.return_(grads), S.line(ret))]
    return node


def _operations(stmts: list) -> int:
    """How many calls and operators ``stmts`` evaluate (as written)."""
    return sum(isinstance(n, (gast.Call, gast.BinOp, gast.UnaryOp))
               for n in gast.walk(gast.Module(body=stmts, type_ignores=[])))


def grad_only(name: str, value_and_grad: gast.FunctionDef) -> gast.FunctionDef:
    """``def name(params): return value_and_grad(params)[1]``: the gradient as a function
    of its own, which s2sad can differentiate again (grad of grad, jvp of grad)."""
    args = value_and_grad.args
    passed = [a.id for a in args.posonlyargs + args.args]
    passed += [f"*{args.vararg.id}"] if args.vararg is not None else []
    passed += [f"{a.id}={a.id}" for a in args.kwonlyargs]
    passed += [f"**{args.kwarg.id}"] if args.kwarg is not None else []
    body = S.quote(f"value, grads = {value_and_grad.name}({', '.join(passed)})\n"
                   "return grads")
    node = S.function(name, [], body)
    node.args = _copy_arguments(value_and_grad.args)
    return node
