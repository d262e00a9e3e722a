"""The one place that builds AST nodes.

Code is written as Python source with placeholder names and parsed with gast
(`quote`, `quote_expr`); placeholders are replaced by names or nodes. Nothing
else in s2sad calls a gast node constructor, so a new Python version changes
this module at most.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable

import gast

Node = gast.AST


def name(ident: str, store: bool = False) -> gast.Name:
    """A `Name` node reading (or, with ``store``, writing) ``ident``."""
    ctx = gast.Store() if store else gast.Load()
    return gast.Name(id=ident, ctx=ctx, annotation=None, type_comment=None)


def const(value) -> gast.Constant:
    """A constant node."""
    return gast.Constant(value=value, kind=None)


def _replacement(node: gast.Name, new):
    """What a name ``node`` becomes under `substitute`: a renamed name, or a copy of a node
    in the context of the name it replaces."""
    if isinstance(new, str):
        return gast.Name(id=new, ctx=node.ctx, annotation=None, type_comment=None)
    new = clone(new)
    if isinstance(new, (gast.Name, gast.Subscript, gast.Attribute, gast.Tuple, gast.List)):
        set_ctx(new, node.ctx)
    return new


def set_ctx(node: Node, ctx) -> None:
    """Give ``node`` (and the elements of a tuple target) the context ``ctx``."""
    node.ctx = type(ctx)()
    if isinstance(node, (gast.Tuple, gast.List)):
        for elt in node.elts:
            set_ctx(elt, ctx)


def clone(node, subs: dict | None = None):
    """A deep copy of an AST (or a list of them), several times faster than
    `copy.deepcopy`, which the transform calls for every template it instantiates.
    With ``subs``, names in it are replaced as they are copied (see `substitute`)."""
    if isinstance(node, list):
        return [clone(n, subs) for n in node]
    if not isinstance(node, gast.AST):
        return node
    cls = type(node)
    if subs and cls is gast.Name and node.id in subs:
        return _replacement(node, subs[node.id])
    new = cls.__new__(cls)
    d = new.__dict__
    for name in cls._fields:
        value = getattr(node, name, None)
        d[name] = value if value is None or type(value) in _LEAVES else clone(value, subs)
    for name in cls._attributes:
        if hasattr(node, name):
            d[name] = getattr(node, name)
    return new


_LEAVES = frozenset({str, int, float, bool, bytes, complex})


def rebuild(node, replace):
    """A deep copy of ``node`` in which each subtree ``n`` for which ``replace(n)`` is not
    None becomes that (a `NodeTransformer` over a copy, in one pass and the same order)."""
    if isinstance(node, list):
        return [rebuild(n, replace) for n in node]
    if not isinstance(node, gast.AST):
        return node
    new = replace(node)
    if new is not None:
        return new
    cls = type(node)
    new = cls.__new__(cls)
    d = new.__dict__
    for name in cls._fields:
        value = getattr(node, name, None)
        d[name] = value if value is None or type(value) in _LEAVES else rebuild(value, replace)
    for name in cls._attributes:
        if hasattr(node, name):
            d[name] = getattr(node, name)
    return new


def substitute(node: Node, subs: dict) -> Node:
    """Replace names in ``node`` by other names (str) or nodes, in a deep copy."""
    return clone(node, subs)


_LOCATION = ("lineno", "col_offset", "end_lineno", "end_col_offset")


def walk(node: Node):
    """Every node under ``node``, itself included, in no particular order: `ast.walk`
    without its per-field ``try``, several times faster on the transformer's hot paths."""
    stack = [node]
    while stack:
        node = stack.pop()
        yield node
        for field in node._fields:
            value = getattr(node, field, None)
            if isinstance(value, list):
                stack.extend(v for v in value if isinstance(v, gast.AST))
            elif isinstance(value, gast.AST):
                stack.append(value)


def _names(node: Node, contexts: tuple) -> set[str]:
    out = set()
    stack = [node]
    while stack:
        node = stack.pop()
        if type(node) is gast.Name:
            if isinstance(node.ctx, contexts):
                out.add(node.id)
            if node.annotation is None:
                continue
        for field in node._fields:
            value = getattr(node, field, None)
            if isinstance(value, list):
                stack.extend(v for v in value if isinstance(v, gast.AST))
            elif isinstance(value, gast.AST):
                stack.append(value)
    return out


def _unlocated(tree: Node) -> Node:
    # a quoted snippet's own line numbers mean nothing in the user's file
    for child in walk(tree):
        for attr in _LOCATION:
            if hasattr(child, attr):
                delattr(child, attr)
    return tree


