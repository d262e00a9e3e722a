"""Every derivative rule in ``s2sad.rules.registry()``, one table row per rule use.

In the style of autograd's own tests: a table of ``Row(key, snippet, cases)`` and one
driver. For each row and each case (the kinds and shapes of the snippet's arguments) the
driver writes a module

    def f(x, y, w):
        out = <snippet>
        return np.sum(w * out)          # w: a fixed random weight, so the seed is not ones

    def g(x, y):
        return <snippet>

to a temporary file (s2sad reads source), and checks ``s2sad.grad(f)`` with respect to
every float argument, and ``s2sad.vjp(g)`` with the cotangent ``w``, against an
independent oracle: autograd running the same snippet (or an autograd.numpy equivalent),
or central finite differences where autograd has no such function. s2sad is never
compared with itself.

`test_every_rule_has_a_row` fails when a shipped template has no row here.
"""

from __future__ import annotations

import ast
import builtins
import importlib.util
import itertools
import math
import operator
import zlib
from dataclasses import dataclass

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

import s2sad
from s2sad.rules import registry

# autograd warns when a snippet's output does not depend on one of its arguments
pytestmark = pytest.mark.filterwarnings("ignore:Output seems independent of input")

# -- argument kinds -------------------------------------------------------------------
# float: a Python float; np.float64 / np.float32: a NumPy scalar; a tuple of ints: a
# float64 array of that shape (() is a 0-d array); the tagged tuples below: the rest.

F, F64, F32 = float, np.float64, np.float32


def B(*shape):
    """A boolean array (a condition or mask; not differentiated)."""
    return ("bool", shape)


def L(n):
    """A Python list of ``n`` floats."""
    return ("list", n)


def I(*values):
    """An integer index array with these values (not differentiated)."""
    return ("int", values)


def A32(*shape):
    """A float32 array."""
    return ("f32", shape)


def _spec_id(spec) -> str:
    if spec is float:
        return "float"
    if spec in (np.float64, np.float32):
        return spec.__name__
    if isinstance(spec, tuple) and spec and isinstance(spec[0], str):
        kind, rest = spec
        return f"{kind}{rest}" if kind != "f32" else "f32" + "x".join(map(str, rest))
    return "x".join(map(str, spec)) if spec else "0d"


def _sample(rng, shape, domain: str):
    if domain == "pos":       # log, sqrt, the base of a power
        return rng.uniform(0.5, 2.0, shape)
    if domain == "any":       # both signs, away from 0 (abs, divide, maximum ties)
        return rng.choice([-1.0, 1.0], shape) * rng.uniform(0.4, 1.4, shape)
    raise ValueError(domain)


def _make(spec, rng, domain: str):
    if spec is float:
        return float(_sample(rng, (), domain))
    if spec in (np.float64, np.float32):
        return spec(_sample(rng, (), domain))
    if isinstance(spec, tuple) and spec and isinstance(spec[0], str):
        kind, rest = spec
        if kind == "bool":
            return rng.random(rest) > 0.5
        if kind == "list":
            return [float(v) for v in _sample(rng, (rest,), domain)]
        if kind == "int":
            return np.array(rest)
        if kind == "f32":
            return _sample(rng, rest, domain).astype(np.float32)
    return np.asarray(_sample(rng, spec, domain))


def _is_float_arg(value) -> bool:
    if isinstance(value, list):
        return True
    return isinstance(value, (float, np.floating)) or (
        isinstance(value, np.ndarray) and value.dtype.kind == "f")


# -- the table ------------------------------------------------------------------------

FD = "finite differences"
ZERO = "zero"


@dataclass(frozen=True)
class Row:
    key: object               # the registry key the snippet exercises
    snippet: str              # an expression of the parameters
    cases: tuple              # each: one argument kind per parameter
    params: str = "x"
    domain: tuple = ()        # one domain per parameter ("any" when not given)
    oracle: str | None = None  # an autograd snippet instead of `snippet`; FD; ZERO
    check: object = None      # predicate on the drawn arguments (redrawn until true)
    marks: tuple = ()


def rows(key, snippets, cases, **kw) -> list[Row]:
    if isinstance(snippets, str):
        snippets = [snippets]
    return [Row(key, s, tuple(tuple(c) if isinstance(c, (tuple, list)) and not _single(c)
                              else (c,) for c in cases), **kw) for s in snippets]


