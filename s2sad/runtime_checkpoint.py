"""Checkpointing at run time: recompute instead of storing.

Two markers for the user, both plain functions when the original code runs:

- ``for t in s2sad.checkpointed(range(T), snapshots=None):`` marks a loop. In reverse
  mode each pass of its body becomes a *step*, ``step(index, *state, *reads) -> state``
  (``state``: the loop-carried variables; ``reads``: what the body reads and does not
  change), and the generated code calls `checkpoint_loop` in the primal sweep and
  `checkpoint_loop_adjoint` in the adjoint sweep, which run Griewank's binomial
  schedule (revolve) below.
- ``@s2sad.checkpoint`` marks a helper function: the primal sweep calls it as it is
  (nothing on the tape), the adjoint sweep reruns its taping primal, then its adjoint.

The schedule. ``snapshots`` copies of the state may be kept at once (the state before
the first step is one of them). To reverse the steps ``[a, b)`` with the state at
``a`` kept and ``s`` snapshots: advance (untaped) to a split point ``m``, keep the
state there, reverse ``[m, b)`` with ``s - 1`` snapshots, drop it, reverse ``[a, m)``
with ``s``; with one snapshot left, advance from ``a`` to each step in turn. The
split is Griewank's: with ``r`` the least number of repetitions such that
``binom(s + r, s) >= b - a``, the largest ``m`` with ``m <= binom(s + r - 1, s)`` and
``b - a - m >= binom(s + r - 2, s - 1)``. A schedule of such splits runs the
least number of untaped steps there is, revolve's ``r * l - binom(s + r, r - 1)`` for
``l`` steps; here the primal sweep (which runs every step once anyway) makes the first
descent's advances and keeps its snapshots, and taking the largest such split leaves
the adjoint sweep the least recomputation possible too (tests/test_checkpoint.py checks
both against brute force).

Each step is taped only when its adjoint runs, on a tape of its own, so the memory
the adjoint sweep needs at once is ``snapshots`` states plus one step's tape.
"""

from __future__ import annotations

import functools
import math
import threading

from .runtime import Cotangent, Tape

CHECKPOINT_FLAG = "__s2sad_checkpoint__"


def checkpointed(iterable, snapshots: int | None = None):
    """Mark a ``for`` loop for binomial checkpointing in reverse mode; returns ``iterable``.

    The gradient then stores at most ``snapshots`` copies of the variables the loop
    carries from one pass to the next (default: about ``sqrt(2 * len(iterable))``, the
    fewest with which no pass is recomputed more than once) instead of a tape entry
    for every operation of every pass, and recomputes passes from the nearest copy as
    the adjoint needs them: the same gradient, bit for bit, in less memory and more
    time. Forward mode and the plain function just loop.

        >>> import numpy as np, s2sad
        >>> def f(x, n):
        ...     for i in s2sad.checkpointed(range(n)):
        ...         x = np.sin(x) * 0.9 + 0.1 * x
        ...     return x.sum()
        >>> float(s2sad.grad(f)(np.ones(3), 10)) >= 0  # doctest: +SKIP
        True

    Loops over arrays, ``zip`` and ``enumerate`` are checkpointed over their
    positions. ``break`` and ``return`` inside the loop are refused.
    """
    return iterable


def checkpoint(func):
    """Mark a helper function for per-call checkpointing; returns ``func`` itself.

    In a reverse-mode derivative, a call of a marked function runs the plain function
    in the primal sweep, so nothing of it is stored but its arguments (which the
    adjoint sweep keeps anyway); the adjoint sweep reruns it, taping, just before its
    adjoint. Forward mode and plain Python see an ordinary function.

        >>> import numpy as np, s2sad
        >>> @s2sad.checkpoint
        ... def block(x, W):
        ...     return np.tanh(W @ np.tanh(W @ x))
    """
    setattr(func, CHECKPOINT_FLAG, True)
    return func


# -- the schedule -------------------------------------------------------------------
def binomial(slots: int, repetitions: int) -> int:
    """How many steps ``slots`` snapshots reverse with each step run at most
    ``repetitions`` times untaped: ``binom(slots + repetitions, slots)``."""
    return math.comb(slots + repetitions, slots)


def repetitions(steps: int, slots: int) -> int:
    """The least ``r`` with ``binomial(slots, r) >= steps``."""
    r = 0
    while binomial(slots, r) < steps:
        r += 1
    return r


@functools.lru_cache(maxsize=4096)
def split(steps: int, slots: int) -> int:
    """Where to keep the next snapshot when reversing ``steps >= 2`` steps with
    ``slots >= 2`` snapshots (one holding the state before them): steps from the start."""
    r = repetitions(steps, slots)
    return max(1, min(binomial(slots, r - 1), steps - binomial(slots - 1, r - 1), steps - 1))


def chain(steps: int, slots: int) -> list[int]:
    """The positions the primal sweep keeps: 0, then each split of the first descent."""
    positions = [0] if steps else []
    start, left = 0, steps
    while left > 1 and slots > 1:
        m = split(left, slots)
        start, left, slots = start + m, left - m, slots - 1
        positions.append(start)
    return positions


