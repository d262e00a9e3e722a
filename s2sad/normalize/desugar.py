"""Normalize, step 1: reject what we cannot do, rewrite sugar into a smaller language.

Takes the parsed `FunctionDef`, returns it with:
- augmented assignment spelled out (``x += y`` -> ``x = x + y``);
- every ``for`` loop running over a ``range``: ``for x in xs`` becomes
  ``for i in range(len(xs)): x = xs[i]``, and likewise for ``zip`` and ``enumerate``
  (``s2sad.checkpointed(xs)`` stays around the range: ``checkpointed(range(len(xs)))``);
- docstrings and ``pass`` removed.
Unsupported constructs raise `UnsupportedConstructError` at their own line.
"""

from __future__ import annotations

import gast

from .. import syntax as S
from ..errors import UNSUPPORTED, UnsupportedConstructError, at, unsupported


def is_grad_of(node) -> bool:
    """``with s2sad.grad_of(h) as dh:`` (gradient surgery: the body runs in the adjoint)."""
    if not isinstance(node, gast.With) or len(node.items) != 1:
        return False
    item = node.items[0]
    call = item.context_expr
    func = getattr(call, "func", None)
    name = func.attr if isinstance(func, gast.Attribute) else getattr(func, "id", None)
    return (isinstance(call, gast.Call) and name == "grad_of" and len(call.args) == 1
            and isinstance(call.args[0], gast.Name)
            and isinstance(item.optional_vars, gast.Name))


def check_supported(node: gast.FunctionDef, filename: str, nested: bool = False) -> None:
    """Raise for the first construct of the `UNSUPPORTED` table inside ``node``."""
    if nested and (node.args.vararg or node.args.kwarg):
        raise at(node, filename, "*args and **kwargs parameters of a function defined "
                 "inside the differentiated function are not supported",
                 "list the parameters explicitly, or define the function at module level",
                 UnsupportedConstructError)
    for stmt in node.body:
        if isinstance(stmt, gast.FunctionDef) and not stmt.decorator_list:
            check_supported(stmt, filename, True)  # a nested function, inlined where called
            continue
        if isinstance(stmt, gast.Assign) and isinstance(stmt.value, gast.Lambda):
            stmt = stmt.value.body
        for child in gast.walk(stmt):
            if is_grad_of(child):
                continue
            if type(child).__name__ in UNSUPPORTED:
                raise unsupported(child, filename)
            if isinstance(child, (gast.For, gast.While)) and child.orelse:
                raise at(child, filename, "an else-clause on a loop is not supported",
                         "set a flag before break and test it after the loop",
                         UnsupportedConstructError)
            if isinstance(child, gast.Call) and any(
                    isinstance(a, gast.Starred) for a in child.args):
                raise unsupported(next(a for a in child.args if isinstance(a, gast.Starred)),
                                  filename)
            if isinstance(child, gast.Call) and any(k.arg is None for k in child.keywords):
                raise at(child, filename, "**kwargs in a call is not supported",
                         "pass keyword arguments by name", UnsupportedConstructError)


