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


def _hessian_by_differences(func, x, eps=1e-6):
    grad = s2sad.grad(func)
    return np.stack([(grad(x + eps * e) - grad(x - eps * e)) / (2 * eps)
                     for e in np.eye(x.size)])


@pytest.mark.parametrize("func", [stores.reads_restored, stores.list_overwritten,
                                  stores.dict_new_keys, stores.fancy, stores.appends_only,
                                  stores.pops])
def test_second_derivatives_through_stores(func):
    """Forward over reverse and reverse over reverse through the generated store code:
    saved_part, part and zero_part have rules, restore_part is reversed as a store (before:
    runtime.part's source was transformed, an ObjectCallError on g.get)."""
    x = RNG.normal(size=3)
    expected = _hessian_by_differences(func, x)
    np.testing.assert_allclose(s2sad.hessian(func)(x), expected, rtol=1e-6, atol=1e-8)
    v = RNG.normal(size=3)
    np.testing.assert_allclose(s2sad.hvp(func)(x, v), expected @ v, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(s2sad.grad(s2sad.grad(func))(x), expected.sum(axis=0),
                               rtol=1e-6, atol=1e-8)


@pytest.mark.xfail(strict=True, raises=UnsupportedConstructError,
                   reason="second derivatives through a store into a slice that the first "
                   "derivative keeps a view of (t = f[:-1]; f[:-1] = t * ...): the mutation "
                   "check of the second transform refuses the generated code, since the view "
                   "is read again in the adjoint (after restore_part has put its values back)")
def test_second_derivatives_through_slice_updates():
    x = np.array([0.7, -0.4, 0.9])
    np.testing.assert_allclose(s2sad.hessian(stores.slice_updates)(x),
                               _hessian_by_differences(stores.slice_updates, x), rtol=1e-6,
                               atol=1e-8)


def test_pop_of_a_list():
    """xs.pop() on its own line: reverse saves the element and appends it back, forward
    drops the last tangent (and second derivatives go through the adjoint of an append,
    which pops)."""
    x = RNG.normal(size=3)
    np.testing.assert_allclose(s2sad.grad(stores.pops)(x), numgrad(stores.pops, (x,), 0),
                               rtol=1e-6, atol=1e-8)
    t = RNG.normal(size=3)
    _, tangent = s2sad.jvp(stores.pops, (x,), (t,))
    assert tangent == pytest.approx(float(numgrad(stores.pops, (x,), 0) @ t), rel=1e-6)


@pytest.mark.parametrize("func,match", [(stores.pop_value_unused, "may change"),
                                        (stores.pop_shared, "pops from 'hs'")])
def test_pop_that_s2sad_cannot_follow_is_refused(func, match):
    """``_ = hs.pop()`` gave a silently wrong jvp (the tangent kept the popped element)
    and an IndexError in reverse mode; a pop seen through another name is refused like an
    append."""
    x = np.ones(2)
    with pytest.raises(UnsupportedConstructError, match=match):
        s2sad.grad(func)(x)
    with pytest.raises(UnsupportedConstructError, match=match):
        s2sad.jvp(func, (x,), (x,))
