"""`s2sad.saved`: what a derivative stores on its tape, where, how often and how much.

The golden listings use programs (tests/programs/saved.py) whose saves the adjoint
cannot do without: a value of a loop that ``np.sin``'s derivative reads before the loop
overwrites it, a data-dependent trip count, a branch decision, a helper's argument.
The counts are checked against what the programs do when run as plain Python, and the
analysis itself against a hand-written module, independent of the transformer.
"""

from __future__ import annotations

import textwrap
import weakref

import numpy as np
import pytest

import s2sad
from s2sad.runtime import Tape
from s2sad.residuals import payload_bytes, saved_table

from programs import saved as progs

HALVE = """\
halve_value_and_grad (the derivative): 2 saves
  where        statement               saved   kind                             how often
  saved.py:12  y = np.sin(y)           y       value restored before overwrite  each iteration of saved.py:11
  saved.py:11  while np.sum(y) > 1.0:  trips1  loop trip count                  once
"""

PICK = """\
pick_value_and_grad (the derivative): 1 save
  where        statement          saved  kind             how often  count  bytes
  saved.py:17  if np.sum(x) > 0:  t2     branch decision  once           1    1 B

most on the tape at once: 1 value, 1 B
"""

SQUARED = """\
squared_value_and_grad (the derivative): 1 save
  where        statement    saved        kind           how often
  saved.py:29  z = wave(x)  wave_primal  helper's tape  once

wave_primal (a helper's primal, on each call; its saves go on the caller's tape): 1 save
  where  statement      saved  kind                     how often
  -      (a parameter)  a      value the adjoint reads  once
"""

STEPS = """\
steps_value_and_grad (the derivative): 2 saves
  where        statement     saved        kind             how often                      count  bytes
  saved.py:36  x = wave(x)   wave_primal  helper's tape    each iteration of saved.py:35      3   48 B
  saved.py:35  while k < n:  trips1       loop trip count  once                               1    8 B

wave_primal (a helper's primal, on each call; its saves go on the caller's tape): 1 save
  where  statement      saved  kind                     how often  count  bytes
  -      (a parameter)  a      value the adjoint reads  once           3   48 B

most on the tape at once: 4 values, 56 B
"""


def test_loop_listing():
    assert str(s2sad.saved(s2sad.grad(progs.halve))) == HALVE


def test_branch_listing_with_counts():
    assert str(s2sad.saved(s2sad.grad(progs.pick), np.array([0.5, 1.5]))) == PICK


def test_helper_listing():
    assert str(s2sad.saved(s2sad.grad(progs.squared))) == SQUARED


def test_helper_in_a_loop_with_counts():
    table = s2sad.saved(s2sad.grad(progs.steps), np.array([1.0, 2.0]), 3)
    assert str(table) == STEPS


def plain_halve_iterations(x) -> int:
    """How often ``halve``'s loop body runs, by running it as plain Python."""
    y, trips = x, 0
    while np.sum(y) > 1.0:
        y, trips = np.sin(y), trips + 1
    return trips


@pytest.mark.parametrize("x", [np.array([0.3, 0.2]), np.array([1.0, 2.0, 3.0]),
                               np.linspace(0.5, 1.5, 40)])
def test_counts_follow_the_data(x):
    trips = plain_halve_iterations(x)
    table = s2sad.saved(s2sad.grad(progs.halve), x)
    by_kind = {row.kind: row for row in table}
    assert by_kind["overwritten"].count == trips
    assert by_kind["overwritten"].bytes == trips * x.nbytes
    assert by_kind["trips"].count == 1
    assert table.peak == (trips + 1, trips * x.nbytes + 8)


def test_the_row_carries_the_source_location():
    row = next(r for r in s2sad.saved(s2sad.grad(progs.halve)) if r.kind == "overwritten")
    assert (row.file, row.line, row.text) == ("saved.py", 12, "y = np.sin(y)")
    assert row.loops == (("saved.py", 11),)
    assert row.value == "y"


def test_measured_total_is_the_tape_of_the_primal():
    """A vjp's primal returns its tape: the counts add up to what is on it."""
    x = np.array([1.0, 2.0, 3.0])
    _, pullback = s2sad.vjp(progs.halve, x)
    table = s2sad.saved(pullback, x)
    tape = Tape()
    pullback.__s2sad__.entry[0](tape, x)
    assert table.peak == (len(tape), sum(payload_bytes(v) for v in tape))
    assert table.split


def test_listing_of_a_derivative_loaded_from_the_cache(monkeypatch):
    """Read off the generated code, so it needs no transform: a cached derivative too."""
    x = np.array([1.0, 2.0])
    first = str(s2sad.saved(s2sad.grad(progs.halve), x))
    monkeypatch.setattr(s2sad.api, "_MEMO", weakref.WeakKeyDictionary())

    def refuse(*args, **kwargs):
        raise AssertionError("derived again instead of loading from the cache")

    monkeypatch.setattr(s2sad.pipeline, "derive", refuse)
    df = s2sad.grad(progs.halve)
    assert df.__s2sad__.path is not None
    assert str(s2sad.saved(df, x)) == first


