"""The rules of templates/numpy_shape.py: reductions (prod, var, std, max, min, cumsum,
cumprod, average, trace) and shape and layout functions (ravel, concatenate, split, tile,
pad, sort, take, np.array of a list, full, linspace, ...).

One table, the drivers of tests/test_rules.py (reverse: ``s2sad.grad`` and ``s2sad.vjp``)
and tests/test_forward_rules.py (``s2sad.jvp``) run over it. The oracle is autograd on
the same snippet where autograd has the function and gets it right, an autograd snippet
computing the same thing where it has not (its trace gradient knows only axes 0 and 1, its
repeat only an int count, its broadcast_to no new leading axes, ...), or central finite
differences (cumprod, sort of a matrix, the non-constant pad modes, prod with zeros).
"""

from __future__ import annotations

import autograd
import autograd.numpy as anp
import numpy as np
import pytest
import test_forward_rules as forward
from gradcheck import numgrad
from test_rules import A32, FD, ZERO, F, I, L, Row, _params, _seed, keys_in, reductions, rows
from test_rules import run_row as reverse_run_row

import s2sad
from s2sad import runtime_shape as rs

pytestmark = pytest.mark.filterwarnings("ignore:Output seems independent of input")

CUBE = [(3, 2, 4)]
PAIR = "x, y"


SHORT = ("()", "(axis=0)", "(axis=(-1, 0))", "(axis=1, keepdims=True)")


def no_positional(key, fn: str, method: bool) -> list[Row]:
    """The `reductions` rows without the positional ``(x, -2, None, None, True)`` one: it
    means ``axis, dtype, out, keepdims`` for sum and prod, not for max or var. For an
    ndarray method (the same template as the function), only a few of them."""
    out = [r for r in reductions(key, fn, method) if "None, None, True" not in r.snippet]
    if method:
        out = [r for r in out if r.snippet.endswith(SHORT)]
    return out


def moments(key, fn: str, method: bool) -> list[Row]:
    """var and std: the reductions, ddof and correction."""
    out = no_positional(key, fn, method)
    call = (lambda a: f"x.{fn}({a})") if method else (lambda a: f"np.{fn}(x, {a})")
    out += rows(key, call("1, None, None, 1, True"), CUBE,  # axis, dtype, out, ddof, keepdims
                oracle=f"np.{fn}(x, 1, ddof=1, keepdims=True)")
    if not method:  # the ndarray methods take no correction
        out += rows(key, [call("ddof=1"), call("axis=(0, 2), ddof=2")], CUBE)
        out += rows(key, call("axis=-1, correction=1"), CUBE, oracle=f"np.{fn}(x, -1, ddof=1)")
    if fn == "var":  # autograd's forward var fails on a tuple of axes
        out = [Row(r.key, r.snippet, r.cases, oracle=FD) if "=(" in r.snippet else r
               for r in out]
    return out


def same(key, oracle_fn: str, snippets, cases, **kw) -> list[Row]:
    """Rows whose oracle is another function called with the same arguments (``x.f(a)``
    and ``np.f(x, a)`` checked against ``oracle_fn(x, a)``)."""
    out = []
    for snippet in snippets:
        inner = snippet[snippet.index("(") + 1:-1]
        if snippet.startswith("np."):
            inner = inner[1:].lstrip(", ")  # the arguments after x
        oracle = f"{oracle_fn}(x{', ' + inner if inner else ''})"
        out += rows(key, snippet, cases, oracle=oracle, **kw)
    return out


