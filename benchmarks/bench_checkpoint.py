"""Checkpointing (issue 7, item 4): W6 with and without recomputation.

Run: ``python3 benchmarks/bench_checkpoint.py [--repeat N] [--steps T] [--snapshots S]
[--quick]``.

W6 (``benchmarks/bench_suite.py``: a 16-vector through ``x = np.sin(x) * 0.9 + 0.1 *
x``, T = 10,000 times) is differentiated three ways:

- store everything: the plain loop, every step's values on the tape;
- ``for i in s2sad.checkpointed(range(n))``: the binomial schedule with the default
  number of snapshots, about ``sqrt(2 T)`` (or ``--snapshots``);
- ``@s2sad.checkpoint`` on a helper running ``sqrt(T)`` steps, called ``sqrt(T)``
  times: per-call checkpointing (the helper's tape exists for one call at a time).

For each: the peak extra memory of one gradient call (tracemalloc: what it allocates
beyond what was live before), the median CPU time per call (the three timed
interleaved, round by round; the work is single-threaded, and CPU time is steadier
than wall time on a shared machine), their ratios to store-everything, and whether the
gradient is, to the last bit, the one the same program gives without recomputation (the
plain loop for the checkpointed loop; the same blocks with the helper unmarked for the
checkpointed helper). Targets (issue 7): the checkpointed loop's memory at most 10% of
store-everything, its time at most 3x, the same result.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
for path in (HERE, HERE.parent):  # bench_suite, and the s2sad of this checkout
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from bench_suite import long_loop, peak_memory

import s2sad

MEMORY_TARGET, TIME_TARGET = 0.10, 3.0


def long_loop_checkpointed(x, n):
    for i in s2sad.checkpointed(range(n)):
        x = np.sin(x) * 0.9 + 0.1 * x
    return x.sum()


def long_loop_snapshots(x, n, snapshots):
    for i in s2sad.checkpointed(range(n), snapshots=snapshots):
        x = np.sin(x) * 0.9 + 0.1 * x
    return x.sum()


@s2sad.checkpoint
def steps(x, m):
    for i in range(m):
        x = np.sin(x) * 0.9 + 0.1 * x
    return x


def long_loop_blocks(x, blocks, m):
    for b in range(blocks):
        x = steps(x, m)
    return x.sum()


def steps_taped(x, m):
    for i in range(m):
        x = np.sin(x) * 0.9 + 0.1 * x
    return x


def long_loop_blocks_taped(x, blocks, m):
    """long_loop_blocks with the helper unmarked: its gradient without recomputation."""
    for b in range(blocks):
        x = steps_taped(x, m)
    return x.sum()


def median_times(calls: dict, repeat: int) -> dict:
    times: dict = {name: [] for name in calls}
    for _ in range(repeat):
        for name, (fn, args) in calls.items():
            start = time.process_time()
            fn(*args)
            times[name].append(time.process_time() - start)
    return {name: statistics.median(ts) for name, ts in times.items()}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=10_000)
    parser.add_argument("--snapshots", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--quick", action="store_true", help="T = 1000, 3 repeats")
    args = parser.parse_args(argv)
    n, repeat = (1000, 3) if args.quick else (args.steps, args.repeat)
    x = np.random.default_rng(0).standard_normal(16)
    m = max(1, math.isqrt(n))
    if args.snapshots is None:
        checkpointed = (s2sad.grad(long_loop_checkpointed), (x, n))
    else:
        checkpointed = (s2sad.grad(long_loop_snapshots), (x, n, args.snapshots))
    calls = {"store everything": (s2sad.grad(long_loop), (x, n)),
             "checkpointed loop": checkpointed,
             "checkpointed helper": (s2sad.grad(long_loop_blocks), (x, n // m, m))}
    reference = calls["store everything"][0](x, n)
    blocks_reference = s2sad.grad(long_loop_blocks_taped)(x, n // m, m)
    snapshots = args.snapshots or s2sad.runtime_checkpoint.default_snapshots(n)
    print(f"W6, T = {n:,}, a 16-vector; checkpointed loop with {snapshots} snapshots, "
          f"helper of {m} steps called {n // m} times")
    memory = {name: peak_memory(fn, a) for name, (fn, a) in calls.items()}
    times = median_times(calls, repeat)
    base_memory, base_time = memory["store everything"], times["store everything"]
    print(f"{'':22}{'peak extra memory':>20}{'ratio':>8}{'time':>12}{'ratio':>8}  bitwise")
    for name, (fn, a) in calls.items():
        want = blocks_reference if name == "checkpointed helper" else reference
        same = np.array_equal(fn(*a), want)
        print(f"{name:22}{memory[name] / 1e6:>17.3f} MB{memory[name] / base_memory:>8.3f}"
              f"{times[name] * 1e3:>9.1f} ms{times[name] / base_time:>8.2f}  {same}")
    mem_ratio = memory["checkpointed loop"] / base_memory
    time_ratio = times["checkpointed loop"] / base_time
    same = np.array_equal(checkpointed[0](*checkpointed[1]), reference)
    print(f"Targets (issue 7): checkpointed memory {mem_ratio:.3f} <= {MEMORY_TARGET} "
          f"{'met' if mem_ratio <= MEMORY_TARGET else 'MISSED'}; time {time_ratio:.2f}x "
          f"<= {TIME_TARGET}x {'met' if time_ratio <= TIME_TARGET else 'MISSED'}; "
          f"same result to the last bit {'met' if same else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
