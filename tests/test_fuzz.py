"""Differential fuzzing: random programs (tests/fuzzgen.py) differentiated by s2sad in
reverse mode, forward mode and forward over reverse, against finite differences.

The default run checks a fixed slice of programs (derandomized: the same ones every run);
``python3 -m pytest -m slow tests/test_fuzz.py`` checks ten thousand more, new ones each
run. A failure prints the program (shrunk by Hypothesis to a small one) and what disagreed;
bugs found this way are kept as named regressions in tests/test_fuzz_regressions.py, and
listed in ``KNOWN_BUGS`` in tests/fuzzgen.py while they are open (the fuzzer then counts
them instead of failing: ``--hypothesis-show-statistics`` shows how often each came up;
``S2SAD_FUZZ_KNOWN=fail`` makes them fail).
"""

from __future__ import annotations

import pytest
from fuzzgen import check_program, programs, scratch_cache
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

# No Hypothesis shrink phase: a program is drawn choice by choice, so shrinking an early
# choice reinterprets all the later ones and Hypothesis makes slow progress (minutes, each
# step a fresh transformation). Instead the failing example's last run reduces the program
# itself, statement by statement and expression by expression, to the smallest one that
# fails the same way (fuzzgen.reduce_program, seconds), and reports that.
COMMON = {"deadline": None,
          "phases": [Phase.explicit, Phase.reuse, Phase.generate],
          "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large,
                                    HealthCheck.filter_too_much]}
SEEDS = st.integers(0, 2 ** 32 - 1)


@pytest.fixture(scope="module", autouse=True)
def fuzz_cache(tmp_path_factory):
    """Derivatives of throwaway programs go to a directory of their own, emptied as the
    run goes (the session's cache stays small)."""
    with scratch_cache(tmp_path_factory.mktemp("s2sad-fuzz-cache")):
        yield


@settings(max_examples=200, derandomize=True, database=None, **COMMON)
@given(program=programs(), seed=SEEDS)
def test_fuzz_fast(program, seed):
    check_program(program, seed)


@pytest.mark.slow
@settings(max_examples=10_000, **COMMON)
@given(program=programs(), seed=SEEDS)
def test_fuzz_slow(program, seed):
    check_program(program, seed)
