"""The seed chapter (../shared/seed/) cell by cell: examples/autograd_intro.py as tests."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "autograd_intro.py"


def _load():
    spec = importlib.util.spec_from_file_location("autograd_intro", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


CHECKS = _load().check_all()


@pytest.mark.parametrize("name,ok", CHECKS, ids=[name for name, _ in CHECKS])
def test_seed_cell(name, ok):
    assert ok, name


def test_demo_runs_and_prints_source():
    out = subprocess.run([sys.executable, str(EXAMPLE)], capture_output=True, text=True,
                         cwd=EXAMPLE.parent.parent, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "def f_value_and_grad(a):" in out.stdout
    assert "passed, 0 failed" in out.stdout
