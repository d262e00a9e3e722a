"""Forward mode and higher order against central finite differences."""

import numpy as np
import pytest

import s2sad

from programs import higher, higher_calls, structures

RNG = np.random.default_rng(7)
EPS = 1e-6


def fd_directional(f, args, pos, direction):
    plus = list(args)
    minus = list(args)
    plus[pos] = args[pos] + EPS * direction
    minus[pos] = args[pos] - EPS * direction
    return (np.asarray(f(*plus)) - np.asarray(f(*minus))) / (2 * EPS)


def fd_jacobian(f, x):
    x = np.asarray(x, dtype=float)
    cols = []
    for k in range(x.size):
        e = np.zeros(x.size)
        e[k] = 1.0
        cols.append(fd_directional(f, (x,), 0, e.reshape(x.shape)))
    out = np.stack(cols, axis=-1)
    return out.reshape(np.shape(f(x)) + x.shape)


@pytest.mark.parametrize("a", [np.float64(0.8), np.float64(-1.3), np.array(-0.2), np.array(1.7)])
def test_jvp_seed_function(a):
    out, tangent = s2sad.jvp(higher.seed_f, (a,), (np.ones_like(a),))
    np.testing.assert_allclose(out, higher.seed_f(a))
    np.testing.assert_allclose(tangent, higher.seed_f(a) / a, rtol=1e-12)


@pytest.mark.parametrize("x,k", [(0.3, 1.7), (1.4, 0.9), (-0.8, 2.5)])
def test_jvp_loops_and_branches(x, k):
    for pos, t in ((0, (1.0, 0.0)), (1, (0.0, 1.0))):
        _, tangent = s2sad.jvp(higher.loopy, (x, k), t)
        expected = fd_directional(higher.loopy, (x, k), pos, 1.0)
        assert tangent == pytest.approx(expected, rel=1e-6, abs=1e-7)


def test_jvp_arrays_and_user_calls():
    x, w = RNG.normal(size=4), RNG.normal(size=(4, 3))
    tx, tw = RNG.normal(size=4), RNG.normal(size=(4, 3))
    _, tangent = s2sad.jvp(higher.vector, (x, w), (tx, tw))
    expected = fd_directional(higher.vector, (x, w), 0, tx) + \
        fd_directional(higher.vector, (x, w), 1, tw)
    assert tangent == pytest.approx(expected, rel=1e-6)
    _, tangent = s2sad.jvp(higher.calls, (x,), (tx,))
    assert tangent == pytest.approx(fd_directional(higher.calls, (x,), 0, tx), rel=1e-6)


def test_jvp_keeps_float32():
    x = RNG.normal(size=3).astype(np.float32)
    out, tangent = s2sad.jvp(higher.mapping, (x,), (np.ones(3, np.float32),))
    assert tangent.dtype == np.float32 and tangent.shape == out.shape


@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_jacobian_modes_agree_with_finite_differences(mode):
    x = RNG.normal(size=3)
    J = s2sad.jacobian(higher.mapping, mode=mode)(x)
    assert J.shape == (3, 3)
    np.testing.assert_allclose(J, fd_jacobian(higher.mapping, x), rtol=1e-6, atol=1e-8)


def test_jacobian_of_scalar_input():
    J = s2sad.jacobian(higher.cubic, mode="forward")(2.0)
    assert np.shape(J) == () and J == pytest.approx(12.0)
    assert s2sad.jacobian(higher.cubic)(2.0) == pytest.approx(12.0)


