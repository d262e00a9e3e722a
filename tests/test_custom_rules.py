"""Rules registered from user code are used wherever the function is called."""

import numpy as np
import pytest

import s2sad

from programs import custom


def test_straight_through_rule_replaces_the_function_body():
    x = np.array([-1.0, 0.1, 2.0])
    # the rule says d[x] = d[y]: gradient 3 everywhere, although clip is flat outside [-1, 1]
    np.testing.assert_array_equal(s2sad.grad(custom.uses_clip)(x), np.full(3, 3.0))
    assert "hard_clip(" in s2sad.source(s2sad.grad(custom.uses_clip))


def test_keyword_only_template_parameters_bind_by_name():
    assert s2sad.grad(custom.uses_scale_positional)(2.0) == 1.0   # k keeps its default
    assert s2sad.grad(custom.uses_scale_keyword)(2.0) == 3.0


def test_template_with_wrong_arity_for_a_ufunc_is_refused():
    with pytest.raises(TypeError, match="takes 2 arguments; the ufunc takes 1"):
        @s2sad.adjoint(np.expm1)
        def bad(y, x, z):
            d[x] = d[y]  # noqa: F821 - never instantiated