TABLE: list[Row] = [
    # -- prod: exact with zeros (the product of the others, no division) -------------------
    *reductions(np.prod, "prod", method=False),
    *reductions(np.ndarray.prod, "prod", method=True),
    *rows(np.prod, ["np.prod(np.where(x > 0.0, x, 0.0), axis=0)",
                    "np.prod(np.where(x > 0.0, x, 0.0))"], [(3, 2, 4), (4,)], oracle=FD),
    *rows(np.prod, "np.prod(np.where(x > 0.0, x, 0.0), axis=(0, 2), keepdims=True)",
          [(3, 2, 4)], oracle=FD),
    *rows(np.prod, "np.prod(x, axis=1, initial=2.0)", [(3, 2)], oracle="2.0 * np.prod(x, 1)"),
    *rows(np.ndarray.prod, "x.prod(0, None, None, True)", [(3, 2)],
          oracle="np.prod(x, 0, keepdims=True)"),
    # -- var and std ---------------------------------------------------------------------
    *moments(np.var, "var", method=False),
    *moments(np.ndarray.var, "var", method=True),
    *moments(np.std, "std", method=False),
    *moments(np.ndarray.std, "std", method=True),
    *rows(np.std, "np.std(x, axis=1)", [(3, 1)]),  # one element: zero, as autograd
    # -- max, min, amax, amin: ties split equally --------------------------------------
    *no_positional(np.max, "max", method=False),
    *no_positional(np.min, "min", method=False),
    *no_positional(np.ndarray.max, "max", method=True),
    *no_positional(np.ndarray.min, "min", method=True),
    *rows(np.amax, ["np.amax(x, axis=(0, -1))", "np.amax(x, 1, keepdims=True)"], CUBE),
    *rows(np.amin, "np.amin(x, axis=-2)", CUBE),
    *rows(np.amin, "np.amin(x, 1, None, True)", CUBE, oracle="np.amin(x, 1, keepdims=True)"),
    *rows(np.max, "np.max(x, -2, None, True)", CUBE, oracle="np.max(x, -2, keepdims=True)"),
    *rows(np.max, ["np.max(np.concatenate([x, x]), axis=0)", "np.max(np.stack([x, x]))"],
          [(3, 2)]),  # every maximum tied twice: half to each copy
    *rows(np.max, "np.max(x, initial=0.0)", [(3, 2)], oracle="np.maximum(np.max(x), 0.0)"),
    # -- diff: adjoint and tangent; autograd has it --------------------------------------
    *rows(np.diff, ["np.diff(x)", "np.diff(x, 2)", "np.diff(x, axis=0)",
                    "np.diff(x, n=2, axis=-2)"], [(3, 3, 4)]),
    *rows(np.diff, ["np.diff(x)", "np.diff(x, 3)"], [(5,)]),
    # -- cumsum, cumprod -----------------------------------------------------------------
    *rows(np.cumsum, ["np.cumsum(x)", "np.cumsum(x, axis=0)", "np.cumsum(x, axis=-1)",
                      "np.cumsum(x, 1)"], [(3, 2, 4)]),
    *rows(np.cumsum, "np.cumsum(x)", [(3,), ()]),
    *rows(np.cumsum, "np.cumsum(x)", [F], oracle=FD),  # autograd: arrays only
    *rows(np.ndarray.cumsum, ["x.cumsum()", "x.cumsum(axis=1)"], [(3, 4)],
          oracle=None),
    *rows(np.ndarray.cumsum, "x.cumsum(0)", [(3, 4)], oracle="np.cumsum(x, 0)"),
    *rows(np.cumprod, ["np.cumprod(x)", "np.cumprod(x, axis=0)", "np.cumprod(x, -1)"],
          [(3, 2, 4)], oracle=FD),
    *rows(np.cumprod, "np.cumprod(x)", [(3,), F], oracle=FD),
    *rows(np.cumprod, ["np.cumprod(np.where(x > 0.0, x, 0.0), axis=1)",
                       "np.cumprod(np.where(x > 0.0, x, 0.0))"], [(3, 5)], oracle=FD),
    *rows(np.ndarray.cumprod, ["x.cumprod()", "x.cumprod(axis=1)"], [(3, 4)], oracle=FD),
    # -- average -------------------------------------------------------------------------
    *same(np.average, "np.mean", ["np.average(x)", "np.average(x, axis=0)",
                                  "np.average(x, (0, 2))",
                                  "np.average(x, axis=-1, keepdims=True)"], CUBE),
    *rows(np.average, "np.average(x, axis=1, weights=y)", [((3, 4), (4,))], params=PAIR,
          domain=("any", "pos"), oracle="np.sum(x * y, axis=1) / np.sum(y)"),
    *rows(np.average, "np.average(x, 1, y)", [((3, 4), (3, 4))], params=PAIR,
          domain=("any", "pos"), oracle="np.sum(x * y, axis=1) / np.sum(y, axis=1)"),
    *rows(np.average, "np.average(x, weights=y)", [((3, 2), (3, 2)), ((3,), (3,))],
          params=PAIR, domain=("any", "pos"), oracle="np.sum(x * y) / np.sum(y)"),
    *rows(np.average, "np.average(x, axis=0, weights=y, keepdims=True)", [((3, 2), (3,))],
          params=PAIR, domain=("any", "pos"),
          oracle="np.sum(x * y[:, None], axis=0, keepdims=True) / np.sum(y)"),
    *rows(np.average, "np.average(x, axis=0, weights=np.array([1.0, 2.0, 3.0]))", [(3, 2)],
          oracle="np.sum(x * np.array([[1.0], [2.0], [3.0]]), axis=0) / 6.0"),
    *rows(np.average, "np.average(np.ones((2, 3)), axis=1, weights=x)", [(3,)],
          domain=("pos",), oracle="np.sum(x) / np.sum(x) * np.ones(2)"),
    # -- trace ---------------------------------------------------------------------------
    *rows(np.trace, ["np.trace(x)", "np.trace(x, 1)", "np.trace(x, offset=-1)"],
          [(3, 3), (3, 4), (2, 3, 4)]),
    # autograd's trace: axes 0 and 1 only
    *rows(np.trace, ["np.trace(x, 0, 1, 2)", "np.trace(x, axis1=-1, axis2=0)"], CUBE,
          oracle=FD),
    *rows(np.ndarray.trace, "x.trace()", [(3, 4)], oracle="np.trace(x)"),
    *rows(np.ndarray.trace, "x.trace(1)", [(3, 4)], oracle="np.trace(x, 1)"),
    *rows(np.ndarray.trace, "x.trace(axis1=1, axis2=2)", CUBE, oracle=FD),
    # -- ravel, flatten ------------------------------------------------------------------
    *rows(np.ravel, ["np.ravel(x)", "np.ravel(x, order='F')", "np.ravel(x, 'A')"],
          [(2, 3, 4), (3,), F]),
    *rows(np.ravel, ["np.ravel(x.T, order='K')", "np.ravel(x.T, 'A')"], [(3, 2)],
          oracle="np.ravel(x)"),  # x.T reads in x's order
    *same(np.ndarray.ravel, "np.ravel", ["x.ravel()", "x.ravel('F')"], [(2, 3)]),
    *same(np.ndarray.flatten, "np.ravel", ["x.flatten()", "x.flatten(order='F')"],
          [(2, 3), ()]),
    *rows(np.ndarray.flatten, "x.T.flatten('K')", [(3, 2)], oracle="np.ravel(x)"),
    # -- expand_dims, squeeze, atleast ---------------------------------------------------
    *rows(np.expand_dims, ["np.expand_dims(x, 0)", "np.expand_dims(x, axis=-1)",
                           "np.expand_dims(x, (0, 2))"], [(3, 2)]),
    *rows(np.expand_dims, ["np.expand_dims(x, 0)", "np.expand_dims(x, (0, -1))"], [F, ()]),
    *rows(np.squeeze, ["np.squeeze(x)", "np.squeeze(x, axis=1)", "np.squeeze(x, -2)"],
          [(3, 1, 2)]),
    *rows(np.squeeze, "np.squeeze(x)", [(1,), (1, 2, 1)]),
    *same(np.ndarray.squeeze, "np.squeeze", ["x.squeeze()", "x.squeeze(1)"], [(3, 1, 2)]),
    *rows(np.atleast_1d, "np.atleast_1d(x)", [F, (), (2,), (3, 2)]),
    *rows(np.atleast_2d, "np.atleast_2d(x)", [F, (), (2,), (3, 2)]),
    *rows(np.atleast_3d, "np.atleast_3d(x)", [F, (), (2,), (3, 2), (2, 3, 4)]),
    # -- moveaxis, swapaxes, broadcast_to ------------------------------------------------
    *rows(np.moveaxis, ["np.moveaxis(x, 0, -1)", "np.moveaxis(x, (0, 1), (2, 0))",
                        "np.moveaxis(x, source=-1, destination=0)"], [(2, 3, 4)]),
    *rows(np.swapaxes, ["np.swapaxes(x, 0, 2)", "np.swapaxes(x, -1, 1)"], [(2, 3, 4)]),
    *rows(np.swapaxes, "np.swapaxes(x, 0, 1)", [(3, 2)]),
    *rows(np.ndarray.swapaxes, "x.swapaxes(0, -1)", [(2, 3, 4), (3, 2)],
          oracle="np.swapaxes(x, 0, -1)"),
    *rows(np.broadcast_to, "np.broadcast_to(x, (4, 3, 2))", [(3, 2), (1, 2), (2,), (), F],
          oracle="x + np.zeros((4, 3, 2))"),  # autograd: no new leading axes
    *rows(np.broadcast_to, "np.broadcast_to(x, shape=(3, 2))", [(3, 1), (3, 2)],
          oracle="x + np.zeros((3, 2))"),
    # -- concatenate, stack, hstack, vstack, dstack, column_stack ------------------------
    *rows(np.concatenate, "np.concatenate([x, y])", [((2, 3), (4, 3)), ((2,), (3,))],
          params=PAIR),
    *rows(np.concatenate, ["np.concatenate((x, y), axis=1)",
                           "np.concatenate([x, y, x], axis=-1)"], [((3, 2), (3, 4))],
          params=PAIR),
    *rows(np.concatenate, "np.concatenate([x, y], axis=None)", [((2, 3), (4,))],
          params=PAIR, oracle="np.concatenate([np.ravel(x), np.ravel(y)])"),
    *rows(np.concatenate, ["np.concatenate([x, np.ones(3)])",
                           "np.concatenate([np.ones(2), x, x * x])"], [(2,)]),
    *rows(np.concatenate, "np.concatenate(x)", [(3, 2)], oracle="np.ravel(x)"),
    *rows(np.concatenate, "np.concatenate([[x, 2.0 * y], np.ones(2) * y])", [(F, F)],
          params=PAIR, oracle=FD),  # a list in the list: nested gradients
    *rows(np.stack, ["np.stack([x, y])", "np.stack((x, y), axis=1)", "np.stack([x, y], -1)"],
          [((3, 2), (3, 2)), ((2,), (2,))], params=PAIR),
    *rows(np.stack, "np.stack([x, y, x])", [(F, F), ((), ())], params=PAIR),
    *rows(np.stack, "np.stack([x, np.zeros(2)], axis=1)", [(2,)]),
    *rows(np.hstack, "np.hstack([x, y])", [((2,), (3,)), ((3, 2), (3, 1)), (F, (2,)),
                                           ((), (2,))], params=PAIR),
    *rows(np.vstack, "np.vstack([x, y])", [((2,), (2,)), ((3, 2), (1, 2)), ((3, 2), (2,))],
          params=PAIR),
    *rows(np.dstack, "np.dstack([x, y])", [((2,), (2,)), ((3, 2), (3, 2)),
                                           ((2, 3, 1), (2, 3, 2))], params=PAIR,
          oracle=FD),  # autograd's forward dstack gives zeros
    *rows(np.column_stack, "np.column_stack([x, y])", [((3,), (3,)), ((3,), (3, 2))],
          params=PAIR),
    # -- split, array_split, hsplit, vsplit, dsplit: a list out ---------------------------
    *rows(np.split, ["np.split(x, 2)[1]", "np.split(x, [1, 3])[0] * 2.0"], [(4, 3)]),
    *rows(np.split, "np.split(x, [1, 3], axis=1)[2]", [(2, 4)]),
    *rows(np.split, "np.stack(np.split(x, 3, axis=-1))", [(2, 3)]),
    *rows(np.split, "np.split(x, 2)[0] * np.split(x, 2)[1]", [(4,)]),
    *rows(np.split, "np.concatenate(np.split(x, [1, 3])[::-1])", [(4,)],
          oracle="np.concatenate([x[3:], x[1:3], x[:1]])"),
    *rows(np.array_split, ["np.array_split(x, 3)[1]", "np.array_split(x, 2, axis=1)[0]"],
          [(5, 3)]),
    *rows(np.hsplit, "np.hsplit(x, 2)[1]", [(3, 4)]),
    *rows(np.hsplit, "np.hsplit(x, 2)[1]", [(4,)], oracle="x[2:]"),
    *rows(np.vsplit, "np.vsplit(x, [1])[1]", [(3, 2)]),
    *rows(np.dsplit, "np.dsplit(x, 2)[0]", [(2, 2, 4)]),
    # -- tile, repeat --------------------------------------------------------------------
    *rows(np.tile, ["np.tile(x, 2)", "np.tile(x, (2, 1))", "np.tile(x, (2, 1, 3))"],
          [(2,), F, ()]),
    *rows(np.tile, ["np.tile(x, (2, 1))", "np.tile(x, (2, 1, 3))"], [(3, 2)]),
    *rows(np.tile, "np.tile(x, 2)", [(3, 2)],  # autograd tiles the first axis
          oracle="np.concatenate([x, x], axis=1)"),
    *rows(np.repeat, ["np.repeat(x, 2)", "np.repeat(x, 3, axis=0)"], [(3, 2)]),
    *rows(np.repeat, "np.repeat(x, 3)", [(2,)]),
    *rows(np.repeat, "np.repeat(x, 3)", [F], oracle=FD),  # autograd: arrays only
    *rows(np.repeat, "np.repeat(x, 2, axis=-1)", [(3, 2)], oracle="np.repeat(x, 2, axis=1)"),
    *rows(np.repeat, "np.repeat(x, [1, 0, 2], axis=0)", [(3, 2)],
          oracle="np.concatenate([x[:1], x[2:], x[2:]])"),  # autograd: an int count only
    *rows(np.ndarray.repeat, "x.repeat(2, axis=1)", [(3, 2)], oracle="np.repeat(x, 2, axis=1)"),
    # -- flip, fliplr, flipud, roll, rot90 ----------------------------------------------
    *rows(np.flip, ["np.flip(x)", "np.flip(x, 0)", "np.flip(x, axis=(0, 2))"], [(2, 3, 4)],
          oracle=FD),
    *rows(np.flip, "np.flip(x, -1)", [(3,)], oracle="x[::-1]"),
    *rows(np.fliplr, "np.fliplr(x)", [(3, 2), (2, 3, 4)]),
    *rows(np.flipud, "np.flipud(x)", [(3, 2), (3,)]),
    *rows(np.roll, ["np.roll(x, 1)", "np.roll(x, -2, axis=1)"], [(3, 4)]),
    *rows(np.roll, "np.roll(x, (1, 2), axis=(0, 1))", [(3, 4)],
          oracle="np.roll(np.roll(x, 1, axis=0), 2, axis=1)"),
    *rows(np.rot90, ["np.rot90(x)", "np.rot90(x, 2)", "np.rot90(x, k=-1)"],
          [(3, 2), (2, 3, 4)]),
    *rows(np.rot90, "np.rot90(x, 1, axes=(1, 2))", [(2, 3, 4)],
          oracle=FD),
    # -- pad -----------------------------------------------------------------------------
    # autograd's pad needs the mode given positionally
    *rows(np.pad, "np.pad(x, 1)", [(3, 2)], oracle="np.pad(x, 1, 'constant')"),
    *rows(np.pad, "np.pad(x, ((1, 0), (2, 1)))", [(3, 2)],
          oracle="np.pad(x, ((1, 0), (2, 1)), 'constant')"),
    *rows(np.pad, "np.pad(x, ((1, 0), (2, 1)), constant_values=0.5)", [(3, 2)],
          oracle="np.pad(x, ((1, 0), (2, 1)), 'constant', constant_values=0.5)"),
    *rows(np.pad, "np.pad(x, (2, 1), 'constant')", [(3,), (3, 2)]),
    *rows(np.pad, ["np.pad(x, (1, 2), mode='edge')", "np.pad(x, 2, 'reflect')",
                   "np.pad(x, 1, mode='wrap')", "np.pad(x, ((0, 2), (1, 1)), 'symmetric')"],
          [(3, 2)], oracle=FD),
    *rows(np.pad, "np.pad(x, 1, constant_values=y)", [((3, 2), F), ((2,), ())],
          params=PAIR, oracle=FD),
    # -- diag, diagonal, triu, tril ------------------------------------------------------
    *rows(np.diag, ["np.diag(x)", "np.diag(x, 1)", "np.diag(x, k=-1)"], [(3,), (3, 3)]),
    *rows(np.diag, ["np.diag(x)", "np.diag(x, 1)", "np.diag(x, -1)"], [(3, 4), (4, 3)],
          oracle=FD),  # autograd: square matrices only
    *rows(np.diagonal, ["np.diagonal(x)", "np.diagonal(x, 1)", "np.diagonal(x, -1, 1, 2)",
                        "np.diagonal(x, axis1=2, axis2=0)"], [(2, 3, 4)], oracle=FD),
    *rows(np.diagonal, ["np.diagonal(x)", "np.diagonal(x, offset=-2)"], [(3, 4)], oracle=FD),
    *rows(np.ndarray.diagonal, ["x.diagonal()", "x.diagonal(offset=1, axis1=2, axis2=0)"],
          [(2, 3, 4)], oracle=FD),
    *rows(np.triu, ["np.triu(x)", "np.triu(x, 1)", "np.triu(x, k=-1)"], [(3, 4), (2, 3, 4)]),
    *rows(np.tril, ["np.tril(x)", "np.tril(x, 1)", "np.tril(x, k=-1)"], [(3, 4), (2, 3, 4)]),
    # a vector is a row repeated: autograd's gradient is the matrix's
    *rows(np.triu, "np.triu(x, 1)", [(3,)], oracle=FD),
    *rows(np.tril, "np.tril(x)", [(3,)], oracle=FD),
    # -- sort, take ----------------------------------------------------------------------
    *rows(np.sort, ["np.sort(x)", "np.sort(x, kind='stable')", "np.sort(x, stable=True)"],
          [(5,)], oracle="np.sort(x)"),
    *rows(np.sort, ["np.sort(x)", "np.sort(x, axis=0)", "np.sort(x, axis=None)",
                    "np.sort(x, -1, 'mergesort')"], [(3, 4)], oracle=FD),
    *rows(np.take, ["np.take(x, [0, 2, 2])", "np.take(x, [2, -1], axis=0)",
                    "np.take(x, [[0, 1], [1, 1]], axis=-1)", "np.take(x, 1, axis=1)"],
          [(3, 2)], oracle=FD),
    *rows(np.take, ["np.take(x, [5, -7], mode='wrap')", "np.take(x, [4, 9, -1], mode='clip')"],
          [(3,)], oracle=FD),
    *rows(np.take, "np.take(x, i, axis=0)", [((3, 2), I(0, 2, 2))], params="x, i", oracle=FD),
    *rows(np.ndarray.take, ["x.take([1, 0])", "x.take([0, 0], axis=1)"], [(3, 2)],
          oracle=FD),
    *rows(np.take_along_axis, ["np.take_along_axis(x, np.array([[0], [2], [2]]), axis=1)",
                               "np.take_along_axis(x, np.array([[1, 1, 0]]), axis=0)",
                               "np.take_along_axis(x, np.array([[2, -1, 0, 0]]), 1)",
                               "np.take_along_axis(x, np.array([5, 0, 5]), None)"],
          [(3, 3)], oracle=FD),
    *rows(np.take_along_axis, "np.take_along_axis(x, np.argsort(x, axis=-1), -1)",
          [(2, 3, 4)], oracle=FD),
    # -- copy, np.array, np.asarray ------------------------------------------------------
    *rows(np.copy, "np.copy(x)", [(3, 2), F, ()], oracle="x + 0.0"),
    *rows(np.ndarray.copy, ["x.copy()", "x.copy(order='F')"], [(3, 2), ()],
          oracle="x + 0.0"),
    *rows(np.array, "np.array(x)", [(3, 2), F, L(3)]),
    *rows(np.array, "np.array([x, y, x * y])", [(F, F), ((2,), (2,)), ((), F)],
          params=PAIR),
    *rows(np.array, "np.array([[x, 1.0], [y, x]])", [(F, F)], params=PAIR),
    *rows(np.array, "np.array(x, ndmin=3)", [(2,), F], oracle="np.reshape(x, (1, 1, -1))"),
    *rows(np.array, "np.array(x, dtype=np.float32)", [(3, 2)], oracle="x"),
    *rows(np.array, "np.array(x, dtype=int) * 1.0", [(3, 2)], oracle=ZERO),
    *rows(np.asarray, "np.asarray(x)", [(3, 2), L(3)], oracle="np.array(x)"),
    *rows(np.asarray, "np.asarray((x, y))", [(F, F), ((2,), (2,))], params=PAIR,
          oracle="np.array([x, y])"),
    # -- full, full_like, linspace -------------------------------------------------------
    *rows(np.full, "np.full((3, 2), x)", [F, (), (2,), (3, 1)], oracle="x + np.zeros((3, 2))"),
    *rows(np.full, "np.full(3, x, dtype=np.float32)", [F], oracle="x + np.zeros(3)"),
    *rows(np.full_like, "np.full_like(y, x)", [(F, (3, 2)), ((2,), (3, 2))], params=PAIR,
          oracle="x + 0.0 * y"),
    *rows(np.full_like, "np.full_like(y, x, shape=(2, 2))", [(F, (3, 2))], params=PAIR,
          oracle="x + np.zeros((2, 2))"),
    *rows(np.linspace, ["np.linspace(x, y, 5)", "np.linspace(x, y, 1)"], [(F, F), ((), F)],
          params=PAIR),
    *rows(np.linspace, "np.linspace(x, y, num=4, endpoint=False)", [(F, F)], params=PAIR,
          oracle="np.linspace(x, y, 5)[:4]"),
    *rows(np.linspace, ["np.linspace(x, y, 4)", "np.linspace(x, y, 3, axis=-1)"],
          [((2,), (3, 2)), ((2,), F)], params=PAIR, oracle=FD),
    *rows(np.linspace, ["np.linspace(0.0, x, 4)", "np.linspace(x, 1.0, 3, endpoint=False)"],
          [F, (2,)], oracle=FD),
]