def test_hessian_against_finite_differences_of_the_gradient():
    x, w = RNG.normal(size=4), RNG.normal(size=(4, 3))
    H = s2sad.hessian(higher.vector)(x, w)
    g = s2sad.grad(higher.vector)
    expected = fd_jacobian(lambda v: g(v, w), x)
    np.testing.assert_allclose(H, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(H, H.T, atol=1e-10)


def test_hvp_equals_hessian_times_v():
    x, w = RNG.normal(size=4), RNG.normal(size=(4, 3))
    v = RNG.normal(size=4)
    H = s2sad.hessian(higher.vector)(x, w)
    np.testing.assert_allclose(s2sad.hvp(higher.vector)(x, w, v), H @ v, rtol=1e-10)


@pytest.mark.parametrize("x", [0.4, -1.2, 2.0])
def test_reverse_over_reverse_equals_forward_over_reverse(x):
    d2 = s2sad.grad(s2sad.grad(higher.cubic))(x)
    _, fo = s2sad.jvp(s2sad.grad(higher.cubic), (x,), (1.0,))
    assert d2 == pytest.approx(6 * x) and fo == pytest.approx(6 * x)


@pytest.mark.parametrize("x,k", [(0.3, 1.7), (1.4, 0.9)])
def test_second_derivative_through_loops_and_branches(x, k):
    d2 = s2sad.grad(s2sad.grad(higher.loopy))(x, k)
    _, fo = s2sad.jvp(s2sad.grad(higher.loopy), (x, k), (1.0, 0.0))
    g = s2sad.grad(higher.loopy)
    expected = fd_directional(g, (x, k), 0, 1.0)
    assert d2 == pytest.approx(expected, rel=1e-5) and fo == pytest.approx(expected, rel=1e-5)


def test_second_derivative_of_seed_function_is_zero():
    # f(a) is linear in a on each side of every branch decision
    assert s2sad.grad(s2sad.grad(higher.seed_f))(np.array(0.3)) == 0.0


def test_reverse_over_reverse_on_arrays():
    x, w = RNG.normal(size=4), RNG.normal(size=(4, 3))
    # grad of (sum of the gradient): H @ ones
    got = s2sad.grad(s2sad.grad(higher.vector))(x, w)
    H = s2sad.hessian(higher.vector)(x, w)
    np.testing.assert_allclose(got, H @ np.ones(4), rtol=1e-8, atol=1e-10)


def test_forward_source_is_readable():
    text = s2sad.source(s2sad.grad(higher.cubic))
    assert "def cubic_grad(x):" in text


def test_keyword_only_parameters_of_helpers_in_both_modes():
    x, y = 1.3, 1.7
    gx, gy = s2sad.grad(higher.keyword_only, (0, 1))(x, y)
    assert gx == pytest.approx(fd_directional(higher.keyword_only, (x, y), 0, 1.0), rel=1e-6)
    assert gy == pytest.approx(fd_directional(higher.keyword_only, (x, y), 1, 1.0), rel=1e-6)
    _, tangent = s2sad.jvp(higher.keyword_only, (x, y), (1.0, 0.0))
    assert tangent == pytest.approx(gx, rel=1e-9)


# -- second derivatives through the user's own helpers ----------------------------------
# Each program (tests/programs/higher_calls.py) also runs under autograd, the oracle.

def _autograd_version(name):
    import inspect

    import autograd.numpy as anp

    source = inspect.getsource(higher_calls).replace("import numpy as np", "")
    namespace = {"np": anp}
    exec(compile(source, higher_calls.__file__, "exec"), namespace)  # noqa: S102
    return namespace[name]


CALLING = ["nested", "loop_of_helpers", "helpers_in_branches", "recursive", "keywords",
           "scalar_helper"]
X3, W3 = np.array([0.3, -0.4, 0.2]), np.array([0.7, 0.2, -0.5])


@pytest.mark.parametrize("name", CALLING)
@pytest.mark.parametrize("pos", [0, 1])
def test_hessian_and_hvp_through_helpers(name, pos):
    import autograd

    f, oracle = getattr(higher_calls, name), _autograd_version(name)
    args, v = [X3, W3], np.array([1.0, -2.0, 0.5])
    expected = autograd.hessian(oracle, pos)(*args)
    np.testing.assert_allclose(s2sad.hessian(f, pos)(*args), expected, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(s2sad.hvp(f, pos)(*args, v), expected @ v, rtol=1e-8,
                               atol=1e-10)


@pytest.mark.parametrize("name", CALLING)
def test_reverse_over_reverse_through_helpers(name):
    import autograd

    f, oracle = getattr(higher_calls, name), _autograd_version(name)
    # the gradient of (the sum of the gradient wrt x), wrt x and w: mixed derivatives too
    sum_grad = autograd.grad(lambda x, w: np.sum(autograd.grad(oracle, 0)(x, w)), (0, 1))
    got = s2sad.grad(s2sad.grad(f, 0), (0, 1))(X3, W3)
    for g, e in zip(got, sum_grad(X3, W3)):
        np.testing.assert_allclose(g, e, rtol=1e-8, atol=1e-10)


def test_forward_over_reverse_through_helpers_with_both_tangents():
    import autograd

    oracle = _autograd_version("loop_of_helpers")
    tx, tw = np.array([0.5, 0.1, -1.0]), np.array([-0.3, 0.8, 0.2])
    _, tangent = s2sad.jvp(s2sad.grad(higher_calls.loop_of_helpers), (X3, W3), (tx, tw))
    h_xx = autograd.hessian(oracle, 0)(X3, W3)
    h_xw = autograd.jacobian(autograd.grad(oracle, 0), 1)(X3, W3)
    np.testing.assert_allclose(tangent, h_xx @ tx + h_xw @ tw, rtol=1e-8, atol=1e-10)


def test_second_derivatives_through_a_function_passed_in():
    import autograd

    oracle = _autograd_version("passes_function")
    expected = autograd.hessian(oracle, 0)(X3, _autograd_version("wave"))
    g = s2sad.grad(higher_calls.passes_function)
    g(X3, higher_calls.wave)  # its code depends on the function passed in
    for mode in ("forward", "reverse"):
        got = s2sad.jacobian(g, mode=mode)(X3, higher_calls.wave)
        np.testing.assert_allclose(got, expected, rtol=1e-8, atol=1e-10)


def test_hvp_through_a_method():
    # against central differences of the gradient (checked on its own in test_structures)
    model = structures.Dense(np.array([[0.2, -0.3], [0.5, 0.1], [-0.4, 0.6]]),
                             np.array([0.1, -0.2]))
    x, v = np.array([[0.3, -0.5, 0.8]]), np.array([[1.0, 0.5, -0.2]])
    g = s2sad.grad(loss_of_model)
    g(x, model)
    _, hv = s2sad.jvp(g, (x, model), (v, None))
    expected = (g(x + EPS * v, model) - g(x - EPS * v, model)) / (2 * EPS)
    np.testing.assert_allclose(hv, expected, rtol=1e-5, atol=1e-8)


def loss_of_model(x, model):
    return structures.model_loss(model, x)


def dropout(v):
    keep = np.random.rand(v.shape[0]) > 0.5
    return v * keep


def uses_dropout(x):
    return np.sum(dropout(x) * x)


def test_first_derivative_through_a_helper_drawing_random_numbers():
    # a helper's adjoint must see the values its primal drew, not draw new ones: first
    # derivatives keep helpers split (their primal records, their adjoint replays)
    x = np.arange(1.0, 9.0)
    np.random.seed(3)
    g = s2sad.grad(uses_dropout)(x)
    np.random.seed(3)
    keep = np.random.rand(8) > 0.5
    np.testing.assert_array_equal(g, 2 * x * keep)


@pytest.mark.parametrize("x", [0.7, -1.3])
def test_second_derivative_of_a_number_through_helpers(x):
    expected = 12.0 * x + 0.75 * x
    assert s2sad.grad(s2sad.grad(higher_calls.cubes))(x) == pytest.approx(expected, rel=1e-12)
    assert s2sad.hessian(higher_calls.cubes)(x) == pytest.approx(expected, rel=1e-12)
    _, t = s2sad.jvp(s2sad.grad(higher_calls.cubes), (x,), (1.0,))
    assert t == pytest.approx(expected, rel=1e-12)
