"""The disk cache: derivatives as private .py files, keyed by everything that made them.

Every test gets its own empty cache directory (``cache_dir``), a fresh directory check
(``cache._checked``) and fresh once-per-reason warnings (``cache._warned``). Functions to
differentiate are written into real files (``make_module``). Tests that need a second
Python process run ``CHILD`` with ``sys.executable``.
"""

from __future__ import annotations

import errno
import hashlib
import importlib
import inspect
import itertools
import json
import linecache
import os
import stat
import subprocess
import sys
import textwrap
import traceback
import uuid
import warnings
import weakref
from pathlib import Path

import numpy as np
import pytest

import s2sad
import s2sad.api
from s2sad import cache, pipeline
from gradcheck import numgrad

MARK = "# s2sad-cache "
X = np.array([0.3, -0.7, 1.1])
_counter = itertools.count()


# ---------------------------------------------------------------------------------------
# fixtures and helpers


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    """A fresh, not yet existing cache directory; directory checks and warnings reset."""
    path = tmp_path / "cache"
    monkeypatch.setenv(cache.ENV, str(path))
    monkeypatch.setattr(cache, "_checked", {})
    monkeypatch.setattr(cache, "_warned", set())
    monkeypatch.setattr(s2sad.api, "_MEMO", weakref.WeakKeyDictionary())
    return path


@pytest.fixture
def make_module(tmp_path, monkeypatch):
    """``make(text, name=None)``: write ``name``.py (a unique name by default) and import it."""
    src = tmp_path / "src"
    src.mkdir()
    monkeypatch.syspath_prepend(str(src))
    monkeypatch.setattr(sys, "dont_write_bytecode", True)  # reloads must see edits
    made = []

    def make(text: str, name: str | None = None):
        name = name or unique("mod")
        (src / f"{name}.py").write_text(textwrap.dedent(text))
        importlib.invalidate_caches()
        made.append(name)
        return importlib.import_module(name)

    make.dir = src
    yield make
    for name in made:
        sys.modules.pop(name, None)


def unique(prefix: str) -> str:
    return f"s2sad_{prefix}_{next(_counter)}_{uuid.uuid4().hex[:8]}"


def forget(monkeypatch) -> None:
    """Drop the in-memory memo (as a new process would), keeping the disk cache."""
    monkeypatch.setattr(s2sad.api, "_MEMO", weakref.WeakKeyDictionary())


def rewrite(path: Path, text: str) -> None:
    """Write ``text`` over a module file (a different size, so no stale bytecode is used)."""
    path.write_text(textwrap.dedent(text))
    importlib.invalidate_caches()


def py_entries(path: Path) -> list[Path]:
    return sorted(path.glob("*.py"))


def split_entry(text: str) -> tuple[str, dict]:
    """The code part of a cache file and its JSON trailer."""
    body, _, last = text.rstrip("\n").rpartition("\n")
    assert last.startswith(MARK), last
    return body + "\n", json.loads(last[len(MARK):])


def assert_valid_entry(path: Path) -> tuple[str, dict]:
    body, meta = split_entry(path.read_text(encoding="utf-8"))
    assert meta["key"] == path.stem
    assert meta["sha256"] == hashlib.sha256(body.encode()).hexdigest()
    assert meta["version"] == s2sad.__version__
    compile(body, str(path), "exec")
    return body, meta


def cache_warnings(caught) -> list:
    return [w for w in caught if issubclass(w.category, cache.CacheWarning)]


class recording:
    """``with recording() as caught:`` records every warning, repeats included."""

    def __enter__(self):
        self._cm = warnings.catch_warnings(record=True)
        caught = self._cm.__enter__()
        warnings.simplefilter("always")
        return caught

    def __exit__(self, *exc):
        return self._cm.__exit__(*exc)


def assert_grad(func, df, *args, i=0):
    np.testing.assert_allclose(df(*args), numgrad(func, args, i), rtol=1e-5, atol=1e-7)


def assert_memory_only(df) -> None:
    compiled = df.__s2sad__
    assert compiled.path is None
    assert compiled.entry[0].__code__.co_filename.startswith("<s2sad")
    assert "def " in inspect.getsource(compiled.entry[0])  # linecache serves it


SIMPLE = """\
import numpy as np


def f(x):
    y = 3.0 * x * x
    return np.sum(y)
"""

TWO_ARGS = """\
import numpy as np


def f(x, y):
    z = x * x * y
    return np.sum(z + np.sin(y) * x)
"""


# ---------------------------------------------------------------------------------------
# a second Python process

