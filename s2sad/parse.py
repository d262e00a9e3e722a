"""Stage 1, parse: a Python function object -> its gast `FunctionDef`.

Takes a function, returns a `Parsed` record: the definition with decorators
stripped and line numbers that are the real lines of the user's file, the file
name, the source text (part of the cache key) and a `Scope` that resolves the
function's free names the way Python will at run time (closure cells, module
globals, builtins).
"""

from __future__ import annotations

import ast
import builtins
import inspect
import linecache
import textwrap
import types
from dataclasses import dataclass

import gast

from .errors import NoSourceError, TransformError, UnsupportedConstructError

_MISSING = object()
RUNTIME = "__s2sad__"


class Scope:
    """Resolves the free names of one function: closure, then globals, then builtins."""

    def __init__(self, func: types.FunctionType) -> None:
        self.func = func
        code = getattr(func, "__code__", None)
        cells = getattr(func, "__closure__", None) or ()
        self.closure = dict(zip(code.co_freevars, cells)) if code else {}
        self.globals = getattr(func, "__globals__", {})
        self.renamed: dict = {}  # name in the generated module -> name here (a clash)

    def lookup(self, ident: str):
        """The current value of a free name, or `MISSING` (`RUNTIME` is s2sad's runtime,
        for checks the transform adds)."""
        ident = self.renamed.get(ident, ident)
        if ident == RUNTIME:
            from . import runtime
            return runtime
        if ident in self.closure:
            try:
                return self.closure[ident].cell_contents
            except ValueError:
                return _MISSING
        if ident in self.globals:
            return self.globals[ident]
        return getattr(builtins, ident, _MISSING)

    def has(self, ident: str) -> bool:
        return self.lookup(ident) is not _MISSING


MISSING = _MISSING


@dataclass
class Parsed:
    func: types.FunctionType
    node: gast.FunctionDef
    filename: str
    source: str
    scope: Scope

    @property
    def name(self) -> str:
        return self.func.__name__


def parse_function(func) -> Parsed:
    """Parse ``func`` into a gast `FunctionDef` located in its own file."""
    func = inspect.unwrap(func)
    if isinstance(func, types.MethodType):
        raise TransformError(f"{func.__qualname__} is a bound method",
                             hint="differentiate the plain function and pass the object "
                                  "as an argument")
    if not isinstance(func, types.FunctionType):
        raise NoSourceError(f"{getattr(func, '__name__', func)!r} is not a Python function "
                            "with source code", hint="register a rule for it with "
                            "@s2sad.adjoint, or wrap it in a Python function")
    filename = func.__code__.co_filename
    try:
        lines, firstline = source_lines(func)
    except (OSError, TypeError) as exc:
        raise NoSourceError(
            f"the source of {func.__qualname__} is not available ({exc})",
            filename=filename, lineno=func.__code__.co_firstlineno,
            hint="s2sad reads the function's source: define it in a file (or a "
                 "Jupyter cell), not at the interactive prompt") from None
    source = textwrap.dedent("".join(lines))
    if func.__name__ == "<lambda>":
        indent = len(lines[0]) - len(lines[0].lstrip()) - (
            len(source.splitlines()[0]) - len(source.splitlines()[0].lstrip()))
        return _parse_lambda(func, source, firstline, filename, indent)
    module = gast.parse(source)
    node = module.body[0]
    if isinstance(node, gast.AsyncFunctionDef):
        raise UnsupportedConstructError(
            f"{func.__qualname__} is an async function", filename=filename, lineno=firstline,
            hint="differentiate a synchronous function")
    if not isinstance(node, gast.FunctionDef):
        raise TransformError(f"expected a function definition for {func.__qualname__}",
                             filename=filename, lineno=firstline)
    node.decorator_list = []
    gast.increment_lineno(module, firstline - 1)
    return Parsed(func=func, node=node, filename=filename, source=source, scope=Scope(func))


def source_lines(func) -> tuple[list[str], int]:
    """`inspect.getsourcelines` for a function, without its search of ``sys.modules`` for
    the function's module (15 ms the first time in a process that imported NumPy): the
    lines come from `linecache` (which also serves notebook cells), checked against
    the file first, as ``inspect`` does."""
    code = func.__code__
    linecache.checkcache(code.co_filename)
    lines = linecache.getlines(code.co_filename, func.__globals__)
    if not lines or code.co_firstlineno > len(lines):
        return inspect.getsourcelines(func)
    return inspect.getblock(lines[code.co_firstlineno - 1:]), code.co_firstlineno


def _parse_lambda(func, source: str, firstline: int, filename: str,
                  indent: int = 0) -> Parsed:
    """A lambda as ``def lambda_(params): return body``: the lambda among those on its
    lines whose compiled body is the function's own."""
    where = {"filename": filename, "lineno": firstline}
    try:
        tree = ast.parse(source)
    except SyntaxError:
        raise TransformError("cannot read this lambda's source on its own", **where,
                             hint="assign the lambda to a name on a line of its own, or "
                                  "define it with def") from None
    names = tuple(func.__code__.co_varnames[:func.__code__.co_argcount])
    scored = sorted(((_inside(n, func.__code__, indent), id(n), n) for n in ast.walk(tree)
                     if isinstance(n, ast.Lambda)
                     and tuple(a.arg for a in n.args.posonlyargs + n.args.args) == names),
                    key=lambda item: item[0], reverse=True)
    if not scored or scored[0][0] == 0 or len(scored) > 1 and scored[1][0] == scored[0][0]:
        raise TransformError("cannot tell which lambda on this line to differentiate",
                             **where, hint="define it with def")
    lam = scored[0][2]
    fn = ast.FunctionDef(name="lambda_", args=lam.args,
                         body=[ast.Return(value=lam.body, lineno=lam.lineno,
                                          col_offset=lam.col_offset)],
                         decorator_list=[], returns=None, type_comment=None,
                         lineno=lam.lineno, col_offset=lam.col_offset)
    if hasattr(ast.FunctionDef, "type_params") or "type_params" in ast.FunctionDef._fields:
        fn.type_params = []
    module = ast.Module(body=[fn], type_ignores=[])
    ast.fix_missing_locations(module)
    node = gast.ast_to_gast(module).body[0]
    gast.increment_lineno(node, firstline - 1)
    return Parsed(func=func, node=node, filename=filename, source=source, scope=Scope(func))


def _inside(lam: ast.Lambda, code, indent: int) -> int:
    """How many of ``code``'s instructions lie inside this lambda's body (positions are in
    the file; the parsed source lost ``indent`` columns to dedenting)."""
    first = code.co_firstlineno
    body = lam.body
    start = (body.lineno, body.col_offset)
    end = (body.end_lineno, body.end_col_offset)
    return sum(start <= (line - first + 1, col - indent) < end
               for line, _, col, _ in code.co_positions()
               if line is not None and col is not None)