# -- the rules of the helpers the adjoints call (for derivatives of derivatives) ----------
H = "s2sad.runtime_shape."
TABLE += [
    *rows(rs.others_product, [H + "others_product(x, 0)", H + "others_product(x, None, 2.0)"],
          [(3, 2), (4,)], oracle=FD),
    *rows(rs.others_product, H + "others_product(x, (0, 2))", [(3, 2, 4)], oracle=FD),
    *rows(rs.others_product, H + "others_product(np.where(x > 0.0, x, 0.0), 1)", [(3, 4)],
          oracle=FD),
    *rows(rs.join_adjoint,
          "np.stack(" + H + "join_adjoint(x, [np.ones((2, 3)), np.ones((2, 3))], "
          "'concatenate', 1))", [(2, 6)], oracle=FD),
    *rows(rs.join_adjoint, H + "join_adjoint(x, [np.ones(2), np.ones(3)], 'concatenate', 0)[1]",
          [(5,)], oracle=FD),
    *rows(rs.join_adjoint,
          "np.concatenate(" + H + "join_adjoint(x, [np.ones(3), np.ones(3)], 'stack', -1))",
          [(3, 2)], oracle=FD),
    *rows(rs.split_adjoint, H + "split_adjoint([x, x * 2.0], np.ones((4, 2)), 2, 0, 'split')",
          [(2, 2)], oracle=FD),
    *rows(rs.split_adjoint, H + "split_adjoint([x, np.concatenate([x, -x], axis=1)], "
          "np.ones((2, 3)), [1], 1, 'array_split')", [(2, 1)], oracle=FD),
    *rows(rs.tile_adjoint, H + "tile_adjoint(x, np.ones(2), (2, 3))", [(2, 6)], oracle=FD),
    *rows(rs.repeat_adjoint, H + "repeat_adjoint(x, np.ones((3, 2)), [1, 0, 2], 0)", [(3, 2)],
          oracle=FD),
    *rows(rs.pad_adjoint, H + "pad_adjoint(x, np.ones((3, 2)), 1, 'constant')", [(5, 4)],
          oracle=FD),
    *rows(rs.pad_adjoint, H + "pad_adjoint(x, np.ones(3), (1, 2), 'reflect')", [(6,)],
          oracle=FD),
    *rows(rs.pad_values_adjoint, H + "pad_values_adjoint(x, np.ones((3, 2)), 1)", [(5, 4)],
          oracle=FD),
    *rows(rs.sort_adjoint, H + "sort_adjoint(x, np.array([3.0, 1.0, 2.0]))", [(3,)],
          oracle=FD),
    *rows(rs.sort_adjoint, H + "sort_adjoint(x, np.array([[3.0, 1.0], [0.0, 2.0]]), 0)",
          [(2, 2)], oracle=FD),
    *rows(rs.take_adjoint, H + "take_adjoint(x, np.ones((3, 2)), [2, 0, 2], 0)", [(3, 2)],
          oracle=FD),
    *rows(rs.take_along_axis_adjoint,
          H + "take_along_axis_adjoint(x, np.ones((3, 2)), np.array([[0, 0], [2, 0]]), 0)",
          [(2, 2)], oracle=FD),
    *rows(rs.diagonal_adjoint, H + "diagonal_adjoint(x, np.ones((3, 4)), 1)", [(3,)],
          oracle=FD),
    *rows(rs.diag_adjoint, [H + "diag_adjoint(x, np.ones(3), 1)"], [(4, 4)], oracle=FD),
    *rows(rs.diag_adjoint, [H + "diag_adjoint(x, np.ones((3, 4)))"], [(3,)], oracle=FD),
    *rows(rs.array_adjoint, "np.stack(" + H + "array_adjoint(x, [1.0, 2.0, 3.0], np.ones(3)))",
          [(3,)], oracle=FD),
    *rows(rs.array_adjoint, H + "array_adjoint(x, np.ones((3, 2)), np.ones((3, 2)))", [(3, 2)],
          oracle=FD),
    *rows(rs.fill_adjoint, H + "fill_adjoint(x, np.ones(2), np.ones((3, 2)))", [(3, 2)],
          oracle=FD),
    *rows(rs.linspace_adjoint,
          H + "linspace_adjoint(x, 0.0, np.ones(2), np.ones((4, 2)), 4, True, False, 0, 1)",
          [(4, 2)], oracle=FD),
    *rows(rs.linspace_adjoint, H + "linspace_adjoint(x, 0.0, 1.0, np.ones(5), 5)", [(5,)],
          oracle=FD),
]

