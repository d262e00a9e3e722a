"""Time to obtain ``df = s2sad.grad(f)``: first use, cold and warm.

Run: ``python3 benchmarks/bench_cache.py [--runs N]``. Each measurement is a fresh
process; the times printed are measured inside it around ``s2sad.grad(model)`` and
around the first call (interpreter, NumPy and s2sad import excluded), median of N
runs, in wall-clock and in CPU milliseconds (CPU time is the steadier of the two on a
busy machine). Three states of the cache directory:

- first use: an empty directory; everything is compiled, s2sad's rule templates
  included;
- cold: ``model`` was never derived, but s2sad has used this directory before (the
  templates' compiled code is kept there; see SECURITY.md);
- warm: ``model``'s derivative is in the cache (source and compiled code).

Targets (issues 3 and 7): cold under 150 ms, warm under 5 ms and at least 10x faster
than cold.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
CHILD = """
import json, sys, time
sys.path.insert(0, {programs!r})
import numpy as np
import s2sad
from thirty_lines import model
x, w = np.linspace(-1, 1, 8), np.full(8, 0.3)
clocks = (time.perf_counter, time.process_time)
start = [c() for c in clocks]
df = s2sad.grad(model, wrt=(0, 1))
middle = [c() for c in clocks]
df(x, w)
end = [c() for c in clocks]
print(json.dumps([[b - a for a, b in zip(start, middle)], [b - a for a, b in zip(middle, end)]]))
"""
PRIME = "import s2sad.rules; s2sad.rules.registry()"


def child(code: str, cache_dir: str) -> str:
    env = dict(os.environ, S2SAD_CACHE_DIR=cache_dir)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True, cwd=HERE.parent)
    return out.stdout.strip().splitlines()[-1] if out.stdout.strip() else ""


def one_run(cache_dir: str):
    """((grad wall, grad cpu), (first call wall, first call cpu)) in seconds."""
    return json.loads(child(CHILD.format(programs=str(HERE / "programs")), cache_dir))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    states = {"first use": [], "cold": [], "warm": []}
    for _ in range(runs):
        for primed in (False, True):
            cache_dir = tempfile.mkdtemp(prefix="s2sad-bench-")
            try:
                if primed:
                    child(PRIME, cache_dir)
                    states["cold"].append(one_run(cache_dir))
                    states["warm"].append(one_run(cache_dir))
                else:
                    states["first use"].append(one_run(cache_dir))
            finally:
                shutil.rmtree(cache_dir)
    print("ms to obtain df = s2sad.grad(model, wrt=(0, 1)) in a fresh process, median of",
          runs, "(wall / CPU)")
    print(f"  {'':<10} {'grad()':>15} {'first call':>15}")
    medians = {}
    for state, found in states.items():
        cells = []
        for part in (0, 1):
            wall = statistics.median(r[part][0] for r in found) * 1e3
            cpu = statistics.median(r[part][1] for r in found) * 1e3
            cells.append(f"{wall:6.1f} / {cpu:6.1f}")
        medians[state] = statistics.median(r[0][0] for r in found)
        print(f"  {state:<10} {cells[0]:>15} {cells[1]:>15}")
    print(f"targets: cold < 150 ms: {'yes' if medians['cold'] < 0.150 else 'NO'}; "
          f"warm < 5 ms: {'yes' if medians['warm'] < 0.005 else 'NO'}; "
          f"warm {medians['cold'] / medians['warm']:.1f}x faster than cold (>= 10x)")
    print("The first call specializes the derivative to the kinds of its arguments "
          "(a second derivation cold, a second cache entry warm).")


if __name__ == "__main__":
    main()
