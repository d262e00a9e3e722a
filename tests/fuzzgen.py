"""Random programs in s2sad's supported subset, and the differential check that runs them.

``programs()`` is a Hypothesis strategy for the source of a small Python module: module-level
constant arrays, zero to three helper functions and a function ``f`` whose float arguments
are arrays of shape (3,) and (2, 3) and scalars (an int argument ``n`` sometimes rides
along). The bodies are straight-line NumPy with broadcasting (``+ - * / **``, unary minus,
``np.sin/cos/tanh``, ``np.exp`` of bounded arguments, ``np.log``/``np.sqrt`` of positive
ones, ``np.sum``/``np.mean`` with and without ``axis``, ``@``/``np.dot``, indexing and
slicing) mixed with the control flow s2sad claims to support: ``if/elif/else`` and
conditional expressions on data, ``while`` loops with a bounded counter and a
data-dependent exit, ``for`` over ``range``, array rows and elements, ``zip``,
``enumerate`` and tuples, ``break``/``continue``/early ``return``, calls to the helpers
(positional and keyword arguments, defaults, tuple results), tuple unpacking, augmented
assignment and names reassigned again and again. ``f`` returns a scalar.

Every program runs in plain Python (values are kept bounded: squashed through ``tanh``
where they could grow, divisions are by ``1 + e * e`` and the like, no array is ever
modified in place through a second name). Each one is generated twice from the same
draws: the plain source that s2sad reads, and a *traced* twin whose data-dependent
comparisons go through ``_c(lhs, op, rhs)``, which records each decision. The check
(``check_program``) evaluates finite differences with the traced twin and insists that
every point it uses takes exactly the branches the base point takes, so a derivative is
only ever compared on a smooth piece of the program; inputs too close to a branch
boundary are redrawn (and after a few tries the example is rejected with ``assume``).

Choices are drawn as small integers whose zero is the simplest option (a leaf, an
assignment, no helper), so Hypothesis shrinks a failing program to a short one.

``python3 tests/fuzzgen.py [N]`` prints N sample programs.
"""

from __future__ import annotations

import ast
import atexit
import contextlib
import copy
import importlib.util
import itertools
import math
import os
import re
import shutil
import sys
import tempfile
import traceback
import warnings
from dataclasses import dataclass, field

import numpy as np
from hypothesis import assume, event, note
from hypothesis import strategies as st
from hypothesis.errors import UnsatisfiedAssumption

import s2sad

SCALAR = ()
V2 = (2,)
V3 = (3,)
M23 = (2, 3)
SHAPES = [SCALAR, V3, M23, V2]
INPUT_SHAPES = [V3, SCALAR, M23]

PRELUDE = """\
import numpy as np

C2 = np.array([1.5, -0.5])
C3 = np.array([0.5, -1.0, 0.25])
C23 = np.array([[0.2, -0.7, 1.1], [0.9, 0.4, -0.3]])
"""
CONSTANT_ARRAYS = {V2: "C2", V3: "C3", M23: "C23"}
CONSTANTS = ["0.5", "1.5", "-0.25", "2.0", "0.1", "-1.0", "3.0"]

TRACER = """
import operator as _op

_TRACE = []
_OPS = {'<': _op.lt, '>': _op.gt, '<=': _op.le, '>=': _op.ge, '==': _op.eq, '!=': _op.ne}


def _c(a, op, b):
    result = bool(_OPS[op](a, b))
    _TRACE.append(result)
    return result
"""

# (from shape, to shape) -> (template, growth of the bound, whether the result is a view)
DERIVED = {
    (V3, SCALAR): [("{0}[0]", 1, False), ("np.sum({0})", 3, False), ("{0}[-1]", 1, False)],
    (V2, SCALAR): [("{0}[1]", 1, False), ("np.mean({0})", 1, False)],
    (M23, SCALAR): [("{0}[1, 2]", 1, False), ("np.mean({0})", 1, False),
                    ("{0}.sum()", 6, False)],
    (M23, V3): [("{0}[0]", 1, True), ("np.sum({0}, axis=0)", 2, False), ("{0}[-1]", 1, True)],
    (SCALAR, V3): [("{0} * C3", 1, False)],
    (V2, V3): [("{0} @ C23", 3, False)],
    (V3, V2): [("{0}[:2]", 1, True), ("{0}[1:]", 1, True), ("C23 @ {0}", 3, False)],
    (M23, V2): [("{0}[:, 0]", 1, True), ("{0}[1, 1:]", 1, True), ("{0}.mean(axis=1)", 1, False)],
    (SCALAR, V2): [("{0} * C2", 1.5, False)],
    (V3, M23): [("{0} * C23", 1.1, False), ("C23 - {0}", 2, False)],
    (SCALAR, M23): [("C23 * {0}", 1.1, False)],
    (V2, M23): [("C23 * ({0} @ C23)", 4, False)],
}
CAP = 8.0          # values that could grow past this are squashed through tanh
PARAM_NAMES = ["x", "y", "w", "s"]
TEMP_NAMES = ["a", "b", "c", "u", "v", "t", "z"]
ELEMENT_NAMES = ["r", "e", "row", "q"]
INT_NAMES = ["k", "j", "m"]


# ---------------------------------------------------------------------------------------
# expressions: the plain text, the traced text, shape, a bound on |value|
# ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class E:
    text: str
    traced: str
    shape: tuple
    bound: float
    atom: bool = True
    alias: str | None = None     # a variable (or constant) the value may be a view of

    @property
    def w(self) -> E:
        """The operand form: parenthesized unless atomic."""
        if self.atom:
            return self
        return E(f"({self.text})", f"({self.traced})", self.shape, self.bound, True,
                 self.alias)


def T(template: str, *args: E, shape, bound: float, atom: bool = False,
      alias: str | None = None) -> E:
    """An expression from a ``str.format`` template over sub-expressions."""
    return E(template.format(*(a.text for a in args)),
             template.format(*(a.traced for a in args)),
             shape, min(float(bound), 1e12), atom, alias)


def leaf_text(text: str, shape, bound: float, alias=None) -> E:
    return E(text, text, shape, bound, True, alias)


@dataclass(frozen=True)
class C:
    """A condition: plain and traced text."""
    text: str
    traced: str


def broadcast_pairs(shape) -> list[tuple]:
    """Operand shapes whose broadcast is ``shape`` (same shape first)."""
    if shape == SCALAR:
        return [(SCALAR, SCALAR)]
    pairs = [(shape, shape), (shape, SCALAR), (SCALAR, shape)]
    if shape == M23:
        pairs += [(M23, V3), (V3, M23)]
    return pairs


def into(shape) -> list[tuple]:
    """Shapes that broadcast into ``shape`` without changing it (augmented assignment)."""
    if shape == SCALAR:
        return [SCALAR]
    return [shape, SCALAR] + ([V3] if shape == M23 else [])


# ---------------------------------------------------------------------------------------
# the generator
# ---------------------------------------------------------------------------------------

@dataclass
class Var:
    shape: tuple
    bound: float
    level: int


@dataclass
class Ctx:
    level: int = 0
    loops: int = 0          # enclosing loops (break/continue allowed when > 0)
    trips: int = 1          # product of the enclosing loops' trip counts
    nest: int = 0           # compound statements around this one
    ints: tuple = ()        # (name, largest value) of int loop variables in scope

    def inner(self, *, loop_trips: int = 0, ints=()) -> Ctx:
        return Ctx(self.level + 1, self.loops + (1 if loop_trips else 0),
                   self.trips * max(loop_trips, 1), self.nest + 1, self.ints + tuple(ints))


@dataclass
class Helper:
    name: str
    params: list            # (name, shape, default text or None)
    returns: tuple          # shapes; one = a single value, two = a tuple


@dataclass
class Line:
    indent: int
    text: str
    traced: str


class Program:
    """A generated module: ``source`` (what s2sad reads) and its traced twin."""

    def __init__(self, source: str, traced: str, params: list, features: set):
        self.source = source
        self.traced = traced
        self.params = params        # (name, shape) with shape None for the int argument
        self.features = features

    def __repr__(self) -> str:
        return f"Program('''\n{self.source}''')"


MAX_NEST = 2


