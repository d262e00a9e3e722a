"""Objects holding objects and functions (issue 6): a model made of layers, each with its
own parameters, differentiated through ``loss(model, x)`` with respect to the model, in
reverse and forward mode, against finite differences."""

import dataclasses

import numpy as np
import pytest
from gradcheck import numgrad
from programs import layers
from programs import objects as ob
from pytrees import check_tree_grad, numeric_directional_tree, random_tangent

import s2sad

RNG = np.random.default_rng(11)
X = RNG.normal(size=(4, 3))


def dense(n_in, n_out, act=np.tanh):
    return ob.Dense(RNG.normal(size=(n_in, n_out)) * 0.5, RNG.normal(size=n_out) * 0.5, act)


MODELS = {
    "pair": lambda: ob.Pair(dense(3, 5), dense(5, 2, ob.softplus)),
    "stack": lambda: ob.Stack([dense(3, 4), dense(4, 4), dense(4, 2)], 0.7),
    "stack, first layer differs": lambda: ob.Stack([dense(3, 4, ob.softplus), dense(4, 4),
                                                     dense(4, 2)], 0.7),
    "residual": lambda: ob.Residual(dense(3, 3, np.sin)),
    "dataclass": lambda: ob.Encoder(dense(3, 2), dense(2, 3, ob.softplus), 1.5),
    "skip": lambda: ob.Skip(dense(3, 3)),
    "nested pair": lambda: ob.Pair(ob.Pair(dense(3, 3), dense(3, 3, np.sin)), dense(3, 1)),
}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_grad_wrt_a_model_of_layers(name):
    model = MODELS[name]()
    g = s2sad.grad(ob.loss)(model, X)
    check_tree_grad(g, ob.loss, (model, X), 0)
    gx = s2sad.grad(ob.loss, 1)(model, X)
    check_tree_grad(gx, ob.loss, (model, X), 1)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_jvp_wrt_a_model_of_layers(name):
    model = MODELS[name]()
    tangent = random_tangent(model, np.random.default_rng(3))
    value, t = s2sad.jvp(ob.loss, (model, X), (tangent, None))
    assert value == pytest.approx(ob.loss(model, X))
    assert t == pytest.approx(numeric_directional_tree(ob.loss, (model, X), 0, tangent),
                              rel=1e-5, abs=1e-7)


def test_gradient_structure_of_nested_objects():
    model = MODELS["stack"]()
    g = s2sad.grad(ob.loss)(model, X)
    # a plain object: a dict of its float attributes' gradients, layers included
    assert set(g) == {"layers", "scale"}
    assert type(g["layers"]) is list and len(g["layers"]) == 3
    assert set(g["layers"][1]) == {"W", "b"}  # act (a function) has no gradient
    assert g["layers"][1]["W"].shape == (4, 4)
    enc = MODELS["dataclass"]()
    g = s2sad.grad(ob.loss)(enc, X)
    assert type(g) is ob.Encoder and set(g.enc) == {"W", "b"}  # a dataclass stays one
    assert isinstance(g.gain, float)


def test_list_of_objects_as_parameter():
    layers_list = [dense(3, 4, ob.softplus), dense(4, 2, ob.softplus)]
    g = s2sad.grad(ob.loss_of_layers)(layers_list, X)
    assert type(g) is list and set(g[0]) == {"W", "b"}
    check_tree_grad(g, ob.loss_of_layers, (layers_list, X), 0)
    tangent = random_tangent(layers_list, np.random.default_rng(4))
    _, t = s2sad.jvp(ob.loss_of_layers, (layers_list, X), (tangent, None))
    assert t == pytest.approx(numeric_directional_tree(ob.loss_of_layers, (layers_list, X), 0,
                                                       tangent), rel=1e-5)


def test_loop_over_layers_that_differ_is_refused():
    model = ob.Stack([dense(3, 4), dense(4, 4, ob.softplus), dense(4, 2)], 0.7)
    with pytest.raises(s2sad.TransformError, match="items differ in class or in the functions"):
        s2sad.grad(ob.loss)(model, X)


