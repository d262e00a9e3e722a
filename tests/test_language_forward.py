"""Every issue-6 feature in both modes: one table of programs, each differentiated with
``s2sad.grad`` and ``s2sad.jvp`` and compared with central differences (structured
arguments leaf by leaf, see tests/pytrees.py)."""

import inspect

import numpy as np
import pytest
from programs import language as lang
from programs import nested, objects, stores
from programs import structures as st
from pytrees import check_tree_grad, numeric_directional_tree, random_tangent

import s2sad

RNG = np.random.default_rng(7)
X3 = RNG.normal(size=3)
Y3 = RNG.normal(size=3)
M = RNG.normal(size=(4, 3))
W, B = RNG.normal(size=(3, 2)), RNG.normal(size=2)


def dense(n_in, n_out, act=np.tanh):
    return objects.Dense(RNG.normal(size=(n_in, n_out)) * 0.5, RNG.normal(size=n_out) * 0.5,
                         act)


# name -> (function, arguments, positions to differentiate)
CASES = {
    "closure": (st.make_closure(3.0), (X3[:2],), (0,)),
    "nested def and lambda": (nested.outer, (X3, 1.2), (0, 1)),
    "function passed in": (st.apply, (X3, st.softplus), (0,)),
    "rule function passed in": (st.apply, (X3, np.tanh), (0,)),
    "lambda passed in": (st.apply, (X3, st.scaled_sine), (0,)),
    "object with methods": (st.model_loss, (st.Dense(W, B), M), (0, 1)),
    "nested objects": (objects.loss, (objects.Pair(dense(3, 4), dense(4, 2)), M), (0,)),
    "layers in a list": (objects.loss, (objects.Stack([dense(3, 3), dense(3, 3)], 0.5), M),
                         (0,)),
    "function on the instance": (objects.loss, (dense(3, 2, objects.softplus), M), (0,)),
    "module attribute function": (objects.module_function, (M, W), (0, 1)),
    "dataclass": (st.dataclass_loss, (st.Params(W, B), M), (0,)),
    "dict parameter": (st.dict_loss, ({"W": W, "b": B}, M), (0,)),
    "list parameter": (st.list_loss, ([RNG.normal(size=(3, 3)), W], M), (0,)),
    "tuple parameter": (lang.tuple_loss, ((X3, Y3), X3), (0,)),
    "dict literal": (st.dict_literal, (X3, Y3), (0, 1)),
    "append and index": (stores.appends, (X3, Y3), (0, 1)),
    "stores": (stores.fill, (X3,), (0,)),
    "stores and lists": (lang.list_and_stores, (X3,), (0,)),
    "recursion": (lang.uses_power, (X3,), (0,)),
    "mutual recursion": (lang.is_even, (X3, 3), (0,)),
    "mutual recursion, odd": (lang.is_even, (X3, 4), (0,)),
    "custom rule": (lang.uses_custom_rule, (X3,), (0,)),
    "*args": (lang.weighted, (X3, Y3, 0.5), (0, 1, 2)),
    "*args on a helper": (lang.calls_weighted, (X3, Y3), (0, 1)),
    "**kwargs on a helper": (lang.calls_options, (X3, Y3), (0, 1)),
    "keyword-only arguments": (lang.calls_keyword_only, (X3, 1.5), (0, 1)),
    "gradient surgery": (lang.surgery, (X3,), (0,)),
}


# open bugs met by a case in forward mode (strict: the case must fail until it is fixed)
FORWARD_BUGS: dict = {}


def _grad(func, args, i):
    """s2sad's gradient for argument i (an element of *args by position, too)."""
    params = inspect.signature(func).parameters
    names = list(params)
    star = [n for n, p in params.items() if p.kind is p.VAR_POSITIONAL]
    if star and i >= len(names) - 1:
        return s2sad.grad(func, star[0])(*args)[i - (len(names) - 1)]
    return s2sad.grad(func, i)(*args)


@pytest.mark.parametrize("name", list(CASES))
def test_reverse(name):
    func, args, positions = CASES[name]
    for i in positions:
        check_tree_grad(_grad(func, args, i), func, args, i)


@pytest.mark.parametrize("name", [
    pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=FORWARD_BUGS[n]))
    if n in FORWARD_BUGS else n for n in CASES])
def test_forward(name):
    func, args, positions = CASES[name]
    rng = np.random.default_rng(1)
    for i in positions:
        tangents = [None] * len(args)
        tangents[i] = random_tangent(args[i], rng)
        value, t = s2sad.jvp(func, args, tangents)
        np.testing.assert_allclose(value, func(*args), rtol=1e-12)
        expected = numeric_directional_tree(func, args, i, tangents[i])
        assert np.sum(t) == pytest.approx(expected, rel=1e-5, abs=1e-7), f"argument {i}"


def test_kwargs_on_the_differentiated_function():
    shift = RNG.normal(size=3)
    g = s2sad.grad(lang.options)(X3, scale=1.5, shift=shift)
    np.testing.assert_allclose(g, 2 * 1.5 * X3, rtol=1e-12)
    gopts = s2sad.grad(lang.options, "opts")(X3, scale=1.5, shift=shift)
    assert set(gopts) == {"scale", "shift"}
    assert gopts["scale"] == pytest.approx(np.sum(X3 ** 2))
    np.testing.assert_allclose(gopts["shift"], np.ones(3))


def test_star_args_gradient_is_a_tuple():
    g = s2sad.grad(lang.weighted, "ws")(X3, Y3, 0.5)
    assert type(g) is tuple and len(g) == 2 and isinstance(g[1], float)


def test_vjp_jacobian_and_hessian_with_star_args():
    """vjp gives one cotangent per argument, those collected into *ws included (None for
    a constant); jacobian and hessian work on such a function, keyword-only defaults
    included."""
    from gradcheck import numgrad

    args = (X3, Y3, 0.5)
    value, pullback = s2sad.vjp(lang.weighted, *args)
    assert value == pytest.approx(lang.weighted(*args))
    gx, gy, gw = pullback(1.0)
    for i, g in enumerate((gx, gy, gw)):
        np.testing.assert_allclose(g, numgrad(lang.weighted, args, i), rtol=1e-6)
    np.testing.assert_array_equal(pullback(1.0)[1], gy)  # the pullback runs again
    _, pullback = s2sad.vjp(lang.weighted, X3, Y3, 2)  # an int: a constant
    assert pullback(1.0)[2] is None
    hess = s2sad.hessian(lang.weighted)(*args)
    numeric = np.stack([numgrad(lambda *a, k=k: s2sad.grad(lang.weighted)(*a)[k], args, 0)
                        for k in range(3)])
    np.testing.assert_allclose(hess, numeric, rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(s2sad.jacobian(lang.scaled_rows)(X3, Y3),
                               np.diag(2.0 * Y3), rtol=1e-12)
    with pytest.raises(TypeError, match="functools.partial"):
        s2sad.jacobian(lang.scaled_rows)(X3, Y3, scale=3.0)
