"""Inlining of temporaries (optimize.inline_temporaries): golden sources, and that no
call is ever moved past another one."""

from __future__ import annotations

import textwrap

import gast
import numpy as np
from gradcheck import numgrad

import s2sad
from s2sad import syntax as S
from s2sad.optimize import inline_temporaries


def inlined(source: str, temporaries: set[str]) -> str:
    fn = gast.parse(textwrap.dedent(source)).body[0]
    return S.unparse(inline_temporaries(fn, temporaries)).strip()


def test_a_temporary_read_by_the_next_statement_goes_into_it():
    assert inlined("""
        def f(x):
            t1 = x ** 2
            t2 = -t1
            y = np.exp(t2)
            return y
        """, {"t1", "t2"}) == "def f(x):\n    y = np.exp(-x ** 2)\n    return y"


def test_calls_keep_their_order():
    # k(x) would run before g(x) if t1 went into h(k(x), t1)
    assert inlined("""
        def f(x):
            t1 = g(x)
            t2 = k(x)
            u = h(t2, t1)
            return u
        """, {"t1", "t2"}) == "def f(x):\n    t1 = g(x)\n    u = h(k(x), t1)\n    return u"


def test_only_single_reads_in_the_next_statement_of_made_up_names():
    source = """
        def f(x, n):
            t1 = np.sin(x)
            y = t1 * t1
            t2 = np.cos(x)
            for i in range(n):
                x = x + t2
            t3 = np.tan(x)
            push(x)
            z = t3 + y
            w = np.exp(x)
            v = w + z
            return v
        """
    # read twice (t1), read in another block (t2), not next (t3), the user's own (w)
    assert inlined(source, {"t1", "t2", "t3"}) == S.unparse(
        gast.parse(textwrap.dedent(source)).body[0]).strip()


def bump(x):
    return np.sum(np.tanh(x) * np.exp(-x ** 2))


def test_generated_code_reads_like_the_original_and_is_right():
    df = s2sad.grad(bump)
    x = np.linspace(-2.0, 2.0, 7)
    np.testing.assert_allclose(df(x), numgrad(bump, (x,), 0), rtol=1e-6, atol=1e-9)
    code = s2sad.source(df)
    assert "np.exp(-x ** 2)" in code
    assert "unbroadcast" not in code
