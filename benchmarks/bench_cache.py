"""Time to obtain ``df = s2sad.grad(f)``: cold (empty cache) vs warm (disk cache).

Run: ``python3 benchmarks/bench_cache.py [--runs N]``. Each measurement is a fresh
process; the times printed are measured inside it around ``s2sad.grad(model)`` and
around the first call (interpreter, NumPy and s2sad import excluded), median of N
runs. Target (issue 3): warm at least 10x faster than cold, and under 5 ms.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
CHILD = """
import sys, time
sys.path.insert(0, {programs!r})
import numpy as np
import s2sad
from thirty_lines import model
x, w = np.linspace(-1, 1, 8), np.full(8, 0.3)
start = time.perf_counter()
df = s2sad.grad(model, wrt=(0, 1))
middle = time.perf_counter()
df(x, w)
print(middle - start, time.perf_counter() - middle)
"""


def one_run(cache_dir: str) -> float:
    env = dict(os.environ, S2SAD_CACHE_DIR=cache_dir)
    out = subprocess.run([sys.executable, "-c", CHILD.format(programs=str(HERE / "programs"))],
                         env=env, capture_output=True, text=True, check=True)
    grad_time, first_call = out.stdout.strip().splitlines()[-1].split()
    return float(grad_time), float(first_call)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    cold, warm = [], []
    for _ in range(runs):
        cache_dir = tempfile.mkdtemp(prefix="s2sad-bench-")
        try:
            cold.append(one_run(cache_dir))
            warm.append(one_run(cache_dir))
        finally:
            shutil.rmtree(cache_dir)
    c = statistics.median(t for t, _ in cold)
    w = statistics.median(t for t, _ in warm)
    print("time of df = s2sad.grad(model, wrt=(0, 1)) in a fresh process, median of", runs)
    print(f"  cold (empty cache): {c * 1e3:8.2f} ms")
    print(f"  warm (disk cache):  {w * 1e3:8.2f} ms   (target < 5 ms)")
    print(f"  warm is {c / w:.1f}x faster than cold (target >= 10x)")
    print("first call df(x, w), which also specializes to the argument kinds:")
    print(f"  cold: {statistics.median(f for _, f in cold) * 1e3:8.2f} ms")
    print(f"  warm: {statistics.median(f for _, f in warm) * 1e3:8.2f} ms")


if __name__ == "__main__":
    main()
