"""Big and odd inputs: long functions, deep nesting, NaN and infinity."""

import importlib.util
import sys

import numpy as np
import pytest

import s2sad


def _module(tmp_path, name, source):
    path = tmp_path / f"{name}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _long_source(n):
    body = "\n".join("    x = x * 1.001 + np.sin(x) * 0.001" for _ in range(n))
    return f"import numpy as np\n\n\ndef long(x):\n{body}\n    return np.sum(x)\n"


def _deep_source(depth):
    lines = ["import numpy as np", "", "", "def deep(x):"]
    indent = "    "
    for level in range(depth):
        lines.append(f"{indent}if np.sum(x) > -1000.0 + {level}:")
        indent += "    "
    lines.append(f"{indent}x = x * 2.0")
    lines.append("    return np.sum(x * x)")
    return "\n".join(lines) + "\n"


def _check_long(tmp_path, n):
    module = _module(tmp_path, f"long_{n}", _long_source(n))
    x = np.array([0.3, -0.4])
    g = s2sad.grad(module.long)(x)
    eps = 1e-6
    numeric = [(module.long(x + eps * e) - module.long(x - eps * e)) / (2 * eps)
               for e in np.eye(2)]
    np.testing.assert_allclose(g, numeric, rtol=1e-6)


def test_long_function(tmp_path):
    _check_long(tmp_path, 150)


@pytest.mark.slow
def test_thousand_statements(tmp_path):
    _check_long(tmp_path, 1000)


def test_thirty_levels_of_nesting(tmp_path):
    module = _module(tmp_path, "deep_30", _deep_source(30))
    x = np.array([0.3, -0.4])
    np.testing.assert_allclose(s2sad.grad(module.deep)(x), 8 * x)


def test_nan_and_infinity_propagate_like_numpy():
    with np.errstate(invalid="ignore"):
        g = s2sad.grad(_square_sum)(np.array([np.nan, 1.0, np.inf]))
    assert np.isnan(g[0]) and g[1] == 2.0 and np.isinf(g[2])


def _square_sum(x):
    return np.sum(x * x)
