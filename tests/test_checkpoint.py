"""Checkpointing: ``s2sad.checkpointed(range(n))`` loops and ``@s2sad.checkpoint`` helpers.

The schedule (the runtime driver) is tested on its own against brute force; gradients
through checkpointed code are compared bit for bit with the same function without the
marker (the store-everything gradient) and with central finite differences.
"""

import math
import subprocess
import sys
import tracemalloc
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest
from gradcheck import check_grad, numgrad

import s2sad
from s2sad import runtime_checkpoint as rc


# -- the schedule -------------------------------------------------------------------------
@lru_cache(None)
def fewest_advances(steps: int, slots: int) -> int:
    """Brute force: the fewest untaped steps that reverse ``steps`` steps from the state
    at their start with ``slots`` snapshots (Griewank's problem)."""
    if steps <= 1:
        return 0
    if slots == 1:
        return steps * (steps - 1) // 2
    return min(m + fewest_advances(steps - m, slots - 1) + fewest_advances(m, slots)
               for m in range(1, steps))


@lru_cache(None)
def fewest_recomputations(steps: int, slots: int) -> int:
    """The same when the advances of the first descent come free (the primal sweep runs
    every step anyway and keeps those snapshots as it goes)."""
    if steps <= 1:
        return 0
    if slots == 1:
        return steps * (steps - 1) // 2
    return min(fewest_recomputations(steps - m, slots - 1) + fewest_advances(m, slots)
               for m in range(1, steps))


def revolve_bound(steps: int, slots: int) -> int:
    """Griewank's closed form, ``r * l - binom(s + r, r - 1)``."""
    if steps <= 1:
        return 0
    r = rc.repetitions(steps, slots)
    return r * steps - math.comb(slots + r, r - 1)


class Recorder:
    """Fake step functions on a state that counts the steps taken."""

    def __init__(self, indices, slots) -> None:
        self.indices, self.slots = indices, slots
        self.plain = 0
        self.taped = []
        self.reversed = []
        self.records = []
        self.working = None  # the snapshots an adjoint sweep uses up

    def step(self, index, k, read):
        assert index == self.indices[k] and read == "read"
        if self.working is not None:  # the adjoint sweep: never more snapshots than allowed
            assert len(self.working) <= self.slots
        self.plain += 1
        return (k + 1,)

    def primal(self, tape, index, k, read):
        assert index == self.indices[k] and read == "read"
        self.taped.append(k)
        tape.append(k)
        return (k + 1,)

    def adjoint(self, tape, seed):
        k = tape.pop()
        assert not tape
        self.reversed.append(k)
        return (seed[0] * 2 + 1,)


@pytest.mark.parametrize("slots", range(1, 9))
def test_schedule_reverses_every_step_once_with_the_fewest_recomputations(slots, monkeypatch):
    take = rc.LoopRecord.take

    def watched(record):
        rec.working = take(record)
        return rec.working

    monkeypatch.setattr(rc.LoopRecord, "take", watched)
    for steps in range(51):
        indices = range(100, 100 + 3 * steps, 3)
        rec = Recorder(indices, slots)
        final = rc.checkpoint_loop(rec.records.append, rec.step, indices, (0,), ("read",),
                                   slots)
        assert final == (steps,) and rec.plain == steps
        chain = rc.chain(steps, slots)
        assert len(chain) <= slots and len(rec.records[0].saved) == len(chain)
        rec.plain = 0
        (grad,) = rc.checkpoint_loop_adjoint(rec.records[0], rec.primal, rec.adjoint, (0,), ())
        assert rec.reversed == list(range(steps - 1, -1, -1))
        assert rec.taped == rec.reversed  # each step taped just before its adjoint
        assert grad == 2 ** steps - 1     # every adjoint saw the gradient of the next
        assert rec.plain == fewest_recomputations(steps, slots), (steps, slots)
        # with the primal's first descent counted, it is revolve's optimum
        first_descent = chain[-1] if chain else 0
        assert first_descent + rec.plain == fewest_advances(steps, slots) \
            == revolve_bound(steps, slots), (steps, slots)
        assert list(rec.records[0].saved) == ([0] if steps else [])
        # a second pullback from the same tape (jacobian rows): the same result, from
        # the first snapshot alone, in revolve's optimum
        rec.reversed, rec.plain = [], 0
        again = rc.checkpoint_loop_adjoint(rec.records[0], rec.primal, rec.adjoint, (0,), ())
        assert again == (grad,) and rec.reversed == list(range(steps - 1, -1, -1))
        assert rec.plain == revolve_bound(steps, slots)