def _single(c) -> bool:
    """Is ``c`` one argument kind (a shape or tagged tuple) rather than a tuple of them?"""
    if isinstance(c, tuple) and (not c or all(isinstance(n, int) for n in c)):
        return True
    return isinstance(c, tuple) and len(c) == 2 and isinstance(c[0], str)


UNARY = [F, F64, (), (2,), (3, 2)]
SCALARS = [F, F64, ()]
# every broadcasting-compatible pairing of a scalar, (2,), (3, 2) and (1, 2)
BINARY_KINDS = [F, (), (2,), (3, 2), (1, 2)]


def _broadcastable(*kinds) -> bool:
    try:
        np.broadcast_shapes(*(k if isinstance(k, tuple) else () for k in kinds))
    except ValueError:
        return False
    return True


BINARY = [pair for pair in itertools.product(BINARY_KINDS, repeat=2)
          if _broadcastable(*pair)] + [(F64, (3, 2)), ((2,), F64), (F64, F)]

MATMUL = [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)),
          ((5, 2, 3), (3, 4)), ((5, 2, 3), (5, 3, 4)), ((2, 3), (5, 3, 4)),
          ((3,), (5, 3, 4)), ((5, 2, 3), (3,)), ((1, 2, 3), (5, 3, 4))]
DOT = [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)),
       (F, (3,)), ((2, 3), F), ((), (2, 3)), (F, F)]

REDUCE = ["", "axis=0", "axis=-1", "1", "axis=(0, 2)", "axis=(-1, 0)",
          "axis=None, keepdims=True", "axis=1, keepdims=True", "axis=(0, -1), keepdims=True",
          "keepdims=True", "-2, None, None, True"]


def reductions(key, fn: str, method: bool) -> list[Row]:
    out = []
    for a in REDUCE:
        if method:
            if a.startswith("-2, None"):
                continue  # ndarray.sum(axis, dtype, out, keepdims): same order, kept below
            snippet = f"x.{fn}({a})"
        else:
            snippet = f"np.{fn}(x{', ' + a if a else ''})"
        # autograd's sum and mean take no positional dtype, out, keepdims
        oracle = f"np.{fn}(x, -2, keepdims=True)" if a.startswith("-2, None") else None
        out += rows(key, snippet, [(3, 2, 4)], oracle=oracle)
    whole = f"x.{fn}()" if method else f"np.{fn}(x)"
    out += rows(key, whole, [(2,), ()] + ([] if method else [F, F64]))
    return out


def _mod_ok(x, y) -> bool:
    q = np.mod(np.asarray(x) / np.asarray(y), 1.0)
    return bool(np.all(np.abs(q - 0.5) < 0.4))


ELEMENTWISE_UNARY = [
    (np.negative, "np.negative(x)", "any"), (np.exp, "np.exp(x)", "any"),
    (np.log, "np.log(x)", "pos"), (np.sin, "np.sin(x)", "any"),
    (np.cos, "np.cos(x)", "any"), (np.tanh, "np.tanh(x)", "any"),
    (np.sqrt, "np.sqrt(x)", "pos"), (np.absolute, "np.abs(x)", "any"),
    (np.absolute, "np.absolute(x)", "any"), (np.square, "np.square(x)", "any"),
    (operator.neg, "-x", "any"), (operator.pos, "+x", "any", "x"), (abs, "abs(x)", "any"),
]

ELEMENTWISE_BINARY = [
    (np.add, "np.add(x, y)", "any"), (np.subtract, "np.subtract(x, y)", "any"),
    (np.multiply, "np.multiply(x, y)", "any"), (np.divide, "np.divide(x, y)", "any"),
    (np.power, "np.power(x, y)", "pos"), (np.maximum, "np.maximum(x, y)", "any"),
    (np.minimum, "np.minimum(x, y)", "any"),
    (operator.add, "x + y", "any"), (operator.sub, "x - y", "any"),
    (operator.mul, "x * y", "any"), (operator.truediv, "x / y", "any"),
    (operator.pow, "x ** y", "pos"), (operator.mod, "x % y", "any"),
]

