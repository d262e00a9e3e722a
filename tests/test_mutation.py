"""Mutation safety (issue 6): an in-place change that another name read later would see
(a copy, a view, an attribute, a list holding it) is refused with a clear error, never
differentiated wrongly; the same code without such a name is differentiated, in reverse
and forward mode, against central differences."""

import numpy as np
import pytest
from gradcheck import numgrad
from programs import mutation as m
from programs.objects import Dense

import s2sad
from s2sad.errors import UnsupportedConstructError

RNG = np.random.default_rng(2)
X, Y = RNG.normal(size=2), RNG.normal(size=2)


def copied(f):
    """f on copies of its array arguments (Python's f may change them in place)."""
    return lambda *a: f(*[v.copy() if isinstance(v, np.ndarray) else v for v in a])


REFUSED = [
    (m.aug_alias, (X, Y), "z \\+= \\.\\.\\. writes into the ndarray 'z' in place, and 'x'"),
    (m.aug_alias_other_way, (X, Y), "'x' in place, and 'z', read later"),
    (m.aug_view, (X,), "'h' in place, and 'x'"),
    (m.aug_list, (X,), "the list 'ys' in place, and 'xs'"),
    (m.aug_in_nested_function, (X,), "'v1' in place, and 'x'"),
    (m.aug_in_helper, (X,), "'v' in place, and \"the caller's argument\""),
    (m.store_alias, (X,), "writes into 'a' in place, and 'b', read later"),
    (m.store_view, (X,), "writes into 'X' in place, and 'row'"),
    (m.store_member, (X,), "writes into 'h' in place, and 'hs'"),
    (m.append_alias, (X,), "appends to 'xs' in place, and 'ys'"),
]


@pytest.mark.parametrize("func,args,message", REFUSED, ids=[r[0].__name__ for r in REFUSED])
@pytest.mark.parametrize("mode", ["grad", "jvp"])
def test_refused(func, args, message, mode):
    with pytest.raises(UnsupportedConstructError, match=message) as info:
        if mode == "grad":
            s2sad.grad(func)(*[a.copy() for a in args])
        else:
            s2sad.jvp(func, [a.copy() for a in args], [np.ones_like(a) for a in args])
    err = info.value
    assert err.filename.endswith("mutation.py") and err.lineno > 0 and err.hint
    assert "copy" in err.hint


def test_refused_through_an_attribute():
    model = Dense(RNG.normal(size=2), RNG.normal(size=2))
    with pytest.raises(UnsupportedConstructError, match="'w' in place, and 'model'"):
        s2sad.grad(m.aug_attribute)(model, X)


ALLOWED = [
    (m.aug_copy, (X, Y)),
    (m.aug_alias_not_read_again, (X, Y)),
    (m.aug_scalar_alias, (X,)),
    (m.aug_after_swap, (X, Y)),
    (m.recurrence_through_views, (X,)),
    (m.list_grows_while_read, (X,)),
    (m.saved_value_overwritten, (X,)),
]


@pytest.mark.parametrize("func,args", ALLOWED, ids=[a[0].__name__ for a in ALLOWED])
def test_allowed_both_modes(func, args):
    f = copied(func)
    for i in range(len(args)):
        expected = numgrad(f, args, i)
        g = s2sad.grad(func, i)(*[a.copy() for a in args])
        np.testing.assert_allclose(g, expected, rtol=1e-6, atol=1e-8)
        tangents = [np.zeros_like(a) for a in args]
        tangents[i] = RNG.normal(size=np.shape(args[i]))
        value, t = s2sad.jvp(func, [a.copy() for a in args], tangents)
        np.testing.assert_allclose(value, f(*args), rtol=1e-12)
        np.testing.assert_allclose(np.sum(t), np.sum(expected * tangents[i]), rtol=1e-6)


def test_top_level_parameter_is_rebound():
    # nobody reads the caller's array during the call: x += y on a parameter is allowed
    # (the derivative leaves the caller's array alone; Python would change it)
    x = X.copy()
    g = s2sad.grad(m.bump)(x)
    np.testing.assert_allclose(g, 2.0 * np.ones(2))
    np.testing.assert_array_equal(x, X)


def test_value_matches_python_when_allowed():
    # the check is on values: the same function on numbers is differentiated
    assert s2sad.grad(m.aug_alias)(1.5, 0.5) == pytest.approx(1.5 + 0.5 + 1.5)


def test_zero_dimensional_arrays_are_arrays():
    # np.array(1.5) += ... writes in place, like any array (a float would be rebound)
    with pytest.raises(UnsupportedConstructError, match="'z' in place"):
        s2sad.grad(m.aug_alias)(np.array(1.5), np.array(0.5))