def test_schedule_default_snapshots_and_bad_count():
    assert [rc.default_snapshots(n) for n in (0, 1, 3, 4, 6, 7, 10000)] == [1, 1, 1, 2, 2, 3, 140]
    for n in range(2000):  # the fewest snapshots that recompute each step at most once
        slots = rc.default_snapshots(n)
        assert rc.repetitions(n, slots) <= 2 and (slots == 1 or rc.repetitions(n, slots - 1) > 2)
    with pytest.raises(ValueError, match="at least 1"):
        rc.checkpoint_loop([].append, None, range(3), (0,), (), 0)


def test_schedule_copies_state_changed_in_place():
    """A step that writes into its state must not write into the snapshots."""
    def step(index, arr):
        arr[0] += 1.0
        return (arr,)

    seen = []

    def primal(tape, index, arr):
        seen.append((index, arr[0]))
        arr[0] += 1.0

    def adjoint(tape, seed):
        return (seed[0],)

    record = []
    start = np.zeros(1)
    rc.checkpoint_loop(record.append, step, range(6), (start,), (), 2, (0,))
    assert start[0] == 6.0  # the loop itself ran in place, as Python would
    rc.checkpoint_loop_adjoint(record[0], primal, adjoint, (0.0,), ())
    assert seen == [(k, float(k)) for k in range(5, -1, -1)]


def test_checkpointed_returns_its_iterable_and_checkpoint_its_function():
    r = range(3)
    assert s2sad.checkpointed(r) is r and s2sad.checkpointed(r, snapshots=2) is r

    def f(x):
        return x

    assert s2sad.checkpoint(f) is f


# -- checkpointed loops ----------------------------------------------------------------
def long_loop(x, n):
    for i in s2sad.checkpointed(range(n)):
        x = np.sin(x) * 0.9 + 0.1 * x
    return x.sum()


def long_loop_plain(x, n):
    for i in range(n):
        x = np.sin(x) * 0.9 + 0.1 * x
    return x.sum()


def long_loop_few(x, n, k):
    for i in s2sad.checkpointed(range(n), snapshots=k):
        x = np.sin(x) * 0.9 + 0.1 * x
    return x.sum()


def rnn(h, W, U, b, xs, k):
    c = np.zeros_like(h)
    total = 0.0
    for t in s2sad.checkpointed(range(len(xs)), k):
        a = W @ h + U @ xs[t] + b
        c = 0.5 * c + np.tanh(a)
        h = np.tanh(c) * h + 0.1 * a
        total = total + np.sum(h * h)
    return total + np.sum(c)


def rnn_plain(h, W, U, b, xs, k):
    c = np.zeros_like(h)
    total = 0.0
    for t in range(len(xs)):
        a = W @ h + U @ xs[t] + b
        c = 0.5 * c + np.tanh(a)
        h = np.tanh(c) * h + 0.1 * a
        total = total + np.sum(h * h)
    return total + np.sum(c)


def rnn_args(steps=9, k=3, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(4), 0.5 * rng.standard_normal((4, 4)),
            0.5 * rng.standard_normal((4, 3)), rng.standard_normal(4),
            rng.standard_normal((steps, 3)), k)