MATH = [(math.sin, "np.sin(x)", "any"), (math.cos, "np.cos(x)", "any"),
        (math.tan, "np.tan(x)", "any"), (math.exp, "np.exp(x)", "any"),
        (math.log, "np.log(x)", "pos"), (math.sqrt, "np.sqrt(x)", "pos"),
        (math.tanh, "np.tanh(x)", "any"), (math.fabs, "np.abs(x)", "any")]

TABLE: list[Row] = []
for key, snippet, dom, *oracle in ELEMENTWISE_UNARY:  # autograd has no unary +
    TABLE += rows(key, snippet, UNARY, domain=(dom,), oracle=(oracle or [None])[0])
for key, snippet, dom in ELEMENTWISE_BINARY:
    TABLE += rows(key, snippet, BINARY, params="x, y", domain=(dom, "any"),
                  check=_mod_ok if key is operator.mod else None)
for key, oracle, dom in MATH:
    TABLE += rows(key, f"math.{key.__name__}(x)", SCALARS, domain=(dom,), oracle=oracle)

TABLE += [
    # constants on one side
    *rows(operator.pow, ["x ** 2", "x ** 0.5", "x ** 3.0"], [F, (3, 2)], domain=("pos",)),
    *rows(operator.pow, "2.0 ** x", [F, (3, 2)]),
    *rows(operator.truediv, ["x / 3.0", "3.0 / x"], [F, (3, 2)]),
    *rows(operator.sub, "1.0 - x", [F, (3, 2)]),
    *rows(operator.mul, "x * 2", [F, (3, 2)]),
    *rows(operator.mod, "x % 0.7", [F, (3, 2)], check=lambda x: _mod_ok(x, 0.7)),
    *rows(np.power, "np.power(x, 2.0)", [F, (2,), (3, 2)], domain=("pos",)),
    *rows(np.maximum, "np.maximum(x, 0.0)", [F, (3, 2)]),
    *rows(np.minimum, "np.minimum(0.3, x)", [F, (3, 2)]),
    # the same variable on both sides
    *rows(operator.mul, "x * x", [F, (3, 2)]),
    *rows(np.subtract, "np.subtract(x, x * 2.0)", [(3, 2)]),
    *rows(np.maximum, "np.maximum(x, -x)", [(3, 2)]),
    # float(): autograd cannot run it; finite differences
    *rows(float, "float(x)", SCALARS, oracle=FD),
    # np.where: the condition is a boolean argument, never differentiated
    *rows(np.where, "np.where(c, x, y)", [(B(3, 2), (3, 2), (3, 2))], params="c, x, y"),
    # autograd's np.where does not unbroadcast (it returns a (3, 2) gradient for a (2,) x)
    *rows(np.where, "np.where(c, x, y)",
          [(B(3, 2), (2,), F), (B(2,), (3, 2), (1, 2)), (B(3, 1), F, (2,)),
           (B(), (3, 2), ()), (B(3, 2), F, F)], params="c, x, y", oracle=FD),
    *rows(np.where, ["np.where(x > 0.0, x, 0.0)", "np.where(x > 0.0, 0.5, x * x)"],
          [(2,), (3, 2)]),
    # products
    *rows(np.matmul, "np.matmul(x, y)", MATMUL, params="x, y"),
    *rows(operator.matmul, "x @ y", MATMUL, params="x, y"),
    *rows(np.dot, "np.dot(x, y)", DOT, params="x, y"),
    *rows(np.ndarray.dot, "x.dot(y)", [c for c in DOT if c[0] is not F], params="x, y",
          oracle="np.dot(x, y)"),
    *rows(np.dot, "np.dot(x, x)", [(3,)]),
    # reductions
    *reductions(np.sum, "sum", method=False),
    *reductions(np.ndarray.sum, "sum", method=True),
    *reductions(np.mean, "mean", method=False),
    *reductions(np.ndarray.mean, "mean", method=True),
    # shape
    *rows(np.reshape, ["np.reshape(x, (4, 6))", "np.reshape(x, -1)",
                       "np.reshape(x, (6, -1), order='F')", "np.reshape(x, shape=(2, 12))",
                       "np.reshape(x, (3, 2, 4))"], [(2, 3, 4)]),
    *rows(np.reshape, "np.reshape(x, (1, 1))", [F, ()]),
    *rows(np.ndarray.reshape, ["x.reshape(4, 6)", "x.reshape((6, 4))", "x.reshape(-1)",
                               "x.reshape(2, -1, 3)", "x.reshape([24])"], [(2, 3, 4)]),
    *rows(np.ndarray.reshape, "x.reshape(1, 1)", [()]),
    *rows(np.ndarray.reshape, "x.reshape(-1, order='F')", [(2, 3)],
          oracle="np.reshape(x, -1, order='F')"),
    *rows(np.transpose, ["np.transpose(x)", "np.transpose(x, (1, 2, 0))",
                         "np.transpose(x, axes=(2, 0, 1))"], [(2, 3, 4)]),
    # autograd's transpose gradient is wrong for negative axes: its oracle has them positive
    *rows(np.transpose, "np.transpose(x, (-1, 0, 1))", [(2, 3, 4)],
          oracle="np.transpose(x, (2, 0, 1))"),
    *rows(np.transpose, "np.transpose(x, [0, -1, -2])", [(2, 3, 4)],
          oracle="np.transpose(x, [0, 2, 1])"),
    *rows(np.transpose, "np.transpose(x)", [(3, 2), (2,), ()]),
    *rows(np.ndarray.transpose, ["x.transpose()", "x.transpose((2, 0, 1))",
                                 "x.transpose(None)"], [(2, 3, 4)]),
    # autograd's ArrayBox.transpose takes the axes as one tuple only
    *rows(np.ndarray.transpose, "x.transpose(1, 2, 0)", [(2, 3, 4)],
          oracle="np.transpose(x, (1, 2, 0))"),
    *rows(np.ndarray.transpose, "x.transpose(-1, 0, -2)", [(2, 3, 4)],
          oracle="np.transpose(x, (2, 0, 1))"),
    *rows(np.ndarray.transpose, "x.transpose((0, -1, 1))", [(2, 3, 4)],
          oracle="np.transpose(x, (0, 2, 1))"),
    *rows(np.ndarray.transpose, "x.transpose()", [(3, 2), (2,)]),
    *rows(np.ndarray.T, "x.T", [(3, 2), (2, 3, 4), (2,), ()]),
    # astype: the identity for a float cast, zero for an integer or boolean one
    *rows(np.ndarray.astype, ["x.astype(float)", "x.astype(np.float32)",
                              "x.astype(np.float64, copy=False)"], [(3, 2), F64], oracle="x"),
    *rows(np.ndarray.astype, "x.astype(int) * x", [(3, 2)], oracle="np.trunc(x) * x"),
    *rows(np.ndarray.astype, "x.astype(bool)", [(3, 2)], oracle=ZERO),
    *rows(np.ndarray.astype, "x.astype(np.float32)", [A32(3, 2)], oracle="x"),
    # norms (ord None, 2 and "fro": the ones with a rule)
    *rows(np.linalg.norm, "np.linalg.norm(x)", [(3,), (3, 2), (2, 3, 4), ()]),
    *rows(np.linalg.norm, "np.linalg.norm(x)", [F], oracle="np.abs(x)"),  # autograd: no float
    *rows(np.linalg.norm, ["np.linalg.norm(x, axis=1)", "np.linalg.norm(x, axis=-1)",
                           "np.linalg.norm(x, 2, 0)", "np.linalg.norm(x, ord=2, axis=-1)",
                           "np.linalg.norm(x, 'fro')", "np.linalg.norm(x, keepdims=True)"],
          [(3, 2)]),
    # autograd's norm gradient has extra leading axes with keepdims and an axis
    *rows(np.linalg.norm, "np.linalg.norm(x, axis=0, keepdims=True)", [(3, 2)],
          oracle="np.sqrt(np.sum(x * x, axis=0, keepdims=True))"),
    *rows(np.linalg.norm, "np.linalg.norm(x, ord=None, axis=(0, 1), keepdims=True)", [(3, 2)],
          oracle="np.sqrt(np.sum(x * x, axis=(0, 1), keepdims=True))"),
    *rows(np.linalg.norm, ["np.linalg.norm(x, 2)", "np.linalg.norm(x, ord=2, keepdims=True)"],
          [(3,)]),
    *rows(np.linalg.norm, ["np.linalg.norm(x, axis=(0, 2))", "np.linalg.norm(x, 'fro', (2, 1))",
                           "np.linalg.norm(x, axis=1)"], [(2, 3, 4)]),
    # indexing
    *rows(operator.getitem, ["x[0]", "x[-1]", "x[1:]", "x[::-2]", "x[None]", "x[...]",
                             "x[[0, 2, 0]]"], [(3,)]),
    *rows(operator.getitem, "x[[True, False, True]]", [(3,)], oracle=FD),  # autograd fails
    *rows(operator.getitem, ["x[1:, 0]", "x[0]", "x[:, -1]", "x[..., 1]", "x[:, None, 0]",
                             "x[::2, ::-1]", "x[[0, 2, 0]]", "x[[0, 2], 1]", "x[1:, [1, 1]]",
                             "x[[0, 0, 2], [1, 1, 0]]", "x[x > 0.0]", "x[-1, -1]"], [(3, 2)]),
    *rows(operator.getitem, "x[i]", [((3, 2), I(0, 2, 2)), ((3,), I(1, 1)),
                                     ((3, 2), I([0, 1], [1, 1]))], params="x, i"),
    *rows(operator.getitem, "x[c]", [((3, 2), B(3, 2)), ((3, 2), B(3,))], params="x, c"),
    *rows(operator.getitem, "x[1]", [L(3)]),
    *rows(operator.getitem, ["(x, y)[1]", "[x, y, x][0]", "(x, y)[-2]"],
          [(F, F), ((2,), (3, 2)), ((), F)], params="x, y"),
]

