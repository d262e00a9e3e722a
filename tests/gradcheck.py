"""Central finite differences, to check s2sad's gradients against something independent.

``numgrad(f, args, i)`` is the gradient of the sum of all outputs of ``f`` with respect
to ``args[i]``, elementwise; ``check_grad`` compares it with ``s2sad.grad`` (for inputs of
more than ``ELEMENTWISE_MAX`` elements, along a few random directions instead).
"""

from __future__ import annotations

import inspect

import numpy as np

import s2sad

ELEMENTWISE_MAX = 64


def total(out) -> float:
    """The sum of all outputs (what s2sad seeds with ones)."""
    if isinstance(out, (tuple, list)):
        return sum(total(o) for o in out)
    return float(np.sum(out))


def _shifted(x, flat_index: int, h: float):
    """``x`` with one element moved by ``h``, in float64 and of the same kind (scalar/array)."""
    if isinstance(x, np.ndarray):
        y = np.array(x, dtype=np.float64)
        y.reshape(-1)[flat_index] += h
        return y
    if isinstance(x, np.generic):
        return np.float64(x) + h
    return float(x) + h


def _along(x, v, h: float):
    if isinstance(x, np.ndarray):
        return np.asarray(x, dtype=np.float64) + h * v
    return type(x)(x + h * float(v))


def _position(f, w) -> int:
    if isinstance(w, int):
        return w
    params = list(inspect.signature(f).parameters)
    return params.index(w)


def numgrad(f, args, i: int, eps: float = 1e-6):
    """Elementwise central-difference gradient of ``total(f(*args))`` w.r.t. ``args[i]``."""
    x = args[i]
    size = int(np.size(x))
    out = np.zeros(size)
    for k in range(size):
        plus = list(args)
        minus = list(args)
        plus[i] = _shifted(x, k, eps)
        minus[i] = _shifted(x, k, -eps)
        out[k] = (total(f(*plus)) - total(f(*minus))) / (2 * eps)
    return out.reshape(np.shape(x)) if np.ndim(x) else out[0]


def numdirectional(f, args, i: int, v, eps: float = 1e-6) -> float:
    """Central-difference derivative of ``total(f(*args))`` along ``v`` in ``args[i]``."""
    plus = list(args)
    minus = list(args)
    plus[i] = _along(args[i], v, eps)
    minus[i] = _along(args[i], v, -eps)
    return (total(f(*plus)) - total(f(*minus))) / (2 * eps)


def check_grad(f, *args, wrt=0, rtol: float = 1e-5, atol: float = 1e-6, eps: float = 1e-6,
               seed: int = 0):
    """``s2sad.grad(f, wrt)(*args)``, after checking it against finite differences."""
    grads = s2sad.grad(f, wrt)(*args)
    single = not isinstance(wrt, (tuple, list))
    items = [wrt] if single else list(wrt)
    got = [grads] if single else list(grads)
    assert len(got) == len(items)
    rng = np.random.default_rng(seed)
    for w, g in zip(items, got):
        i = _position(f, w)
        assert np.shape(g) == np.shape(args[i]), (w, np.shape(g), np.shape(args[i]))
        if np.size(args[i]) <= ELEMENTWISE_MAX:
            np.testing.assert_allclose(np.asarray(g, dtype=np.float64),
                                       numgrad(f, args, i, eps), rtol=rtol, atol=atol,
                                       err_msg=f"gradient w.r.t. {w!r}")
        else:
            for _ in range(3):
                v = rng.standard_normal(np.shape(args[i]))
                expected = numdirectional(f, args, i, v, eps)
                np.testing.assert_allclose(np.vdot(np.asarray(g, dtype=np.float64), v),
                                           expected, rtol=rtol, atol=atol,
                                           err_msg=f"directional derivative w.r.t. {w!r}")
    return grads