CHILD = r"""
import importlib, json, os, sys, time
mod_dir, mod_name, func_name = sys.argv[1:4]
wrt, args, options = (json.loads(a) for a in sys.argv[4:7])
sys.dont_write_bytecode = True
sys.path.insert(0, mod_dir)
import numpy as np
import s2sad
import s2sad.pipeline
if options.get("no_derive"):
    def refuse(*a, **k):
        raise AssertionError("derived again instead of loading the derivative from the cache")
    s2sad.pipeline.derive = refuse
func = getattr(importlib.import_module(mod_name), func_name)
args = [np.array(a, dtype=float) for a in args]
positions = wrt if isinstance(wrt, list) else [wrt]
barrier = options.get("barrier")
if barrier:  # start deriving together with the other processes
    open(os.path.join(barrier, str(os.getpid())), "w").close()
    deadline = time.time() + 60
    while len(os.listdir(barrier)) < options["count"] and time.time() < deadline:
        time.sleep(0.002)
df = s2sad.grad(func, wrt=tuple(wrt) if isinstance(wrt, list) else wrt)
grads = df(*args)
grads = list(grads) if isinstance(wrt, list) else [grads]

def total(out):
    return sum(total(o) for o in out) if isinstance(out, (tuple, list)) else float(np.sum(out))

num = []
for i in positions:
    g = np.zeros(args[i].shape)
    for k in range(args[i].size):
        plus, minus = list(args), list(args)
        plus[i] = args[i].copy(); plus[i].reshape(-1)[k] += 1e-6
        minus[i] = args[i].copy(); minus[i].reshape(-1)[k] -= 1e-6
        g.reshape(-1)[k] = (total(func(*plus)) - total(func(*minus))) / 2e-6
    num.append(g.tolist())
print(json.dumps({"grad": [np.asarray(g).tolist() for g in grads], "num": num,
                  "path": str(df.__s2sad__.path)}))
"""


def child_command(mod_dir, mod_name, func_name="f", wrt=0, args=([0.3, -0.7, 1.1],),
                  options=None):
    return [sys.executable, "-c", CHILD, str(mod_dir), mod_name, func_name, json.dumps(wrt),
            json.dumps(list(args)), json.dumps(options or {})]


def child_env(cache_path, seed="0"):
    # the s2sad of this checkout, not whichever one is installed
    root = str(Path(__file__).resolve().parent.parent)
    path = os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", PYTHONHASHSEED=str(seed),
               PYTHONPATH=path)
    env[cache.ENV] = str(cache_path)
    return env


def finish(proc_stdout: str, proc_stderr: str, returncode: int) -> dict:
    """The child's result, after checking it ran cleanly and its gradient is right."""
    assert returncode == 0, proc_stderr
    assert "Warning" not in proc_stderr, proc_stderr
    result = json.loads(proc_stdout.strip().splitlines()[-1])
    for got, num in zip(result["grad"], result["num"], strict=True):
        np.testing.assert_allclose(got, num, rtol=1e-5, atol=1e-7)
    return result


def run_child(cache_path, mod_dir, mod_name, seed="0", **kwargs) -> dict:
    proc = subprocess.run(child_command(mod_dir, mod_name, **kwargs), capture_output=True,
                          text=True, env=child_env(cache_path, seed), timeout=120,
                          cwd=mod_dir)
    return finish(proc.stdout, proc.stderr, proc.returncode)


def snapshot(path: Path) -> dict:
    """Every file under ``path`` (entries, and their compiled code in __pycache__)."""
    return {p.relative_to(path).as_posix(): (p.stat().st_mtime_ns, p.read_bytes())
            for p in sorted(path.rglob("*")) if p.is_file()}


def top_level(path: Path) -> list[str]:
    """The names in the cache directory, but for the compiled code's folder."""
    return [p.name for p in path.iterdir() if p.name != cache.CODE_DIR]


# ---------------------------------------------------------------------------------------
# the entry is a real, private Python file


def test_entry_is_a_private_python_file(tmp_path, monkeypatch, make_module):
    where = tmp_path / "deep" / "er" / "cache"
    monkeypatch.setenv(cache.ENV, str(where))
    monkeypatch.setattr(cache, "_checked", {})
    monkeypatch.setattr(cache, "_warned", set())
    mod = make_module(SIMPLE)
    old = os.umask(0)  # a permissive umask must not make the cache readable by others
    try:
        with recording() as caught:
            df = s2sad.grad(mod.f)
            assert_grad(mod.f, df, X)
    finally:
        os.umask(old)
    assert not cache_warnings(caught)
    assert stat.S_IMODE(where.stat().st_mode) == 0o700
    [entry] = py_entries(where)
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600
    assert entry.stat().st_uid == os.getuid()
    body, meta = assert_valid_entry(entry)

    compiled = df.__s2sad__
    assert compiled.path == entry
    generated = compiled.entry[0]
    assert generated.__code__.co_filename == str(entry)
    assert generated.__name__ == "f_value_and_grad"
    text = inspect.getsource(generated)
    assert text.startswith("def f_value_and_grad(") and text in body
    assert s2sad.source(df) == body
    assert body + MARK + json.dumps(meta, sort_keys=True) + "\n" == entry.read_text()


