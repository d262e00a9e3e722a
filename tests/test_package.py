"""The package installs with a plain ``pip install .``: the wheel carries the templates."""

import subprocess
import sys
import zipfile

import pytest


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    root = __file__.rsplit("/tests/", 1)[0]
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), root],
                          capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        pytest.skip(f"cannot build a wheel here: {proc.stderr.strip()[-300:]}")
    return next(out.glob("s2sad-*.whl"))


def test_wheel_ships_templates(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    for module in ("operators", "numpy", "numpy_linalg", "math"):
        assert f"s2sad/templates/{module}.py" in names
    assert "s2sad/transform/reverse.py" in names
    assert "s2sad/normalize/anf.py" in names