def quote(src: str, **subs) -> list:
    """Statements parsed from ``src``, with names in ``subs`` replaced."""
    body = _unlocated(gast.parse(src)).body
    return [substitute(stmt, subs) for stmt in body]


def quote_expr(src: str, **subs) -> Node:
    """An expression parsed from ``src``, with names in ``subs`` replaced."""
    return substitute(_unlocated(gast.parse(src, mode="eval")).body, subs)


def assign(target: str, value: Node) -> gast.Assign:
    """``target = value``."""
    return gast.Assign(targets=[name(target, store=True)], value=value, type_comment=None)


def if_(test: Node, body: list, orelse: list | None = None) -> gast.If:
    return gast.If(test=test, body=body or [gast.Pass()], orelse=orelse or [])


def for_(target: Node, iter_: Node, body: list) -> gast.For:
    set_ctx(target, gast.Store())
    return gast.For(target=target, iter=iter_, body=body or [gast.Pass()], orelse=[],
                    type_comment=None)


def while_(test: Node, body: list) -> gast.While:
    return gast.While(test=test, body=body or [gast.Pass()], orelse=[])


def return_(value: Node) -> gast.Return:
    return gast.Return(value=value)


def expr_stmt(value: Node) -> gast.Expr:
    return gast.Expr(value=value)


def call(func: str | Node, *args: Node, keywords: dict | None = None) -> gast.Call:
    """``func(*args, **keywords)`` with node arguments."""
    fn = name(func) if isinstance(func, str) else func
    kws = [gast.keyword(arg=k, value=v) for k, v in (keywords or {}).items()]
    return gast.Call(func=fn, args=list(args), keywords=kws)


def tuple_(elts: Iterable[Node], store: bool = False) -> gast.Tuple:
    ctx = gast.Store() if store else gast.Load()
    return gast.Tuple(elts=list(elts), ctx=ctx)


def not_(operand: Node) -> gast.UnaryOp:
    return gast.UnaryOp(op=gast.Not(), operand=operand)


def function(fname: str, params: list[str], body: list) -> gast.FunctionDef:
    """A plain function definition with positional parameters."""
    args = [gast.Name(id=p, ctx=gast.Param(), annotation=None, type_comment=None)
            for p in params]
    arguments = gast.arguments(args=args, posonlyargs=[], vararg=None, kwonlyargs=[],
                               kw_defaults=[], kwarg=None, defaults=[])
    node = gast.FunctionDef(name=fname, args=arguments, body=body, decorator_list=[],
                            returns=None, type_comment=None)
    if hasattr(node, "type_params") or "type_params" in gast.FunctionDef._fields:
        node.type_params = []
    return node


def value_of_index(index: Node) -> Node:
    """The index of a subscript as an ordinary expression (``1:3`` -> ``slice(1, 3)``)."""
    if isinstance(index, gast.Slice):
        parts = [index.lower, index.upper, index.step]
        return call("slice", *[p if p is not None else const(None) for p in parts])
    if isinstance(index, gast.Tuple):
        return tuple_(value_of_index(e) for e in index.elts)
    return index


def located(node: Node, lineno: int | None) -> Node:
    """Stamp ``lineno`` (the user's line) on ``node`` and its children that lack one."""
    if lineno is None:
        return node
    for child in walk(node):
        if isinstance(child, (gast.stmt, gast.expr)) and getattr(child, "lineno", None) is None:
            child.lineno = lineno
    return node


def load_names(node: Node) -> set[str]:
    """Names read anywhere in ``node``."""
    return _names(node, gast.Load)


def store_names(node: Node) -> set[str]:
    """Names written anywhere in ``node`` (assignment targets, loop targets)."""
    return _names(node, (gast.Store, gast.Param))


def all_names(node: Node) -> set[str]:
    return _names(node, gast.AST)


def to_ast(node: Node) -> ast.AST:
    """The standard-library AST of a gast node (for compile and unparse)."""
    return gast.gast_to_ast(node)


def unparse(node: Node | list) -> str:
    """Source text of a node or a list of statements."""
    if isinstance(node, list):
        return "\n".join(unparse(n) for n in node)
    tree = to_ast(node)
    ast.fix_missing_locations(tree)
    return ast.unparse(tree)


def line(node: Node) -> int | None:
    """The user's line of ``node``, if it has one."""
    return getattr(node, "lineno", None)


def param_names(fn: gast.FunctionDef) -> list[str]:
    """Every parameter of ``fn``: positional-only, positional, ``*args`` (a tuple),
    keyword-only, ``**kwargs`` (a dict)."""
    args = fn.args
    star = [args.vararg] if args.vararg is not None else []
    stars = [args.kwarg] if args.kwarg is not None else []
    return [a.id for a in args.posonlyargs + args.args + star + args.kwonlyargs + stars]