def assert_same(a, b):
    if isinstance(a, tuple):
        assert isinstance(b, tuple) and len(a) == len(b)
        for x, y in zip(a, b):
            assert_same(x, y)
    else:
        assert type(a) is type(b)
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("n", [0, 1, 2, 7, 300])
def test_long_loop_is_bitwise_the_store_everything_gradient(n):
    x = np.random.default_rng(n).standard_normal(16)
    expected = s2sad.grad(long_loop_plain)(x, n)
    assert_same(s2sad.grad(long_loop)(x, n), expected)
    # the same optimizations on both sides (the optimizer may reassociate gradient
    # arithmetic: g * a + g * b -> g * (a + b))
    assert_same(s2sad.grad(long_loop, optimize=False)(x, n),
                s2sad.grad(long_loop_plain, optimize=False)(x, n))
    for k in (1, 2, 5, 400):
        assert_same(s2sad.grad(long_loop_few)(x, n, k), expected)
    assert s2sad.value_and_grad(long_loop)(x, n)[0] == long_loop_plain(x, n)


def test_long_loop_against_finite_differences():
    x = np.random.default_rng(1).standard_normal(5)
    check_grad(long_loop_few, x, 40, 3)


@pytest.mark.parametrize("steps,k", [(0, 2), (1, 1), (9, 1), (9, 3), (30, 4), (30, None)])
def test_rnn_weights_bitwise_and_against_finite_differences(steps, k):
    args = rnn_args(steps, k)
    wrt = (0, 1, 2, 3)
    assert_same(s2sad.grad(rnn, wrt)(*args), s2sad.grad(rnn_plain, wrt)(*args))
    if steps == 9 and k == 3:
        check_grad(rnn, *args, wrt=wrt)


def rnn_step(h, W, x):
    return np.tanh(W @ h + x)


def loop_with_helper(h, W, xs):
    for t in s2sad.checkpointed(range(len(xs))):
        h = rnn_step(h, W, xs[t])
    return np.sum(h)


def loop_with_helper_plain(h, W, xs):
    for t in range(len(xs)):
        h = rnn_step(h, W, xs[t])
    return np.sum(h)


def over_rows(x, xs):
    acc = 0.0
    for row, w in s2sad.checkpointed(zip(xs, np.linspace(0.5, 1.5, len(xs))), snapshots=2):
        x = np.cos(x * row) * w
        acc = acc + np.sum(x)
    return acc


def over_rows_plain(x, xs):
    acc = 0.0
    for row, w in zip(xs, np.linspace(0.5, 1.5, len(xs))):
        x = np.cos(x * row) * w
        acc = acc + np.sum(x)
    return acc


def with_continue_and_inner_loop(x, n):
    for i in s2sad.checkpointed(range(n), snapshots=2):
        if i % 3 == 1:
            continue
        k = 0
        while k < 2:
            x = np.sin(x) + 0.5 * x
            k = k + 1
        if np.sum(x) > 0:
            x = x * 0.9
    return np.sum(x * x)


def with_continue_and_inner_loop_plain(x, n):
    for i in range(n):
        if i % 3 == 1:
            continue
        k = 0
        while k < 2:
            x = np.sin(x) + 0.5 * x
            k = k + 1
        if np.sum(x) > 0:
            x = x * 0.9
    return np.sum(x * x)


def stores_in_place(x, n):
    out = np.zeros((n, 3))
    for t in s2sad.checkpointed(range(n), snapshots=2):
        out[t] = x * t
        x = np.sin(x)
        out[t] += x
    return np.sum(out * out)


def stores_in_place_plain(x, n):
    out = np.zeros((n, 3))
    for t in range(n):
        out[t] = x * t
        x = np.sin(x)
        out[t] += x
    return np.sum(out * out)


def tuple_and_float_state(x, s, n):
    pair = (x, x * 2.0)
    for t in s2sad.checkpointed(range(n), snapshots=3):
        pair = (np.sin(pair[1]) * s, pair[0] + s * s)
        s = s * 0.95 + 0.01 * np.sum(pair[0])
    return np.sum(pair[0] * pair[1]) + s


