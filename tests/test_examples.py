"""The examples run as tests."""

import importlib.util
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _load(name):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_training_loop_fits():
    train = _load("train")
    params, history = train.fit(steps=300)
    assert set(params) == {"W1", "b1", "W2", "b2"}
    assert history[-1] < 0.2 * history[0]


def test_training_example_runs_as_a_script():
    out = subprocess.run([sys.executable, str(EXAMPLES / "train.py")], capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "loss:" in out.stdout


def test_model_of_layer_objects_fits():
    example = _load("mlp_objects")
    model, history = example.fit(steps=200)
    assert len(model.hidden) == 2
    assert history[-1] < 0.2 * history[0]
