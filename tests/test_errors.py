"""Bad input: every refusal is a clear error naming file, line, column and the construct."""

import inspect

import numpy as np
import pytest

import s2sad
from s2sad.errors import MissingRuleError, NoSourceError, TransformError, UnsupportedConstructError

from programs import bad

LINES = {name: inspect.getsourcelines(getattr(bad, name))[1]
         for name in dir(bad) if callable(getattr(bad, name)) and name[0] != "_"}

CASES = [
    # function, error class, line offset from the def, words in the message
    ("uses_try", UnsupportedConstructError, 1, "try/except"),
    ("uses_with", UnsupportedConstructError, 1, "with-statement"),
    ("uses_yield", UnsupportedConstructError, 1, "yield"),
    ("uses_async", UnsupportedConstructError, 0, "async"),
    ("uses_global", UnsupportedConstructError, 1, "global"),
    ("uses_star", UnsupportedConstructError, 1, "star-unpacking"),
    ("uses_lambda", UnsupportedConstructError, 1, "lambda"),
    ("uses_comprehension", UnsupportedConstructError, 1, "list comprehension"),
    ("uses_missing_rule", MissingRuleError, 1, "np.fft.fft"),
    ("uses_subscript_store", UnsupportedConstructError, 2, "changes 'y' in place"),
    ("returns_nothing", TransformError, 0, "returns None"),
    ("loop_else", UnsupportedConstructError, 1, "else-clause"),
    ("calls_builtin_without_rule", MissingRuleError, 1, "np.frexp"),
]


@pytest.mark.parametrize("name,cls,offset,words", CASES, ids=[c[0] for c in CASES])
def test_refused_with_location(name, cls, offset, words):
    func = getattr(bad, name)
    with pytest.raises(cls) as info:
        s2sad.grad(func)
    err = info.value
    assert isinstance(err, TransformError)
    assert err.filename == bad.__file__
    assert err.lineno == LINES[name] + offset
    assert err.col >= 1
    assert words in str(err)
    assert err.source_line.strip() in str(err)
    assert err.hint and "hint:" in str(err)


def test_unsupported_errors_are_not_implemented_errors():
    with pytest.raises(NotImplementedError):
        s2sad.grad(bad.uses_try)


def test_missing_rule_shows_how_to_register():
    with pytest.raises(MissingRuleError) as info:
        s2sad.grad(bad.uses_missing_rule)
    text = str(info.value)
    assert "@adjoint(np.fft.fft)" in text and "@tangent(np.fft.fft)" in text
    assert "d[x] = ..." in text and "d[y] = ..." in text


def test_function_without_source():
    namespace = {}
    exec(compile("def typed(x):\n    return x * 2\n", "<stdin>", "exec"), namespace)
    with pytest.raises(NoSourceError) as info:
        s2sad.grad(namespace["typed"])
    assert "define it in a file" in str(info.value)


def test_builtin_without_rule():
    with pytest.raises(NoSourceError, match="not a Python function"):
        s2sad.grad(np.sin)(1.0)


def test_failure_leaves_nothing_behind():
    with pytest.raises(TransformError):
        s2sad.grad(bad.uses_try)
    with pytest.raises(TransformError):  # the same error again, not a stale half-result
        s2sad.grad(bad.uses_try)


@pytest.mark.parametrize("value,words", [
    (3, "pass a float such as 3.0"), (True, "it got bool"),
    (np.arange(3), "astype(float)"), ("x", "it got str"), (None, "it got NoneType"),
    (1j, "complex"),
])
def test_non_float_inputs_refused(value, words):
    with pytest.raises(TypeError, match="only float inputs") as info:
        s2sad.grad(_square)(value)
    assert words in str(info.value)


def _square(x):
    return x * x


def _two(x, y):
    return x * y


@pytest.mark.parametrize("wrt,exc,words", [
    (2, ValueError, "out of range"), ("z", ValueError, "names no parameter"),
    ((0, 0), ValueError, "twice"), (1.5, TypeError, "index or name"), ((), ValueError, "empty"),
])
def test_bad_wrt(wrt, exc, words):
    with pytest.raises(exc, match=words):
        s2sad.grad(_two, wrt=wrt)