def tuple_and_float_state_plain(x, s, n):
    pair = (x, x * 2.0)
    for t in range(n):
        pair = (np.sin(pair[1]) * s, pair[0] + s * s)
        s = s * 0.95 + 0.01 * np.sum(pair[0])
    return np.sum(pair[0] * pair[1]) + s


def appends(x, n):
    hs = []
    for t in s2sad.checkpointed(range(n), snapshots=2):
        x = np.tanh(x) + 0.1
        hs.append(x)
    return np.sum(np.stack(hs) ** 2)


def appends_plain(x, n):
    hs = []
    for t in range(n):
        x = np.tanh(x) + 0.1
        hs.append(x)
    return np.sum(np.stack(hs) ** 2)


def nested(x, W, n):
    for e in s2sad.checkpointed(range(n), snapshots=2):
        for t in s2sad.checkpointed(range(n + e), snapshots=2):
            x = np.tanh(W @ x) + 0.3 * x
        x = x * 0.9
    return np.sum(x)


def nested_plain(x, W, n):
    for e in range(n):
        for t in range(n + e):
            x = np.tanh(W @ x) + 0.3 * x
        x = x * 0.9
    return np.sum(x)


def inside_plain_loop(x, W, n):
    for e in range(n):
        for t in s2sad.checkpointed(range(n + e), snapshots=3):
            x = np.tanh(W @ x) + 0.3 * x
        x = x * 0.9
    return np.sum(x)


def clipped(x, W, n, lim):
    for t in s2sad.checkpointed(range(n), snapshots=2):
        h = np.tanh(W @ x)
        with s2sad.grad_of(h) as dh:
            dh = np.clip(dh, -lim, lim)
        x = h + 0.5 * x
    return np.sum(x * x)


def clipped_plain(x, W, n, lim):
    for t in range(n):
        h = np.tanh(W @ x)
        with s2sad.grad_of(h) as dh:
            dh = np.clip(dh, -lim, lim)
        x = h + 0.5 * x
    return np.sum(x * x)


def live_out_and_counter(x, n):
    y = 0.0 * x
    count = 0
    for t in s2sad.checkpointed(range(n), snapshots=2):
        y = np.sin(x) * (1 + 0.01 * count)
        x = y * 0.9 + 0.1 * x
        count = count + 1
    return np.sum(y * y) + count


def live_out_and_counter_plain(x, n):
    y = 0.0 * x
    count = 0
    for t in range(n):
        y = np.sin(x) * (1 + 0.01 * count)
        x = y * 0.9 + 0.1 * x
        count = count + 1
    return np.sum(y * y) + count


def branches(x, n):
    out = x * 0.0
    for t in s2sad.checkpointed(range(n), snapshots=3):
        if t % 2 == 0:
            z = np.cos(x)
        else:
            z = x * x
        out = out + z
        x = z * 0.5
    return np.sum(out)


def branches_plain(x, n):
    out = x * 0.0
    for t in range(n):
        if t % 2 == 0:
            z = np.cos(x)
        else:
            z = x * x
        out = out + z
        x = z * 0.5
    return np.sum(out)


def float_parameter(x, s, n):
    for t in s2sad.checkpointed(range(n)):
        s = s * 0.5 + np.sum(x) * 0.1
        x = x + s
    return np.sum(x) * s


def float_parameter_plain(x, s, n):
    for t in range(n):
        s = s * 0.5 + np.sum(x) * 0.1
        x = x + s
    return np.sum(x) * s


NESTED_ARGS = (np.linspace(-1, 1, 3), 0.4 * np.arange(9.0).reshape(3, 3) / 9, 4)


