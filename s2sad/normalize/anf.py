"""Normalize, step 3: administrative normal form (one operation per statement).

Takes a function from `controlflow`, returns one in the core language that the
analyses and transforms read:

    x = <op>            op: atom, a op b, -a, a < b, f(a, k=b), a.attr, a[idx],
                        (a, b), [a, b]; atoms are local names, constants and
                        attribute chains on free names (``np.pi``)
    x[idx] = a          a store into a local array or list
    f(a)                an expression statement (a call kept for its effect)
    if c: ... else: ... c a local name never assigned inside the if
    while c: ...        the statements computing c repeated at the end of the body
    for i in r: ...     r a name bound to a range; an optional last ``if s: break``
    return a            last statement only

Tuple targets, chained comparisons, ``and``/``or`` and conditional expressions
are spelled out; no statement assigns a name it also reads.
"""

from __future__ import annotations

import gast

from .. import syntax as S
from ..errors import UnsupportedConstructError, at


class ANF:
    def __init__(self, namer, local_names: set[str], filename: str,
                 nested: dict | None = None) -> None:
        self.namer = namer
        self.locals = local_names
        self.filename = filename
        self.nested = nested or {}  # name -> FunctionDef to inline at each call

    # -- expressions ------------------------------------------------------------
    def is_atom(self, node) -> bool:
        if isinstance(node, (gast.Name, gast.Constant)):
            return True
        return self.is_static(node)

    def is_static(self, node) -> bool:
        """An attribute chain rooted at a free (global or closure) name."""
        while isinstance(node, gast.Attribute):
            node = node.value
        return isinstance(node, gast.Name) and node.id not in self.locals

    def atom(self, node, out: list):
        simple = self.expr(node, out)
        if self.is_atom(simple):
            return simple
        temp = self.namer.fresh("t")
        self.locals.add(temp)
        out.append(S.assign(temp, simple))
        return S.name(temp)

    def expr(self, node, out: list):
        """A simple expression equal to ``node``, with its inputs computed into ``out``."""
        if self.is_atom(node):
            return node
        kind = type(node).__name__
        method = getattr(self, "expr_" + kind, None)
        if method is None:
            raise at(node, self.filename, f"the expression {S.unparse(node)!r} is not supported",
                     "split it into simpler statements", UnsupportedConstructError)
        return method(node, out)

    def expr_BinOp(self, node, out):
        return gast.BinOp(left=self.atom(node.left, out), op=node.op,
                          right=self.atom(node.right, out))

    def expr_UnaryOp(self, node, out):
        return gast.UnaryOp(op=node.op, operand=self.atom(node.operand, out))

    def expr_Compare(self, node, out):
        if len(node.ops) == 1:
            return gast.Compare(left=self.atom(node.left, out), ops=node.ops,
                                comparators=[self.atom(node.comparators[0], out)])
        # a < b < c  ->  (a < b) and (b < c), each operand evaluated once
        left = self.atom(node.left, out)
        parts = []
        for op, right in zip(node.ops, node.comparators):
            parts.append((left, op, right))
            left = right
        result = self.namer.fresh("t")
        self.locals.add(result)
        self._chain(parts, result, out)
        return S.name(result)

    def _chain(self, parts, result: str, out: list) -> None:
        (left, op, right), rest = parts[0], parts[1:]
        right = self.atom(right, out)
        out.append(S.assign(result, gast.Compare(left=left, ops=[op], comparators=[right])))
        if rest:
            body: list = []
            rest = [(right, rest[0][1], rest[0][2])] + rest[1:]
            self._chain(rest, result, body)
            out.append(S.if_(S.name(result), body))

    def expr_BoolOp(self, node, out):
        result = self.namer.fresh("t")
        self.locals.add(result)
        self._boolop(node.op, node.values, result, out)
        return S.name(result)

    def _boolop(self, op, values, result: str, out: list) -> None:
        out.append(S.assign(result, self.expr(values[0], out)))
        if len(values) == 1:
            return
        body: list = []
        self._boolop(op, values[1:], result, body)
        if isinstance(op, gast.And):
            out.append(S.if_(S.name(result), body))
        else:
            test = self.namer.fresh("t")
            self.locals.add(test)
            out.append(S.assign(test, S.not_(S.name(result))))
            out.append(S.if_(S.name(test), body))

    def expr_IfExp(self, node, out):
        result = self.namer.fresh("t")
        self.locals.add(result)
        test = self.test(node.test, out, set())
        body: list = []
        body.append(S.assign(result, self.expr(node.body, body)))
        orelse: list = []
        orelse.append(S.assign(result, self.expr(node.orelse, orelse)))
        out.append(S.if_(test, body, orelse))
        return S.name(result)

    def expr_Call(self, node, out):
        func = node.func
        if isinstance(func, gast.Name) and func.id in self.nested:
            return self.inline(node, out)
        if isinstance(func, gast.Attribute) and not self.is_static(func):
            func = gast.Attribute(value=self.atom(func.value, out), attr=func.attr, ctx=func.ctx)
        elif not self.is_static(func):
            func = self.atom(func, out)
        args = [self.atom(a, out) for a in node.args]
        keywords = [gast.keyword(arg=k.arg, value=self.atom(k.value, out))
                    for k in node.keywords]
        return gast.Call(func=func, args=args, keywords=keywords)

    def inline(self, call, out):
        """The body of a function defined inside, in place of a call to it."""
        from .inline import inline_names
        fn = self.nested[call.func.id]
        renames = {name: self.namer.fresh(name) for name in sorted(inline_names(fn))}
        self.locals.update(renames.values())
        params = [a.id for a in fn.args.posonlyargs + fn.args.args]
        defaults = dict(zip(params[len(params) - len(fn.args.defaults):], fn.args.defaults))
        kwonly = [a.id for a in fn.args.kwonlyargs]
        defaults.update({a.id: d for a, d in zip(fn.args.kwonlyargs, fn.args.kw_defaults)
                         if d is not None})
        given = dict(zip(params, call.args))
        given.update({k.arg: k.value for k in call.keywords})
        if len(call.args) > len(params) or set(given) - set(params + kwonly):
            raise at(call, self.filename, f"bad arguments for {call.func.id}(...)",
                     "match the parameters of the nested function", UnsupportedConstructError)
        values = []
        for name in params + kwonly:  # evaluate every argument before binding any
            if name not in given and name not in defaults:
                raise at(call, self.filename, f"{call.func.id}(...) misses argument {name!r}",
                         "", UnsupportedConstructError)
            values.append((name, self.atom(given.get(name, defaults.get(name)), out)))
        for name, value in values:
            out.append(S.assign(renames[name], value))
        body = [S.substitute(stmt, renames) for stmt in fn.body]
        out.extend(self.block(body[:-1]))
        return self.expr(body[-1].value, out)

    def expr_Attribute(self, node, out):
        return gast.Attribute(value=self.atom(node.value, out), attr=node.attr,
                              ctx=gast.Load())

    def expr_Subscript(self, node, out):
        return gast.Subscript(value=self.atom(node.value, out),
                              slice=self.index(node.slice, out), ctx=gast.Load())

    def index(self, node, out):
        if isinstance(node, gast.Slice):
            parts = [None if p is None else self.atom(p, out)
                     for p in (node.lower, node.upper, node.step)]
            return gast.Slice(lower=parts[0], upper=parts[1], step=parts[2])
        if isinstance(node, gast.Tuple):
            return S.tuple_(self.index(e, out) for e in node.elts)
        return self.atom(node, out)

    def expr_Tuple(self, node, out):
        return S.tuple_(self.atom(e, out) for e in node.elts)

    def expr_List(self, node, out):
        return gast.List(elts=[self.atom(e, out) for e in node.elts], ctx=gast.Load())

    def expr_Dict(self, node, out):
        if any(k is None for k in node.keys):
            raise at(node, self.filename, "**-unpacking in a dict literal is not supported",
                     "write the keys out", UnsupportedConstructError)
        keys = [self.atom(k, out) for k in node.keys]
        return gast.Dict(keys=keys, values=[self.atom(v, out) for v in node.values])

    # -- statements -------------------------------------------------------------
    def block(self, stmts: list) -> list:
        out: list = []
        for stmt in stmts:
            produced: list = []
            kind = type(stmt).__name__
            getattr(self, "stmt_" + kind, self.stmt_other)(stmt, produced)
            out.extend(S.located(s, getattr(stmt, "lineno", None)) for s in produced)
        return out

    def stmt_other(self, stmt, out):
        raise at(stmt, self.filename, f"the statement {type(stmt).__name__} is not supported",
                 "rewrite it with assignments, if, for and while", UnsupportedConstructError)

    def stmt_Assign(self, stmt, out):
        targets = stmt.targets
        if len(targets) == 1 and isinstance(targets[0], gast.Subscript):
            self.assign_target(targets[0], self.atom(stmt.value, out), out)
            return
        if len(targets) == 1 and isinstance(targets[0], gast.Name):
            self.assign_name(targets[0].id, stmt.value, out)
            return
        value = stmt.value
        if len(targets) == 1 and isinstance(value, (gast.Tuple, gast.List)) \
                and isinstance(targets[0], (gast.Tuple, gast.List)) \
                and len(value.elts) == len(targets[0].elts):
            # a, b = b, a: evaluate every element first, then assign
            atoms = [self.fresh_atom(e, out) for e in value.elts]
            for target, elt in zip(targets[0].elts, atoms):
                self.assign_target(target, elt, out)
            return
        source = self.atom(value, out)
        for target in targets:
            self.assign_target(target, source, out)

    def fresh_atom(self, node, out):
        simple = self.expr(node, out)
        if isinstance(simple, gast.Constant) or self.is_static(simple):
            return simple
        temp = self.namer.fresh("t")
        self.locals.add(temp)
        out.append(S.assign(temp, simple))
        return S.name(temp)

    def assign_target(self, target, source, out):
        if isinstance(target, gast.Name):
            self.assign_name(target.id, source, out)
        elif isinstance(target, (gast.Tuple, gast.List)):
            for k, elt in enumerate(target.elts):
                part = gast.Subscript(value=source, slice=S.const(k), ctx=gast.Load())
                if isinstance(elt, gast.Name):
                    self.assign_name(elt.id, part, out)
                else:
                    self.assign_target(elt, self.atom(part, out), out)
        elif isinstance(target, gast.Subscript) and isinstance(target.value, gast.Name) \
                and target.value.id in self.locals:
            # x[i] = v: a store into an array (or list) held by a local name
            store = gast.Subscript(value=S.name(target.value.id),
                                   slice=self.index(target.slice, out), ctx=gast.Store())
            out.append(gast.Assign(targets=[store], value=source, type_comment=None))
        else:
            raise at(target, self.filename,
                     f"assignment to {S.unparse(target)!r} is not supported yet",
                     "assign into a local array (x[i] = v), or build a new value",
                     UnsupportedConstructError)

    def assign_name(self, target: str, value, out):
        simple = self.expr(value, out)
        if target in S.load_names(simple) and not isinstance(simple, gast.Name):
            # x = x * 2 -> t = x * 2; x = t  (a statement never reads what it writes)
            simple = self.atom(simple, out)
        if isinstance(simple, gast.Name) and simple.id == target:
            return
        out.append(S.assign(target, simple))

    def stmt_With(self, stmt, out):
        from .desugar import is_grad_of
        if not is_grad_of(stmt):
            self.stmt_other(stmt, out)
        item = stmt.items[0]
        self.locals.add(item.optional_vars.id)
        # the body is adjoint code: normalized like the rest, run only in the adjoint
        out.append(gast.With(items=[gast.withitem(context_expr=item.context_expr,
                                                  optional_vars=item.optional_vars)],
                             body=self.block(stmt.body), type_comment=None))

    def stmt_Expr(self, stmt, out):
        simple = self.expr(stmt.value, out)
        if isinstance(simple, gast.Call):
            out.append(S.expr_stmt(simple))

    def test(self, node, out, written: set[str]):
        """A local name holding the truth of ``node``, not among ``written``."""
        atom = self.atom(node, out)
        if isinstance(atom, gast.Name) and atom.id in self.locals and atom.id not in written:
            return atom
        temp = self.namer.fresh("cond")
        self.locals.add(temp)
        out.append(S.assign(temp, atom))
        return S.name(temp)

    def stmt_If(self, stmt, out):
        written = S.store_names(gast.Module(body=stmt.body + stmt.orelse, type_ignores=[]))
        test = self.test(stmt.test, out, written)
        out.append(S.if_(test, self.block(stmt.body), self.block(stmt.orelse)))

    def stmt_While(self, stmt, out):
        test = self.namer.fresh("cond")
        self.locals.add(test)
        self.assign_name(test, stmt.test, out)
        body = self.block(stmt.body)
        recompute: list = []
        self.assign_name(test, stmt.test, recompute)
        body += [S.located(s, S.line(stmt)) for s in recompute]
        out.append(S.while_(S.name(test), body))

    def stmt_For(self, stmt, out):
        iterable = self.atom(stmt.iter, out)
        body = self.block(stmt.body)
        out.append(S.for_(stmt.target, iterable, body))

    def stmt_Break(self, stmt, out):
        out.append(stmt)

    def stmt_Return(self, stmt, out):
        value = stmt.value if stmt.value is not None else S.const(None)
        out.append(S.return_(self.atom(value, out)))


def to_anf(node: gast.FunctionDef, namer, filename: str,
           nested: dict | None = None) -> gast.FunctionDef:
    params = set(S.param_names(node))
    local_names = params | S.store_names(gast.Module(body=node.body, type_ignores=[]))
    node.body = ANF(namer, local_names, filename, nested).block(node.body)
    return node
