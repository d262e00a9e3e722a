"""Each pipeline stage on its own: parse, normalize, analyze, reverse, optimize, emit, load.

Golden strings pin the output of each stage for small functions: the output is
deterministic (same input, same bytes), so any change to it shows up here.
"""

import inspect
import textwrap

import gast
import numpy as np
import pytest

import s2sad
from s2sad import pipeline
from s2sad import syntax as S
from s2sad.analyze import Classifier, activity, scalar_variables
from s2sad.normalize import normalize
from s2sad.optimize import optimize, propagate_copies
from s2sad.parse import parse_function
from s2sad.rules import registry

from programs import small


def core_of(func):
    parsed = parse_function(func)
    core, namer = normalize(parsed.node, parsed.filename)
    return parsed, core, namer


def normalized(func) -> str:
    return S.unparse(core_of(func)[1])


# -- parse ------------------------------------------------------------------------------
def test_parse_keeps_real_line_numbers_and_file():
    parsed = parse_function(small.branch)
    assert parsed.filename == inspect.getsourcefile(small)
    first = small.branch.__code__.co_firstlineno
    assert parsed.node.lineno == first
    assert parsed.node.body[0].lineno == first + 1
    assert parsed.scope.lookup("np") is np


def test_parse_strips_decorators():
    parsed = parse_function(_decorated)
    assert parsed.node.decorator_list == []


def _identity(fn):
    return fn


@_identity
def _decorated(x):
    return x


# -- normalize --------------------------------------------------------------------------
def test_normalize_three_address_form():
    assert normalized(small.poly) == textwrap.dedent("""\
        def poly(x):
            t1 = 3.0 * x
            t2 = t1 * x
            y = t2 + 2.0
            return y""")


def test_normalize_loop_and_self_assignment():
    assert normalized(small.loop) == textwrap.dedent("""\
        def loop(x, n):
            t1 = range(n)
            for i in t1:
                t2 = math.sin(x)
                x = t2 * 2.0
            return x""")


def test_normalize_early_return_in_while():
    assert normalized(small.early) == textwrap.dedent("""\
        def early(x):
            returned = False
            result = None
            stop1 = False
            t1 = not stop1
            if t1:
                t1 = x < 10.0
            cond1 = t1
            while cond1:
                t2 = x < 0.0
                if t2:
                    result = x
                    returned = True
                    stop1 = True
                t3 = not stop1
                if t3:
                    t4 = x * 2.0
                    x = t4
                t5 = not stop1
                if t5:
                    t5 = x < 10.0
                cond1 = t5
            t6 = not returned
            if t6:
                result = x
                returned = True
            return result""")


def test_normalize_chained_comparison_and_or():
    assert normalized(small.chain) == textwrap.dedent("""\
        def chain(x):
            t2 = 0.0 < x
            if t2:
                t2 = x < 1.0
            t1 = t2
            t3 = not t1
            if t3:
                t1 = x > 5.0
            return t1""")


def test_normalize_tuple_unpacking_evaluates_first():
    assert normalized(small.unpack) == textwrap.dedent("""\
        def unpack(x, y):
            t1 = y
            t2 = x
            a = t1
            b = t2
            t3 = a + b
            a = t3
            t4 = a * b
            return t4""")


def test_normalize_is_deterministic():
    assert normalized(small.early) == normalized(small.early)


# -- analyze ----------------------------------------------------------------------------
def test_activity_skips_counters_and_lengths():
    parsed, core, _ = core_of(small.inactive)
    local = {a.id for a in core.args.args} | S.store_names(gast.Module(body=core.body,
                                                                        type_ignores=[]))
    act = activity(core, ["x"], Classifier(parsed.scope, registry(), local))
    assert act.active("x")
    for name in ("n", "k"):
        assert not act.active(name)


def test_scalar_variables_follow_numbers_only():
    parsed, core, _ = core_of(small.loop)
    local = {a.id for a in core.args.args} | S.store_names(gast.Module(body=core.body,
                                                                        type_ignores=[]))
    classify = Classifier(parsed.scope, registry(), local)
    assert {"x", "t2", "i"} <= scalar_variables(core, {"x", "n"}, classify)
    assert "x" not in scalar_variables(core, set(), classify)


# -- optimize ---------------------------------------------------------------------------
def test_dead_stores_and_empty_ifs_are_removed():
    fn = gast.parse(textwrap.dedent("""\
        def f(x):
            unused = x * 2
            if x:
                other = 1
            return x""")).body[0]
    assert S.unparse(optimize(fn)) == "def f(x):\n    return x"


def test_copies_propagate_within_a_block():
    stmts = gast.parse("da = dz\ndb = da * 2\ndz = 0\nq = da").body
    out = propagate_copies(stmts, keep=set())
    assert S.unparse(out) == "da = dz\ndb = dz * 2\ndz = 0\nq = da"


# -- reverse, emit, load: the generated module --------------------------------------------
def test_generated_source_golden():
    source = pipeline.derive(small.branch, ("x",)).source
    body = source.split("\n\n\n", 1)[1]
    line = small.branch.__code__.co_firstlineno
    assert body == textwrap.dedent(f"""\
        def branch_value_and_grad(x):
            stack = Tape()
            push = stack.append
            pop = stack.pop
            # small.py:{line + 1}: if x > 0:
            t1 = x > 0
            if t1:
                # small.py:{line + 2}: y = x * x
                y = x * x
            else:
                # small.py:{line + 4}: y = -x
                y = -x
            push(t1)
            # small.py:{line + 5}: return y
            dy = ones_like(y)
            # small.py:{line + 1}: if x > 0:
            if pop():
                # small.py:{line + 2}: y = x * x
                dx = dy * (x + x)
            else:
                # small.py:{line + 4}: y = -x
                dx = -dy
            return (y, dx)


        def branch_grad(x):
            value, grads = branch_value_and_grad(x)
            return grads
        """)


def test_generated_source_is_deterministic():
    a = pipeline.derive(small.early, ("x",)).source
    b = pipeline.derive(small.early, ("x",)).source
    assert a == b


def test_stage_trace_lists_every_stage():
    trace = []
    pipeline.derive(small.poly, ("x",), trace=trace)
    assert [name for name, _ in trace] == ["parse", "normalize", "reverse", "optimize", "emit"]


def test_loaded_code_is_inspectable():
    df = s2sad.grad(small.poly)
    source = s2sad.source(df)
    entry = df.__s2sad__.entry[0]
    assert inspect.getsource(entry) in source
    assert df(2.0) == pytest.approx(12.0)


def test_traceback_points_into_generated_code(private_cache):
    df = s2sad.grad(small.poly)
    with pytest.raises(TypeError) as info:
        df.__s2sad__.entry[0]("not a number")
    generated = df.__s2sad__.entry[0].__code__.co_filename
    assert generated.endswith(".py") and generated.startswith(str(private_cache))
    assert any(entry.frame.code.raw.co_filename == generated for entry in info.traceback)