def test_traceback_from_generated_code_shows_the_cache_file(cache_dir, make_module):
    mod = make_module("""\
        import numpy as np


        def boom(x):
            y = x * 2.0
            z = y.reshape(7)
            return np.sum(z)
        """)
    df = s2sad.grad(mod.boom)
    path = df.__s2sad__.path
    assert path is not None and path.parent == cache_dir
    with pytest.raises(ValueError) as info:
        df(X)
    frames = [fr for fr in traceback.extract_tb(info.value.__traceback__)
              if fr.filename == str(path)]
    assert frames, traceback.format_exception(info.value)
    assert "reshape" in frames[-1].line  # the line is read back from the file
    assert f'File "{path}"' in "".join(traceback.format_exception(info.value))


# ---------------------------------------------------------------------------------------
# in-memory memo and a second process


def test_second_grad_in_the_same_process_does_not_touch_the_disk(cache_dir, make_module,
                                                                   monkeypatch):
    mod = make_module(SIMPLE)
    df = s2sad.grad(mod.f)
    first = df(X)
    assert len(py_entries(cache_dir)) == 1

    def refuse(*args, **kwargs):
        raise AssertionError("the memo should have answered")

    for name in ("directory", "key", "lookup", "store"):
        monkeypatch.setattr(cache, name, refuse)
    monkeypatch.setattr(pipeline, "derive", refuse)
    monkeypatch.setattr(s2sad.api, "load", refuse)
    df2 = s2sad.grad(mod.f)
    np.testing.assert_array_equal(df2(X), first)
    assert df2.__s2sad__ is df.__s2sad__
    value, g = s2sad.value_and_grad(mod.f)(X)
    np.testing.assert_array_equal(g, first)


FRESH = """\
import numpy as np


def helper(a, b):
    c = a * b
    d = np.tanh(c) + a
    return d * b


def f(x, y):
    s = 0.0
    for i in range(3):
        s = s + helper(x, y) * i
        if np.sum(s) > 1.0:
            s = s * 0.5
    u, v = x, y
    return np.sum(s * u + v * v)
"""
FRESH_ARGS = ([0.1, 0.2, -0.4], [0.3, 0.4, 0.5])


@pytest.fixture(scope="module")
def fresh_runs(tmp_path_factory):
    """The same function derived by two fresh processes (other hash seeds), each with its
    own empty cache directory."""
    base = tmp_path_factory.mktemp("fresh")
    src = base / "src"
    src.mkdir()
    name = unique("fresh")
    (src / f"{name}.py").write_text(FRESH)
    procs = {d: subprocess.Popen(child_command(src, name, wrt=[0, 1], args=FRESH_ARGS),
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                 env=child_env(base / d, seed), cwd=src)
             for d, seed in (("a", "1"), ("b", "2"))}
    results = {}
    for d, proc in procs.items():
        out, err = proc.communicate(timeout=120)
        results[d] = finish(out, err, proc.returncode)
    return base, src, name, results


def test_second_process_loads_from_the_cache(fresh_runs):
    base, src, name, results = fresh_runs
    before = snapshot(base / "a")
    entries = [name for name in before if "/" not in name]
    assert len(entries) == 1 and results["a"]["path"] == str(base / "a" / entries[0])
    assert f"{cache.CODE_DIR}/{Path(entries[0]).stem}.{sys.implementation.cache_tag}.code" \
        in before  # its compiled code, which the next process uses as it is
    result = run_child(base / "a", src, name, seed="3", wrt=[0, 1], args=FRESH_ARGS,
                       options={"no_derive": True})
    assert result["path"] == results["a"]["path"]
    assert snapshot(base / "a") == before  # same entries, same bytes, same mtimes
    np.testing.assert_allclose(result["grad"], results["a"]["grad"], rtol=0, atol=0)


def test_output_is_deterministic_across_processes(fresh_runs):
    base, _, _, _ = fresh_runs
    a = {p.name: p.read_bytes() for p in py_entries(base / "a")}
    b = {p.name: p.read_bytes() for p in py_entries(base / "b")}
    assert len(a) == 1
    assert a == b


# ---------------------------------------------------------------------------------------
# what the key depends on


def test_key_depends_on_every_part(make_module):
    mod = make_module(TWO_ARGS)
    opts = {"wrt": ["x"], "kind": "value_and_grad", "scalars": [], "optimize": True}
    base = cache.key(mod.f, opts, "rules", "1.0")
    assert base == cache.key(mod.f, dict(opts), "rules", "1.0")
    variants = [
        cache.key(mod.f, {**opts, "wrt": ["y"]}, "rules", "1.0"),
        cache.key(mod.f, {**opts, "wrt": ["x", "y"]}, "rules", "1.0"),
        cache.key(mod.f, {**opts, "optimize": False}, "rules", "1.0"),
        cache.key(mod.f, {**opts, "kind": "vjp"}, "rules", "1.0"),
        cache.key(mod.f, {**opts, "scalars": ["x"]}, "rules", "1.0"),
        cache.key(mod.f, opts, "other rules", "1.0"),
        cache.key(mod.f, opts, "rules", "1.1"),
    ]
    assert len({base, *variants}) == len(variants) + 1