class Gen:
    def __init__(self, draw, max_statements: int = 8):
        self.draw = draw
        self.max_statements = max_statements
        self.helpers: list[Helper] = []
        self.features: set = set()

    # -- choices (index 0 is the simplest) ----------------------------------------------
    def pick(self, n: int) -> int:
        return self.draw(st.integers(0, n - 1)) if n > 1 else 0

    def choose(self, options):
        return options[self.pick(len(options))]

    def flag(self) -> bool:
        return self.draw(st.booleans())

    # -- expressions -------------------------------------------------------------------
    def squash(self, e: E) -> E:
        fn = self.choose(["np.tanh", "np.sin"])
        return T(fn + "({0})", e, shape=e.shape, bound=1.0, atom=True)

    def tame(self, e: E, limit: float = 50.0) -> E:
        return self.squash(e) if e.bound > limit else e

    def expr(self, scope, ctx: Ctx, shape, depth: int) -> E:
        if depth <= 0:
            return self.leaf(scope, ctx, shape)
        kinds = ["leaf", "binop", "unary", "binop", "div", "pow", "reduce", "index",
                 "matmul", "neg", "call", "ifexp", "call"]
        if not any(self.returns_shape(h, shape) for h in self.helpers):
            kinds = [k for k in kinds if k != "call"]
        if shape == M23:
            kinds.remove("matmul")
        if depth < 2:
            kinds.remove("ifexp")
        kind = self.choose(kinds)
        self.features.add(f"expr:{kind}")
        sub = depth - 1
        if kind == "leaf":
            return self.leaf(scope, ctx, shape)
        if kind == "binop":
            sa, sb = self.choose(broadcast_pairs(shape))
            a, b = self.expr(scope, ctx, sa, sub), self.expr(scope, ctx, sb, sub)
            op = self.choose(["+", "*", "-"])
            bound = a.bound * b.bound if op == "*" else a.bound + b.bound
            return self.tame(T("{0} " + op + " {1}", a.w, b.w, shape=shape, bound=bound))
        if kind == "neg":
            a = self.expr(scope, ctx, shape, sub)
            return T("-{0}", a.w, shape=shape, bound=a.bound)
        if kind == "unary":
            return self.unary(scope, ctx, shape, sub)
        if kind == "div":
            return self.div(scope, ctx, shape, sub)
        if kind == "pow":
            a = self.expr(scope, ctx, shape, sub)
            form = self.pick(5)
            if form == 0:
                return self.tame(T("{0} ** 2", a.w, shape=shape, bound=a.bound ** 2))
            if form == 1:
                return self.tame(T("{0} ** 3", a.w, shape=shape, bound=a.bound ** 3))
            if form == 2:
                return self.tame(T("{0} ** 2.0", a.w, shape=shape, bound=a.bound ** 2))
            if form == 3:
                return T("(1.0 + {0} * {0}) ** 0.5", a.w, shape=shape,
                         bound=math.sqrt(1 + a.bound ** 2))
            return T("(1.0 + {0} * {0}) ** -1", a.w, shape=shape, bound=1.0)
        if kind == "reduce":
            return self.reduce(scope, ctx, shape, sub)
        if kind == "index":
            return self.index(scope, ctx, shape, sub)
        if kind == "matmul":
            return self.matmul(scope, ctx, shape, sub)
        if kind == "call":
            return self.call_expr(scope, ctx, shape, sub)
        # ifexp
        cond = self.cond(scope, ctx, sub)
        a, b = self.expr(scope, ctx, shape, sub), self.expr(scope, ctx, shape, sub)
        return E(f"{a.w.text} if {cond.text} else {b.w.text}",
                 f"{a.w.traced} if {cond.traced} else {b.w.traced}",
                 shape, max(a.bound, b.bound), False,
                 a.alias or b.alias)

    def leaf(self, scope, ctx: Ctx, shape) -> E:
        """A variable of this shape, one of another shape made to fit, or a constant
        (rarely, while there are variables)."""
        names = [n for n, v in reversed(scope.items()) if v.shape == shape]
        options = [("var", n) for n in names]
        options += [("derived", n) for n, v in reversed(scope.items())
                    if (v.shape, shape) in DERIVED]
        if shape == SCALAR:
            options += [("int", n) for n, _ in ctx.ints]
        if not options or self.pick(8) == 7:
            options = [("const", None)]
        kind, name = self.choose(options)
        if kind == "var":
            v = scope[name]
            return leaf_text(name, shape, v.bound, name if shape != SCALAR else None)
        if kind == "derived":
            v = scope[name]
            template, factor, view = self.choose(DERIVED[v.shape, shape])
            self.features.add("leaf:derived")
            e = leaf_text(name, v.shape, v.bound, name)
            return T(template, e, shape=shape, bound=factor * v.bound,
                     atom=not any(op in template for op in (" * ", " - ", " @ ")),
                     alias=name if view else None)
        if kind == "int":
            top = dict(ctx.ints)[name]
            self.features.add("int-in-expr")
            return E(f"0.5 * {name}", f"0.5 * {name}", SCALAR, 0.5 * top, False)
        if shape == SCALAR:
            c = self.choose(CONSTANTS)
            return E(c, c, SCALAR, abs(float(c)), not c.startswith("-"))
        self.features.add("module-constant")
        return leaf_text(CONSTANT_ARRAYS[shape], shape, 1.5, alias="<constant>")

    def unary(self, scope, ctx, shape, depth) -> E:
        a = self.expr(scope, ctx, shape, depth)
        forms = [("np.sin({0})", 1), ("np.cos({0})", 1), ("np.tanh({0})", 1),
                 ("np.exp(np.tanh({0}))", math.e), ("np.log(1.0 + {0} * {0})",
                                                     math.log1p(a.bound ** 2)),
                 ("np.sqrt(1.0 + {0} * {0})", math.sqrt(1 + a.bound ** 2)),
                 ("np.exp(np.sin({0}))", math.e), ("np.exp(-({0} * {0}))", 1),
                 ("np.log(2.0 + np.cos({0}))", math.log(3)),
                 ("np.sqrt({0} * {0} + 0.25)", math.sqrt(a.bound ** 2 + 0.25)),
                 ("np.square({0})", a.bound ** 2)]
        template, bound = self.choose(forms)
        self.features.add("fn:" + template.split("(")[1 if template.count("(") > 2
                                                     and "exp(-" not in template else 0])
        arg = a.w if "*" in template else a
        return self.tame(T(template, arg, shape=shape, bound=bound, atom=True))

    def div(self, scope, ctx, shape, depth) -> E:
        form = self.pick(5)
        self.features.add(f"div:{form}")
        sa, sb = self.choose(broadcast_pairs(shape)) if form in (1, 2, 3) else (shape, shape)
        a = self.expr(scope, ctx, sa, depth)
        if form == 0:
            c = self.choose(["2.0", "3.0", "-4.0"])
            return T("{0} / " + c, a.w, shape=shape, bound=a.bound / 2)
        if form == 4:
            b = self.expr(scope, ctx, shape, depth)
            return T("1.5 / (1.0 + {0} * {0})", b.w, shape=shape, bound=1.5)
        b = self.expr(scope, ctx, sb, depth)
        if form == 1:
            return T("{0} / (1.0 + {1} * {1})", a.w, b.w, shape=shape, bound=a.bound)
        if form == 2:
            return T("{0} / (2.0 + np.sin({1}))", a.w, b, shape=shape, bound=a.bound)
        return T("{0} / np.sqrt(1.0 + {1} * {1})", a.w, b.w, shape=shape, bound=a.bound)

    def reduce(self, scope, ctx, shape, depth) -> E:
        if shape == SCALAR:
            src = self.choose([V3, M23, V2])
            a = self.expr(scope, ctx, src, depth)
            n = int(np.prod(src))
            form = self.pick(4)
            self.features.add("reduce-all")
            if form == 0:
                return self.tame(T("np.sum({0})", a, shape=shape, bound=n * a.bound, atom=True))
            if form == 1:
                return T("np.mean({0})", a, shape=shape, bound=a.bound, atom=True)
            if form == 2:
                return self.tame(T("{0}.sum()", a.w, shape=shape, bound=n * a.bound,
                                   atom=True))
            return T("{0}.mean()", a.w, shape=shape, bound=a.bound, atom=True)
        if shape == M23:
            return self.index(scope, ctx, shape, depth)
        a = self.expr(scope, ctx, M23, depth)
        self.features.add("reduce-axis")
        axis = "0" if shape == V3 else self.choose(["1", "-1"])
        n = 2 if shape == V3 else 3
        form = self.pick(5)
        templates = ["np.sum({0}, axis=%s)", "np.mean({0}, axis=%s)", "{0}.sum(axis=%s)",
                     "{0}.mean(axis=%s)", "np.sum({0}, %s)"]
        t = templates[form] % axis
        arg = a.w if t.startswith("{0}") else a
        bound = a.bound if "mean" in t else n * a.bound
        return self.tame(T(t, arg, shape=shape, bound=bound, atom=True))

    def index(self, scope, ctx, shape, depth) -> E:
        self.features.add(f"index->{shape}")
        if shape == SCALAR:
            src = self.choose([V3, M23, V2])
            a = self.expr(scope, ctx, src, depth).w
            if src == M23:
                i, j = self.choose(["0", "1", "-1"]), self.choose(["0", "1", "2", "-1"])
                t = self.choose(["{0}[%s, %s]", "{0}[%s][%s]"]) % (i, j)
                return T(t, a, shape=shape, bound=a.bound, atom=True)
            ints = [n for n, top in ctx.ints if top < src[0]]
            i = self.choose(["0", "1", "-1"] + ints)
            if i in ints:
                self.features.add("index-by-loop-variable")
            return T("{0}[" + i + "]", a, shape=shape, bound=a.bound, atom=True)
        if shape == V3:
            src = self.choose([M23, V3])
            a = self.expr(scope, ctx, src, depth).w
            t = self.choose(["{0}[0]", "{0}[1]", "{0}[-1]"]) if src == M23 else "{0}[::-1]"
            return T(t, a, shape=shape, bound=a.bound, atom=True, alias=a.alias)
        if shape == V2:
            src = self.choose([V3, M23, V2])
            a = self.expr(scope, ctx, src, depth).w
            if src == V3:
                t = self.choose(["{0}[1:]", "{0}[:2]", "{0}[:-1]", "{0}[::2]", "{0}[-2:]"])
            elif src == M23:
                t = self.choose(["{0}[:, 0]", "{0}[:, 2]", "{0}[0, 1:]", "{0}[1, :2]",
                                 "{0}[:, -1]"])
            else:
                t = "{0}[::-1]"
            return T(t, a, shape=shape, bound=a.bound, atom=True, alias=a.alias)
        a = self.expr(scope, ctx, M23, depth).w
        t = self.choose(["{0}[::-1]", "{0}[:, ::-1]", "{0}[:]"])
        return T(t, a, shape=shape, bound=a.bound, atom=True, alias=a.alias)

    def matmul(self, scope, ctx, shape, depth) -> E:
        self.features.add("matmul")
        if shape == SCALAR:
            s = self.choose([V3, V2])
            a, b = self.expr(scope, ctx, s, depth), self.expr(scope, ctx, s, depth)
            t = self.choose(["{0} @ {1}", "np.dot({0}, {1})", "{0}.dot({1})"])
        elif shape == V2:
            a, b = self.expr(scope, ctx, M23, depth), self.expr(scope, ctx, V3, depth)
            t = self.choose(["{0} @ {1}", "np.dot({0}, {1})"])
        else:
            form = self.pick(2)
            if form == 0:
                a, b = self.expr(scope, ctx, V2, depth), self.expr(scope, ctx, M23, depth)
                t = "{0} @ {1}"
            else:
                a, b = self.expr(scope, ctx, M23, depth), self.expr(scope, ctx, V2, depth)
                t = "{0}.T @ {1}"
        args = (a.w, b.w) if t.startswith("{0}") else (a, b)
        return self.tame(T(t, *args, shape=shape, bound=3 * a.bound * b.bound,
                           atom=not t.endswith("{1}") or t.startswith("np.")))

    # -- helpers -----------------------------------------------------------------------
    @staticmethod
    def returns_shape(h: Helper, shape) -> bool:
        return shape in h.returns

    def call_text(self, scope, ctx, h: Helper, depth) -> tuple[str, str]:
        """A call of ``h``: positional, keyword (in any order) and omitted defaults."""
        args = []
        for name, shape, default in h.params:
            args.append((name, default, self.expr(scope, ctx, shape, depth)))
        n_pos = self.pick(len(args) + 1)
        n_pos = len(args) - n_pos          # zero -> all positional (the simplest)
        plain, traced = [], []
        keyword = []
        for k, (name, default, e) in enumerate(args):
            if k < n_pos:
                plain.append(e.text)
                traced.append(e.traced)
            elif default is not None and self.flag():
                self.features.add("call:default-omitted")
                continue
            else:
                keyword.append((name, e))
        if keyword:
            self.features.add("call:keyword")
            if len(keyword) > 1 and self.flag():
                keyword.reverse()
            plain += [f"{n}={e.text}" for n, e in keyword]
            traced += [f"{n}={e.traced}" for n, e in keyword]
        return (f"{h.name}({', '.join(plain)})",
                f"{h.name}__traced({', '.join(traced)})")

    def call_expr(self, scope, ctx, shape, depth) -> E:
        h = self.choose([h for h in self.helpers if self.returns_shape(h, shape)])
        plain, traced = self.call_text(scope, ctx, h, depth)
        bound = CAP
        if len(h.returns) > 1:
            k = h.returns.index(shape)
            plain, traced = f"{plain}[{k}]", f"{traced}[{k}]"
            self.features.add("call:index-result")
        self.features.add("call")
        return E(plain, traced, shape, bound, True, alias="<call>")

    # -- conditions --------------------------------------------------------------------
    def compare(self, scope, ctx, depth) -> C:
        lhs = self.expr(scope, ctx, SCALAR, max(depth, 1)).w
        form = self.pick(3)
        op = self.choose(["<", ">", "<=", ">="])
        if form == 2:        # lo < lhs < hi
            lo, hi = self.choose([("-0.5", "0.5"), ("0.0", "2.0"), ("-3.0", "0.25")])
            self.features.add("cond:chained")
            return C(f"{lo} < {lhs.text} < {hi}",
                     f"(_c({lo}, '<', {lhs.traced}) and _c({lhs.traced}, '<', {hi}))")
        if form == 0:
            rhs = E(*(2 * [self.choose(["0.0", "0.5", "-0.5", "1.0", "0.25"])]), SCALAR, 1.0)
        else:
            rhs = self.expr(scope, ctx, SCALAR, max(depth - 1, 0)).w
        return C(f"{lhs.text} {op} {rhs.text}", f"_c({lhs.traced}, '{op}', {rhs.traced})")

    def cond(self, scope, ctx, depth) -> C:
        form = self.pick(6)
        if form == 0 or form == 5 and not self.fn.bools:
            return self.compare(scope, ctx, depth)
        if form == 5:
            name = self.choose(self.fn.bools)
            self.features.add("cond:bool-variable")
            if self.flag():
                return C(name, name)
            c = self.compare(scope, ctx, depth)
            return C(f"{name} or {c.text}", f"{name} or {c.traced}")
        if form == 4:
            self.features.add("cond:not")
            c = self.compare(scope, ctx, depth)
            return C(f"not {c.text}", f"not {c.traced}")
        a, b = self.compare(scope, ctx, depth), self.compare(scope, ctx, depth)
        op = "and" if form in (1, 2) else "or"
        self.features.add("cond:" + op)
        return C(f"{a.text} {op} {b.text}", f"{a.traced} {op} {b.traced}")

    # -- statements --------------------------------------------------------------------
    def depth(self) -> int:
        return self.pick(3)

    def block(self, scope, ctx: Ctx, fn, lo: int = 1, hi: int = 3) -> tuple[list, bool]:
        """Statements: (lines, whether the block always leaves by return/break/continue)."""
        lines = []
        n = lo + self.pick(hi - lo + 1)
        for _ in range(n):
            if self.budget <= 0:
                break
            made, terminal = self.statement(scope, ctx, fn)
            lines += made
            if terminal:
                return lines, True
        if not lines:
            lines = self.assign(scope, ctx, fn)
        return lines, False

    def statement(self, scope, ctx, fn) -> tuple[list, bool]:
        self.budget -= 1
        kinds = ["assign", "augassign", "assign", "if", "for", "unpack", "while", "jump",
                 "boolassign"] + (["call", "call"] if self.helpers else [])
        if ctx.nest >= MAX_NEST:
            kinds = [k for k in kinds if k not in ("if", "for", "while")]
        kind = self.choose(kinds)
        self.features.add("stmt:" + kind)
        if kind == "assign":
            return self.assign(scope, ctx, fn), False
        if kind == "augassign":
            return self.augassign(scope, ctx, fn), False
        if kind == "unpack":
            return self.unpack(scope, ctx, fn), False
        if kind == "if":
            return self.if_stmt(scope, ctx, fn)
        if kind == "for":
            return self.for_stmt(scope, ctx, fn), False
        if kind == "while":
            return self.while_stmt(scope, ctx, fn), False
        if kind == "boolassign":
            return self.boolassign(scope, ctx, fn), False
        if kind == "call":
            return self.call_stmt(scope, ctx, fn), False
        return self.jump(scope, ctx, fn), False

    def line(self, ctx, text, traced=None) -> Line:
        return Line(ctx.level, text, text if traced is None else traced)

    def target(self, scope, ctx, fn, shape=None, exclude=()) -> tuple[str, tuple]:
        """A name to assign and its shape: a new one, or one already there (overwritten).
        Names from outside the current block keep their shape."""
        existing = [n for n in reversed(scope) if n not in exclude and n not in fn.frozen
                    and (shape is None or scope[n].shape == shape
                         or scope[n].level == ctx.level)]
        fresh = [n for n in TEMP_NAMES if n not in scope and n not in exclude
                 and n not in fn.frozen]
        options = fresh[:1] + existing + fresh[1:]
        name = self.choose(options)
        if name in scope and scope[name].level < ctx.level:
            return name, scope[name].shape
        if name in scope:
            self.features.add("overwrite")
        return name, shape if shape is not None else self.choose(SHAPES)

    def bind(self, scope, ctx, fn, name, e: E) -> None:
        if e.alias is not None and e.shape != SCALAR:
            fn.aliased.update({name, e.alias})
        old = scope.get(name)
        if old is not None and old.level < ctx.level:
            old.bound = max(old.bound, e.bound)
        else:
            scope.pop(name, None)
            scope[name] = Var(e.shape, max(e.bound, 1.0), ctx.level)

    def settle(self, scope, ctx, name, e: E) -> E:
        """Inside a loop, an outer variable must not grow from one trip to the next."""
        old = scope.get(name)
        limit = CAP
        if ctx.loops and old is not None and old.level < ctx.level:
            limit = min(CAP, old.bound)
        return self.squash(e) if e.bound > limit else e

    def assign(self, scope, ctx, fn) -> list:
        name, shape = self.target(scope, ctx, fn)
        e = self.settle(scope, ctx, name, self.expr(scope, ctx, shape, self.depth()))
        self.bind(scope, ctx, fn, name, e)
        return [self.line(ctx, f"{name} = {e.text}", f"{name} = {e.traced}")]

    def augassign(self, scope, ctx, fn) -> list:
        names = [n for n in reversed(scope) if n not in fn.frozen
                 and (scope[n].shape == SCALAR or n not in fn.aliased)]
        if not names:
            return self.assign(scope, ctx, fn)
        name = self.choose(names)
        var = scope[name]
        op = self.choose(["+=", "*=", "-=", "/="])
        e = self.expr(scope, ctx, self.choose(into(var.shape)), self.depth())
        if op == "/=":
            e = T("1.0 + {0} * {0}", e.w, shape=e.shape, bound=1.0)
        elif op == "*=":
            if e.bound > 1.0 and (ctx.loops or var.bound * e.bound > CAP):
                e = self.squash(e)
            var.bound = var.bound * max(e.bound, 1.0)
        else:
            if e.bound > 1.0 and ctx.loops or var.bound + e.bound > CAP:
                e = self.squash(e)
            var.bound = var.bound + e.bound * ctx.trips
        return [self.line(ctx, f"{name} {op} {e.text}", f"{name} {op} {e.traced}")]

    def unpack(self, scope, ctx, fn, helper=None) -> list:
        pairs = [h for h in self.helpers if len(h.returns) == 2]
        form = 2 if helper else self.pick(3 if pairs else 2)
        if form == 1:                                   # swap two variables
            same = [(a, b) for a, b in itertools.combinations(list(scope), 2)
                    if scope[a].shape == scope[b].shape and a not in fn.frozen
                    and b not in fn.frozen]
            if same:
                a, b = self.choose(same)
                self.features.add("unpack:swap")
                va, vb = scope[a], scope[b]
                if va.shape != SCALAR:
                    fn.aliased.update({a, b})
                bound = max(va.bound, vb.bound)
                va.bound = vb.bound = bound
                return [self.line(ctx, f"{a}, {b} = {b}, {a}")]
            form = 0
        if form == 2:                                   # a, b = helper(...)
            h = helper or self.choose(pairs)
            plain, traced = self.call_text(scope, ctx, h, self.depth())
            n1, s1 = self.target(scope, ctx, fn, h.returns[0])
            n2, s2 = self.target(scope, ctx, fn, h.returns[1], exclude=(n1,))
            if (s1, s2) != h.returns:
                return self.assign(scope, ctx, fn)
            self.features.add("unpack:call")
            for n, s in ((n1, s1), (n2, s2)):
                self.bind(scope, ctx, fn, n, E(n, n, s, CAP, alias="<call>"))
            return [self.line(ctx, f"{n1}, {n2} = {plain}", f"{n1}, {n2} = {traced}")]
        n1, s1 = self.target(scope, ctx, fn)
        n2, s2 = self.target(scope, ctx, fn, exclude=(n1,))
        d = self.depth()
        e1 = self.settle(scope, ctx, n1, self.expr(scope, ctx, s1, d))
        e2 = self.settle(scope, ctx, n2, self.expr(scope, ctx, s2, d))
        self.features.add("unpack:tuple")
        self.bind(scope, ctx, fn, n1, e1)
        self.bind(scope, ctx, fn, n2, e2)
        return [self.line(ctx, f"{n1}, {n2} = {e1.text}, {e2.text}",
                          f"{n1}, {n2} = {e1.traced}, {e2.traced}")]

    def boolassign(self, scope, ctx, fn) -> list:
        names = [n for n in ("ok", "big", "flag") if n not in fn.bools]
        if not names or ctx.level > 0:
            return self.assign(scope, ctx, fn)
        name = names[0]
        c = self.compare(scope, ctx, self.depth())
        fn.bools.append(name)
        return [self.line(ctx, f"{name} = {c.text}", f"{name} = {c.traced}")]

    def ret_line(self, scope, ctx, fn) -> Line:
        """``return ...``: f returns a sum of terms, most of them the variables assigned
        last (so that what the body computes reaches the result); a helper returns values
        of its declared shapes."""
        recent = [n for n in reversed(scope)]
        if fn.returns is None:                         # f: a scalar
            self.features.add("return:early" if ctx.level else "return")
            terms = []
            for k in range(1 + self.pick(4)):
                if k < len(recent) and self.pick(4) != 3:
                    v = scope[recent[k]]
                    e = leaf_text(recent[k], v.shape, v.bound)
                else:
                    e = self.expr(scope, ctx, self.choose(SHAPES), self.depth())
                if e.shape != SCALAR:
                    e = T(self.choose(["np.sum({0})", "np.mean({0})"]), e, shape=SCALAR,
                          bound=6 * e.bound, atom=True)
                terms.append(e.w)
            plain = " + ".join(t.text for t in terms)
            traced = " + ".join(t.traced for t in terms)
            return self.line(ctx, f"return {plain}", f"return {traced}")
        es = []
        for shape in fn.returns:
            e = self.expr(scope, ctx, shape, self.depth())
            mine = [n for n in recent if scope[n].shape == shape and scope[n].level >= 0
                    and n not in fn.params]
            if mine and self.pick(3) != 2:
                v = scope[mine[0]]
                e = T("{0} + {1}", leaf_text(mine[0], shape, v.bound), e.w, shape=shape,
                      bound=v.bound + e.bound) if self.flag() else \
                    leaf_text(mine[0], shape, v.bound, mine[0])
            es.append(self.tame(e, CAP))
        return self.line(ctx, "return " + ", ".join(e.text for e in es),
                         "return " + ", ".join(e.traced for e in es))

    def call_stmt(self, scope, ctx, fn) -> list:
        """``v = h(...)`` or ``a, b = h(...)``."""
        h = self.choose(self.helpers)
        if len(h.returns) == 2:
            return self.unpack(scope, ctx, fn, helper=h)
        plain, traced = self.call_text(scope, ctx, h, self.depth())
        name, shape = self.target(scope, ctx, fn, h.returns[0])
        if shape != h.returns[0]:
            return self.assign(scope, ctx, fn)
        self.bind(scope, ctx, fn, name, E(name, name, shape, CAP, alias="<call>"))
        return [self.line(ctx, f"{name} = {plain}", f"{name} = {traced}")]

    def jump(self, scope, ctx, fn) -> list:
        """``if cond: break/continue/return ...`` (a bare break or continue sometimes)."""
        options = ["return"] + (["break", "continue"] if ctx.loops else [])
        what = self.choose(options)
        self.features.add("jump:" + what)
        ints = [n for n, _ in ctx.ints]
        if what == "continue" and ints and self.flag():
            k = self.choose(ints)
            head = self.line(ctx, f"if {k} % 2 == 0:")
        else:
            c = self.cond(scope, ctx.inner(), self.depth())
            head = self.line(ctx, f"if {c.text}:", f"if {c.traced}:")
        inner = ctx.inner()
        body = self.ret_line(scope, inner, fn) if what == "return" else self.line(inner, what)
        return [head, body]

    def if_stmt(self, scope, ctx, fn) -> tuple[list, bool]:
        inner = ctx.inner()
        lines = []
        n_elif = self.pick(3)
        has_else = self.flag()
        all_terminal = True
        for k in range(1 + n_elif + has_else):
            if k == 0 or k <= n_elif:
                c = self.cond(scope, inner, self.depth())
                kw = "if" if k == 0 else "elif"
                lines.append(self.line(ctx, f"{kw} {c.text}:", f"{kw} {c.traced}:"))
            else:
                lines.append(self.line(ctx, "else:"))
            branch_scope = dict(scope)
            body, terminal = self.block(branch_scope, inner, fn, 1, 2)
            if not terminal and self.pick(4) == 3:
                ends = ["return"] + (["break", "continue"] if ctx.loops else [])
                what = self.choose(ends)
                self.features.add("branch-ends-with:" + what)
                body.append(self.ret_line(branch_scope, inner, fn) if what == "return"
                            else self.line(inner, what))
                terminal = True
            all_terminal &= terminal
            lines += body
        if n_elif:
            self.features.add("elif")
        if has_else:
            self.features.add("else")
        return lines, all_terminal and has_else

    def for_stmt(self, scope, ctx, fn) -> list:
        form = self.pick(6)
        used = set(scope) | set(fn.frozen) | {n for n, _ in ctx.ints}
        elems = [n for n in ELEMENT_NAMES if n not in used]
        intn = [n for n in INT_NAMES if n not in used]
        if not elems or not intn:
            return self.assign(scope, ctx, fn)
        targets, ints = {}, []

        def iterable(shape):
            e = self.expr(scope, ctx, shape, self.pick(2))
            if e.alias is not None or e.atom and e.text in scope:
                fn.aliased.update({e.alias or e.text})
            return e

        if form == 0:
            forms = [("range({0})", 3), ("range(1, 4)", 3), ("range(3, 0, -1)", 3),
                     ("range(0, 4, 2)", 2)]
            if fn.int_param:
                forms.append(("range(n)", 3))
            head, trips = self.choose(forms)
            if "{0}" in head:
                trips = 1 + self.pick(4)
                head = head.format(trips)
            k = intn[0]
            ints = [(k, trips if head != "range(1, 4)" else 3)]
            self.features.add("for:range" + (":n" if "n)" in head else ""))
            plain = traced = f"for {k} in {head}:"
        elif form in (1, 2):                       # rows of a matrix, elements of a vector
            shape = M23 if form == 1 else self.choose([V3, V2])
            e = iterable(shape)
            r = elems[0]
            targets[r] = shape[1:]
            trips = shape[0]
            self.features.add("for:rows" if form == 1 else "for:elements")
            plain, traced = f"for {r} in {e.text}:", f"for {r} in {e.traced}:"
        elif form == 3:                            # zip
            lead = self.choose([2, 3])
            shapes = [M23, V2] if lead == 2 else [V3]
            a, b = iterable(self.choose(shapes)), iterable(self.choose(shapes))
            r1, r2 = elems[0], elems[1] if len(elems) > 1 else None
            if r2 is None:
                return self.assign(scope, ctx, fn)
            targets[r1], targets[r2] = a.shape[1:], b.shape[1:]
            trips = lead
            self.features.add("for:zip")
            plain = f"for {r1}, {r2} in zip({a.text}, {b.text}):"
            traced = f"for {r1}, {r2} in zip({a.traced}, {b.traced}):"
        elif form == 4:                            # enumerate
            shape = self.choose([M23, V3])
            e = iterable(shape)
            k, r = intn[0], elems[0]
            targets[r] = shape[1:]
            ints = [(k, shape[0] - 1)]
            trips = shape[0]
            self.features.add("for:enumerate")
            plain = f"for {k}, {r} in enumerate({e.text}):"
            traced = f"for {k}, {r} in enumerate({e.traced}):"
        else:                                      # a tuple or list of values
            shape = self.choose(SHAPES)
            n = 2 + self.pick(2)
            es = [iterable(shape) for _ in range(n)]
            r = elems[0]
            targets[r] = shape
            trips = n
            brackets = self.choose(["()", "[]"])
            self.features.add("for:tuple")
            plain = f"for {r} in {brackets[0]}{', '.join(x.text for x in es)}{brackets[1]}:"
            traced = (f"for {r} in {brackets[0]}{', '.join(x.traced for x in es)}"
                      f"{brackets[1]}:")
        inner = ctx.inner(loop_trips=trips, ints=ints)
        body_scope = dict(scope)
        for name, shape in targets.items():
            body_scope[name] = Var(shape, CAP, inner.level)
            fn.aliased.add(name)
        held = (set(targets) | {k for k, _ in ints}) - fn.frozen
        fn.frozen.update(held)
        body, _ = self.block(body_scope, inner, fn, 1, 3)
        fn.frozen.difference_update(held)
        return [self.line(ctx, plain, traced)] + body

    def while_stmt(self, scope, ctx, fn) -> list:
        counter = f"i{ctx.nest}" if ctx.nest else "i"
        limit = 1 + self.pick(5)
        form = self.pick(3)
        inner = ctx.inner(loop_trips=limit, ints=[(counter, limit)])
        lines = [self.line(ctx, f"{counter} = 0")]
        c = self.cond(scope, inner, self.depth())
        self.features.add(f"while:{form}")
        if form == 0:       # while i < K and cond:
            if " or " in c.text:        # (the counter must bound the loop)
                c = C(f"({c.text})", f"({c.traced})")
            lines.append(self.line(ctx, f"while {counter} < {limit} and {c.text}:",
                                   f"while {counter} < {limit} and {c.traced}:"))
            lines.append(self.line(inner, f"{counter} += 1"))
            body, _ = self.block(dict(scope), inner, fn, 1, 3)
            return lines + body
        if form == 1:       # while cond: with a counter that breaks out
            lines.append(self.line(ctx, f"while {c.text}:", f"while {c.traced}:"))
            lines.append(self.line(inner, f"{counter} += 1"))
            lines.append(self.line(inner, f"if {counter} > {limit}:"))
            lines.append(self.line(inner.inner(), "break"))
            body, _ = self.block(dict(scope), inner, fn, 1, 3)
            return lines + body
        # while i < K: ... if cond: break
        lines.append(self.line(ctx, f"while {counter} < {limit}:"))
        lines.append(self.line(inner, f"{counter} += 1"))
        body_scope = dict(scope)
        body, terminal = self.block(body_scope, inner, fn, 1, 3)
        lines += body
        if not terminal:
            c = self.cond(body_scope, inner, self.depth())
            lines.append(self.line(inner, f"if {c.text}:", f"if {c.traced}:"))
            lines.append(self.line(inner.inner(), "break"))
        return lines

    # -- functions ---------------------------------------------------------------------
    def function(self, name: str, params: list, returns, budget: int) -> list[str]:
        """(plain lines, traced lines) of one function."""
        fn = self.fn = FnState(returns, params={p for p, _, _ in params})
        fn.int_param = any(s is None for _, s, _ in params)
        scope = {}
        for pname, shape, default in params:
            if shape is None:
                fn.frozen.add(pname)
                continue
            scope[pname] = Var(shape, 1.5, 0)
            if shape != SCALAR:
                fn.aliased.add(pname)
        self.budget = budget
        ctx = Ctx()
        body, terminal = self.block(scope, ctx, fn, 1, max(budget, 1))
        if not terminal:
            body.append(self.ret_line(scope, ctx, fn))
        sig = ", ".join(p if d is None else f"{p}={d}" for p, _, d in params)
        plain = [f"def {name}({sig}):"] + ["    " * (ln.indent + 1) + ln.text for ln in body]
        traced = [f"def {name}__traced({sig}):"] + [
            "    " * (ln.indent + 1) + ln.traced for ln in body]
        return plain, traced

    def program(self) -> Program:
        made = []
        for k in range(self.pick(4)):
            n_params = 1 + self.pick(3)
            params = []
            for p in range(n_params):
                shape = self.choose(SHAPES)
                default = None
                if shape == SCALAR and p == n_params - 1 and p > 0 and self.flag():
                    default = self.choose(["0.5", "2.0", "-1.0"])
                    self.features.add("helper:default")
                params.append((PARAM_NAMES[p], shape, default))
            returns = (self.choose(SHAPES),) if self.pick(3) else (self.choose(SHAPES),
                                                                   self.choose(SHAPES))
            if len(returns) == 2:
                self.features.add("helper:tuple-result")
            h = Helper(f"h{k}", params, returns)
            made.append((h.name, *self.function(h.name, params, returns,
                                                1 + self.pick(self.max_statements // 2))))
            self.helpers.append(h)
        n_params = 1 + self.pick(3)
        params = [(PARAM_NAMES[p], self.choose(INPUT_SHAPES), None) for p in range(n_params)]
        if self.pick(5) == 4:
            params.append(("n", None, None))
            self.features.add("int-argument")
        made.append(("f", *self.function("f", params, None, 1 + self.pick(self.max_statements))))
        # only the helpers that f calls (directly or not): the others are noise s2sad never
        # reads, and would stay in shrunk programs
        used, todo = {"f"}, ["f"]
        while todo:
            current = todo.pop()
            lines = next(p for name, p, _ in made if name == current)
            for name, _, _ in made:
                if name not in used and re.search(rf"\b{name}\(", "\n".join(lines[1:])):
                    used.add(name)
                    todo.append(name)
        if len(used) > 1:
            self.features.add("helper")
        plain, traced = [PRELUDE], [PRELUDE, TRACER]
        for name, p_lines, t_lines in made:
            if name in used:
                plain += ["", ""] + p_lines
                traced += ["", ""] + t_lines
        return Program("\n".join(plain) + "\n", "\n".join(traced) + "\n",
                       [(p, s) for p, s, _ in params], set(self.features))


@dataclass
class FnState:
    returns: tuple | None
    aliased: set = field(default_factory=set)     # arrays never to modify in place
    frozen: set = field(default_factory=set)      # loop variables and counters: read only
    bools: list = field(default_factory=list)
    int_param: bool = False
    params: set = field(default_factory=set)


def programs(max_statements: int = 8):
    """A Hypothesis strategy for `Program` objects."""
    @st.composite
    def build(draw):
        return Gen(draw, max_statements).program()
    return build()


# ---------------------------------------------------------------------------------------
# the differential check
# ---------------------------------------------------------------------------------------

_DIR = None
_COUNTER = itertools.count()


def _directory() -> str:
    """Where the generated modules are written (removed at exit)."""
    global _DIR
    if _DIR is None:
        _DIR = tempfile.mkdtemp(prefix="s2sad-fuzz-")
        atexit.register(shutil.rmtree, _DIR, True)
    return _DIR


@contextlib.contextmanager
def scratch_cache(path, every: int = 100):
    """Point s2sad's derivative cache at ``path`` (a fresh directory) and empty it every
    ``every`` programs: each program's derivatives are never looked up again, and ten
    thousand programs would leave a few hundred megabytes."""
    global _SCRATCH
    old = os.environ.get("S2SAD_CACHE_DIR")
    os.environ["S2SAD_CACHE_DIR"] = str(path)
    _SCRATCH = (str(path), every)
    try:
        yield
    finally:
        _SCRATCH = None
        if old is None:
            os.environ.pop("S2SAD_CACHE_DIR", None)
        else:
            os.environ["S2SAD_CACHE_DIR"] = old
        _empty(str(path))


_SCRATCH = None


def _empty(path: str) -> None:
    for name in os.listdir(path):
        if name.endswith(".py"):
            with contextlib.suppress(OSError):
                os.remove(os.path.join(path, name))


def _tidy(count: int) -> None:
    if _SCRATCH is not None and count % _SCRATCH[1] == 0:
        _empty(_SCRATCH[0])


class Loaded:
    """The program as a real module (s2sad reads its source) and its traced twin."""

    def __init__(self, program: Program):
        count = next(_COUNTER)
        _tidy(count)
        self.name = f"s2sad_fuzz_{count}"
        self.path = os.path.join(_directory(), self.name + ".py")
        with open(self.path, "w") as fh:
            fh.write(program.source)
        spec = importlib.util.spec_from_file_location(self.name, self.path)
        self.module = importlib.util.module_from_spec(spec)
        sys.modules[self.name] = self.module
        spec.loader.exec_module(self.module)
        self.traced = {"__name__": self.name + "_traced"}
        exec(compile(program.traced, self.path + ":traced", "exec"), self.traced)  # noqa: S102

    def close(self) -> None:
        sys.modules.pop(self.name, None)
        with contextlib.suppress(OSError):
            os.remove(self.path)
        # forget s2sad's memo of derivatives at once rather than at the collector's next
        # pass (see test_derivatives_do_not_keep_their_function_alive). (It is only a
        # cache: other tests just recompile.)
        memo = getattr(getattr(s2sad, "api", None), "_MEMO", None)
        if memo is not None:
            memo.clear()


class Rejected(Exception):
    """These inputs are unsuitable (too close to a branch boundary, values too large)."""


class GeneratorBug(Exception):
    """The generated program itself fails in plain Python: a bug in this file."""


def _copy(a):
    return a.copy() if isinstance(a, np.ndarray) else a


def _total(out) -> float:
    return float(np.sum(out))


class Oracle:
    """Plain evaluations of the traced twin at points near a base point, each checked
    to take the same branches as the base point."""

    def __init__(self, loaded: Loaded, args):
        self.fn = loaded.traced.get("f__traced") or loaded.traced["f"]
        self.trace = loaded.traced["_TRACE"]
        self.args = args
        self.value, self.branches = self.run(args, base=True)

    def run(self, args, base=False):
        self.trace.clear()
        copies = [_copy(a) for a in args]
        try:
            with np.errstate(all="raise"):
                out = self.fn(*copies)
        except FloatingPointError as exc:
            raise Rejected(f"floating point: {exc}") from None
        except Exception as exc:
            raise GeneratorBug(f"the traced program fails: {exc!r}") from exc
        for a, c in zip(args, copies):
            if isinstance(a, np.ndarray) and not np.array_equal(a, c):
                raise GeneratorBug("the program modified its argument in place")
        if not np.isfinite(out) or abs(out) > 1e6:
            raise Rejected(f"value {out}")
        branches = tuple(self.trace)
        if not base and branches != self.branches:
            raise Rejected("branch flip")
        return float(out), branches

    def at(self, args) -> float:
        return self.run(args)[0]

    def directional(self, direction, h: float) -> float:
        """Central difference along ``direction`` (one entry per argument, None = fixed)."""
        plus = [a if d is None else a + h * d for a, d in zip(self.args, direction)]
        minus = [a if d is None else a - h * d for a, d in zip(self.args, direction)]
        return (self.at(plus) - self.at(minus)) / (2 * h)

    def robust(self, direction, ad: float, tol) -> tuple[bool, list]:
        """Whether ``ad`` matches some finite-difference estimate (h=1e-6 first; then other
        steps and a Richardson extrapolation, ignoring those that change branches)."""
        estimates = []
        for h in (1e-6, 1e-5, 1e-7):
            try:
                fd = self.directional(direction, h)
            except Rejected:
                continue
            estimates.append(fd)
            if tol(ad, fd):
                return True, estimates
        try:
            d1 = self.directional(direction, 2e-3)
            d2 = self.directional(direction, 1e-3)
            fd = (4 * d2 - d1) / 3
            estimates.append(fd)
            if tol(ad, fd):
                return True, estimates
        except Rejected:
            pass
        if not estimates:
            raise Rejected("every step changes branches")
        return False, estimates


def _close(scale: float):
    def tol(ad, fd) -> bool:
        return abs(ad - fd) <= 1e-5 * max(abs(ad), abs(fd)) + 2e-6 * scale
    return tol


def _unit(args, i, k):
    out = [None] * len(args)
    e = np.zeros(np.shape(args[i]))
    e.reshape(-1)[k] = 1.0
    out[i] = e if np.ndim(args[i]) else 1.0
    return out


def draw_args(program: Program, rng):
    args = []
    for _, shape in program.params:
        if shape is None:
            args.append(int(rng.integers(1, 4)))
        elif shape == SCALAR:
            v = float(rng.uniform(-1.5, 1.5))
            args.append(v if rng.integers(2) else np.float64(v))
        else:
            args.append(rng.uniform(-1.5, 1.5, size=shape))
    return args


@dataclass(frozen=True)
class Known:
    """An open bug the fuzzer found; its regression test is ``name`` in
    tests/test_fuzz_regressions.py. A failure in ``stage`` whose exception is an
    ``error``, whose traceback text matches ``match`` (a regex) and whose program satisfies
    ``program`` (if given) is this bug."""
    name: str
    stage: str
    error: type
    match: str
    program: object = None


def helper_returns_tuple(source: str) -> bool:
    """Whether some helper returns a tuple."""
    return any(isinstance(node, ast.Return) and isinstance(node.value, ast.Tuple)
               for fn in ast.parse(source).body
               if isinstance(fn, ast.FunctionDef) and fn.name != "f"
               for node in ast.walk(fn))


def helper_rebinds_parameter(source: str) -> bool:
    """Whether some helper assigns to one of its own parameters."""
    for fn in ast.parse(source).body:
        if isinstance(fn, ast.FunctionDef) and fn.name != "f":
            params = {a.arg for a in fn.args.args}
            for node in ast.walk(fn):
                if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) \
                        and node.id in params:
                    return True
    return False


# Open bugs, so that the default run stays green while they are being fixed: a failure
# that matches one is counted (a Hypothesis event, "known bug: ...") and the example ends
# there. Remove an entry when its regression test starts passing (it is strict-xfail, so
# it will say so). S2SAD_FUZZ_KNOWN=fail makes known bugs fail like new ones.
KNOWN_BUGS: list[Known] = [
]

# Second derivatives through calls of helper functions were refused (a TransformError)
# until helpers' adjoints became joint (tests/test_fuzz_regressions.py,
# test_hvp_through_helper_call); set this to make the hvp check only for programs without
# helpers again.
SKIP_HVP_THROUGH_CALLS = False


def known_bug(stage: str, exc: BaseException, source: str = "") -> str | None:
    if os.environ.get("S2SAD_FUZZ_KNOWN") == "fail":
        return None
    text = "".join(traceback.format_exception(exc))
    for k in KNOWN_BUGS:
        if k.stage == stage and isinstance(exc, k.error) and re.search(k.match, text) \
                and (k.program is None or k.program(source)):
            return k.name
    return None


def check_program(program: Program, seed: int, *, hvp: bool = True, tries: int = 4,
                  quiet: bool = False) -> str:
    """Check s2sad's grad, jvp and (if ``hvp``) hvp of ``program.f`` against finite
    differences at inputs drawn from ``seed``. Raises AssertionError (or s2sad's own
    exception, with the program attached as a note) on a disagreement; returns what
    happened ("ok", or the known bug the program ran into).

    In Hypothesis's last run of a failing example (the shrunk one), the program is
    reduced further, statement by statement and expression by expression, to the smallest
    one that fails the same way (``reduce_program``), and that is reported too
    (S2SAD_FUZZ_REDUCE=0 turns this off)."""
    loaded = Loaded(program)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return _check_with_retries(program, loaded, seed, hvp, tries)
    except BaseException as exc:
        if quiet or isinstance(exc, (GeneratorBug, UnsatisfiedAssumption)):
            raise
        # (an AssertionError's message shows the program already)
        text = None if isinstance(exc, AssertionError) else "program:\n" + program.source
        if _final_run() and os.environ.get("S2SAD_FUZZ_REDUCE") != "0":
            loaded.close()
            reduced = reduce_program(program, seed, hvp, signature(exc))
            if reduced.source != program.source:
                text = "reduced program (fails the same way):\n" + reduced.source
        if text and hasattr(exc, "add_note"):
            exc.add_note(text)
        elif text:
            note(text)
        raise
    finally:
        loaded.close()


def _final_run() -> bool:
    """Whether this is Hypothesis's final replay of the (shrunk) failing example."""
    try:
        from hypothesis.control import current_build_context
        return bool(current_build_context().is_final)
    except Exception:  # noqa: BLE001 - outside a test, or another Hypothesis
        return False


def _check_with_retries(program, loaded, seed, hvp, tries) -> str:
    """Inputs from ``seed``; new ones while they sit too close to a branch boundary (or
    make values too large), and after ``tries`` of them the example is rejected."""
    rng = np.random.default_rng(seed)
    last = None
    for _ in range(tries):
        args = draw_args(program, rng)
        try:
            return _check_at(program, loaded, args, rng, hvp)
        except Rejected as exc:
            last = exc
    note(f"rejected: {last}")
    assume(False)
    return "rejected"


def _describe(program, args, what: str) -> str:
    shown = ", ".join(f"{p}={a!r}" for (p, _), a in zip(program.params, args))
    return f"{what}\nargs: {shown}\nprogram:\n{program.source}"


def _check_at(program: Program, loaded: Loaded, args, rng, hvp: bool) -> str:
    f = loaded.module.f
    oracle = Oracle(loaded, args)
    with np.errstate(all="raise"):
        try:
            plain = f(*[_copy(a) for a in args])
        except Exception as exc:
            raise GeneratorBug(f"the program fails: {exc!r}\n{program.source}") from exc
    if plain != oracle.value:
        raise GeneratorBug("plain and traced programs disagree")
    floats = [i for i, (_, s) in enumerate(program.params) if s is not None]
    tangents = [None if s is None else (rng.standard_normal(s) if s else
                                        float(rng.standard_normal()))
                for _, s in program.params]
    stages = [("grad", _check_grad), ("jvp", _check_jvp)]
    if hvp and not (SKIP_HVP_THROUGH_CALLS and "def h" in program.source):
        stages.append(("hvp", _check_hvp))
    state = {}
    for stage, check in stages:
        try:
            check(program, f, oracle, args, floats, tangents, rng, state)
        except (Rejected, GeneratorBug):
            raise
        except Exception as exc:
            name = known_bug(stage, exc, program.source)
            if name is None:
                exc.fuzz_stage = stage
                raise
            event(f"known bug: {name}")
            return name
    return "ok"


def _check_grad(program, f, oracle, args, floats, tangents, rng, state):
    scale = 1.0 + abs(oracle.value)
    value, grads = s2sad.value_and_grad(f, tuple(floats))(*[_copy(a) for a in args])
    state["grads"] = grads
    assert np.shape(value) == () and abs(float(value) - oracle.value) <= 1e-9 * scale, \
        _describe(program, args, f"value_and_grad value {value!r}, plain {oracle.value!r}")
    for i, g in zip(floats, grads):
        a = args[i]
        same_kind = (g.shape == a.shape and g.dtype == a.dtype
                     if isinstance(a, np.ndarray) else type(g) is type(a))
        assert same_kind, _describe(program, args,
                                    f"gradient for {program.params[i][0]}: {type(g).__name__}"
                                    f" of shape {np.shape(g)}: {g!r}")
        flat = np.reshape(np.asarray(g, dtype=float), -1)
        for k in range(flat.size):
            ok, estimates = oracle.robust(_unit(args, i, k), float(flat[k]), _close(scale))
            assert ok, _describe(program, args,
                                 f"gradient for {program.params[i][0]} element {k}: "
                                 f"s2sad {flat[k]!r}, finite differences {estimates}\n"
                                 f"s2sad gradient: {g!r}")


def _check_jvp(program, f, oracle, args, floats, tangents, rng, state):
    scale = 1.0 + abs(oracle.value)
    out, tangent = s2sad.jvp(f, [_copy(a) for a in args], tangents)
    assert np.shape(out) == () and abs(float(out) - oracle.value) <= 1e-9 * scale, \
        _describe(program, args, f"jvp value {out!r}, plain {oracle.value!r}")
    assert np.shape(tangent) == (), _describe(program, args, f"jvp tangent {tangent!r}")
    ok, estimates = oracle.robust(tangents, float(tangent), _close(scale))
    assert ok, _describe(program, args, f"jvp along {tangents!r}: s2sad {tangent!r}, "
                                        f"finite differences {estimates}")
    expect = sum(float(np.vdot(np.asarray(g, dtype=float), np.asarray(tangents[i])))
                 for i, g in zip(floats, state["grads"]))
    assert abs(float(tangent) - expect) <= 1e-7 * (abs(expect) + scale), \
        _describe(program, args, f"jvp {tangent!r} != gradient . tangent {expect!r}")


def _check_hvp(program, f, oracle, args, floats, tangents, rng, state):
    """Forward over reverse against central differences of s2sad's (checked) gradient."""
    i = floats[int(rng.integers(len(floats)))]
    v = tangents[i]
    hv = s2sad.hvp(f, i)(*[_copy(a) for a in args], _copy(v))
    assert np.shape(hv) == np.shape(args[i]), \
        _describe(program, args, f"hvp wrt {program.params[i][0]}: shape {np.shape(hv)}")
    g = s2sad.grad(f, i)
    gscale = 1.0 + float(np.max(np.abs(np.asarray(state["grads"][floats.index(i)],
                                                  dtype=float))))
    best = None
    for h in (1e-5, 1e-6):
        plus, minus = list(args), list(args)
        plus[i] = args[i] + h * v
        minus[i] = args[i] - h * v
        oracle.at(plus)              # both take the branches of the base point
        oracle.at(minus)
        expected = (np.asarray(g(*[_copy(a) for a in plus]), dtype=float)
                    - np.asarray(g(*[_copy(a) for a in minus]), dtype=float)) / (2 * h)
        err = float(np.max(np.abs(np.asarray(hv, dtype=float) - expected)))
        if err <= 1e-4 * (float(np.max(np.abs(expected))) + gscale):
            return
        best = expected if best is None else best
    raise AssertionError(_describe(program, args,
                                   f"hvp wrt {program.params[i][0]} along {v!r}: s2sad "
                                   f"{hv!r}, central differences of the gradient {best!r}"))


# ---------------------------------------------------------------------------------------
# reducing a failing program further than Hypothesis can
# ---------------------------------------------------------------------------------------

_SYMBOLS = {ast.Lt: "<", ast.Gt: ">", ast.LtE: "<=", ast.GtE: ">=", ast.Eq: "==",
            ast.NotEq: "!="}


class _Tracer(ast.NodeTransformer):
    """Every comparison ``a < b`` becomes ``_c(a, '<', b)`` (chains: ``and`` of pairs)."""

    def visit_Compare(self, node):
        self.generic_visit(node)
        if not all(type(op) in _SYMBOLS for op in node.ops):
            return node
        parts, left = [], node.left
        for op, right in zip(node.ops, node.comparators):
            parts.append(ast.Call(ast.Name("_c", ast.Load()),
                                  [left, ast.Constant(_SYMBOLS[type(op)]), right], []))
            left = right
        return parts[0] if len(parts) == 1 else ast.BoolOp(ast.And(), parts)


def traced_source(source: str) -> str:
    """The traced twin of any program (every comparison recorded, not only those on data
    as in the generator's own twin): used for programs that were not generated."""
    tree = ast.fix_missing_locations(_Tracer().visit(ast.parse(source)))
    return TRACER + "\n" + ast.unparse(tree) + "\n"


def program_from_source(source: str, params) -> Program:
    """A `Program` for hand-written (or reduced) source; ``params`` (name, shape) pairs,
    shape None for an int argument."""
    return Program(source, traced_source(source), list(params), set())


def signature(exc: BaseException) -> str:
    """How a check failed, coarsely: the stage, the exception type and the gist of the
    message (numbers dropped), so that a reduced program can be held to fail the same way."""
    stage = getattr(exc, "fuzz_stage", "")
    first = (str(exc).splitlines() or [""])[0]
    if isinstance(exc, AssertionError):
        return f"{stage} AssertionError: " + " ".join(first.split()[:2])
    return f"{stage} {type(exc).__name__}: " + re.sub(r"\d+", "N", first)[:80]


def _variants(tree):
    """Smaller programs, one change each: a statement removed, a compound statement
    replaced by its body, an expression replaced by one of its parts or by 0.5."""
    for node in ast.walk(tree):
        for name in ("body", "orelse"):
            seq = getattr(node, name, None)
            if not isinstance(seq, list):
                continue
            for i, stmt in enumerate(seq):
                if isinstance(node, ast.Module) and not isinstance(stmt, ast.FunctionDef):
                    continue
                if isinstance(stmt, ast.FunctionDef) and stmt.name == "f":
                    continue
                if len(seq) > 1 or name == "orelse":
                    yield ("delete", node, name, i, None)
                if isinstance(stmt, (ast.If, ast.For, ast.While)):
                    yield ("unwrap", node, name, i, "body")
                    if stmt.orelse:
                        yield ("unwrap", node, name, i, "orelse")
    functions = [fn for fn in tree.body if isinstance(fn, ast.FunctionDef)]
    for node in (n for fn in functions for stmt in fn.body for n in ast.walk(stmt)):
        for name, value in ast.iter_fields(node):
            items = [(None, value)] if isinstance(value, ast.expr) else (
                list(enumerate(value)) if isinstance(value, list) else [])
            for i, child in items:
                if not isinstance(child, ast.expr) or isinstance(child, (ast.Name,
                                                                         ast.Constant)) \
                        or isinstance(getattr(child, "ctx", None), ast.Store) \
                        or isinstance(node, ast.Call) and name == "func":
                    continue
                parts = sorted({ast.unparse(c): c for c in ast.walk(child)
                                if isinstance(c, ast.expr) and c is not child
                                and not isinstance(c, ast.Attribute)
                                and not (isinstance(c, ast.Name) and c.id == "np")}.values(),
                               key=lambda c: len(ast.unparse(c)))
                for part in parts + [ast.Constant(0.5)]:
                    yield ("replace", node, name, i, part)


def _apply(change) -> None:
    kind, node, name, i, extra = change
    if kind == "delete":
        del getattr(node, name)[i]
        if name == "body" and not getattr(node, name):
            getattr(node, name).append(ast.Pass())
    elif kind == "unwrap":
        seq = getattr(node, name)
        seq[i:i + 1] = getattr(seq[i], extra) or [ast.Pass()]
    elif i is None:
        setattr(node, name, copy.deepcopy(extra))
    else:
        getattr(node, name)[i] = copy.deepcopy(extra)


def reduce_program(program: Program, seed: int, hvp: bool, wanted: str,
                   budget: float = 180.0) -> Program:
    """The smallest program (greedy, one change at a time, for at most ``budget`` seconds)
    whose check fails with the same `signature` as ``program``'s."""
    import time
    deadline = time.monotonic() + budget

    def fails_the_same(source: str) -> bool:
        try:
            candidate = program_from_source(source, program.params)
            check_program(candidate, seed, hvp=hvp, quiet=True)
        except (GeneratorBug, UnsatisfiedAssumption, Rejected, SyntaxError):
            return False
        except Exception as exc:      # noqa: BLE001 - any failure, compared by signature
            return signature(exc) == wanted
        return False

    best = program.source
    progress = True
    while progress and time.monotonic() < deadline:
        progress = False
        count = sum(1 for _ in _variants(ast.parse(best)))
        for k in range(count):
            if time.monotonic() > deadline:
                break
            tree = ast.parse(best)
            _apply(next(itertools.islice(_variants(tree), k, None)))
            try:
                source = ast.unparse(tree) + "\n"
            except Exception:  # noqa: BLE001, S112 - an impossible tree: skip it
                continue
            if len(source) < len(best) and fails_the_same(source):
                best, progress = source, True
                break
    lines = best.splitlines()
    for name in CONSTANT_ARRAYS.values():
        rest = [ln for ln in lines if not ln.startswith(name + " =")]
        if not any(re.search(rf"\b{name}\b", ln) for ln in rest):
            lines = rest
    return program_from_source("\n".join(lines) + "\n", program.params)


def sample(n: int = 5, seed: int = 0) -> list[Program]:
    """``n`` programs drawn outside a test (for looking at what the generator makes)."""
    from hypothesis import HealthCheck, given, settings
    out = []

    @settings(max_examples=n, database=None, deadline=None, derandomize=seed == 0,
              suppress_health_check=list(HealthCheck))
    @given(programs())
    def collect(p):
        out.append(p)
    collect()
    return out[:n]


if __name__ == "__main__":
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for p in sample(int(sys.argv[1]) if len(sys.argv) > 1 else 5):
            print(p.source)
            print("#", sorted(p.features))
            print("# " + "-" * 70)
