"""x[i] = v in reverse and forward mode, against central differences."""

import numpy as np
import pytest

import s2sad
from s2sad.errors import UnsupportedConstructError

from gradcheck import numgrad
from programs import stores

RNG = np.random.default_rng(11)


@pytest.mark.parametrize("func,shape", [(stores.fill, 3), (stores.overwrite_then_read, 3),
                                        (stores.fancy, 3)])
def test_array_stores(func, shape):
    x = RNG.normal(size=shape)
    np.testing.assert_allclose(s2sad.grad(func)(x), numgrad(func, (x,), 0), rtol=1e-6,
                               atol=1e-8)
    t = RNG.normal(size=shape)
    _, tangent = s2sad.jvp(func, (x,), (t,))
    assert tangent == pytest.approx(float(numgrad(func, (x,), 0) @ t), rel=1e-6)


def test_list_store():
    gx, gy = s2sad.grad(stores.list_store, (0, 1))(1.3, 0.7)
    assert gx == pytest.approx(3.0 + 0.7) and gy == pytest.approx(1.3)


def test_store_leaves_inputs_alone():
    x = RNG.normal(size=3)
    before = x.copy()
    s2sad.grad(stores.overwrite_then_read)(x)
    np.testing.assert_array_equal(x, before)


@pytest.mark.parametrize("func", [stores.into_parameter, stores.into_alias, stores.into_view])
def test_store_into_shared_memory_is_refused(func):
    with pytest.raises(UnsupportedConstructError, match="shares memory"):
        s2sad.grad(func)


@pytest.mark.parametrize("shape", [(), (3,)])
def test_append_in_a_loop(shape):
    x, w = RNG.normal(size=shape), RNG.normal(size=shape)
    gx, gw = s2sad.grad(stores.appends, (0, 1))(x, w)
    np.testing.assert_allclose(gx, numgrad(stores.appends, (x, w), 0), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(gw, numgrad(stores.appends, (x, w), 1), rtol=1e-6, atol=1e-9)
    _, tangent = s2sad.jvp(stores.appends, (x, w), (np.ones_like(x), None))
    np.testing.assert_allclose(tangent, np.sum(gx), rtol=1e-9)


def test_other_mutating_calls_are_refused():
    with pytest.raises(UnsupportedConstructError, match="extend"):
        s2sad.grad(stores.extend)