# nondifferentiable functions: the gradient is zero (oracle ZERO: the output does not
# depend on the input differentiably) or flows only through the differentiable part
# (autograd); either way no error.
NONDIFF = [
    *rows(np.floor, "np.floor(x)", [F, (3, 2)], oracle=ZERO),
    *rows(np.floor, "np.floor(x) * x", [F, (3, 2)]),
    *rows(np.ceil, "np.ceil(x)", [(3, 2)], oracle=ZERO),
    *rows(np.round, "np.round(x)", [(3, 2)], oracle=ZERO),
    *rows(np.sign, "np.sign(x)", [F, (3, 2)], oracle=ZERO),
    *rows(np.sign, "np.sign(x) * x", [F, (3, 2)]),
    *rows(np.argmax, "x[np.argmax(x)]", [(4,)]),
    *rows(np.argmax, "x[np.argmax(x, axis=0), 1]", [(4, 2)]),
    *rows(np.argmax, "np.argmax(x) * 1.0", [(4,)], oracle=ZERO),
    *rows(np.argsort, "x[np.argsort(x)]", [(4,)]),
    *rows(np.ndarray.argmin, "x[x.argmin()]", [(4,)]),
    *rows(operator.gt, "x > 0.0", [F, (3, 2)], oracle=ZERO),
    *rows(operator.gt, "x * (x > 0.0)", [F, (3, 2)]),
    *rows(np.greater, "np.greater(x, 0.0) * x", [(3, 2)]),
    *rows(operator.eq, "(x == x) * 1.0", [(3, 2)], oracle=ZERO),
    *rows(len, "len(x) * 1.0", [(3, 2)], oracle=ZERO),
    *rows(len, "x * len(x)", [(3, 2)]),
    *rows(np.ndarray.shape, "x.shape[0] * 1.0", [(3, 2)], oracle=ZERO),
    *rows(np.ndarray.shape, "x / x.shape[0]", [(3, 2)]),
    *rows(np.ndarray.size, "x * x.size", [(3, 2)]),
    *rows(np.zeros_like, "np.zeros_like(x)", [(3, 2)], oracle=ZERO),
    *rows(np.ones_like, "np.ones_like(x) * x", [(3, 2)]),
    *rows(s2sad.stop_gradient, "s2sad.stop_gradient(x)", [F, (3, 2)], oracle=ZERO),
    *rows(s2sad.stop_gradient, "s2sad.stop_gradient(x * x) + x", [(3, 2)], oracle="x"),
    *rows(math.floor, "math.floor(x) * 1.0", [F], oracle=ZERO),
    *rows(math.floor, "math.floor(x) * x", [F], oracle="np.floor(x) * x"),
    *rows(int, "int(x) * x", [F, F64], oracle="np.trunc(x) * x"),
    *rows(round, "round(x) * 1.0", [F], oracle=ZERO),
]


