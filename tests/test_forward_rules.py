"""Every derivative rule in forward mode: `s2sad.jvp` against an independent oracle.

The rows and cases are those of tests/test_rules.py (its TABLE, NONDIFF and FLOAT32); this
file adds a forward-mode driver. For each row and case it writes a module

    def g(x, y):
        return probe(<snippet>)      # the identity; its tangent rule records the tangent

    def s(x, y):
        return np.sum(<snippet>)

and checks, along a random tangent direction ``v`` (one entry per float argument):

- ``s2sad.jvp(g, args, v)``: the value, and the tangent against autograd's forward mode
  (``autograd.make_jvp`` on the same snippet or the row's oracle snippet), or central
  finite differences along ``v`` for the rows where autograd cannot run the snippet; the
  tangent has the output's type, shape and dtype (float32 stays float32), and so has the
  tangent as the generated code computed it (recorded by ``probe``; `s2sad.jvp` converts
  its result to the output's type and dtype, which would hide a tangent computed in float64
  or of a broadcast argument's shape);
- for a row of several float parameters, ``s2sad.jvp(s, args, (v_x, None))`` along each
  one alone: a None tangent makes the others constants, so each template runs in its folded
  form (the other tangents the symbolic zero), and the sum sees every element of the tangent
  only if the tangent has the shape of the result (a tangent left with a broadcast
  argument's shape would be summed over too few elements).

`test_every_rule_has_both_templates` fails when a registered rule lacks an adjoint or a
tangent template. Run time: about 10 s.
"""

from __future__ import annotations

import importlib.util
import math
import operator

import autograd
import autograd.numpy as anp
import numpy as np
import pytest
from test_rules import (FD, FLOAT32, NONDIFF, TABLE, ZERO, Row, _close, _draw, _is_float_arg,
                        _params, _seed)

import s2sad
from s2sad import d
from s2sad.rules import registry

pytestmark = pytest.mark.filterwarnings("ignore:Output seems independent of input")

MODULE = """\
import math
import operator

import numpy as np

import s2sad


def g({params}):
    return probe({snippet})


def s({params}):
    return np.sum({snippet})
"""

ORACLE = """\
def f({params}):
    return {snippet}
"""

_MODULES: dict = {}
_SEEN: list = []


def probe(x):
    """The identity, whose tangent rule records the tangent it is given: the snippet's
    tangent as the generated code computed it, before `s2sad.jvp` converts it to the type
    and dtype of the output."""
    return x


def seen(t):
    _SEEN.append(t)
    return t


@s2sad.adjoint(probe)
def probe_adjoint(y, x):
    d[x] = d[y]


@s2sad.tangent(probe)
def probe_tangent(y, x):
    d[y] = seen(d[x])


@pytest.fixture(scope="module")
def module_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("forward_rule_cases")


def _load(directory, row: Row):
    """The module of a row's snippet, written and imported once per snippet (s2sad reads
    source, and memoizes a derivative per function: one module serves every case)."""
    key = (row.params, row.snippet)
    if key not in _MODULES:
        name = f"forward_rule_case_{len(_MODULES)}"
        path = directory / f"{name}.py"
        path.write_text(MODULE.format(params=row.params, snippet=row.snippet))
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        module.probe = probe
        spec.loader.exec_module(module)
        _MODULES[key] = module
    return _MODULES[key]


def _direction(arg, rng):
    """A random tangent for a float argument, of its type, shape and dtype (None for others)."""
    if not _is_float_arg(arg):
        return None
    if isinstance(arg, list):
        return [float(v) for v in rng.standard_normal(len(arg))]
    if isinstance(arg, np.ndarray):
        return rng.standard_normal(arg.shape).astype(arg.dtype)
    return type(arg)(rng.standard_normal())


def _moved(arg, v, h: float):
    """``arg + h * v`` in float64, of the same kind (array, list, scalar)."""
    if isinstance(arg, list):
        return [a + h * b for a, b in zip(arg, v)]
    if isinstance(arg, np.ndarray):
        return np.asarray(arg, dtype=np.float64) + h * np.asarray(v, dtype=np.float64)
    return float(arg) + h * float(v)


def _fd_jvp(f, args, i, v, eps=1e-6):
    """Central differences of ``f`` at ``args`` along ``v`` in argument ``i``."""
    ends = [np.asarray(f(*args[:i], _moved(args[i], v, h), *args[i + 1:]), dtype=np.float64)
            for h in (eps, -eps)]
    return (ends[0] - ends[1]) / (2 * eps)


def _oracle(row: Row, module, args, directions, out):
    """The tangent of the snippet along each float argument's direction alone."""
    wrt = [i for i, v in enumerate(directions) if v is not None]
    if row.oracle == ZERO:
        return {i: np.zeros(np.shape(out)) for i in wrt}
    if row.oracle == FD:
        return {i: _fd_jvp(module.g, args, i, directions[i]) for i in wrt}
    namespace = {"np": anp, "math": math, "operator": operator, "s2sad": s2sad}
    exec(ORACLE.format(params=row.params, snippet=row.oracle or row.snippet), namespace)
    return {i: autograd.make_jvp(namespace["f"], i)(*args)(directions[i])[1] for i in wrt}


