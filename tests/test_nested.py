"""Nested functions and lambdas are inlined where they are called, in both modes."""

import numpy as np
import pytest

import s2sad
from s2sad.errors import UnsupportedConstructError

from gradcheck import numgrad
from programs import nested


def test_nested_function_and_lambda():
    x, k = np.array([0.3, -0.5]), 1.2
    gx, gk = s2sad.grad(nested.outer, (0, 1))(x, k)
    np.testing.assert_allclose(gx, numgrad(nested.outer, (x, k), 0), rtol=1e-6)
    assert gk == pytest.approx(float(numgrad(nested.outer, (x, k), 1)), rel=1e-6)
    _, tangent = s2sad.jvp(nested.outer, (x, k), (np.ones(2), None))
    assert tangent == pytest.approx(gx.sum())


def test_recursive_nested_function_is_refused():
    with pytest.raises(UnsupportedConstructError, match="calls itself"):
        s2sad.grad(nested.recursive_inside)


@pytest.mark.parametrize("func", [nested.shadows_a_module_function, nested.lambda_passed_on])
def test_nested_function_used_as_a_value_is_refused(func):
    """Nested functions are inlined where called; handed to a helper, the generated code
    read the name from the module: shadows_a_module_function gave the module-level rhs's
    value and a zero gradient, silently (or a NameError when there was none)."""
    args = (np.array([2.0]), np.array([1.0, 0.5]))[:func.__code__.co_argcount]
    with pytest.raises(UnsupportedConstructError, match="used here as a value"):
        s2sad.value_and_grad(func)(*args)
    with pytest.raises(UnsupportedConstructError, match="used here as a value"):
        s2sad.jvp(func, args, args)