def test_checkpointed_loop_stores_less():
    x, n = np.linspace(0.1, 1.0, 16), 400
    everything = s2sad.saved(s2sad.grad(progs.relax), x, n)
    checkpointed = s2sad.saved(s2sad.grad(progs.relax_checkpointed), x, n)
    assert "checkpoints" in {row.kind for row in checkpointed}
    assert everything.peak[1] >= n * x.nbytes  # each iteration's x, at least
    assert checkpointed.peak[1] < everything.peak[1] / 4
    # the snapshots are counted (they were the record's 88 bytes, whatever they held)
    row = next(r for r in checkpointed if r.kind == "checkpoints")
    snapshots = s2sad.runtime_checkpoint.default_snapshots(n)
    assert snapshots * x.nbytes <= row.bytes <= (snapshots + 2) * (x.nbytes + 8)


def test_checkpointed_helper_is_taped_in_the_adjoint():
    x = np.array([0.5, 1.5])
    table = s2sad.saved(s2sad.grad(progs.calls_checkpointed), x)
    row = next(r for r in table if r.function == table.entry)
    assert (row.kind, row.callee, row.text, row.count) == (
        "recomputed", row.callee, "y = wave_again(x)", 1)
    assert row.bytes == 2 * x.nbytes  # its argument and sin(a), one call at a time


def test_a_derivative_that_saves_nothing():
    table = s2sad.saved(s2sad.grad(progs.wave), 0.5)
    assert len(table) == 0
    assert "saves nothing" in str(table)


def test_not_a_derivative():
    with pytest.raises(TypeError, match="not made by s2sad"):
        s2sad.saved(progs.wave)


MODULE = '''\
def f_value_and_grad(x, n):
    stack = Tape()
    push = stack.append
    pop = stack.pop
    # m.py:3: out = np.zeros(3)
    out = np.zeros(3)
    # m.py:4: for i in range(n):
    t1 = range(n)
    trips1 = 0
    for i in t1:
        trips1 += 1
        # m.py:5: for j in range(2):
        for j in t2:
            # m.py:6: out[j] = x
            push(saved_part(out, j))
            out[j] = x
        push(t2)
        # m.py:7: if x > i:
        t3 = x > i
        if t3:
            # m.py:8: break
            break
    push(t1[:trips1])
    # m.py:9: k = 0
    push(k)
    k = 0
    inner = Tape()
    inner.append(x)
    y = h_primal(stack, x)
    y = h_adjoint(stack, x)
    y = h_quiet(stack, x)
    return (x, 0.0)


def h_primal(stack_, a):
    push_ = stack_.append
    # m.py:12: b = a * a
    b = a * a
    push_(t3)
    push_(a)
    stack_.append((a, b))
    return b


def h_adjoint(stack_, db):
    pop_ = stack_.pop
    a = pop_()
    return (db * a,)


def h_quiet(stack_, a):
    return a
'''


def test_analysis_of_a_written_module():
    """Each kind, read off a module written by hand (not by the transformer)."""
    table = saved_table(MODULE, "f_value_and_grad")
    rows = [(r.function, r.value, r.kind, r.line, r.text, r.how_often) for r in table]
    assert rows == [
        ("f_value_and_grad", "out[j]", "store", 6, "out[j] = x",
         "each iteration of m.py:4 > m.py:5"),
        ("f_value_and_grad", "t2", "iterations", 5, "for j in range(2):",
         "each iteration of m.py:4"),
        ("f_value_and_grad", "t1[:trips1]", "iterations", 4, "for i in range(n):", "once"),
        ("f_value_and_grad", "k", "overwritten", 9, "k = 0", "once"),
        ("f_value_and_grad", "h_primal", "helper", 9, "k = 0", "once"),
        ("h_primal", "t3", "read", None, "", "once"),
        ("h_primal", "a", "read", None, "(a parameter)", "once"),
        ("h_primal", "(a, b)", "read", 12, "b = a * a", "once"),
    ]
    assert not table.split
    assert table.functions() == ["f_value_and_grad", "h_primal"]


def test_a_branch_decision_and_a_trip_count_are_told_apart():
    source = textwrap.dedent('''\
        def g(x):
            s = Tape()
            p = s.append
            # m.py:2: while x < 1:
            c = x < 1
            n = 0
            while c:
                n += 1
                # m.py:3: x = x * 2
                x = x * 2
                c = x < 1
            p(n)
            # m.py:4: if x > 3:
            t = x > 3
            if t:
                x = 0
            p(t)
            return x
        ''')
    table = saved_table(source, "g")
    assert [(r.kind, r.line) for r in table] == [("trips", 2), ("branch", 4)]


def test_payload_bytes():
    assert payload_bytes(np.zeros((3, 4))) == 96
    assert payload_bytes(np.float32(1)) == 4
    assert payload_bytes(1.5) == 8
    assert payload_bytes(None) == 0
    assert payload_bytes((np.zeros(2), 1.0)) == 24
    assert payload_bytes(range(10 ** 6)) == 24