# float32 in, float32 out
FLOAT32 = [
    *rows(np.prod, "np.prod(x, axis=0)", [A32(3, 2)]),
    *rows(np.var, "np.var(x)", [A32(3, 2)]),
    *rows(np.ndarray.std, "x.std(axis=1)", [A32(3, 2)], oracle="np.std(x, axis=1)"),
    *rows(np.max, "np.max(x, axis=1)", [A32(3, 2)]),
    *rows(np.cumsum, "np.cumsum(x)", [A32(3, 2)]),
    *rows(np.cumprod, "np.cumprod(x, axis=0)", [A32(3, 2)], oracle=FD),
    *rows(np.average, "np.average(x, axis=0)", [A32(3, 2)], oracle="np.mean(x, axis=0)"),
    *rows(np.trace, "np.trace(x)", [A32(3, 3)]),
    *rows(np.cumsum, "np.cumsum(x, axis=1)", [A32(3, 2)]),
    *rows(np.concatenate, "np.concatenate([x, y])", [(A32(2,), A32(3,))], params=PAIR),
    *rows(np.stack, "np.stack([x, y])", [(A32(2,), A32(2,))], params=PAIR),
    *rows(np.pad, "np.pad(x, 1)", [A32(3, 2)], oracle="np.pad(x, 1, 'constant')"),
    *rows(np.sort, "np.sort(x)", [A32(4,)]),
    *rows(np.take, "np.take(x, [0, 0, 1])", [A32(3,)], oracle="x[np.array([0, 0, 1])]"),
    *rows(np.repeat, "np.repeat(x, 2)", [A32(3,)]),
    *rows(np.tile, "np.tile(x, 2)", [A32(3,)]),
    *rows(np.diagonal, "np.diagonal(x)", [A32(3, 3)], oracle="np.diag(x)"),
    *rows(np.linspace, "np.linspace(x, y, 3)", [(np.float32, np.float32)], params=PAIR),
]