@pytest.mark.parametrize("f,plain,args,wrt", [
    (nested, nested_plain, NESTED_ARGS, (0, 1)),
    (inside_plain_loop, nested_plain, NESTED_ARGS, (0, 1)),
    (clipped, clipped_plain, NESTED_ARGS[:2] + (6, 0.3), (0, 1)),
    (live_out_and_counter, live_out_and_counter_plain, (np.linspace(-1, 1, 3), 7), 0),
    (branches, branches_plain, (np.linspace(-1, 1, 3), 7), 0),
    (float_parameter, float_parameter_plain, (np.linspace(-1, 1, 3), 0.3, 6), (0, 1)),
    (loop_with_helper, loop_with_helper_plain,
     rnn_args(8)[:2] + (rnn_args(8)[4] @ np.ones((3, 4)),), (0, 1)),
    (over_rows, over_rows_plain,
     (np.linspace(0.1, 0.9, 4), np.linspace(-1, 1, 24).reshape(6, 4)), (0, 1)),
    (with_continue_and_inner_loop, with_continue_and_inner_loop_plain,
     (np.linspace(-0.5, 0.7, 3), 8), 0),
    (stores_in_place, stores_in_place_plain, (np.linspace(-0.5, 0.7, 3), 7), 0),
    (tuple_and_float_state, tuple_and_float_state_plain, (np.linspace(-0.5, 0.7, 3), 0.8, 6),
     (0, 1)),
    (appends, appends_plain, (np.linspace(-0.5, 0.7, 3), 5), 0),
], ids=["nested", "inside-plain-loop", "grad-of", "live-out", "branches", "float", "helper",
        "zip", "continue-inner-loops", "stores", "tuple-float", "append"])
def test_loop_shapes_bitwise_and_finite_differences(f, plain, args, wrt):
    assert_same(s2sad.grad(f, wrt)(*args), s2sad.grad(plain, wrt)(*args))
    if f is not clipped:  # gradient surgery changes the gradient on purpose
        check_grad(f, *args, wrt=wrt)
    assert f(*args) == plain(*args)


def helper_with_loop(x, n):
    for i in s2sad.checkpointed(range(n), snapshots=2):
        x = np.sin(x) * 0.9 + 0.1 * x
    return x


def calls_helper_with_loop(x, n):
    y = helper_with_loop(x * 2.0, n)
    return np.sum(y * x)


def calls_helper_with_loop_plain(x, n):
    y = long_loop_plain_helper(x * 2.0, n)
    return np.sum(y * x)


def long_loop_plain_helper(x, n):
    for i in range(n):
        x = np.sin(x) * 0.9 + 0.1 * x
    return x


def test_checkpointed_loop_in_a_helper_and_in_vjp():
    x = np.linspace(-1, 1, 5)
    assert_same(s2sad.grad(calls_helper_with_loop)(x, 9),
                s2sad.grad(calls_helper_with_loop_plain)(x, 9))
    ct = np.linspace(0.5, 1.5, 5)
    value, pullback = s2sad.vjp(helper_with_loop, x, 9)
    value2, pullback2 = s2sad.vjp(long_loop_plain_helper, x, 9)
    assert_same(value, value2)
    assert_same(pullback(ct)[0], pullback2(ct)[0])
    assert_same(pullback(2 * ct)[0], pullback2(2 * ct)[0])  # a pullback runs again
    assert_same(s2sad.jacobian(helper_with_loop)(x, 9),
                s2sad.jacobian(long_loop_plain_helper)(x, 9))


def test_pullbacks_of_one_tape_in_threads():
    from concurrent.futures import ThreadPoolExecutor
    x = np.linspace(-1, 1, 5)
    _, pullback = s2sad.vjp(helper_with_loop, x, 40)
    _, expected = s2sad.vjp(long_loop_plain_helper, x, 40)
    cts = [np.full(5, k + 1.0) for k in range(8)]
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda ct: pullback(ct)[0], cts))
    for ct, g in zip(cts, got):
        assert_same(g, expected(ct)[0])


def test_forward_mode_and_plain_python_just_loop():
    x, v = np.linspace(-1, 1, 4), np.linspace(0.3, 0.9, 4)
    assert long_loop(x, 12) == long_loop_plain(x, 12)
    value, tangent = s2sad.jvp(long_loop, (x, 12), (v, None))
    value2, tangent2 = s2sad.jvp(long_loop_plain, (x, 12), (v, None))
    assert value == value2 and tangent == tangent2
    np.testing.assert_allclose(tangent, np.vdot(s2sad.grad(long_loop)(x, 12), v))