def test_specialized_to_the_classes_inside():
    """The same loss with other layer classes or activations is another derivative."""
    df = s2sad.grad(ob.loss)
    a = ob.Pair(dense(3, 3), dense(3, 1))
    b = ob.Pair(dense(3, 3, ob.softplus), dense(3, 1))
    ga, gb = df(a, X), df(b, X)
    check_tree_grad(ga, ob.loss, (a, X), 0)
    check_tree_grad(gb, ob.loss, (b, X), 0)
    assert "softplus_primal" in s2sad.source(df)  # the version that ran last


def test_functions_in_attributes_and_modules():
    w = RNG.normal(size=(3, 2))
    check = s2sad.grad(ob.module_function, (0, 1))(X, w)
    expected = (ob.module_function(X, w), )
    assert expected  # the module attribute resolves as Python would
    from pytrees import numeric_tree
    for k, arg in enumerate((X, w)):
        np.testing.assert_allclose(check[k], numeric_tree(ob.module_function, (X, w), k)[()],
                                   rtol=1e-6)
    _, t = s2sad.jvp(ob.module_function, (X, w), (None, np.ones_like(w)))
    assert t == pytest.approx(check[1].sum(), rel=1e-6)
    assert layers.dense.__module__ == "programs.layers"


def test_dataclass_gradient_keeps_other_fields():
    enc = MODELS["dataclass"]()
    g = s2sad.grad(ob.loss)(enc, X)
    assert dataclasses.is_dataclass(g)


def test_object_at_module_level_is_refused():
    with pytest.raises(s2sad.TransformError, match="calls an object defined outside") as info:
        s2sad.grad(ob.uses_global_layer)
    assert "pass the object as an argument" in info.value.hint


def test_object_as_keyword_only_argument():
    model = MODELS["pair"]()
    gx = s2sad.grad(ob.keyword_model)(X, model=model)
    check_tree_grad(gx, lambda x: ob.keyword_model(x, model=model), (X,), 0)
    gm = s2sad.grad(ob.keyword_model, "model")(X, model=model)
    check_tree_grad(gm, lambda m: ob.keyword_model(X, model=m), (model,), 0)


def apply(model, x):
    return model(x)


def numeric_jacobian(f, args, i, eps=1e-6):
    """Central differences of every output element w.r.t. ``args[i]``: out.shape + x.shape."""
    x = np.asarray(args[i], dtype=float)
    columns = []
    for k in range(x.size):
        step = np.zeros(x.size)
        step[k] = eps
        plus, minus = list(args), list(args)
        plus[i], minus[i] = x + step.reshape(x.shape), x - step.reshape(x.shape)
        columns.append((np.asarray(f(*plus)) - np.asarray(f(*minus))) / (2 * eps))
    out = np.stack(columns, axis=-1)
    return out.reshape(out.shape[:-1] + x.shape)


@pytest.mark.parametrize("mode", ["forward", "reverse"])
@pytest.mark.parametrize("name", ["pair", "dataclass", "stack"])
def test_jacobian_with_a_model_as_a_constant_argument(name, mode):
    """The model (a plain object, a dataclass, with array attributes) is not
    differentiated: forward mode gives it no tangent."""
    model = MODELS[name]()
    x = X[:2]
    jac = s2sad.jacobian(apply, 1, mode=mode)(model, x)
    np.testing.assert_allclose(jac, numeric_jacobian(apply, (model, x), 1),
                               rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("name", ["pair", "dataclass"])
def test_hvp_with_a_model_as_a_constant_argument(name):
    model, x = MODELS[name](), X[:2]
    v = RNG.normal(size=x.shape)
    got = s2sad.hvp(ob.loss, 1)(model, x, v)
    e = 1e-4
    want = (numgrad(ob.loss, (model, x + e * v), 1)
            - numgrad(ob.loss, (model, x - e * v), 1)) / (2 * e)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
