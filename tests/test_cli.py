"""The ``s2sad`` command, driven as a subprocess (``python -m s2sad``).

The commands most tests read are started together, once per module (``runs``), to keep
the file fast; each test then checks one property of their output.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

MODEL = """\
import numpy as np
from textwrap import dedent


def good(x, y):
    z = x * y
    return np.sum(z * z)


def unpack(x, y):
    a, b = y, x
    a += b
    return a * b


def poly(x):
    return 3.0 * x * x + 2.0
"""

MIXED = """\
import numpy as np


def fine(x):
    return np.sum(np.tanh(x) * x)


def bad(x):
    try:
        y = x * 2
    except ValueError:
        y = x
    return y
"""

LOOPS = """\
import numpy as np


def settle(x):
    while np.sum(x) > 1.0:
        x = np.sin(x)
    return np.sum(x)
"""

# name -> arguments after ``python -m s2sad`` (run from the work directory)
COMMANDS = {
    "good": ["show", "model.py", "good"],
    "good wrt 0,1": ["show", "model.py", "good", "--wrt", "0,1"],
    "good wrt x,y": ["show", "model.py", "good", "--wrt", "x,y"],
    "good wrt y": ["show", "model.py", "good", "--wrt", "y"],
    "unpack": ["show", "model.py", "unpack"],
    "unpack no-optimize": ["show", "model.py", "unpack", "--no-optimize"],
    "poly stages": ["show", "model.py", "poly", "--stages"],
    "all": ["show", "model.py"],
    "mixed": ["show", "mixed.py"],
    "mixed debug": ["show", "mixed.py", "--debug"],
    "top-level debug": ["--debug", "show", "mixed.py"],
    "missing file": ["show", "nowhere.py", "good"],
    "missing function": ["show", "model.py", "nothing_here"],
    "forward": ["show", "model.py", "good", "--mode", "forward"],
    "forward wrt 0,1": ["show", "model.py", "good", "--mode", "forward", "--wrt", "0,1"],
    "forward mixed": ["show", "mixed.py", "--mode", "forward"],
    "unknown mode": ["show", "model.py", "good", "--mode", "sideways"],
    "color always": ["show", "model.py", "good", "--color", "always"],
    "color never": ["show", "model.py", "good", "--color", "never"],
    "saved": ["show", "--saved", "loops.py:settle"],
    "saved args": ["show", "--saved", "loops.py", "settle", "--args", "np.array([1.0, 2.0])"],
    "saved bad args": ["show", "--saved", "loops.py:settle", "--args", "np.ones(2), 3"],
    "saved forward": ["show", "--saved", "loops.py:settle", "--mode", "forward"],
    "args alone": ["show", "loops.py:settle", "--args", "1.0"],
    "help": ["--help"],
    "show help": ["show", "--help"],
}


ROOT = Path(__file__).resolve().parent.parent


def s2sad_env(cache_dir: Path) -> dict:
    # the s2sad of this checkout, not whichever one is installed
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    env = dict(os.environ, S2SAD_CACHE_DIR=str(cache_dir), PYTHONDONTWRITEBYTECODE="1",
               PYTHONPATH=path)
    env.pop("NO_COLOR", None)
    return env


def run(args, cwd: Path, cache_dir: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "s2sad", *args], cwd=cwd, text=True,
                          capture_output=True, env=s2sad_env(cache_dir), timeout=120)


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("cli")
    (path / "model.py").write_text(MODEL)
    (path / "mixed.py").write_text(MIXED)
    (path / "loops.py").write_text(LOOPS)
    return path


@pytest.fixture(scope="module")
def runs(work) -> dict[str, subprocess.CompletedProcess]:
    """Every command of COMMANDS, started at once; name -> finished process."""
    cache_dir = work / "cache"
    started = {name: subprocess.Popen([sys.executable, "-m", "s2sad", *args], cwd=work,
                                      text=True, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, env=s2sad_env(cache_dir))
               for name, args in COMMANDS.items()}
    done = {}
    for name, proc in started.items():
        out, err = proc.communicate(timeout=120)
        done[name] = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    return done


def line_of(text: str, source: str) -> int:
    return source.splitlines().index(text) + 1


def returned(source: str, func: str) -> str:
    """The expression the generated ``func_value_and_grad`` returns."""
    body = source.split(f"def {func}_value_and_grad(", 1)[1].split("\ndef ", 1)[0]
    return re.findall(r"^    return (.*)$", body, re.M)[-1]


def assert_clean_error(proc, *words) -> None:
    assert proc.returncode == 1, (proc.stdout, proc.stderr)
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("s2sad: error: ")
    for word in words:
        assert word in lines[0]
    assert "Traceback" not in proc.stderr


# ---------------------------------------------------------------------------------------
# show FILE FUNC


def test_show_prints_the_derivative_source(runs):
    proc = runs["good"]
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    out = proc.stdout
    assert "def good_value_and_grad(x, y):" in out
    line = line_of("    z = x * y", MODEL)
    assert f"# model.py:{line}: z = x * y" in out
    assert re.search(r"^\s*# model\.py:\d+: ", out, re.M)
    assert "\x1b[" not in out  # piped: no color by default
    compile(out, "shown.py", "exec")  # the whole output is Python


def test_show_wrt_by_index_and_by_name(runs):
    default = runs["good"].stdout
    both = runs["good wrt 0,1"].stdout
    assert runs["good wrt 0,1"].returncode == 0
    assert re.fullmatch(r"\(\w+, dx\)", returned(default, "good")), returned(default, "good")
    assert re.fullmatch(r"\(\w+, \(dx, dy\)\)", returned(both, "good")), returned(both, "good")
    assert "dy" not in default
    assert runs["good wrt x,y"].stdout == both
    assert re.fullmatch(r"\(\w+, dy\)", returned(runs["good wrt y"].stdout, "good"))


def test_show_no_optimize_differs(runs):
    optimized, plain = runs["unpack"], runs["unpack no-optimize"]
    assert optimized.returncode == plain.returncode == 0
    assert "def unpack_value_and_grad(" in plain.stdout
    assert plain.stdout != optimized.stdout
    assert len(plain.stdout.splitlines()) > len(optimized.stdout.splitlines())


def test_show_stages(runs):
    proc = runs["poly stages"]
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    positions = []
    for stage in ("parse", "normalize", "reverse", "optimize", "emit"):
        header = f"# ==== {stage} ===="
        assert header in out, stage
        positions.append(out.index(header))
    assert positions == sorted(positions)
    emitted = out.split("# ==== emit ====", 1)[1]
    assert "def poly_value_and_grad(x):" in emitted


# ---------------------------------------------------------------------------------------
# show FILE: every function, good and bad


def test_show_file_prints_every_top_level_function(runs):
    proc = runs["all"]
    assert proc.returncode == 0, proc.stderr
    heads = re.findall(r"^def (\w+)_value_and_grad\(", proc.stdout, re.M)
    assert heads == ["good", "unpack", "poly"]  # in file order; dedent is imported


def test_show_file_with_a_bad_function(runs, work):
    proc = runs["mixed"]
    assert proc.returncode == 1
    assert "def fine_value_and_grad(x):" in proc.stdout
    bad = [line for line in proc.stdout.splitlines() if line.startswith("# bad")]
    line = line_of("    try:", MIXED)
    assert len(bad) == 1, proc.stdout
    assert re.fullmatch(rf"# bad: error: {re.escape(str(work / 'mixed.py'))}:{line}:5: "
                        r"try/except .*", bad[0]), bad[0]
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "hint" not in proc.stdout  # one line only


def test_show_debug_prints_a_traceback(runs):
    proc = runs["mixed debug"]
    assert proc.returncode == 1
    assert "Traceback (most recent call last)" in proc.stderr
    assert "UnsupportedConstructError" in proc.stderr
    assert "# bad: error:" in proc.stdout


def test_top_level_debug_prints_a_traceback(runs):
    proc = runs["top-level debug"]
    assert proc.returncode == 1
    assert "Traceback (most recent call last)" in proc.stderr


# ---------------------------------------------------------------------------------------
# errors


def test_missing_file(runs):
    assert_clean_error(runs["missing file"], "nowhere.py", "no such file")


def test_missing_function(runs):
    assert_clean_error(runs["missing function"], "nothing_here")


def test_forward_mode(runs, work):
    """Forward mode landed in d29e47b (`show --mode forward` prints the jvp); before that
    the command refused it with a one-line error."""
    proc = runs["forward"]
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert "def good_jvp(dx, x, y):" in proc.stdout
    assert "_value_and_grad" not in proc.stdout
    assert "def good_jvp(dx, dy, x, y):" in runs["forward wrt 0,1"].stdout
    mixed = runs["forward mixed"]
    assert mixed.returncode == 1
    assert "def fine_jvp(" in mixed.stdout
    bad = [line for line in mixed.stdout.splitlines() if line.startswith("# bad")]
    assert len(bad) == 1 and bad[0].startswith(f"# bad: error: {work / 'mixed.py'}:")
    assert "Traceback" not in mixed.stdout + mixed.stderr


def test_unknown_mode_is_a_usage_error(runs):
    proc = runs["unknown mode"]
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "invalid choice: 'sideways'" in proc.stderr.splitlines()[-1]
    assert "Traceback" not in proc.stderr


# ---------------------------------------------------------------------------------------
# color


def test_color_always(runs):
    if importlib.util.find_spec("pygments") is None:
        pytest.skip("pygments is not installed")
    proc = runs["color always"]
    assert proc.returncode == 0
    assert "\x1b[" in proc.stdout
    plain = re.sub(r"\x1b\[[0-9;]*m", "", proc.stdout)
    assert plain.strip() == runs["good"].stdout.strip()


def test_no_color_when_piped_or_never(runs):
    for name in ("good", "color never", "all", "mixed"):
        assert "\x1b" not in runs[name].stdout + runs[name].stderr, name


# ---------------------------------------------------------------------------------------
# cache info / clear, help


def test_cache_info_and_clear(work, tmp_path):
    cache_dir = tmp_path / "cache"
    shown = run(["show", "model.py"], work, cache_dir)
    assert shown.returncode == 0, shown.stderr
    files = sorted(cache_dir.glob("*.py"))
    count = len(files)
    assert count >= 3  # at least one entry per function of model.py

    info = run(["cache", "info"], work, cache_dir)
    assert info.returncode == 0, info.stderr
    assert re.search(rf"^location:\s+{re.escape(str(cache_dir))}$", info.stdout, re.M)
    assert re.search(rf"^entries:\s+{count}$", info.stdout, re.M), info.stdout
    size = sum(f.stat().st_size for f in files)
    assert re.search(rf"^bytes:\s+{size}$", info.stdout, re.M), info.stdout

    cleared = run(["cache", "clear"], work, cache_dir)
    assert cleared.returncode == 0, cleared.stderr
    assert re.search(rf"\b{count}\b", cleared.stdout), cleared.stdout
    assert list(cache_dir.glob("*.py")) == []

    after = run(["cache", "info"], work, cache_dir)
    assert re.search(r"^entries:\s+0$", after.stdout, re.M), after.stdout
    assert re.search(r"^bytes:\s+0$", after.stdout, re.M), after.stdout


def test_help_shows_examples(runs):
    for name in ("help", "show help"):
        proc = runs[name]
        assert proc.returncode == 0
        out = proc.stdout
        assert "examples:" in out
        assert "s2sad show model.py loss --wrt 0,1" in out
        assert "s2sad show model.py loss --stages" in out
        assert "s2sad cache clear" in out


# ---------------------------------------------------------------------------------------
# show --saved


def test_saved_lists_what_the_derivative_stores(runs):
    proc = runs["saved"]
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "settle_value_and_grad (the derivative): 2 saves"
    assert re.fullmatch(r"  loops.py:6 +x = np.sin\(x\) +x +value restored before overwrite +"
                        r"each iteration of loops.py:5", lines[2]), lines[2]
    assert re.fullmatch(r"  loops.py:5 +while np.sum\(x\) > 1.0: +\w+ +loop trip count +once",
                        lines[3]), lines[3]
    assert "bytes" not in proc.stdout


def test_saved_with_args_counts_and_measures(runs):
    proc = runs["saved args"]
    assert proc.returncode == 0, proc.stderr
    x, trips = np.array([1.0, 2.0]), 0
    while np.sum(x) > 1.0:
        x, trips = np.sin(x), trips + 1
    row = next(line for line in proc.stdout.splitlines() if "np.sin" in line)
    assert row.split()[-3:] == [str(trips), str(16 * trips), "B"]
    assert f"most on the tape at once: {trips + 1} values, {16 * trips + 8} B" \
        in proc.stdout


def test_saved_with_wrong_args_is_a_one_line_error(runs):
    proc = runs["saved bad args"]
    assert proc.returncode == 1
    assert proc.stdout.startswith("# settle: error: running the derivative on --args failed: "
                                  "TypeError"), proc.stdout
    assert "Traceback" not in proc.stdout + proc.stderr


def test_saved_refuses_forward_mode_and_args_alone(runs):
    assert_clean_error(runs["saved forward"], "--saved", "--mode forward")
    assert_clean_error(runs["args alone"], "--args goes with --saved")