GOLDEN_LONG_LOOP = '''\
def long_loop_value_and_grad(x, n):
    stack = Tape()
    push = stack.append
    pop = stack.pop
    # test_checkpoint.py:LINE: for i in s2sad.checkpointed(range(n)):
    x, = checkpoint_loop(push, long_loop_loopLINE_step, range(n), (x,), ())
    # test_checkpoint.py:LINE: return x.sum()
    t6 = x.sum()
    dx = sum_adjoint(ones_like(t6), x, None, False)
    # test_checkpoint.py:LINE: for i in s2sad.checkpointed(range(n)):
    dx, = checkpoint_loop_adjoint(pop(), long_loop_loopLINE_primal, long_loop_loopLINE_adjoint, (dx,), ())
    return (t6, dx)
'''

GOLDEN_STEP = '''\
def long_loop_loopLINE_step(i, x):
    # test_checkpoint.py:LINE: x = np.sin(x) * 0.9 + 0.1 * x
    x = np.sin(x) * 0.9 + 0.1 * x
    # test_checkpoint.py:LINE: for i in s2sad.checkpointed(range(n)):
    return (x,)
'''


GOLDEN_PAIR = """\
def long_loop_loopLINE_primal(stack, i, x):
    push = stack.append
    push(x)
    # test_checkpoint.py:LINE: x = np.sin(x) * 0.9 + 0.1 * x
    x = np.sin(x) * 0.9 + 0.1 * x
    # test_checkpoint.py:LINE: for i in s2sad.checkpointed(range(n)):
    state = (x,)
    return state


def long_loop_loopLINE_adjoint(stack, dstate):
    pop = stack.pop
    # test_checkpoint.py:LINE: for i in s2sad.checkpointed(range(n)):
    dx = item(dstate, 0)
    # test_checkpoint.py:LINE: x = np.sin(x) * 0.9 + 0.1 * x
    x = pop()
    dx = dx * (0.1 + 0.9 * np.cos(x))
    return (dx,)
"""


def test_generated_source_golden():
    """The marker call is gone from the primal; a step's taping primal saves only what its
    adjoint reads before restoring it (here nothing: x is popped where it was pushed)."""
    import re
    text = s2sad.source(s2sad.grad(long_loop))
    text = re.sub(r"(py:|_loop)\d+", r"\1LINE", text)
    assert GOLDEN_LONG_LOOP in text and GOLDEN_STEP in text and GOLDEN_PAIR in text


# -- refusals -------------------------------------------------------------------------------
def breaks(x, n):
    for i in s2sad.checkpointed(range(n)):
        x = np.sin(x)
        if np.sum(x) > 10:
            break
    return np.sum(x)


def returns(x, n):
    for i in s2sad.checkpointed(range(n)):
        x = np.sin(x)
        if np.sum(x) > 10:
            return np.sum(x)
    return np.sum(x)


def index_after(x, n):
    i = 0
    for i in s2sad.checkpointed(range(n)):
        x = np.sin(x)
    return np.sum(x) * i


def unset_before(x, n):
    for i in s2sad.checkpointed(range(n)):
        y = np.sin(x)
        x = y * 2.0
    return np.sum(y)


def checkpointed(xs):  # not s2sad's
    return xs


def impostor(x, n):
    for i in checkpointed(range(n)):
        x = np.sin(x)
    return np.sum(x)


@pytest.mark.parametrize("f,match", [
    (breaks, "break or return inside a loop over s2sad.checkpointed"),
    (returns, "break or return inside a loop over s2sad.checkpointed"),
    (index_after, "the index 'i' of a loop over s2sad.checkpointed"),
    (unset_before, "'y' is assigned in a loop over s2sad.checkpointed"),
])
def test_refused_with_file_and_line(f, match):
    with pytest.raises(s2sad.TransformError, match=match) as info:
        s2sad.grad(f)(np.ones(2), 3)
    assert "test_checkpoint.py" in str(info.value)