def _assert_like(t, out, what):
    """A tangent has the type, shape and dtype of the (float) output it belongs to."""
    if not _is_float_arg(out):  # a comparison's or a cast's bool or int: only zeros
        assert np.shape(t) == np.shape(out), (what, np.shape(t))
    elif isinstance(out, np.ndarray):
        assert isinstance(t, np.ndarray), (what, type(t))
        assert t.shape == out.shape and t.dtype == out.dtype, (what, t.shape, t.dtype)
    else:
        assert type(t) is type(out), (what, type(t), type(out))


def run_row(row: Row, case, directory, seed: int):
    args = _draw(row, case, seed)
    rng = np.random.default_rng(seed + 2)
    directions = [_direction(a, rng) for a in args]
    module = _load(directory, row)
    names = row.params.split(", ")
    out = module.g(*args)
    single = any(getattr(a, "dtype", None) == np.float32 for a in args + [out])
    tol = 2e-4 if single else (1e-5 if row.oracle == FD else 1e-9)
    expected = _oracle(row, module, args, directions, out)

    # every float argument moves at once
    _SEEN.clear()
    value, tangent = s2sad.jvp(module.g, args, directions)
    _close(value, out, tol, "jvp value")
    _assert_like(tangent, out, "jvp tangent")
    _close(tangent, sum(expected.values()), tol, "jvp tangent")
    if _SEEN and _is_float_arg(out):  # the tangent as computed has the output's shape, dtype
        raw, = _SEEN
        assert np.shape(raw) == np.shape(out), ("raw tangent", np.shape(raw))
        if isinstance(out, (np.ndarray, np.floating)):
            assert np.result_type(raw) == out.dtype, ("raw tangent", np.result_type(raw))

    # each float argument alone (None: the others are constants), through a sum
    if len(expected) > 1:
        for i, t in expected.items():
            alone = [v if k == i else None for k, v in enumerate(directions)]
            _, got = s2sad.jvp(module.s, args, alone)
            _close(got, np.sum(t), tol, f"jvp of the sum along {names[i]} alone")


@pytest.mark.parametrize("row,case", _params(TABLE))
def test_tangent(row, case, module_dir, request):
    run_row(row, case, module_dir, _seed(request))


@pytest.mark.parametrize("row,case", _params(NONDIFF))
def test_tangent_nondifferentiable(row, case, module_dir, request):
    run_row(row, case, module_dir, _seed(request))


@pytest.mark.parametrize("row,case", _params(FLOAT32))
def test_tangent_float32(row, case, module_dir, request):
    run_row(row, case, module_dir, _seed(request))


# -- maximum and minimum at a tie: half of each tangent, as the adjoints and autograd ---

@pytest.mark.parametrize("op", [np.maximum, np.minimum])
def test_maximum_minimum_tie_splits_the_tangent(op, module_dir):
    row = Row(op, f"np.{op.__name__}(x, y)", (), params="x, y")
    module = _load(module_dir, row)
    x, y = np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.0, 5.0])  # a tie at 0
    dx, dy = np.array([1.0, 10.0, 100.0]), np.array([3.0, 30.0, 300.0])
    _, tangent = s2sad.jvp(module.g, (x, y), (dx, dy))
    aop = getattr(anp, op.__name__)
    expected = autograd.make_jvp(lambda a, b: aop(a, b), (0, 1))(x, y)((dx, dy))[1]
    np.testing.assert_allclose(tangent, expected)
    assert tangent[0] == 2.0  # 0.5 * 1 + 0.5 * 3
    assert s2sad.jvp(module.g, (2.0, 2.0), (1.0, 3.0)) == (2.0, 2.0)


# -- every rule goes both ways --------------------------------------------------------

def _name(key) -> str:
    return f"{getattr(key, '__module__', '') or ''}.{getattr(key, '__qualname__', key)}"


def test_every_rule_has_both_templates():
    """Every registered rule has an adjoint and a tangent template (rules a test registers
    for one direction only, from a test's own module, are left out)."""
    def shipped(rule):
        fns = [fn for fn in (rule.adjoint_fn, rule.tangent_fn) if fn is not None]
        return any(fn.__module__.startswith("s2sad.templates.") for fn in fns)

    rules = registry().rules
    lacking = [f"{_name(key)} (no {'adjoint' if rule.adjoint is None else 'tangent'})"
               for key, rule in rules.items()
               if shipped(rule) and (rule.adjoint is None or rule.tangent is None)]
    assert not lacking, f"rules without both templates: {lacking}"
    assert sum(map(shipped, rules.values())) >= 50


def test_every_shipped_rule_has_a_row():
    from test_rules import all_rows
    covered = {id(row.key) for row in all_rows()}
    missing = [_name(key) for key, rule in registry().rules.items()
               if rule.tangent_fn is not None
               and rule.tangent_fn.__module__.startswith("s2sad.templates.")
               and rule.tangent_fn.__module__ != "s2sad.templates.s2sad"
               and id(key) not in covered]
    assert not missing, f"tangent rules without a row in tests/test_rules.py: {missing}"


# -- transformer bugs met while writing this file --------------------------------------

MATRIX = np.arange(6.0).reshape(2, 3)


def method_of_module_data(y):
    return MATRIX.dot(y)


def test_method_of_module_level_array():
    y = np.array([1.0, 2.0, 3.0])
    _, tangent = s2sad.jvp(method_of_module_data, (y,), (y,))
    np.testing.assert_allclose(tangent, MATRIX @ y)
    np.testing.assert_allclose(s2sad.grad(method_of_module_data)(y), MATRIX.sum(axis=0))