# -- the driver -----------------------------------------------------------------------

MODULE = """\
import math
import operator

import numpy as np

import s2sad


def f({params}, w):
    out = {snippet}
    return np.sum(w * out)


def g({params}):
    return {snippet}
"""

ORACLE = """\
def f({params}, w):
    out = {snippet}
    return np.sum(w * out)
"""


_MODULES: dict = {}


@pytest.fixture(scope="module")
def module_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("rule_cases")


def _load(directory, row: Row):
    """The module of a row's snippet, written and imported once per snippet (so that the
    derivatives s2sad memoizes per function serve every case of the row)."""
    key = (row.params, row.snippet)
    if key not in _MODULES:
        name = f"rule_case_{len(_MODULES)}"
        path = directory / f"{name}.py"
        path.write_text(MODULE.format(params=row.params, snippet=row.snippet))
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _MODULES[key] = module
    return _MODULES[key]


def _draw(row: Row, case, seed: int):
    rng = np.random.default_rng(seed)
    domains = list(row.domain) + ["any"] * (len(case) - len(row.domain))
    for _ in range(200):
        args = [_make(spec, rng, dom) for spec, dom in zip(case, domains)]
        if row.check is None or row.check(*args):
            return args
    raise AssertionError(f"no arguments for {row.snippet} pass its check")


