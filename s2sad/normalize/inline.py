"""Normalize, step 1b: functions defined inside the function are inlined where called.

Takes the desugared function; returns it without its nested ``def`` statements and
``name = lambda ...`` assignments, plus a table name -> normalized `FunctionDef` that
`anf` uses to put the body in place of each call (parameters and locals renamed fresh;
reads of the enclosing function's variables stay, as a closure would see them).
Only definitions at the top level of the function body, not recursive, are inlined.
"""

from __future__ import annotations

import gast

from .. import syntax as S
from ..errors import UnsupportedConstructError, at


def lift(node: gast.FunctionDef, namer, filename: str, normalize_nested) -> dict:
    found: list = []
    body = []
    for stmt in node.body:
        nested = _as_function(stmt)
        if nested is None:
            body.append(stmt)
            continue
        if nested.name in S.load_names(gast.Module(body=nested.body, type_ignores=[])):
            raise at(stmt, filename, f"the nested function {nested.name!r} calls itself",
                     "define recursive functions at module level",
                     UnsupportedConstructError)
        found.append(nested)
    names = {nested.name for nested in found}
    for stmts in [body] + [nested.body for nested in found]:
        _check_only_called(stmts, names, filename)
    node.body = body
    return {nested.name: normalize_nested(nested) for nested in found}


def _check_only_called(stmts: list, names: set[str], filename: str) -> None:
    """A nested function is inlined where it is called; handed on as a value
    (``rk4(rhs, y)``), the generated code would read the name from the module instead (a
    function of that name there, or a NameError), so that is refused."""
    module = gast.Module(body=stmts, type_ignores=[])
    called = {id(n.func) for n in gast.walk(module) if isinstance(n, gast.Call)}
    for n in gast.walk(module):
        if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load) and n.id in names \
                and id(n) not in called:
            raise at(n, filename, f"the function {n.id!r}, defined inside the differentiated "
                     "function, is used here as a value; s2sad inlines such functions "
                     "where they are called, and only there",
                     "define it at module level and pass what it reads from here as "
                     "arguments, or call it directly", UnsupportedConstructError)


def _as_function(stmt):
    if isinstance(stmt, gast.FunctionDef) and not stmt.decorator_list \
            and stmt.args.vararg is None and stmt.args.kwarg is None:
        return stmt
    if isinstance(stmt, gast.Assign) and len(stmt.targets) == 1 \
            and isinstance(stmt.targets[0], gast.Name) and isinstance(stmt.value, gast.Lambda):
        lam = stmt.value
        fn = S.function(stmt.targets[0].id, [], [S.located(S.return_(lam.body), S.line(stmt))])
        fn.args = lam.args
        fn.lineno = stmt.lineno
        return fn
    return None


def inline_names(fn: gast.FunctionDef) -> set[str]:
    """The names local to ``fn`` (renamed at each inlined call)."""
    return set(S.param_names(fn)) | S.store_names(gast.Module(body=fn.body, type_ignores=[]))