class Desugar(gast.NodeTransformer):
    def __init__(self, namer, filename: str, marker=None) -> None:
        self.namer = namer
        self.filename = filename
        self.marker = marker or named_checkpointed

    def visit_AugAssign(self, node: gast.AugAssign):
        load = S.substitute(node.target, {})
        S.set_ctx(load, gast.Load())
        value = gast.BinOp(left=load, op=node.op, right=node.value)
        new = gast.Assign(targets=[node.target], value=value, type_comment=None)
        return gast.copy_location(new, node)

    def visit_Expr(self, node: gast.Expr):
        if isinstance(node.value, gast.Constant):
            return None  # docstrings and bare constants do nothing
        return self.generic_visit(node)

    def visit_Pass(self, node):
        return None

    def visit_For(self, node: gast.For):
        self.generic_visit(node)
        marked = _checkpointed(node.iter, self.marker)
        if marked is None:
            return self.rewrite_for(node)
        # for x in checkpointed(xs) -> for i in checkpointed(range(len(xs))): x = xs[i]
        node.iter = marked.args[0]
        out = self.rewrite_for(node)
        loop = out if isinstance(out, gast.For) else out[-1]
        marked.args[0], loop.iter = loop.iter, marked
        return out

    def rewrite_for(self, node: gast.For):
        it = node.iter
        if isinstance(it, gast.Call) and isinstance(it.func, gast.Name) \
                and it.func.id == "range" and isinstance(node.target, gast.Name):
            node.body = node.body or [S.quote("pass")[0]]
            return node
        if _is_builtin_call(it, "reversed") and len(it.args) == 1 and not it.keywords:
            return self.reversed_loop(node, it.args[0])
        index = self.namer.fresh("i")
        before: list = []
        self.loop_writes = S.store_names(gast.Module(body=node.body, type_ignores=[]))
        count, items = self.sequence(it, index, before, node.lineno)
        header = S.quote(f"for {index} in range({count}):\n    TARGET = {items}",
                         TARGET=node.target)[0]
        header.body.extend(node.body)
        for stmt in before + [header]:
            S.located(stmt, S.line(node))
        return before + [header]

    def sequence(self, it, index: str, before: list, lineno: int) -> tuple[str, str]:
        """``(count, item)``: the number of passes of a loop over ``it`` and the source of
        its item at position ``index``; ``zip`` and ``enumerate`` nest
        (``enumerate(zip(xs, ys))`` gives ``(i, (xs[i], ys[i]))``)."""
        if _is_builtin_call(it, "zip"):
            parts = [self.sequence(a, index, before, lineno) for a in it.args]
            counts = ", ".join(c for c, _ in parts)
            count = f"min({counts})" if len(parts) > 1 else counts
            return count, "(" + ", ".join(i for _, i in parts) + ",)"
        if _is_builtin_call(it, "enumerate"):
            if len(it.args) != 1 or it.keywords:
                raise at(it, self.filename, "enumerate with a start is not supported",
                         "add the offset to the index inside the loop",
                         UnsupportedConstructError)
            count, item = self.sequence(it.args[0], index, before, lineno)
            return count, f"({index}, {item})"
        seq = self._bind(it, before, lineno)
        return f"len({seq})", f"{seq}[{index}]"

    def reversed_loop(self, node: gast.For, sequence):
        """``for x in reversed(xs)`` -> ``for i in range(len(xs) - 1, -1, -1): x = xs[i]``."""
        index = self.namer.fresh("i")
        before: list = []
        self.loop_writes = S.store_names(gast.Module(body=node.body, type_ignores=[]))
        seq = self._bind(sequence, before, node.lineno)
        header = S.quote(f"for {index} in range(len({seq}) - 1, -1, -1):\n    TARGET = {seq}[{index}]",
                         TARGET=node.target)[0]
        header.body.extend(node.body)
        for stmt in before + [header]:
            S.located(stmt, S.line(node))
        return before + [header]

    def _bind(self, expr, before: list, lineno: int) -> str:
        if isinstance(expr, gast.Name) and expr.id not in self.loop_writes:
            return expr.id
        seq = self.namer.fresh("seq")
        before.append(S.assign(seq, expr))
        return seq


def _checkpointed(node, marker):
    """The call ``s2sad.checkpointed(iterable, ...)``: ``marker`` tells its function."""
    return node if isinstance(node, gast.Call) and node.args and marker(node.func) else None


def named_checkpointed(func) -> bool:
    """Without the function's scope: by its name, like ``grad_of``."""
    name = func.attr if isinstance(func, gast.Attribute) else getattr(func, "id", None)
    return name == "checkpointed"


def _is_builtin_call(node, fname: str) -> bool:
    return (isinstance(node, gast.Call) and isinstance(node.func, gast.Name)
            and node.func.id == fname)


def desugar(node: gast.FunctionDef, namer, filename: str, marker=None) -> gast.FunctionDef:
    """``marker(func)``: whether a loop over ``func(...)`` is a checkpointed loop (by
    default, a function named ``checkpointed``)."""
    check_supported(node, filename)
    Desugar(namer, filename, marker).visit(node)
    return node