def _fd(f, args, i, eps=1e-6):
    """Central differences of the scalar ``f(*args)`` w.r.t. ``args[i]``, elementwise."""
    x = args[i]
    flat = np.array(x, dtype=np.float64).reshape(-1)
    out = np.zeros(flat.size)
    for k in range(flat.size):
        values = []
        for h in (eps, -eps):
            moved = flat.copy()
            moved[k] += h
            if isinstance(x, np.ndarray):
                arg = moved.reshape(x.shape)
            elif isinstance(x, list):
                arg = [float(v) for v in moved]
            else:
                arg = type(x)(moved[0])
            values.append(float(f(*args[:i], arg, *args[i + 1:])))
        out[k] = (values[0] - values[1]) / (2 * eps)
    return out.reshape(np.shape(x))


def _oracle(row: Row, module, args, wrt):
    if row.oracle == ZERO:
        return [np.zeros(np.shape(args[i])) for i in wrt]
    if row.oracle == FD:
        return [_fd(module.f, args, i) for i in wrt]
    namespace = {"np": anp, "math": math, "operator": operator, "s2sad": s2sad}
    exec(ORACLE.format(params=row.params, snippet=row.oracle or row.snippet), namespace)
    return [autograd.grad(namespace["f"], i)(*args) for i in wrt]


def _assert_like(g, x, what):
    """A gradient has the type, shape and dtype of its input."""
    if isinstance(x, np.ndarray):
        assert isinstance(g, np.ndarray), (what, type(g))
        assert g.shape == x.shape and g.dtype == x.dtype, (what, g.shape, g.dtype)
    elif isinstance(x, list):
        assert isinstance(g, list) and len(g) == len(x), (what, g)
        assert all(type(v) is float for v in g), (what, g)
    else:
        assert type(g) is type(x), (what, type(g), type(x))


def _close(got, expected, tol, what):
    np.testing.assert_allclose(np.asarray(got, dtype=np.float64),
                               np.asarray(expected, dtype=np.float64),
                               rtol=tol, atol=tol, err_msg=what)


