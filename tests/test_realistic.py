"""Realistic user programs (tests/programs/realistic.py) against finite differences:
gradients (and value_and_grad's value), jvp along a random direction, hvp and Hessians of
the smooth ones, and the generated source is readable (no assignment nobody reads)."""

import ast
import math

import numpy as np
import pytest
from gradcheck import check_grad, numdirectional, numgrad, total
from programs import realistic as R
from pytrees import check_tree_grad, numeric_directional_tree, random_tangent

import s2sad


def _data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(8, 3))
    return {
        "logistic": (R.logistic_loss, (rng.normal(size=3), X,
                                       (rng.random(8) > 0.5).astype(float))),
        "softmax regression": (R.softmax_regression, (rng.normal(size=(3, 4)), X,
                                                      rng.integers(0, 4, size=8))),
        "ridge hyperparameter": (R.ridge_fit_loss, (0.7, X, rng.normal(size=8),
                                                    rng.normal(size=(5, 3)),
                                                    rng.normal(size=5))),
        "huber fit": (R.robust_fit, (np.array([0.3, -0.2]), np.linspace(0, 1, 10),
                                     rng.normal(size=10))),
        "trimmed mean": (R.trimmed_mean_loss, (rng.normal(size=9),)),
        "per-sample list": (R.per_sample_losses, (rng.normal(size=3), X,
                                                  rng.normal(size=8))),
        "mlp dict": (R.mlp_loss, ({"W1": rng.normal(size=(3, 5)), "b1": rng.normal(size=5),
                                   "W2": rng.normal(size=(5, 2)), "b2": rng.normal(size=2)},
                                  X, rng.normal(size=(8, 2)))),
        "conv1d": (R.conv_net, (rng.normal(size=3), rng.normal(size=10))),
        "attention": (R.attention_loss, (rng.normal(size=(4, 3)), rng.normal(size=(5, 3)),
                                         rng.normal(size=(5, 2)))),
        "gru": (R.gru_sequence, tuple(rng.normal(size=(3, 5)) * 0.5 for _ in range(3))
                + (rng.normal(size=(4, 2)), rng.normal(size=3))),
        "rnn": (R.rnn_loss, (rng.normal(size=(3, 3)) * 0.5, rng.normal(size=(3, 2)),
                             rng.normal(size=(5, 2)), rng.normal(size=5))),
        "pendulum": (R.pendulum, (0.4, 0.1)),
        "lotka-volterra rk4": (R.integrate_lv, (np.array([1.0, 0.5, 0.4, 0.8]),
                                                np.array([1.0, 0.7]))),
        "spring chain": (R.spring_chain, (np.arange(4.0) * 1.1, rng.normal(size=4) * 0.1,
                                          2.0)),
        "newton sqrt": (R.newton_sqrt, (2.7,)),
        "newton cubic": (R.newton_solve_cubic, (rng.normal(size=4),)),
        "gaussian nll": (R.gaussian_nll, (rng.normal(size=9) * 0.5, rng.normal(size=3),
                                          rng.normal(size=(6, 3)))),
        "gp marginal likelihood": (R.gp_nll, (np.array([0.1, 0.2, -1.0]),
                                              rng.normal(size=(6, 2)), rng.normal(size=6))),
        "kalman": (R.kalman_loglik, (0.3, np.zeros(2), np.eye(2),
                                     np.array([[1.0, 0.1], [0.0, 1.0]]),
                                     np.array([[1.0, 0.0]]), np.array([[0.5]]),
                                     rng.normal(size=(5, 1)))),
        "horner": (R.poly_fit_loss, (rng.normal(size=4), np.linspace(-1, 1, 7),
                                     rng.normal(size=7))),
        "cumsum cumprod": (R.cumulative_features, (rng.normal(size=6),)),
        "running product": (R.running_product, (rng.normal(size=5),)),
        "piecewise": (R.piecewise_sum, (np.array([-2.0, -0.3, 0.5, 1.7]),)),
        "dict of moments": (R.moments, (rng.normal(size=6),)),
        "dict state rnn": (R.dict_state_rnn, (rng.normal(size=(3, 3)) * 0.7,
                                              rng.normal(size=(4, 3)))),
        "enumerate zip": (R.discounted_squared_errors, (rng.normal(size=3), X,
                                                        rng.normal(size=8))),
        "layernorm": (R.layernorm_loss, (rng.normal(size=(3, 4)), rng.normal(size=4),
                                         rng.normal(size=4))),
        "lennard-jones": (R.lennard_jones, (np.array([[0.0, 0.0], [1.1, 0.1], [0.2, 1.05],
                                                      [1.2, 1.3]]),)),
        "power iteration": (R.power_iteration, (np.array([[2.0, 0.5, 0.1], [0.5, 1.0, 0.2],
                                                          [0.1, 0.2, 0.5]]),)),
        "early return": (R.series_until, (0.7,)),
        "cross entropy": (R.cross_entropy, (rng.normal(size=(4, 3)),
                                            np.array([0, 2, 1, 2]))),
        "checkpointed heat equation": (R.heat_equation, (np.sin(np.linspace(0, 3, 8)),
                                                         0.8)),
        "laplacian by slices": (R.tridiag_energy, (rng.normal(size=7),)),
        "dataclass": (R.oscillator_fit, (R.OscParams(2.0, 0.3, np.array([1.0, 0.5])),
                                         np.linspace(0, 3, 12), rng.normal(size=12))),
        "polynomial object": (R.smooth_fit, (R.Polynomial(rng.normal(size=4)),
                                             np.linspace(-1.0, 1.0, 5), rng.normal(size=5))),
        "pipeline object": (R.pipeline_loss, (R.LinearPipeline(
            R.Scaler(rng.normal(size=3), np.abs(rng.normal(size=3)) + 0.5),
            rng.normal(size=3)), X[:5], rng.normal(size=5))),
        "model object": (R.model_loss, (R.LinearModel(rng.normal(size=(3, 2)),
                                                      rng.normal(size=2), 1.5),
                                        X, rng.normal(size=(8, 2)))),
        "closure factory": (R.scaled_loss, (rng.normal(size=4),)),
        "nested def and lambda": (R.nested_closure_loss, (rng.normal(size=4),
                                                          rng.normal(size=4))),
    }


