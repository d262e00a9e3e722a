"""Bugs found by the differential fuzzer (tests/test_fuzz.py), each reduced to a minimal
program and kept here by name.

Each test is strict-xfail while its bug is open: when a fix lands the test XPASSes, which
fails the run, as a reminder to drop the xfail marker here and the bug's entry in
``KNOWN_BUGS`` (or the switch that skips a check) in tests/fuzzgen.py. Expected values come
from finite differences (tests/gradcheck.py) or by hand, never from s2sad itself.
"""

from __future__ import annotations

import numpy as np
import pytest

import s2sad
from gradcheck import numgrad

C23 = np.array([[0.2, -0.7, 1.1], [0.9, 0.4, -0.3]])


# ---------------------------------------------------------------------------------------
# reverse mode
# ---------------------------------------------------------------------------------------

def returns_parameter(x):
    return x


def returns_second_parameter(x, y):
    return y


def test_return_parameter_unchanged():
    assert s2sad.grad(returns_parameter)(2.0) == 1.0


def test_return_second_parameter_unchanged():
    assert s2sad.grad(returns_second_parameter, (0, 1))(2.0, 3.0) == (0.0, 1.0)


def rebinds_parameter(x, y):
    x = y
    return np.sum(y)


def test_rebound_parameter_gets_zero_gradient_of_its_own_shape():
    x, y = np.array([0.5, -1.0, 2.0]), np.ones((2, 3))
    gx, gy = s2sad.grad(rebinds_parameter, (0, 1))(x, y)
    np.testing.assert_array_equal(gx, np.zeros(3))
    np.testing.assert_array_equal(gy, np.ones((2, 3)))


def test_rebound_float_parameter_gets_zero_gradient():
    gx, gy = s2sad.grad(rebinds_parameter, (0, 1))(1.5, np.ones(3))
    assert gx == 0.0 and type(gx) is float
    np.testing.assert_array_equal(gy, np.ones(3))


def test_rebound_parameter_hvp_shape():
    x, y = np.array([0.5, -1.0, 2.0]), np.ones((2, 3))
    hv = s2sad.hvp(rebinds_parameter, 0)(x, y, np.ones(3))
    assert np.shape(hv) == (3,)
    np.testing.assert_array_equal(hv, np.zeros(3))


# ---------------------------------------------------------------------------------------
# forward over reverse (hvp, hessian)
# ---------------------------------------------------------------------------------------

def square(y):
    return y * y


def sum_of_squares_by_helper(x):
    return np.sum(square(x))


@pytest.mark.xfail(strict=True,
                   reason="hvp through a call of a user function: the helper's primal_jvp "
                          "pushes each saved value and then its tangent, but its adjoint_jvp "
                          "pops once, so it takes the tangent for the value and never uses "
                          "the tangent. Here the Hessian-vector product comes out 0 instead "
                          "of 2 * v")
def test_hvp_through_helper_call():
    x, v = np.array([0.5, 1.0, 1.5]), np.array([1.0, -2.0, 0.5])
    np.testing.assert_allclose(s2sad.hvp(sum_of_squares_by_helper)(x, v), 2 * v)


def last_element(x):
    return x[-1]


def calls_last_element(x):
    return last_element(x)


@pytest.mark.xfail(strict=True, raises=IndexError,
                   reason="the same pop-order bug makes hvp crash when the helper saved an "
                          "index: its adjoint_jvp pops the array as the index (IndexError: "
                          "arrays used as indices must be of integer (or boolean) type); "
                          "the Hessian is 0")
def test_hvp_through_helper_that_indexes():
    hv = s2sad.hvp(calls_last_element)(np.array([1.0, 2.0, 3.0]), np.ones(3))
    np.testing.assert_array_equal(hv, np.zeros(3))


def test_finite_differences_agree_with_the_expected_values():
    """The expectations above are right (checked here without s2sad)."""
    x = np.array([0.5, -1.0, 2.0])
    y = np.ones((2, 3))
    np.testing.assert_allclose(numgrad(rebinds_parameter, (x, y), 0), np.zeros(3))
    np.testing.assert_allclose(numgrad(rebinds_parameter, (x, y), 1), np.ones((2, 3)))
    np.testing.assert_allclose(numgrad(sum_of_squares_by_helper, (x,), 0), 2 * x, rtol=1e-6)