def run_row(row: Row, case, directory, seed: int, modes=("grad", "vjp")):
    args = _draw(row, case, seed)
    module = _load(directory, row)
    out = module.g(*args)
    w = np.random.default_rng(seed + 1).standard_normal(np.shape(out))
    names = row.params.split(", ")
    wrt = tuple(i for i, a in enumerate(args) if _is_float_arg(a))
    single = any(isinstance(a, (np.float32, np.ndarray)) and a.dtype == np.float32
                 for a in args)
    tol = 2e-4 if single else (1e-5 if row.oracle == FD else 1e-9)
    expected = _oracle(row, module, args + [w], wrt)

    if "grad" in modes:  # f = sum(w * snippet), w.r.t. every float argument at once
        grads = s2sad.grad(module.f, wrt=wrt)(*args, w)
        value, _ = s2sad.value_and_grad(module.f, wrt=wrt)(*args, w)
        _close(value, module.f(*args, w), tol, "value")
        assert isinstance(grads, tuple) and len(grads) == len(wrt)
        for i, got, exp in zip(wrt, grads, expected):
            _assert_like(got, args[i], f"grad w.r.t. {names[i]}")
            _close(got, exp, tol, f"grad w.r.t. {names[i]}")

    if "vjp" in modes:  # g = snippet, pulled back with the cotangent w: the same numbers
        value, pullback = s2sad.vjp(module.g, *args)
        _close(value, out, tol, "vjp value")
        cts = pullback(float(w) if isinstance(value, float) else w)
        assert len(cts) == len(args)
        for i, ct in enumerate(cts):
            if i not in wrt:
                assert ct is None, f"vjp cotangent of {names[i]}"
                continue
            _assert_like(ct, args[i], f"vjp cotangent of {names[i]}")
            _close(ct, expected[wrt.index(i)], tol, f"vjp cotangent of {names[i]}")


def _params(table):
    out = []
    for row in table:
        name = getattr(row.key, "__qualname__", getattr(row.key, "__name__", repr(row.key)))
        for case in row.cases:
            ident = f"{name}|{row.snippet}|{','.join(_spec_id(s) for s in case)}"
            out.append(pytest.param(row, case, id=ident, marks=row.marks))
    return out


def _seed(request) -> int:
    return zlib.crc32(request.node.callspec.id.encode())


@pytest.mark.parametrize("row,case", _params(TABLE))
def test_rule(row, case, module_dir, request):
    run_row(row, case, module_dir, _seed(request))


def _nondiff_params():
    out = []
    for p in _params(NONDIFF):
        row, case = p.values
        out.append(pytest.param(row, case, "grad", id=p.id + "|grad"))
        marks = []
        out.append(pytest.param(row, case, "vjp", id=p.id + "|vjp", marks=marks))
    return out


@pytest.mark.parametrize("row,case,mode", _nondiff_params())
def test_nondifferentiable(row, case, mode, module_dir, request):
    run_row(row, case, module_dir, _seed(request), modes=(mode,))


# -- float32 in, float32 out ----------------------------------------------------------

FLOAT32 = [
    *rows(np.tanh, "np.tanh(x)", [A32(3, 2), F32]),
    *rows(np.exp, "np.exp(x)", [A32(3, 2)]),
    *rows(np.log, "np.log(x)", [A32(2,)], domain=("pos",)),
    *rows(np.absolute, "np.abs(x)", [A32(2,)]),
    *rows(operator.mul, "x * y", [(A32(3, 2), A32(2,)), (A32(3, 2), F), (F32, A32(2,)),
                                  (A32(2,), (2,))], params="x, y"),
    *rows(operator.add, "x + y", [(A32(3, 2), A32(1, 2)), (F, A32(2,))], params="x, y"),
    *rows(operator.truediv, "x / y", [(A32(2,), F32), (A32(3, 2), A32(2,))], params="x, y"),
    *rows(np.maximum, "np.maximum(x, y)", [(A32(3, 2), A32(2,))], params="x, y"),
    *rows(operator.pow, "x ** 2", [A32(3,)]),
    *rows(operator.matmul, "x @ y", [(A32(2, 3), A32(3,))], params="x, y"),
    *rows(np.sum, "np.sum(x, axis=0)", [A32(3, 2)]),
    *rows(np.ndarray.mean, "x.mean()", [A32(3, 2)]),
    *rows(operator.getitem, "x[1:, 0]", [A32(3, 2)]),
    *rows(np.linalg.norm, "np.linalg.norm(x, axis=1)", [A32(3, 2)]),
]


@pytest.mark.parametrize("row,case", _params(FLOAT32))
def test_float32(row, case, module_dir, request):
    run_row(row, case, module_dir, _seed(request))


# -- maximum and minimum at a tie: half the gradient to each side, as autograd ----------

def tie_max(x, y):
    return np.sum(np.array([1.0, 2.0, 3.0]) * np.maximum(x, y))