CASES = _data()
STRUCTURED = {"mlp dict", "dataclass", "model object", "polynomial object",
              "pipeline object"}

# second derivatives (forward over reverse) that work, and those that do not yet
SMOOTH = ["softmax regression", "ridge hyperparameter", "rnn", "newton cubic",
          "gaussian nll", "gp marginal likelihood", "kalman", "horner", "piecewise",
          "closure factory", "nested def and lambda", "lotka-volterra rk4", "pendulum",
          "newton sqrt", "logistic", "enumerate zip", "layernorm", "lennard-jones",
          "early return", "attention", "cumsum cumprod",
          # through stores x[i] = v into arrays and dicts
          "conv1d", "running product", "laplacian by slices", "dict of moments",
          "dict state rnn",
          # through list.append (the adjoint's xs.pop())
          "per-sample list", "gru", "cross entropy"]


# hvp(f)(*args, v) takes every argument before v: the defaults, spelled out
DEFAULTS = {"logistic": (0.1,), "pendulum": (0.01, 50), "newton sqrt": (1e-12,),
            "dict of moments": (None,), "lotka-volterra rk4": (0.05, 20),
            "enumerate zip": (0.9,), "laplacian by slices": (0.1,),
            "spring chain": (0.02, 30)}


def _args(name):
    f, args = CASES[name]
    return f, args


@pytest.mark.parametrize("name", sorted(CASES))
def test_grad(name):
    f, args = _args(name)
    if name in STRUCTURED:
        g = s2sad.grad(f)(*args)
        check_tree_grad(g, f, args, 0)
    else:
        check_grad(f, *args)
    value, _ = s2sad.value_and_grad(f)(*args)
    assert value == f(*args)


@pytest.mark.parametrize("name", sorted(CASES))
def test_jvp(name):
    f, args = _args(name)
    rng = np.random.default_rng(1)
    if name in STRUCTURED:
        t = random_tangent(args[0], rng)
        expected = numeric_directional_tree(f, args, 0, t)
    else:
        t = rng.standard_normal(np.shape(args[0]))
        t = float(t) if np.ndim(args[0]) == 0 else t
        expected = numdirectional(f, args, 0, t)
    value, tangent = s2sad.jvp(f, args, (t,) + (None,) * (len(args) - 1))
    assert value == f(*args)
    np.testing.assert_allclose(tangent, expected, rtol=1e-5, atol=1e-6)