def test_options_give_separate_entries(cache_dir, make_module):
    mod = make_module(TWO_ARGS)
    args = (X, np.array([0.5, 0.25, -1.5]))
    df0 = s2sad.grad(mod.f)
    df1 = s2sad.grad(mod.f, wrt=1)
    dfy = s2sad.grad(mod.f, wrt="y")
    df01 = s2sad.grad(mod.f, wrt=(0, 1))
    dfno = s2sad.grad(mod.f, optimize=False)
    paths = [d.__s2sad__.path for d in (df0, df1, df01, dfno)]
    assert None not in paths and len(set(paths)) == 4
    assert dfy.__s2sad__.path == df1.__s2sad__.path  # the same parameter, named or indexed
    assert len(py_entries(cache_dir)) == 4
    assert_grad(mod.f, df0, *args, i=0)
    assert_grad(mod.f, dfno, *args, i=0)
    assert_grad(mod.f, df1, *args, i=1)
    gx, gy = df01(*args)
    np.testing.assert_allclose(gx, numgrad(mod.f, args, 0), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(gy, numgrad(mod.f, args, 1), rtol=1e-5, atol=1e-7)
    for path in paths:
        assert_valid_entry(path)


MAIN = """\
import numpy as np
from {helper} import h


def f(x):
    return np.sum(h(x) * 2.0)
"""


def test_edited_function_seen_by_a_new_process(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    name = unique("edit")
    (src / f"{name}.py").write_text(SIMPLE)
    first = run_child(tmp_path / "cache", src, name)
    np.testing.assert_allclose(first["grad"][0], 6.0 * X, rtol=1e-12)
    rewrite(src / f"{name}.py", SIMPLE.replace("3.0 * x * x", "3.0 * x * x * x"))
    second = run_child(tmp_path / "cache", src, name)
    np.testing.assert_allclose(second["grad"][0], 9.0 * X * X, rtol=1e-12)
    assert second["path"] != first["path"]
    assert len(py_entries(tmp_path / "cache")) == 2


def test_edited_helper_seen_by_a_new_process(tmp_path):
    """f -> h (another module) -> g (a third module); editing g invalidates f's entry."""
    src = tmp_path / "src"
    src.mkdir()
    main, helper, inner = unique("main"), unique("helper"), unique("inner")
    (src / f"{inner}.py").write_text("def g(x):\n    return x * x\n")
    (src / f"{helper}.py").write_text(f"from {inner} import g\n\n\ndef h(x):\n"
                                      "    return g(x) + x\n")
    (src / f"{main}.py").write_text(MAIN.format(helper=helper))
    first = run_child(tmp_path / "cache", src, main)
    np.testing.assert_allclose(first["grad"][0], 2.0 * (2.0 * X + 1.0), rtol=1e-12)
    rewrite(src / f"{inner}.py", "def g(x):\n    return x * x * x\n")
    second = run_child(tmp_path / "cache", src, main)
    np.testing.assert_allclose(second["grad"][0], 2.0 * (3.0 * X * X + 1.0), rtol=1e-12)
    [entry] = py_entries(tmp_path / "cache")  # same key: the entry was regenerated
    body, meta = assert_valid_entry(entry)
    assert "x * x * x" in body


def test_checkpoint_applied_by_a_call_seen_by_a_new_process(tmp_path):
    """``h = s2sad.checkpoint(h)`` does not change h's source, but it changes f's
    derivative (h's tape is recomputed in the adjoint): a new entry, not the old one."""
    src = tmp_path / "src"
    src.mkdir()
    main, helper = unique("main"), unique("helper")
    plain = "import numpy as np\n\n\ndef h(x):\n    return np.sin(x) * x\n"
    (src / f"{helper}.py").write_text(plain)
    (src / f"{main}.py").write_text(MAIN.format(helper=helper))
    first = run_child(tmp_path / "cache", src, main)
    [entry] = py_entries(tmp_path / "cache")
    taped, _ = assert_valid_entry(entry)
    rewrite(src / f"{helper}.py", "import s2sad\n" + plain + "\n\nh = s2sad.checkpoint(h)\n")
    second = run_child(tmp_path / "cache", src, main)
    expected = 2.0 * (np.sin(X) + X * np.cos(X))
    for run in (first, second):
        np.testing.assert_allclose(run["grad"][0], expected, rtol=1e-12)
    [entry] = py_entries(tmp_path / "cache")  # same key: the entry was regenerated
    recomputed, _ = assert_valid_entry(entry)
    # taped: f's primal sweep runs h_primal; checkpointed: h itself, h_primal in the adjoint
    assert " = h_primal(stack, x)" in taped and " = h(x)" not in taped
    assert " = h(x)" in recomputed and " = h_primal(stack, x)" not in recomputed


def test_helper_replaced_by_a_ufunc_seen_by_a_new_process(tmp_path):
    """f's source is unchanged but its helper h became a NumPy ufunc: regenerate, no crash."""
    src = tmp_path / "src"
    src.mkdir()
    main, helper = unique("main"), unique("helper")
    (src / f"{helper}.py").write_text("def h(x):\n    return x * x\n")
    (src / f"{main}.py").write_text(MAIN.format(helper=helper))
    first = run_child(tmp_path / "cache", src, main)
    np.testing.assert_allclose(first["grad"][0], 4.0 * X, rtol=1e-12)
    rewrite(src / f"{helper}.py", "import numpy as np\n\nh = np.tanh\n")
    second = run_child(tmp_path / "cache", src, main)
    np.testing.assert_allclose(second["grad"][0], 2.0 * (1.0 - np.tanh(X) ** 2), rtol=1e-12)


def test_edited_function_reloaded_in_the_same_process(cache_dir, make_module):
    mod = make_module(SIMPLE)
    assert_grad(mod.f, s2sad.grad(mod.f), X)
    rewrite(Path(mod.__file__), SIMPLE.replace("3.0 * x * x", "3.0 * x * x * x"))
    mod = importlib.reload(mod)
    df = s2sad.grad(mod.f)
    np.testing.assert_allclose(df(X), 9.0 * X * X, rtol=1e-10)
    assert_grad(mod.f, df, X)
    assert len(py_entries(cache_dir)) == 2  # a new key, not the old entry


def test_edited_helper_reloaded_in_the_same_process(cache_dir, make_module):
    helper = make_module("def h(x):\n    return x * x\n")
    main = make_module(MAIN.format(helper=helper.__name__))
    np.testing.assert_allclose(s2sad.grad(main.f)(X), 4.0 * X, rtol=1e-12)
    rewrite(Path(helper.__file__), "def h(x):\n    return x * x * x\n")
    importlib.reload(helper)
    main = importlib.reload(main)  # picks up the new h
    df = s2sad.grad(main.f)
    np.testing.assert_allclose(df(X), 6.0 * X * X, rtol=1e-10)
    assert_grad(main.f, df, X)
    [entry] = py_entries(cache_dir)  # f is unchanged: same key, regenerated in place
    assert "x * x * x" in assert_valid_entry(entry)[0]


def test_edited_helper_module_reloaded_same_caller(cache_dir, make_module):
    helper = make_module("def h(x):\n    return x * x\n")
    main = make_module(f"import numpy as np\nimport {helper.__name__} as hm\n\n\n"
                       "def f(x):\n    return np.sum(hm.h(x) * 2.0)\n")
    np.testing.assert_allclose(s2sad.grad(main.f)(X), 4.0 * X, rtol=1e-12)
    rewrite(Path(helper.__file__), "def h(x):\n    return x * x * x\n")
    importlib.reload(helper)
    np.testing.assert_allclose(main.f(X), np.sum(2.0 * X ** 3))  # plain Python sees it
    assert_grad(main.f, s2sad.grad(main.f), X)


# ---------------------------------------------------------------------------------------
# damaged entries are detected, not run, and regenerated


def poisoned(path: Path, marker: Path) -> tuple[str, str, str]:
    """(original body, body that writes ``marker`` when run, original trailer line)."""
    text = path.read_text(encoding="utf-8")
    body, _, trailer = text.rstrip("\n").rpartition("\n")
    body += "\n"
    bad = f"open({str(marker)!r}, 'w').write('ran')\n" + body
    return body, bad, trailer + "\n"


def with_sha(body: str, trailer: str) -> str:
    meta = json.loads(trailer[len(MARK):])
    meta["sha256"] = hashlib.sha256(body.encode()).hexdigest()
    return body + MARK + json.dumps(meta, sort_keys=True) + "\n"


def flip(data: bytes, index: int, bit: int) -> bytes:
    return data[:index] + bytes([data[index] ^ bit]) + data[index + 1:]


def damage(kind: str, bad_body: str, trailer: str) -> bytes:
    valid = with_sha(bad_body, trailer).encode()  # would run (and write the marker)
    n = len(bad_body.encode())
    if kind == "tampered body, trailer kept":
        return (bad_body + trailer).encode()
    if kind == "truncated in the body":
        return valid[:n * 2 // 3]
    if kind == "truncated in the trailer":
        return valid[:n + (len(valid) - n) // 2]
    if kind == "truncated to nothing":
        return b""
    if kind == "flipped bit in the code":  # 3.0 -> 2.0: still valid Python, wrong gradient
        return flip(valid, valid.index(b"= 3.0 *") + 2, 0x01)
    if kind == "flipped high bit in the code":  # not UTF-8 any more
        return flip(valid, valid.index(b"= 3.0 *") + 2, 0x80)
    if kind == "flipped bit in the hash":
        return flip(valid, valid.index(b'"sha256": "') + 13, 0x01)
    raise AssertionError(kind)


DAMAGE = ["tampered body, trailer kept", "truncated in the body", "truncated in the trailer",
          "truncated to nothing", "flipped bit in the code", "flipped high bit in the code",
          "flipped bit in the hash"]


def test_valid_poisoned_entry_is_run(cache_dir, make_module, monkeypatch, tmp_path):
    """The harness of the damage tests: an entry with a matching hash is trusted and run."""
    mod = make_module(SIMPLE)
    path = s2sad.grad(mod.f).__s2sad__.path
    marker = tmp_path / "marker"
    _, bad_body, trailer = poisoned(path, marker)
    path.write_text(with_sha(bad_body, trailer))
    forget(monkeypatch)
    with recording() as caught:
        np.testing.assert_allclose(s2sad.grad(mod.f)(X), 6.0 * X, rtol=1e-12)
    assert marker.exists()
    assert not cache_warnings(caught)


@pytest.mark.parametrize("kind", DAMAGE)
def test_damaged_entry_is_detected_not_run_and_regenerated(kind, cache_dir, make_module,
                                                           monkeypatch, tmp_path):
    mod = make_module(SIMPLE)
    path = s2sad.grad(mod.f).__s2sad__.path
    good_body, _ = split_entry(path.read_text())
    marker = tmp_path / "marker"
    _, bad_body, trailer = poisoned(path, marker)
    path.write_bytes(damage(kind, bad_body, trailer))
    forget(monkeypatch)
    with recording() as caught:
        df = s2sad.grad(mod.f)
        np.testing.assert_allclose(df(X), 6.0 * X, rtol=1e-12)
    assert not marker.exists(), "the damaged entry was run"
    found = cache_warnings(caught)
    assert len(found) == 1, [str(w.message) for w in caught]
    assert str(path) in str(found[0].message)
    body, _ = assert_valid_entry(path)  # regenerated in place
    assert body == good_body and "open(" not in body
    assert df.__s2sad__.path == path
    assert top_level(cache_dir) == [path.name]


@pytest.mark.parametrize("trailer", ["[1]", '"s2sad"', "42"])
def test_trailer_that_is_not_an_object_is_damage(trailer, cache_dir, make_module,
                                                monkeypatch):
    mod = make_module(SIMPLE)
    path = s2sad.grad(mod.f).__s2sad__.path
    body, _ = split_entry(path.read_text())
    path.write_text(body + MARK + trailer + "\n")
    forget(monkeypatch)
    with recording() as caught:
        np.testing.assert_allclose(s2sad.grad(mod.f)(X), 6.0 * X, rtol=1e-12)
    assert len(cache_warnings(caught)) == 1
    assert_valid_entry(path)


@pytest.mark.parametrize("field,value", [("version", "0.0.1-other"), ("format", 999)])
def test_entry_of_another_version_is_ignored_and_regenerated(field, value, cache_dir,
                                                             make_module, monkeypatch,
                                                             tmp_path):
    mod = make_module(SIMPLE)
    path = s2sad.grad(mod.f).__s2sad__.path
    marker = tmp_path / "marker"
    _, bad_body, trailer = poisoned(path, marker)
    meta = json.loads(with_sha(bad_body, trailer).rstrip("\n").rpartition("\n")[2][len(MARK):])
    meta[field] = value  # hash still right: only the version says it is not ours
    path.write_text(bad_body + MARK + json.dumps(meta, sort_keys=True) + "\n")
    forget(monkeypatch)
    with recording() as caught:
        np.testing.assert_allclose(s2sad.grad(mod.f)(X), 6.0 * X, rtol=1e-12)
    assert not marker.exists(), "an entry of another version was run"
    assert not cache_warnings(caught)
    _, meta = assert_valid_entry(path)
    assert meta["format"] == cache.FORMAT


# ---------------------------------------------------------------------------------------
# concurrency


def test_eight_processes_at_once(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    name = unique("race")
    (src / f"{name}.py").write_text(FRESH)
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    where = tmp_path / "cache"
    options = {"barrier": str(barrier), "count": 8}
    procs = [subprocess.Popen(child_command(src, name, wrt=[0, 1], args=FRESH_ARGS,
                                            options=options),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=child_env(where), cwd=src)
             for _ in range(8)]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        results.append(finish(out, err, proc.returncode))
    assert len({r["path"] for r in results}) == 1
    assert top_level(where) == [Path(results[0]["path"]).name]
    assert_valid_entry(Path(results[0]["path"]))
    for r in results[1:]:
        assert r["grad"] == results[0]["grad"]


# ---------------------------------------------------------------------------------------
# unusable directories: one warning, correct gradients, memory only


def derive_twice_memory_only(mod) -> list:
    with recording() as caught:
        df = s2sad.grad(mod.f)
        assert_grad(mod.f, df, X, np.array([0.5, 0.25, -1.5]), i=0)
        df1 = s2sad.grad(mod.f, wrt=1)
        assert_grad(mod.f, df1, X, np.array([0.5, 0.25, -1.5]), i=1)
    assert_memory_only(df)
    assert_memory_only(df1)
    found = cache_warnings(caught)
    assert len(found) == 1, [str(w.message) for w in caught]
    return found


def test_read_only_directory(cache_dir, make_module, monkeypatch):
    cache_dir.mkdir(mode=0o700)
    os.chmod(cache_dir, 0o500)
    if os.geteuid() == 0:  # root writes anyway: make os.access answer as for a user
        real = os.access

        def access(path, mode, *args, **kwargs):
            if Path(path) == cache_dir and mode & os.W_OK:
                return bool(cache_dir.stat().st_mode & stat.S_IWUSR)
            return real(path, mode, *args, **kwargs)

        monkeypatch.setattr(os, "access", access)
    try:
        mod = make_module(TWO_ARGS)
        derive_twice_memory_only(mod)
        assert list(cache_dir.iterdir()) == []
    finally:
        os.chmod(cache_dir, 0o700)


@pytest.mark.parametrize("failure", ["mkstemp EACCES", "mkstemp ENOSPC", "replace ENOSPC"])
def test_writing_fails(failure, cache_dir, make_module, monkeypatch):
    cache_dir.mkdir(mode=0o700)
    where, code = failure.split()
    error = OSError(getattr(errno, code), os.strerror(getattr(errno, code)))
    if code == "EACCES":
        error = PermissionError(errno.EACCES, os.strerror(errno.EACCES))
    if where == "mkstemp":
        real = cache.tempfile.mkstemp

        def fake(*args, **kwargs):
            if Path(kwargs.get("dir", "")) == cache_dir:
                raise error
            return real(*args, **kwargs)

        monkeypatch.setattr(cache.tempfile, "mkstemp", fake)
    else:
        real = os.replace

        def fake(src, dst, *args, **kwargs):
            if Path(dst).parent == cache_dir:
                raise error
            return real(src, dst, *args, **kwargs)

        monkeypatch.setattr(os, "replace", fake)
    mod = make_module(TWO_ARGS)
    derive_twice_memory_only(mod)
    assert list(cache_dir.iterdir()) == []  # no entries, no stray temporary files


def test_directory_cannot_be_created(tmp_path, monkeypatch, make_module):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv(cache.ENV, str(blocker / "cache"))
    monkeypatch.setattr(cache, "_checked", {})
    monkeypatch.setattr(cache, "_warned", set())
    derive_twice_memory_only(make_module(TWO_ARGS))


@pytest.mark.parametrize("mode", [0o770, 0o707, 0o777, 0o1777])
def test_directory_writable_by_others_is_refused(mode, cache_dir, make_module):
    cache_dir.mkdir()
    os.chmod(cache_dir, mode)
    found = derive_twice_memory_only(make_module(TWO_ARGS))
    assert str(cache_dir) in str(found[0].message)
    assert list(cache_dir.iterdir()) == []
    assert stat.S_IMODE(cache_dir.stat().st_mode) == mode  # left as it was


def test_symlinked_directory_is_refused(cache_dir, make_module, tmp_path):
    real = tmp_path / "real"
    real.mkdir(mode=0o700)
    cache_dir.symlink_to(real)
    derive_twice_memory_only(make_module(TWO_ARGS))
    assert list(real.iterdir()) == []


# ---------------------------------------------------------------------------------------
# clear


def test_clear_removes_entries(cache_dir, make_module):
    mod = make_module(TWO_ARGS)
    for df in (s2sad.grad(mod.f), s2sad.grad(mod.f, wrt=1),
               s2sad.grad(mod.f, optimize=False)):
        assert df.__s2sad__.path is not None
    stray = cache_dir / ".deadbeef.tmp"
    stray.write_text("half written")
    assert len(cache.entries(cache_dir)) == 3
    assert cache.clear(cache_dir) == 3
    assert cache.entries(cache_dir) == []
    assert list(cache_dir.iterdir()) == []
    assert cache.clear(cache_dir) == 0
    other = make_module(SIMPLE)
    np.testing.assert_allclose(s2sad.grad(other.f)(X), 6.0 * X, rtol=1e-12)
    assert len(cache.entries(cache_dir)) == 1


# ---------------------------------------------------------------------------------------
# source that is not in a file


def test_function_with_linecache_source_like_ipython(cache_dir):
    filename = f"<ipython-input-{next(_counter)}-{uuid.uuid4().hex[:12]}>"
    source = ("import numpy as np\n"
              "\n"
              "def cell_f(x):\n"
              "    y = np.sin(x) * x\n"
              "    return np.sum(y)\n")
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    try:
        namespace = {"__name__": "__main__"}
        exec(compile(source, filename, "exec"), namespace)
        f = namespace["cell_f"]
        df = s2sad.grad(f)
        np.testing.assert_allclose(df(X), np.sin(X) + X * np.cos(X), rtol=1e-12)
        assert_grad(f, df, X)
        assert f"# {filename}:4: y = np.sin(x) * x" in s2sad.source(df)
    finally:
        linecache.cache.pop(filename, None)


def test_function_exec_from_a_string_has_no_source(cache_dir):
    filename = f"<s2sad-test-{uuid.uuid4().hex[:12]}>"
    namespace = {"__name__": "__main__"}
    exec(compile("def g(x):\n    return x * x\n", filename, "exec"), namespace)
    with pytest.raises(s2sad.NoSourceError) as info:
        s2sad.grad(namespace["g"])
    assert "define it in a file" in str(info.value)
    assert "g" in str(info.value)
    assert not cache_dir.exists() or py_entries(cache_dir) == []


# ---------------------------------------------------------------------------------------
# compiled code kept beside the entries (cache.compiled)


CODE_SOURCE = "def f(x):\n    return 3 * x\n"


def compiled_f(source=CODE_SOURCE, filename="/somewhere/entry.py"):
    scope = {}
    exec(cache.compiled(source, filename, "entry"), scope)  # noqa: S102 - the test's own
    return scope["f"]


def code_file(cache_dir: Path) -> Path:
    return cache_dir / cache.CODE_DIR / f"entry.{sys.implementation.cache_tag}.code"


def test_compiled_code_is_kept_and_reused(cache_dir, monkeypatch):
    assert compiled_f()(2) == 6
    path = code_file(cache_dir)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    calls = []
    real = compile
    monkeypatch.setattr("builtins.compile", lambda *a, **k: calls.append(a) or real(*a, **k))
    assert compiled_f()(2) == 6
    assert calls == []  # read back, not compiled again
    assert compiled_f().__code__.co_filename == "/somewhere/entry.py"


@pytest.mark.parametrize("change", ["source", "filename", "magic", "body", "digest",
                                    "truncated", "empty"])
def test_compiled_code_that_does_not_match_is_compiled_again(change, cache_dir, monkeypatch):
    compiled_f()
    path = code_file(cache_dir)
    data = bytearray(path.read_bytes())
    source, filename = CODE_SOURCE, "/somewhere/entry.py"
    if change == "source":
        source = CODE_SOURCE.replace("3", "4")
    elif change == "filename":
        filename = "/elsewhere/entry.py"
    elif change == "magic":
        data[0] ^= 0xFF
    elif change == "body":
        data[-3] ^= 0xFF  # damage that marshal might not notice: the digest does
    elif change == "digest":
        data[40] ^= 0xFF
    elif change == "truncated":
        data = data[:len(data) // 2]
    else:
        data = bytearray()
    path.write_bytes(bytes(data))
    loads = []
    monkeypatch.setattr(cache.marshal, "loads", lambda b: loads.append(b))
    f = compiled_f(source, filename)
    assert loads == []  # nothing that failed a check was unmarshalled
    assert f(2) == (8 if change == "source" else 6)
    assert f.__code__.co_filename == filename
    assert path.read_bytes() != bytes(data)  # written again


def test_templates_load_from_compiled_code(cache_dir, monkeypatch):
    """The rule templates are compiled once per cache, not once per process."""
    monkeypatch.setattr(s2sad.rules, "REGISTRY", s2sad.rules.Registry())
    monkeypatch.setattr(s2sad.rules, "_loaded", False)
    s2sad.rules.registry()
    kept = sorted(p.name for p in (cache_dir / cache.CODE_DIR).glob("s2sad.templates.*"))
    assert len(kept) == len([p for p in s2sad.rules._template_dir().glob("[!_]*.py")])
    first = s2sad.rules.REGISTRY
    monkeypatch.setattr(s2sad.rules, "REGISTRY", s2sad.rules.Registry())
    monkeypatch.setattr(s2sad.rules, "_loaded", False)
    calls = []
    real = compile
    monkeypatch.setattr("builtins.compile", lambda *a, **k: calls.append(a) or real(*a, **k))
    s2sad.rules.registry()
    assert [c for c in calls if str(c[1]).endswith(".py")] == []
    assert set(s2sad.rules.REGISTRY.rules) == set(first.rules)


def test_compiled_code_behind_a_symlink_is_not_read(cache_dir, tmp_path, monkeypatch):
    compiled_f()
    path = code_file(cache_dir)
    planted = tmp_path / "planted.code"
    planted.write_bytes(path.read_bytes())  # valid content, but not the file itself
    path.unlink()
    path.symlink_to(planted)
    loads = []
    monkeypatch.setattr(cache.marshal, "loads", lambda b: loads.append(b))
    assert compiled_f()(2) == 6
    assert loads == []
    assert not path.is_symlink() and path.is_file()  # replaced by a file of its own


def test_symlinked_code_folder_is_not_used(cache_dir, tmp_path):
    cache_dir.mkdir(mode=0o700)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    (cache_dir / cache.CODE_DIR).symlink_to(elsewhere)
    assert compiled_f()(2) == 6
    assert list(elsewhere.iterdir()) == []