def default_snapshots(steps: int) -> int:
    """The fewest snapshots with which no step runs untaped more than twice (the primal
    sweep and one recomputation): the least ``s`` with ``binom(s + 2, 2) >= steps``,
    about ``sqrt(2 * steps)``."""
    slots = max(1, math.isqrt(2 * steps) - 2)
    while binomial(slots, 2) < steps:
        slots += 1
    return slots


# -- the sweeps -----------------------------------------------------------------------
class LoopRecord:
    """What the primal sweep of one checkpointed loop leaves on the tape."""

    __slots__ = ("copies", "indices", "lock", "reads", "saved", "slots", "step")

    def __init__(self, step, indices, reads, saved, slots, copies) -> None:
        self.step = step
        self.indices = indices
        self.reads = reads
        self.saved = saved      # position -> the state before that step
        self.slots = slots
        self.copies = copies    # positions in the state of values the body changes in place
        self.lock = threading.Lock()

    def take(self) -> dict:
        """The snapshots, for one adjoint sweep to use up; the record keeps the first, so
        that a pullback can run again from the same tape (jacobian rows), even at once
        in another thread (it recomputes the others)."""
        with self.lock:
            saved = self.saved
            self.saved = {0: saved[0]} if saved else {}
        return saved


def copied(state: tuple, copies) -> tuple:
    """``state`` with the values at ``copies`` copied (the loop changes them in place)."""
    if not copies:
        return state
    return tuple(v.copy() if k in copies and hasattr(v, "copy") else v
                 for k, v in enumerate(state))


def checkpoint_loop(push, step, indices, carried: tuple, reads: tuple,
                    snapshots: int | None = None, copies: tuple = ()) -> tuple:
    """Primal sweep of a checkpointed loop: every step, untaped; the snapshots of the
    schedule's first descent are kept and the record pushed with ``push``."""
    steps = len(indices)
    slots = int(snapshots) if snapshots is not None else default_snapshots(steps)
    if slots < 1:
        raise ValueError(f"s2sad.checkpointed: snapshots must be at least 1, not {snapshots}")
    keep = set(chain(steps, slots))
    saved = {}
    state = tuple(carried)
    for position in range(steps):
        if position in keep:
            saved[position] = copied(state, copies)
        state = step(indices[position], *state, *reads)
    push(LoopRecord(step, indices, tuple(reads), saved, slots, frozenset(copies)))
    return state


def checkpoint_loop_adjoint(record: LoopRecord, primal, adjoint, dcarried: tuple,
                            dreads: tuple) -> tuple:
    """Adjoint sweep of a checkpointed loop: ``(dcarried..., dreads...)`` before the loop
    from those after it. ``dcarried`` are the gradients of the first loop-carried
    variables (the active ones), ``dreads`` of the active variables it reads; each step's
    ``adjoint`` gets and returns them all, so read variables accumulate their gradient
    in the order the store-everything gradient does."""
    saved = record.take()
    reversal = _Reversal(record, saved, primal, adjoint, len(dcarried))
    grads = tuple(dcarried) + tuple(dreads)
    work = [(0, len(record.indices), record.slots)] if len(record.indices) else []
    while work:
        start, stop, slots = work.pop()
        if stop - start <= slots and not record.copies:
            # every state of the segment fits: one sweep forward, then back (what the
            # schedule would do, without splitting it step by step)
            states = [saved.pop(start)]
            for t in range(start, stop - 1):  # (the primal sweep may have kept some)
                states.append(saved.pop(t + 1) if t + 1 in saved
                              else reversal.advance_from(states[-1], t))
            for t in range(stop - 1, start - 1, -1):
                grads = reversal.reverse_step(t, states.pop(), grads)
            continue
        if slots == 1 or stop - start == 1:
            for t in range(stop - 1, start, -1):
                grads = reversal.reverse_step(t, reversal.advance(start, t), grads)
            state = copied(saved.pop(start), record.copies)
            grads = reversal.reverse_step(start, state, grads)
            continue
        middle = start + split(stop - start, slots)
        if middle not in saved:
            saved[middle] = reversal.advance(start, middle)
        work.append((start, middle, slots))
        work.append((middle, stop, slots - 1))
    return grads


class _Reversal:
    def __init__(self, record: LoopRecord, saved: dict, primal, adjoint, active: int) -> None:
        self.record = record
        self.saved = saved
        self.primal = primal
        self.adjoint = adjoint
        self.active = active
        self.tape = Tape()  # empty again after each step's adjoint
        state = next(iter(saved.values()), ())
        self.inactive = (0.0,) * (len(state) - active)

    def advance(self, start: int, stop: int) -> tuple:
        """The state before step ``stop``, recomputed from the snapshot at ``start``."""
        state = copied(self.saved[start], self.record.copies)
        for position in range(start, stop):
            state = self.advance_from(state, position)
        return state

    def advance_from(self, state: tuple, t: int) -> tuple:
        """The state after step ``t`` from the one before it."""
        record = self.record
        return record.step(record.indices[t], *state, *record.reads)

    def reverse_step(self, t: int, state: tuple, grads: tuple) -> tuple:
        """Step ``t`` taped from ``state``, then its adjoint: the gradients before it."""
        record, tape = self.record, self.tape
        self.primal(tape, record.indices[t], *state, *record.reads)
        if self.inactive:
            grads = grads[:self.active] + self.inactive + grads[self.active:]
        return self.adjoint(tape, Cotangent(grads))
