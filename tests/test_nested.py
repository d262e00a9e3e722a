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
