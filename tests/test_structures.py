"""Gradients of structured parameters have the structure of the parameter."""

import numpy as np
import pytest

import s2sad

from programs import structures as st

RNG = np.random.default_rng(5)
X = RNG.normal(size=(5, 3))
W, B = RNG.normal(size=(3, 2)), RNG.normal(size=2)


def numeric(f, make, leaf, eps=1e-6):
    """Central differences of f with respect to every element of one leaf array."""
    out = np.zeros_like(leaf)
    for idx in np.ndindex(leaf.shape):
        plus, minus = leaf.copy(), leaf.copy()
        plus[idx] += eps
        minus[idx] -= eps
        out[idx] = (f(make(plus)) - f(make(minus))) / (2 * eps)
    return out


def test_dict_parameters():
    g = s2sad.grad(st.dict_loss)({"W": W, "b": B}, X)
    assert type(g) is dict and set(g) == {"W", "b"}
    loss = lambda p: st.dict_loss(p, X)  # noqa: E731
    np.testing.assert_allclose(g["W"], numeric(loss, lambda w: {"W": w, "b": B}, W), rtol=1e-6)
    np.testing.assert_allclose(g["b"], numeric(loss, lambda b: {"W": W, "b": b}, B), rtol=1e-6)
    _, tangent = s2sad.jvp(st.dict_loss, ({"W": W, "b": B}, X),
                           ({"W": np.ones_like(W), "b": np.zeros(2)}, None))
    assert tangent == pytest.approx(g["W"].sum())


def test_list_parameters():
    ws = [RNG.normal(size=(3, 3)), RNG.normal(size=(3, 2))]
    g = s2sad.grad(st.list_loss)(ws, X)
    assert type(g) is list and [a.shape for a in g] == [(3, 3), (3, 2)]
    loss = lambda p: st.list_loss(p, X)  # noqa: E731
    np.testing.assert_allclose(g[1], numeric(loss, lambda w: [ws[0], w], ws[1]), rtol=1e-6)


def test_dataclass_parameters():
    p = st.Params(W, B)
    g = s2sad.grad(st.dataclass_loss)(p, X)
    assert type(g) is st.Params and g.n == 3  # non-float fields keep their values
    loss = lambda q: st.dataclass_loss(q, X)  # noqa: E731
    np.testing.assert_allclose(g.W, numeric(loss, lambda w: st.Params(w, B), W), rtol=1e-6)


def test_object_with_methods():
    model = st.Dense(W, B)
    g = s2sad.grad(st.model_loss)(model, X)
    assert set(g) == {"W", "b"}  # a plain object: a dict of its attributes' gradients
    loss = lambda m: st.model_loss(m, X)  # noqa: E731
    np.testing.assert_allclose(g["W"], numeric(loss, lambda w: st.Dense(w, B), W), rtol=1e-6)
    np.testing.assert_allclose(g["b"], numeric(loss, lambda b: st.Dense(W, b), B), rtol=1e-6)
    df = s2sad.grad(st.model_loss)
    with pytest.raises(TypeError, match="call it once"):
        s2sad.source(df)  # its code depends on the class of model
    df(model, X)
    assert "def Dense_call_primal(" in s2sad.source(df)


def test_training_loop_decreases_the_loss():
    y = np.tanh(X @ W + B) * 0.5
    start = {"W": np.zeros((3, 2)), "b": np.zeros(2)}
    trained = st.train(start, X, y, steps=50, rate=0.5)
    assert st.squared_error(trained, X, y) < 0.5 * st.squared_error(start, X, y)


@pytest.mark.parametrize("act,dact", [
    (st.softplus, lambda z: 1 / (1 + np.exp(-z))),
    (np.tanh, lambda z: 1 - np.tanh(z) ** 2),
])
def test_functions_passed_in(act, dact):
    x = np.array([0.5, -1.0, 2.0])
    expected = dact(x) * x + act(x)
    np.testing.assert_allclose(s2sad.grad(st.apply)(x, act), expected, rtol=1e-12)
    _, tangent = s2sad.jvp(st.apply, (x, act), (np.ones(3), None))
    assert tangent == pytest.approx(expected.sum())


def test_closure_reads_its_enclosing_scope():
    f = st.make_closure(3.0)
    x = np.array([0.5, -1.0])
    np.testing.assert_allclose(s2sad.grad(f)(x), 2 * (3 * x + [1.0, 2.0]) * 3)


def test_dict_literal_and_dict_output():
    x, y = np.array([0.5, -1.0]), np.array([2.0, 3.0])
    gx, gy = s2sad.grad(st.dict_literal, (0, 1))(x, y)
    np.testing.assert_allclose(gx, 2 * y)
    np.testing.assert_allclose(gy, 2 * x)
    _, tangent = s2sad.jvp(st.dict_literal, (x, y), (np.ones(2), None))
    assert tangent == pytest.approx(np.sum(2 * y))
    # a dict output is seeded with ones, like a tuple: the gradient of the sum of all parts
    np.testing.assert_allclose(s2sad.grad(st.returns_dict)(x), 2 * x + 2.0)


def test_lambdas_passed_in():
    x = np.array([0.5, -1.0, 2.0])
    expected = 3 * np.cos(x) * x + 3 * np.sin(x)
    np.testing.assert_allclose(s2sad.grad(st.apply)(x, st.scaled_sine), expected, rtol=1e-12)
    cube = lambda z: z * z * z  # noqa: E731
    np.testing.assert_allclose(s2sad.grad(st.apply)(x, cube), 4 * x ** 3, rtol=1e-12)
    np.testing.assert_allclose(s2sad.grad(lambda v: np.sum(v * v))(x), 2 * x)