@pytest.fixture(scope="module")
def shape_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("shape_rule_cases")


@pytest.mark.parametrize("row,case", _params(TABLE + FLOAT32))
def test_rule(row, case, shape_dir, request):
    reverse_run_row(row, case, shape_dir, _seed(request))


@pytest.mark.parametrize("row,case", _params(TABLE + FLOAT32))
def test_tangent(row, case, shape_dir, request):
    forward.run_row(row, case, shape_dir, _seed(request))


@pytest.mark.parametrize("row", TABLE + FLOAT32, ids=lambda r: r.snippet)
def test_row_uses_its_rule(row):
    assert any(k is row.key for k in keys_in(row.snippet, row.params)), \
        (row.snippet, keys_in(row.snippet, row.params))


# -- ties: the gradient and the tangent split equally among the tied elements ------------

def max_rows(x, w):
    return np.sum(w * np.max(x, axis=1))


def min_method(x, w):
    return np.sum(w * x.min(axis=0, keepdims=True))


@pytest.mark.parametrize("fn,oracle", [
    (max_rows, lambda x, w: anp.sum(w * anp.max(x, axis=1))),
    (min_method, lambda x, w: anp.sum(w * anp.min(x, axis=0, keepdims=True))),
])
def test_max_min_ties_split(fn, oracle):
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0], [0.0, 1.0, 0.0]])
    w = np.array([1.0, 2.0, 3.0]) if fn is max_rows else np.array([[1.0, 2.0, 3.0]])
    g = s2sad.grad(fn)(x, w)
    np.testing.assert_allclose(g, autograd.grad(oracle)(x, w))
    if fn is max_rows:
        np.testing.assert_allclose(g[0], [0.0, 0.5, 0.5])
        np.testing.assert_allclose(g[1], [2 / 3] * 3)
    v = np.arange(9.0).reshape(3, 3)
    _, t = s2sad.jvp(fn, (x, w), (v, None))
    np.testing.assert_allclose(t, np.sum(g * v))