def numhessian(f, args, i, h=1e-4):
    """Second central differences of ``total(f(*args))`` in ``args[i]``."""
    x = np.asarray(args[i], dtype=np.float64)
    n = x.size

    def at(*steps):
        y = x.copy().reshape(-1)
        for k, s in steps:
            y[k] += s
        a = list(args)
        a[i] = y.reshape(x.shape) if np.ndim(args[i]) else float(y[0])
        return total(f(*a))

    H = np.zeros((n, n))
    for j in range(n):
        for k in range(n):
            H[j, k] = (at((j, h), (k, h)) - at((j, h), (k, -h)) - at((j, -h), (k, h))
                       + at((j, -h), (k, -h))) / (4 * h * h)
    return H.reshape(np.shape(x) + np.shape(x))


@pytest.mark.parametrize("name", SMOOTH)
def test_hvp(name):
    f, args = _args(name)
    args = args + DEFAULTS.get(name, ())
    x = args[0]
    v = np.random.default_rng(2).standard_normal(np.shape(x))
    v = float(v) if np.ndim(x) == 0 else v
    hv = s2sad.hvp(f)(*args, v)
    # the directional derivative of the finite-difference gradient
    h = 1e-4
    plus, minus = list(args), list(args)
    plus[0], minus[0] = x + h * v, x - h * v
    expected = (numgrad(f, plus, 0, 1e-4) - numgrad(f, minus, 0, 1e-4)) / (2 * h)
    np.testing.assert_allclose(hv, expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", ["logistic", "horner", "gp marginal likelihood",
                                  "newton sqrt", "pendulum", "running product",
                                  "dict of moments"])
def test_hessian(name):
    f, args = _args(name)
    np.testing.assert_allclose(s2sad.hessian(f)(*args), numhessian(f, args, 0),
                               rtol=1e-4, atol=1e-5)


def test_helper_given_a_module_level_function():
    """``rk4_step(lotka_volterra, y, ...)``: a helper that takes a function, called with a
    module-level one, is specialized to it (it was an ObjectCallError: the helper's
    ``f(...)`` "calls an object whose class is not known")."""
    f, args = _args("lotka-volterra rk4")
    g = s2sad.grad(f, (0, 1))(*args)
    np.testing.assert_allclose(g[1], numgrad(f, args, 1), rtol=1e-5, atol=1e-7)


def test_gradient_through_x_to_the_zero_at_the_origin():
    """poly.slope(xs) has x ** (k - 1) with k = 1, x = 0: the power rule's y * x ** (y - 1)
    was 0 * 0 ** -1, nan for arrays (and a ZeroDivisionError for Python floats)."""
    f, args = _args("polynomial object")
    assert 0.0 in args[1]
    check_grad(f, *args, wrt=1)
    np.testing.assert_allclose(s2sad.hessian(f, 1)(*args), numhessian(f, args, 1),
                               rtol=1e-4, atol=1e-5)
    assert s2sad.grad(R.horner)([1.0, 2.0], 0.0) == [0.0, 1.0]


