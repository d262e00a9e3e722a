"""The rules of s2sad's runtime helpers (templates/s2sad.py), which derivatives of
derivatives rely on: each checked in both modes against central differences."""

import numpy as np
import pytest

import s2sad
from s2sad import runtime, runtime_linalg, runtime_shape
from s2sad.rules import registry

from programs import helpers_use as h

RNG = np.random.default_rng(3)
CASES = [  # (function, argument shapes, helper whose rules it exercises)
    (h.use_unbroadcast, [(2, 3)], runtime.unbroadcast),
    (h.use_broadcast_like, [(3,)], runtime.broadcast_like),
    (h.use_sum_adjoint, [(2,)], runtime.sum_adjoint),
    (h.use_unindex, [(3,)], runtime.unindex),
    (h.use_item, [(), ()], runtime.item),
    (h.use_astype_adjoint, [(2, 3)], runtime.astype_adjoint),
    (h.use_matmul_adjoint, [(2, 2), (2, 3), (3, 2)], runtime.matmul_adjoint),
    (h.use_dot_adjoint, [(2, 2), (2, 3), (3, 2)], runtime.dot_adjoint),
    # second derivatives through NumPy rules whose helpers cannot be transformed
    (h.use_diff_adjoint, [(3,)], runtime_shape.diff_adjoint),
    (h.use_cumprod_adjoint, [(2, 3), (2, 3)], runtime_shape.cumprod_adjoint),
    (h.use_einsum_adjoint, [(2, 2), (2, 3), (3, 2)], runtime_linalg.einsum_adjoint),
    (h.use_linalg_norm_adjoint, [(2,), (2, 3)], runtime_linalg.linalg_norm_adjoint),
    # ... through stores and appends
    (h.use_saved_part, [(2, 3)], runtime.saved_part),
    (h.use_part, [(2, 3)], runtime.part),
    (h.use_zero_part, [(2, 3)], runtime.zero_part),
    (h.use_last_part, [(), ()], runtime.last_part),
    (h.use_drop_last, [(), ()], runtime.drop_last),
    (h.use_padded, [(), ()], runtime.padded),
]


def numeric_directional(f, args, directions, eps=1e-6):
    plus = [a + eps * d for a, d in zip(args, directions)]
    minus = [a - eps * d for a, d in zip(args, directions)]
    return (f(*plus) - f(*minus)) / (2 * eps)


def _args(shapes):
    return [float(RNG.normal()) if s == () else RNG.normal(size=s) for s in shapes]


@pytest.mark.parametrize("func,shapes,helper", CASES, ids=[c[0].__name__ for c in CASES])
def test_helper_rules_both_modes(func, shapes, helper):
    args = _args(shapes)
    directions = _args(shapes)
    expected = numeric_directional(func, args, directions)
    wrt = tuple(range(len(args)))
    grads = s2sad.grad(func, wrt=wrt)(*args)
    assert sum(np.sum(g * d) for g, d in zip(grads, directions)) == pytest.approx(
        expected, rel=1e-6, abs=1e-9)
    _, tangent = s2sad.jvp(func, args, directions)
    assert tangent == pytest.approx(expected, rel=1e-6, abs=1e-9)


def test_every_helper_rule_has_a_case():
    # get_attribute (reading obj.W) is exercised by tests/test_structures.py
    covered = {id(c[2]) for c in CASES} | {id(runtime.get_attribute)}
    helpers = [key for key, rule in registry().rules.items()
               if rule.adjoint_fn is not None
               and rule.adjoint_fn.__module__ == "s2sad.templates.s2sad"]
    missing = [k.__name__ for k in helpers if id(k) not in covered]
    assert not missing, f"runtime helper rules without a case: {missing}"
    assert all(registry().rules[k].tangent_fn is not None for k in helpers)