# -- prod with zeros: the product of the others, where autograd divides by zero ----------

def prod_axis0(x):
    return np.sum(np.prod(x, axis=0) * np.array([1.0, 2.0]))


def test_prod_with_zeros_is_exact():
    x = np.array([[0.0, 2.0], [3.0, 0.0], [5.0, 0.0]])
    np.testing.assert_array_equal(s2sad.grad(prod_axis0)(x),
                                  [[15.0, 0.0], [0.0, 0.0], [0.0, 0.0]])
    _, t = s2sad.jvp(prod_axis0, (x,), (np.ones_like(x),))
    assert t == 15.0


# -- what has no derivative says so ----------------------------------------------------

def pad_ramp(x):
    return np.sum(np.pad(x, 1, mode="linear_ramp"))


def average_returned(x):
    avg, _total = np.average(x, weights=x, returned=True)
    return avg


@pytest.mark.parametrize("fn", [pad_ramp, average_returned])
def test_unsupported_variants_raise(fn):
    x = np.array([1.0, 2.0, 3.0])
    with pytest.raises(NotImplementedError):
        s2sad.grad(fn)(x)
    with pytest.raises(NotImplementedError):
        s2sad.jvp(fn, (x,), (x,))


# -- second derivatives: forward over reverse (hessian) and reverse over reverse --------