def test_a_function_of_the_users_named_checkpointed_makes_an_ordinary_loop():
    x = np.array([0.3, -1.2, 0.8])
    plain = s2sad.grad(impostor)
    assert "checkpoint_loop" not in s2sad.source(plain)
    np.testing.assert_allclose(plain(x, 3), numgrad(impostor, (x, 3), 0), rtol=1e-6)


def test_second_derivatives_refused():
    with pytest.raises(s2sad.TransformError, match="checkpointed loop"):
        s2sad.grad(s2sad.grad(long_loop))(np.ones(2), 3)
    with pytest.raises(s2sad.TransformError, match="checkpointed loop"):
        s2sad.hvp(long_loop)(np.ones(2), 3, np.ones(2))


# -- per-call checkpointing --------------------------------------------------------------------
@s2sad.checkpoint
def block(x, W):
    for k in range(20):
        x = np.tanh(W @ x) + 0.5 * x
    return x


def block_plain(x, W):
    for k in range(20):
        x = np.tanh(W @ x) + 0.5 * x
    return x


def deep(x, W, n):
    for t in range(n):
        x = block(x, W)
    return np.sum(x * x)


def deep_plain(x, W, n):
    for t in range(n):
        x = block_plain(x, W)
    return np.sum(x * x)


def deep_args(n=3):
    rng = np.random.default_rng(3)
    return rng.standard_normal(6), 0.4 * rng.standard_normal((6, 6)), n


def test_checkpointed_helper_bitwise_and_finite_differences():
    args = deep_args()
    expected = s2sad.grad(deep_plain, (0, 1))(*args)
    assert_same(s2sad.grad(deep, (0, 1))(*args), expected)
    assert_same(s2sad.grad(deep, (0, 1), optimize=False)(*args),
                s2sad.grad(deep_plain, (0, 1), optimize=False)(*args))
    check_grad(deep, *args, wrt=(0, 1))
    text = s2sad.source(s2sad.grad(deep, (0, 1)))
    primal, adjoint = text.split("dt", 1)
    assert "x = block(x, W)" in primal and "block_primal" not in primal
    assert "block_primal(stack, x, W)" in adjoint


def test_checkpointed_helper_keeps_less():
    args = deep_args(40)
    df, dplain = s2sad.grad(deep, (0, 1)), s2sad.grad(deep_plain, (0, 1))
    df(*args), dplain(*args)

    def peak(fn):
        tracemalloc.start()
        fn(*args)
        out = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return out

    assert peak(df) < 0.3 * peak(dplain)


def test_checkpointed_loop_keeps_less():
    x = np.random.default_rng(2).standard_normal(16)
    df, dplain = s2sad.grad(long_loop), s2sad.grad(long_loop_plain)
    df(x, 3), dplain(x, 3)

    def peak(fn):
        tracemalloc.start()
        fn(x, 2000)
        out = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return out

    assert peak(df) < 0.1 * peak(dplain)


@pytest.mark.slow
def test_bench_checkpoint_quick():
    script = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_checkpoint.py"
    proc = subprocess.run([sys.executable, str(script), "--quick"], check=False,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    targets = next(line for line in proc.stdout.splitlines() if line.startswith("Targets"))
    assert "memory" in targets and "same result to the last bit met" in targets
    assert "False" not in proc.stdout  # every gradient bitwise equal


def test_marker_under_any_name():
    """The marker is resolved, not spelled: ``from s2sad import checkpointed`` and
    ``ck = s2sad.checkpointed`` both checkpoint, to the last bit of the plain loop."""
    from programs import checkpointing as p
    x = np.linspace(-1, 1, 3)
    expected = s2sad.grad(long_loop_plain)(x, 5)
    for f in (p.imported_name, p.other_name):
        assert_same(s2sad.grad(f)(x, 5), expected)
        assert "checkpoint_loop(" in s2sad.source(s2sad.grad(f))