def test_hessian_with_an_object_argument():
    """hessian(f, wrt=1)(model, X, y): the gradient's code depends on the model's class,
    so it is made at the first call (it was a TypeError: "grad(...) has not been called
    yet"), as hvp did already."""
    f, args = _args("pipeline object")
    H = s2sad.hessian(f, 1)(*args)
    assert H.shape == args[1].shape * 2
    np.testing.assert_allclose(H, numhessian(f, args, 1), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_loop_over_elements_adds_each_gradient_in_place(dtype):
    """dx += unindex(g, x, i) made an array of x's shape per element: quadratic time
    in a loop over the elements of x. It is dx = index_add(dx, g, x, i) now (not in the
    joint form, which second derivatives transform)."""
    x = np.array([-2.0, -0.3, 0.5, 1.7], dtype=dtype)
    df = s2sad.grad(R.piecewise_sum)
    g = df(x)
    assert g.dtype == dtype
    np.testing.assert_allclose(g, numgrad(R.piecewise_sum, (x.astype(np.float64),), 0),
                               rtol=1e-5 if dtype is np.float64 else 1e-4)
    assert "index_add(dxs, " in s2sad.source(df) and "unindex(" not in s2sad.source(df)
    args = (np.array([0.3, -0.8, 1.1]), np.array([[0, 2], [2, 2], [1, 0]]))
    check_grad(R.gather_loop, *args)
    np.testing.assert_allclose(s2sad.hessian(R.gather_loop)(*args),
                               numhessian(R.gather_loop, args, 0), rtol=1e-4, atol=1e-5)


def test_jvp_leaves_defaults_to_the_function():
    """jvp(f, primals, tangents) with fewer primals than parameters, the rest having
    defaults, is f(*primals)'s tangent (it was a TypeError asking for every parameter)."""
    f, args = _args("pendulum")
    value, t = s2sad.jvp(f, args, (1.0, None))
    assert value == f(*args)
    assert t == pytest.approx(numdirectional(f, args, 0, 1.0), rel=1e-6)
    value, t = s2sad.jvp(f, args + (0.02,), (1.0, None, None))
    assert value == f(*args, 0.02)
    with pytest.raises(TypeError, match="primal"):
        s2sad.jvp(R.logistic_loss, args[:1], (1.0,))  # X and y have no default


def _stored_never_read(src: str) -> list:
    """Names a generated function assigns and never reads (dead code)."""
    out = []
    for fn in ast.parse(src).body:
        if not isinstance(fn, ast.FunctionDef):
            continue
        stored, loaded = set(), set()
        for node in ast.walk(fn):
            if isinstance(node, ast.Name):
                (stored if isinstance(node.ctx, ast.Store) else loaded).add(node.id)
        loops = {n.target.id for n in ast.walk(fn)
                 if isinstance(n, ast.For) and isinstance(n.target, ast.Name)}
        out += [(fn.name, n) for n in sorted(stored - loaded - loops - {"value", "grads"})]
    return out


@pytest.mark.parametrize("name", sorted(CASES))
def test_source_is_readable(name):
    f, args = _args(name)
    df = s2sad.grad(f)
    df(*args)
    src = s2sad.source(df)
    compile(src, "<derivative>", "exec")
    assert _stored_never_read(src) == []
    # each of the user's lines shows up as a comment above its code
    assert f"realistic.py:{f.__code__.co_firstlineno + 1}" in src or "def " in src


def test_loop_free_gradient_needs_no_tape():
    f, args = _args("logistic")
    df = s2sad.grad(f)
    df(*args)
    src = s2sad.source(df)
    assert "Tape()" not in src and "push" not in src
    assert math.isfinite(float(np.sum(df(*args))))


# -- second derivatives not supported yet ---------------------------------------------


@pytest.mark.xfail(strict=True, reason="second derivatives through f[:-1] += ...: the first "
                   "derivative keeps a view t = f[:-1] and reads it in the adjoint after "
                   "restoring f; the second transform's mutation check refuses that "
                   "(UnsupportedConstructError in the generated code)")
def test_hvp_spring_chain():
    f, args = _args("spring chain")
    s2sad.hvp(f)(*args, 0.02, 30, np.ones(4))


# -- loops over a dict ------------------------------------------------------------------

PARAMS = {"W": np.arange(6.0).reshape(2, 3) / 6, "b": np.array([0.5, -1.0])}


@pytest.mark.xfail(strict=True, raises=KeyError, reason="for name in params: over a dict "
                   "is desugared (normalize/desugar.py) to positional indexing "
                   "params[i] for i in range(len(params)), a KeyError 0 at run time")
def test_loop_over_the_keys_of_a_dict():
    g = s2sad.grad(R.l2_over_keys)(PARAMS)
    check_tree_grad(g, R.l2_over_keys, (PARAMS,), 0)


@pytest.mark.xfail(strict=True, raises=s2sad.TransformError, reason="for k, v in "
                   "params.items(): dict methods have no rule; refused as an ObjectCallError "
                   "that calls it np.ndarray.items(...)")
def test_loop_over_the_items_of_a_dict():
    g = s2sad.grad(R.l2_over_items)(PARAMS)
    check_tree_grad(g, R.l2_over_items, (PARAMS,), 0)


@pytest.mark.xfail(strict=True, raises=s2sad.UnsupportedConstructError, reason="a "
                   "function defined inside the differentiated function and handed to a "
                   "helper (rk4_generic(rhs, y, ...), rhs a closure over the parameters): "
                   "nested functions are only inlined where called; now refused (it was a "
                   "NameError, or silently the module-level function of that name)")
def test_closure_handed_to_an_integrator():
    args = (np.array([2.0, 0.3]), np.array([1.0, 0.0]))
    check_grad(R.damped_oscillator, *args)