def second_reductions(x):
    a = np.var(x, axis=0, ddof=1).sum() * np.std(x) + np.sum(np.prod(x, axis=1) ** 2)
    b = np.sum(np.max(x, axis=1) ** 2) + np.sum(x.min(axis=0) * np.cumsum(x, axis=0)[-1])
    return a + b + np.trace(x) ** 2


def second_layout(x):
    a = np.sum(np.moveaxis(x, 0, 1) * np.swapaxes(x, 0, 1) ** 2 * np.flip(x, 0))
    b = np.sum(np.roll(x, 1) * np.rot90(x) * np.triu(x) * np.reshape(np.ravel(x), (3, 3)))
    return a + b + np.sum(np.broadcast_to(x[0], (2, 3)) ** 3)


def second_join(x):
    a = np.concatenate([x, x * x], axis=1)
    b = np.stack([x[0], x[1] ** 2])
    c = np.split(x, 3, axis=1)[2]
    return np.sum(a ** 3) + np.sum(b * b * b) + np.sum(c ** 3)


def second_copies(x):
    t = np.tile(x, (2, 1)) * np.repeat(x, 2, axis=0)
    u = np.pad(x, 1, constant_values=x[0, 0]) ** 2
    s = np.sort(x, axis=1) * np.take(x, [2, 0, 0], axis=1)
    return np.sum(t ** 2) + np.sum(u * u) + np.sum(s * x)


