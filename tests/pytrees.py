"""Finite differences for structured arguments (objects of objects, lists, dicts).

A *path* names one float leaf of an argument: attribute names, list indices and dict
keys from the top. ``numeric_tree(f, args, i)`` gives the central-difference gradient of
``total(f(*args))`` at every leaf of ``args[i]``; ``at(g, path)`` follows the same path
through an s2sad gradient (a dict for a plain object, a dataclass for a dataclass);
``random_tangent`` builds a forward-mode tangent (objects as dicts of attribute tangents).
"""

from __future__ import annotations

import copy
import types

import numpy as np
from gradcheck import total


def _is_object(x) -> bool:
    return hasattr(x, "__dict__") and not isinstance(
        x, (np.ndarray, np.generic, type, types.FunctionType, types.ModuleType))


def _is_leaf(x) -> bool:
    return isinstance(x, float) and not isinstance(x, bool) or isinstance(x, np.floating) \
        or isinstance(x, np.ndarray) and x.dtype.kind == "f"


def leaves(value, path=()):
    """``(path, leaf)`` for every float leaf of ``value``."""
    if _is_leaf(value):
        yield path, value
    elif isinstance(value, (list, tuple)):
        for k, v in enumerate(value):
            yield from leaves(v, path + (k,))
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from leaves(v, path + (k,))
    elif _is_object(value):
        for k, v in vars(value).items():
            yield from leaves(v, path + (k,))


def replaced(value, path, new):
    """A copy of ``value`` with the leaf at ``path`` replaced by ``new`` (others shared)."""
    if not path:
        return new
    key, rest = path[0], path[1:]
    if isinstance(value, (list, tuple)):
        items = list(value)
        items[key] = replaced(items[key], rest, new)
        return type(value)(items)
    if isinstance(value, dict):
        out = dict(value)
        out[key] = replaced(value[key], rest, new)
        return out
    out = copy.copy(value)
    setattr(out, key, replaced(getattr(value, key), rest, new))
    return out


def at(g, path):
    """The part of a gradient or tangent at ``path``."""
    for key in path:
        g = g[key] if isinstance(g, (dict, list, tuple)) else getattr(g, key)
    return g


def _shifted_total(f, args, i, path, leaf, idx, h):
    if np.ndim(leaf):
        new = np.array(leaf, dtype=np.float64)
        new[idx] += h
    else:
        new = float(leaf) + h
    a = list(args)
    a[i] = replaced(args[i], path, new)
    return total(f(*a))


def numeric_tree(f, args, i, eps=1e-6):
    """``{path: central-difference gradient}`` for every leaf of ``args[i]``."""
    out = {}
    for path, leaf in leaves(args[i]):
        grad = np.zeros(np.shape(leaf))
        for idx in np.ndindex(np.shape(leaf)):
            grad[idx] = (_shifted_total(f, args, i, path, leaf, idx, eps)
                         - _shifted_total(f, args, i, path, leaf, idx, -eps)) / (2 * eps)
        out[path] = grad
    return out


def check_tree_grad(g, f, args, i, rtol=1e-5, atol=1e-7):
    """Compare the s2sad gradient ``g`` of ``args[i]`` with finite differences, leaf by leaf."""
    for path, expected in numeric_tree(f, args, i).items():
        np.testing.assert_allclose(np.asarray(at(g, path), dtype=np.float64), expected,
                                   rtol=rtol, atol=atol, err_msg=f"at {path}")


def random_tangent(value, rng):
    """A tangent for ``value``: arrays of its shapes, objects as dicts, None for non-floats."""
    if _is_leaf(value):
        t = rng.standard_normal(np.shape(value))
        return float(t) if isinstance(value, float) else t
    if isinstance(value, (list, tuple)):
        return type(value)(random_tangent(v, rng) for v in value)
    if isinstance(value, dict):
        return {k: random_tangent(v, rng) for k, v in value.items()}
    if _is_object(value):
        return {k: t for k, t in ((k, random_tangent(v, rng)) for k, v in vars(value).items())
                if t is not None}
    return None


def numeric_directional_tree(f, args, i, tangent, eps=1e-6):
    """Central difference of ``total(f(*args))`` along ``tangent`` in ``args[i]``."""
    def moved(h):
        new = args[i]
        for path, leaf in leaves(args[i]):
            t = at(tangent, path)
            new = replaced(new, path, np.asarray(leaf, dtype=np.float64) + h * t
                           if np.ndim(leaf) else float(leaf) + h * float(t))
        a = list(args)
        a[i] = new
        return total(f(*a))
    return (moved(eps) - moved(-eps)) / (2 * eps)