def tie_min(x, y):
    return np.sum(np.array([1.0, 2.0, 3.0]) * np.minimum(x, y))


def tie_scalar(x, y):
    return np.maximum(x, y) * 3.0


@pytest.mark.parametrize("fn,aop", [(tie_max, anp.maximum), (tie_min, anp.minimum)])
def test_maximum_minimum_tie_splits_the_gradient(fn, aop):
    x = np.array([1.0, 2.0, 3.0])
    y = np.array([1.0, 0.0, 5.0])   # a tie at 0
    gx, gy = s2sad.grad(fn, wrt=(0, 1))(x, y)
    weights = np.array([1.0, 2.0, 3.0])

    def oracle(a, b):
        return anp.sum(weights * aop(a, b))

    np.testing.assert_allclose(gx, autograd.grad(oracle, 0)(x, y))
    np.testing.assert_allclose(gy, autograd.grad(oracle, 1)(x, y))
    assert gx[0] == 0.5 and gy[0] == 0.5
    assert s2sad.grad(tie_scalar, wrt=(0, 1))(2.0, 2.0) == (1.5, 1.5)


# -- the table covers every rule --------------------------------------------------------

def _shipped_rules():
    # the rules of s2sad's own runtime helpers (templates/s2sad.py) have their table in
    # tests/test_runtime_rules.py
    return {key: rule for key, rule in registry().rules.items()
            if rule.adjoint_fn is not None
            and rule.adjoint_fn.__module__.startswith("s2sad.templates.")
            and rule.adjoint_fn.__module__ != "s2sad.templates.s2sad"}


def all_rows() -> list:
    """The rows of this table and of every family table (tests/test_rules_*.py)."""
    import importlib
    from pathlib import Path
    found = list(TABLE)
    for path in sorted(Path(__file__).parent.glob("test_rules_*.py")):
        found += getattr(importlib.import_module(path.stem), "TABLE", [])
    return found


def test_every_rule_has_a_row():
    covered = {id(row.key) for row in all_rows()}
    missing = [f"{getattr(k, '__module__', '') or ''}.{getattr(k, '__qualname__', k)}"
               for k in _shipped_rules() if id(k) not in covered]
    assert not missing, f"rules without a row in tests/test_rules.py: {missing}"
    assert len(_shipped_rules()) >= 50


def test_every_nondiff_row_is_nondifferentiable():
    nondiff = registry().nondiff
    assert all(row.key in nondiff for row in NONDIFF)


_BINOPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
           ast.Div: operator.truediv, ast.Pow: operator.pow, ast.Mod: operator.mod,
           ast.MatMult: operator.matmul}
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos}
_CMP = {ast.Gt: operator.gt, ast.Eq: operator.eq, ast.Lt: operator.lt}


def keys_in(snippet: str, params: str) -> list:
    """The functions a snippet calls, found by reading it (not through s2sad)."""
    names = set(params.split(", "))
    scope = {"np": np, "math": math, "operator": operator, "s2sad": s2sad,
             **vars(builtins)}
    tree = ast.parse(snippet, mode="eval")
    called = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp):
            found.append(_BINOPS[type(node.op)])
        elif isinstance(node, ast.UnaryOp):
            found.append(_UNARY[type(node.op)])
        elif isinstance(node, ast.Compare):
            found.append(_CMP[type(node.ops[0])])
        elif isinstance(node, ast.Subscript):
            found.append(operator.getitem)
        elif isinstance(node, (ast.Attribute, ast.Name)) and (
                id(node) in called or isinstance(node, ast.Attribute)):
            root = node
            while isinstance(root, ast.Attribute):
                root = root.value
            if isinstance(root, ast.Name) and root.id in names:
                if isinstance(node, ast.Attribute):
                    found.append(getattr(np.ndarray, node.attr))
            elif isinstance(root, ast.Name):
                found.append(eval(ast.unparse(node), scope))
    return found


@pytest.mark.parametrize("row", TABLE + NONDIFF + FLOAT32,
                         ids=lambda r: r.snippet if isinstance(r, Row) else None)
def test_row_uses_its_rule(row):
    """A row's snippet really calls the function the row claims to test."""
    assert any(k is row.key for k in keys_in(row.snippet, row.params)), \
        (row.snippet, keys_in(row.snippet, row.params))