def second_build(x):
    a = np.array([x[0, 0], x[1, 1] * x[0, 1], x[2, 2]])
    b = np.full((2, 2), x[0, 0] ** 2)
    c = np.linspace(x[0, 1], x[1, 0] ** 2, 4)
    return np.sum(a ** 3) + np.sum(b * b) + np.sum(c ** 3) + np.sum(np.diagonal(x) ** 3)


def second_cumprod(x):
    zeroed = x * np.array([1.0, 0.0, 1.0])  # a zero in every row: the exact path
    return np.sum(np.cumprod(x) * np.arange(1.0, 10.0)) + np.sum(np.cumprod(x, axis=0) ** 2) \
        + np.sum(np.cumprod(zeroed, axis=1) ** 2)


def second_diff(x):
    return np.sum(np.diff(x, axis=0) ** 3) + np.sum(np.diff(x, 2) * x[:, 1:2] ** 2)


@pytest.mark.parametrize("fn", [second_reductions, second_layout, second_join,
                                second_copies, second_build, second_diff,
                                second_cumprod])
def test_second_derivatives(fn):
    x = np.random.default_rng(5).normal(size=(3, 3))
    grad = s2sad.grad(fn)
    eps = 1e-6
    fd = np.stack([(grad(x + eps * e) - grad(x - eps * e)) / (2 * eps)
                   for e in np.eye(9).reshape(9, 3, 3)]).reshape(9, 9)
    np.testing.assert_allclose(s2sad.hessian(fn)(x).reshape(9, 9), fd, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(s2sad.grad(grad)(x).reshape(9), fd.sum(axis=0), rtol=1e-5,
                               atol=1e-5)


# -- transformer and runtime bugs met while writing this file ---------------------------

def split_used_twice(x):
    p = np.split(x, 2)
    return np.sum(p[0] * p[1])


def repeated_list(x):
    return np.sum(np.concatenate([x] * 3) ** 2)


def rows_in_a_loop(x):
    rows = []
    for i in range(2):
        rows = rows + [x * i]
    return np.sum(np.array(rows) ** 2)


def test_grad_of_grad_of_a_list_indexed_twice():
    x = np.arange(1.0, 5.0)
    np.testing.assert_allclose(s2sad.grad(s2sad.grad(split_used_twice))(x), [1, 1, 1, 1])


def prod_of_a_list(x, y):
    return np.prod([x, y, 3.0])


def prod_of_a_list_of_arrays(x):
    return np.sum(np.prod([x, np.ones(2)], axis=0))


def test_grad_of_a_rule_of_a_list_literal():
    assert s2sad.grad(prod_of_a_list, wrt=(0, 1))(2.0, 5.0) == (15.0, 6.0)


def test_jvp_of_a_rule_of_a_list_of_arrays():
    x = np.array([2.0, 3.0])
    assert s2sad.jvp(prod_of_a_list_of_arrays, (x,), (np.ones(2),))[1] == 2.0


def test_grad_of_a_repeated_list():
    x = np.arange(3.0)
    np.testing.assert_allclose(s2sad.grad(repeated_list)(x), 6 * x)


def test_grad_of_a_list_concatenation():
    x = np.arange(3.0)
    np.testing.assert_allclose(s2sad.grad(rows_in_a_loop)(x), 2 * x)


def test_jvp_of_a_list_grown_in_a_loop():
    x = np.arange(3.0)
    _, t = s2sad.jvp(rows_in_a_loop, (x,), (np.ones(3),))
    assert t == pytest.approx(2 * np.sum(x))


def concatenated_operands(x, y):
    parts = [x, 2.0 * y] + [x * y, y]
    both = (3.0 * x,) + (y,)
    return np.sum(np.stack(parts) ** 2 * np.arange(1.0, 5.0)[:, None]) + np.sum(both[0] * both[1])


def repeated_on_the_left(x, y):
    parts = 2 * [x, y * y]
    return np.sum(np.stack(parts) * np.arange(1.0, 5.0)[:, None] * x)


@pytest.mark.parametrize("func", [concatenated_operands, repeated_on_the_left])
def test_grad_of_list_concatenation_and_repetition_against_numgrad(func):
    x, y = np.array([0.5, -1.0, 2.0]), np.array([1.5, 0.25, -0.75])
    grads = s2sad.grad(func, wrt=(0, 1))(x, y)
    for k in (0, 1):
        np.testing.assert_allclose(grads[k], numgrad(func, (x, y), k), rtol=1e-6)


def concatenated_scalars(x):
    rows = [x] + [x * x, 3.0 * x]
    return rows[0] * rows[1] * rows[2] + rows[2] ** 2


def test_second_derivative_through_a_list_concatenation():
    x, e = 0.7, 1e-4
    second = (concatenated_scalars(x + e) - 2 * concatenated_scalars(x)
              + concatenated_scalars(x - e)) / e ** 2
    assert s2sad.grad(s2sad.grad(concatenated_scalars))(x) == pytest.approx(second, rel=1e-5)
    assert s2sad.hvp(concatenated_scalars)(x, 1.0) == pytest.approx(second, rel=1e-5)
