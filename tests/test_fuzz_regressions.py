"""Bugs found by the differential fuzzer (tests/test_fuzz.py), each reduced to a minimal
program and kept here by name.

Each test is strict-xfail while its bug is open: when a fix lands the test XPASSes, which
fails the run, as a reminder to drop the xfail marker here and the bug's entry in
``KNOWN_BUGS`` (or the switch that skips a check) in tests/fuzzgen.py. Expected values come
from finite differences (tests/gradcheck.py) or by hand, never from s2sad itself.
"""

from __future__ import annotations

import gc
import importlib.util
import pickle
import weakref

import numpy as np
import pytest
from gradcheck import numgrad

import s2sad

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
    x = y  # noqa: F841
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


def returns_two(x):
    return 2.0


def ignores_row_sums(w):
    return returns_two(w.sum(axis=1))


def first(x, w):
    return x


def ignores_product(x, w):
    return first(x, C23 @ w)


def test_helper_ignoring_parameter_axis_sum_argument():
    g = s2sad.grad(ignores_row_sums)(np.ones((2, 3)))
    np.testing.assert_array_equal(g, np.zeros((2, 3)))


def test_helper_ignoring_parameter_matmul_argument():
    gx, gw = s2sad.grad(ignores_product, (0, 1))(1.5, np.ones(3))
    assert gx == 1.0
    np.testing.assert_array_equal(gw, np.zeros(3))


def rebinds_ignored_parameter(x, y):
    y = C23  # noqa: F841
    return x


def passes_slice_to_rebinding_helper(x):
    return np.sum(rebinds_ignored_parameter(x, x[1:]))


def test_helper_rebinding_parameter_zero_cotangent_shape():
    g = s2sad.grad(passes_slice_to_rebinding_helper)(np.array([0.5, -1.0, 2.0]))
    np.testing.assert_array_equal(g, np.ones(3))


def with_product(x):
    return x, C23 @ x


def uses_first_of_pair(x):
    a, _ = with_product(x)
    return np.sum(a)


def with_row_means(x):
    return x, np.mean(C23 * x, axis=1)


def indexes_first_of_pair(x):
    return with_row_means(x)[0]


def test_unused_part_of_tuple_result_matmul():
    g = s2sad.grad(uses_first_of_pair)(np.array([0.5, -1.0, 2.0]))
    np.testing.assert_array_equal(g, np.ones(3))


def test_unused_part_of_tuple_result_axis_mean():
    assert s2sad.grad(indexes_first_of_pair)(1.5) == 1.0


# ---------------------------------------------------------------------------------------
# forward mode
# ---------------------------------------------------------------------------------------

C2 = np.array([1.5, -0.5])


def loops_over_tuple_with_constant(y):
    s = 0.0
    for r in (y, C2):
        s = s + r[1]
    return s


def test_jvp_loop_over_tuple_with_constant_array():
    y, t = np.array([1.0, 2.0]), np.array([0.25, -3.0])
    out, tangent = s2sad.jvp(loops_over_tuple_with_constant, (y,), (t,))
    assert out == pytest.approx(1.5) and tangent == pytest.approx(-3.0)


def rebinds_constant_parameter(x, y):
    y = x - y
    return y


def shift(x, y):
    y = x - y
    return y


def calls_shift_with_constant(x):
    return shift(x, 0.5)


def test_jvp_rebinding_parameter_without_tangent():
    assert s2sad.jvp(rebinds_constant_parameter, (1.5, 0.5), (1.0, None)) == (1.0, 1.0)


def test_jvp_helper_rebinding_constant_argument():
    assert s2sad.jvp(calls_shift_with_constant, (1.5,), (1.0,)) == (1.0, 1.0)


# ---------------------------------------------------------------------------------------
# forward over reverse (hvp, hessian)
# ---------------------------------------------------------------------------------------

def square(y):
    return y * y


def sum_of_squares_by_helper(x):
    return np.sum(square(x))


# Second derivatives through a helper used to be wrong (forward over reverse, silently) or
# crash (reverse over reverse): the helper's primal pushed its saved values on the caller's
# tape and its adjoint popped them in another function, where a second transform could
# not tell which carried derivatives. A derivative differentiated again is now generated in
# its joint form, where a helper's adjoint runs its primal sweep again on a tape of its own
# (joint reversal), so nothing crosses between functions on a tape.
def test_hvp_through_helper_call():
    x, v = np.array([0.5, 1.0, 1.5]), np.array([1.0, -2.0, 0.5])
    np.testing.assert_allclose(s2sad.hvp(sum_of_squares_by_helper)(x, v), 2 * v)
    ddx = s2sad.grad(s2sad.grad(sum_of_squares_by_helper))(x)  # of the sum of the gradient
    np.testing.assert_allclose(ddx, 2 * np.ones(3))
    np.testing.assert_allclose(s2sad.hessian(sum_of_squares_by_helper)(x), 2 * np.eye(3))


def test_split_helper_pair_is_refused_not_wrong():
    # the generated function itself (not the derivative s2sad.grad returned, which knows
    # its joint form) calls the split pair: a second derivative of it is refused
    df = s2sad.grad(sum_of_squares_by_helper)
    with pytest.raises(s2sad.TransformError, match="split form"):
        s2sad.grad(df.__s2sad_function__)(np.array([0.5, 1.0]))


def last_element(x):
    return x[-1]


def calls_last_element(x):
    return last_element(x)


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


# ---------------------------------------------------------------------------------------
# resources
# ---------------------------------------------------------------------------------------

def test_derivatives_do_not_keep_their_function_alive(tmp_path):
    path = tmp_path / "gone_module.py"
    path.write_text("def f(x):\n    return x * x\n")
    spec = importlib.util.spec_from_file_location("gone_module", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert s2sad.grad(module.f)(3.0) == 6.0
    ref = weakref.ref(module.f)
    # a function pickled by value (cloudpickle) takes its __dict__, not its derivatives
    assert pickle.loads(pickle.dumps(vars(module.f))) == {"__s2sad_derivatives__": {}}
    del module, spec
    gc.collect()
    assert ref() is None
