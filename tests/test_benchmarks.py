"""The benchmark suite runs end to end: ``bench_suite.py --quick`` in a subprocess."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SUITE = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_suite.py"
WORKLOADS = ("W1", "W2", "W3", "W4", "W5", "W6")


@pytest.mark.slow
def test_bench_suite_quick():
    proc = subprocess.run([sys.executable, str(SUITE), "--quick"], check=False,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    for key in WORKLOADS:
        assert any(line.startswith(f"{key}  ") for line in lines), f"no table for {key}"
        assert any(line.strip().startswith(f"{key} ") and "grad" in line for line in lines), (
            f"no cold/warm row for {key}")
    for key in ("W2", "W4"):
        assert any(line.startswith(f"{key} jvp") for line in lines), f"no jvp table for {key}"
    assert "Targets (issue 7)" in proc.stdout
