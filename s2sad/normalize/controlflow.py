"""Normalize, step 2: ``return``, ``break`` and ``continue`` become flags.

Takes a desugared `FunctionDef`, returns one whose only ``return`` is its last
statement and whose loops are left only by their test (``while``), by running
out (``for``), or by a final ``if stop: break`` that the reverse sweep ignores.
What follows a jump is guarded by ``if not skip:``, so every path through a
loop body is an ordinary branch whose decision the primal sweep can record.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import gast

from .. import syntax as S


def _contains(stmts, kinds, into_loops: bool) -> bool:
    for stmt in stmts:
        if isinstance(stmt, kinds):
            return True
        if isinstance(stmt, gast.If) and (_contains(stmt.body, kinds, into_loops)
                                          or _contains(stmt.orelse, kinds, into_loops)):
            return True
        if into_loops and isinstance(stmt, (gast.For, gast.While)) \
                and _contains(stmt.body, kinds, into_loops):
            return True
    return False


@dataclass
class _Loop:
    stop: str          # set by break (and return): leave the loop after this iteration
    skip: str          # set by any jump: skip the rest of this iteration
    uses_stop: bool = False
    uses_skip: bool = False
    has_continue: bool = field(default=False)


class ControlFlow:
    def __init__(self, namer) -> None:
        self.namer = namer
        self.returned = None
        self.retval = None

    def function(self, node: gast.FunctionDef) -> gast.FunctionDef:
        body = node.body
        only_final_return = (body and isinstance(body[-1], gast.Return)
                             and not _contains(body[:-1], gast.Return, True))
        if only_final_return:
            node.body = self.block(body[:-1], None) + [body[-1]]
            return node
        if not _contains(body, gast.Return, True):
            node.body = self.block(body, None) + [S.return_(S.const(None))]
            return node
        self.returned = self.namer.unique("returned")
        self.retval = self.namer.unique("result")
        init = S.quote(f"{self.returned} = False\n{self.retval} = None")
        node.body = init + self.block(body, None) + [S.return_(S.name(self.retval))]
        return node

    def block(self, stmts: list, loop: _Loop | None) -> list:
        out: list = []
        for k, stmt in enumerate(stmts):
            jump = self.jump(stmt, loop)
            if jump is not None:
                out.extend(S.located(s, S.line(stmt)) for s in jump)
                return out
            if isinstance(stmt, gast.If):
                stmt.body = self.block(stmt.body, loop)
                stmt.orelse = self.block(stmt.orelse, loop)
            elif isinstance(stmt, (gast.For, gast.While)):
                stmt = self.loop(stmt)
            out.extend(stmt if isinstance(stmt, list) else [stmt])
            last = out[-1]
            if self.may_jump(last, loop):
                rest = self.block(stmts[k + 1:], loop)
                if loop is not None and isinstance(last, (gast.For, gast.While)):
                    # a return inside the inner loop also leaves this one
                    out.extend(S.located(s, S.line(last)) for s in S.quote(
                        f"if {self.returned}:\n    {loop.stop} = True\n    {loop.skip} = True"))
                    loop.uses_stop = loop.uses_skip = True
                if rest:
                    guard = loop.skip if loop is not None else self.returned
                    out.append(S.located(S.if_(S.not_(S.name(guard)), rest), S.line(rest[0])))
                return out
        return out

    def jump(self, stmt, loop: _Loop | None):
        """The statements replacing a return/break/continue, or None."""
        if isinstance(stmt, gast.Return):
            value = stmt.value if stmt.value is not None else S.const(None)
            code = [S.assign(self.retval, value)] + S.quote(f"{self.returned} = True")
            if loop is not None:
                code += S.quote(f"{loop.stop} = True\n{loop.skip} = True")
                loop.uses_stop = loop.uses_skip = True
            return code
        if isinstance(stmt, gast.Break):
            loop.uses_stop = loop.uses_skip = True
            return S.quote(f"{loop.stop} = True\n{loop.skip} = True")
        if isinstance(stmt, gast.Continue):
            loop.uses_skip = loop.has_continue = True
            return S.quote(f"{loop.skip} = True")
        return None

    def may_jump(self, stmt, loop: _Loop | None) -> bool:
        """Whether a (transformed) statement can leave the rest of its block undone."""
        if loop is None or isinstance(stmt, (gast.For, gast.While)):
            return _assigns(stmt, self.returned)
        return _assigns(stmt, loop.skip)

    def loop(self, node):
        ctx = _Loop(stop=self.namer.fresh("stop"), skip=self.namer.fresh("skip"))
        body = self.block(node.body, ctx)
        if not ctx.uses_skip:
            node.body = body
            return node
        if not ctx.has_continue:  # break only: one flag does both jobs
            body = _dedupe(S.substitute(gast.Module(body=body, type_ignores=[]),
                                        {ctx.skip: ctx.stop}).body)
            ctx.skip = ctx.stop
        before = S.quote(f"{ctx.stop} = False")
        if ctx.skip != ctx.stop:
            body = S.quote(f"{ctx.skip} = False") + body
        if isinstance(node, gast.While):
            node.test = S.quote_expr(f"not {ctx.stop} and TEST", TEST=node.test)
            node.body = body
        else:
            node.body = body + S.quote(f"if {ctx.stop}:\n    break")
        for stmt in before + node.body:
            S.located(stmt, S.line(node))
        return before + [node]


def _dedupe(stmts: list) -> list:
    """Drop a statement that repeats the one before it (``stop = True`` twice)."""
    out: list = []
    for stmt in stmts:
        for part in ("body", "orelse"):
            if hasattr(stmt, part) and isinstance(getattr(stmt, part), list):
                setattr(stmt, part, _dedupe(getattr(stmt, part)))
        if out and isinstance(stmt, gast.Assign) and S.unparse(out[-1]) == S.unparse(stmt):
            continue
        out.append(stmt)
    return out


def _assigns(stmt, flag: str | None) -> bool:
    return flag is not None and flag in S.store_names(stmt)


def eliminate_jumps(node: gast.FunctionDef, namer) -> gast.FunctionDef:
    return ControlFlow(namer).function(node)
