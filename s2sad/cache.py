"""Stage 8, cache: generated modules as files on disk, keyed by everything that made them.

`key` hashes the s2sad version, the rule set, the Python version, the options and
the source of the function; `lookup` returns a `Derivative` rebuilt from a file
(after checking its content hash and that every helper function it transformed
still has the same source) or None; `store` writes one atomically (temporary file
+ `os.replace`). Only generated source and a JSON comment go into the directory,
which is private to the user (0700, files 0600). When it cannot be used, s2sad
warns once and keeps derivatives in memory.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import linecache
import marshal
import os
import stat
import sys
import tempfile
import types
import warnings
from pathlib import Path

import platformdirs

from .parse import MISSING, Scope
from .transform.module import is_live, resolve_recipe

ENV = "S2SAD_CACHE_DIR"
MARK = "# s2sad-cache "
FORMAT = 1
_warned: set[str] = set()


class CacheWarning(UserWarning):
    """The derivative cache could not be used as asked; s2sad carried on without it."""


def warn_once(reason: str, message: str) -> None:
    if reason not in _warned:
        _warned.add(reason)
        warnings.warn(message, CacheWarning, stacklevel=3)


_checked: dict[str, Path | None] = {}


def directory() -> Path | None:
    """The cache directory, created private to the user; None (with a warning) if unusable."""
    configured = os.environ.get(ENV) or platformdirs.user_cache_dir("s2sad")
    if configured in _checked and (_checked[configured] is None
                                   or _checked[configured].is_dir()):
        return _checked[configured]
    _checked[configured] = _usable(Path(configured))
    return _checked[configured]


def _usable(path: Path) -> Path | None:
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = path.lstat()
    except OSError as exc:
        warn_once("mkdir", f"s2sad cannot use the cache directory {path} ({exc}); "
                           "derivatives stay in memory")
        return None
    if not path.is_dir() or path.is_symlink():
        warn_once("kind", f"s2sad cache {path} is not a plain directory; derivatives stay "
                          "in memory")
        return None
    if hasattr(os, "getuid") and info.st_uid != os.getuid() or info.st_mode & 0o022:
        warn_once("private", f"s2sad cache {path} is writable by others or owned by another "
                             "user; derivatives stay in memory (set S2SAD_CACHE_DIR to a "
                             "private directory)")
        return None
    if not os.access(path, os.W_OK | os.X_OK):
        warn_once("write", f"s2sad cannot write to the cache directory {path}; "
                           "derivatives stay in memory")
        return None
    return path


def resolve_path(path: str, scope):
    """The value of a dotted name (``helper``, ``layers.dense``) in a function's scope, or of
    ``module:qualname`` (a method, found through its class)."""
    if ":" in path:
        module, qualname = path.split(":", 1)
        return resolve_recipe(["import", module, qualname])
    first, *rest = path.split(".")
    value = scope.lookup(first)
    for attr in rest:
        value = getattr(value, attr, MISSING) if value is not MISSING else MISSING
    return value


def function_source(func) -> str:
    """The lines of ``func`` in its file, from its first line to its last line of code.

    Enough to notice any edit of the function, and much faster than `inspect.getsource`
    (no tokenizing), which matters on the warm path. Raises OSError without source.
    """
    code = func.__code__
    last = _last_line(code)
    linecache.checkcache(code.co_filename)  # the file may have been edited since
    lines = linecache.getlines(code.co_filename, func.__globals__)
    if not lines or last > len(lines):
        raise OSError(f"no source for {func.__qualname__}")
    return "".join(lines[code.co_firstlineno - 1:last])


def _last_line(code) -> int:
    last = max((line for _, _, line in code.co_lines() if line), default=code.co_firstlineno)
    for const in code.co_consts:
        if hasattr(const, "co_lines"):
            last = max(last, _last_line(const))
    return last


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


_implementation: list[str] = []


def implementation_digest() -> str:
    """A hash of s2sad's own code: a changed transformer never reuses old entries."""
    if not _implementation:
        # sizes and modification times: any edit of s2sad's code changes them, and
        # reading 30 stat records is much cheaper than reading 30 files on the warm path
        h = hashlib.sha256()
        package = os.path.dirname(os.path.abspath(__file__))
        for folder in ("", "normalize", "transform"):
            with os.scandir(os.path.join(package, folder)) as found:
                for entry in sorted(found, key=lambda e: e.name):
                    if entry.name.endswith(".py"):
                        info = entry.stat()
                        h.update(f"{folder}/{entry.name}:{info.st_size}:{info.st_mtime_ns}"
                                 .encode())
        _implementation.append(h.hexdigest()[:16])
    return _implementation[0]


def key(func, options: dict, rules_digest: str, version: str) -> str | None:
    """The cache key of a derivative of ``func``, or None when its source is unavailable."""
    try:
        source = function_source(func)
    except (OSError, TypeError, AttributeError):
        return None
    parts = {
        "s2sad": [version, implementation_digest()], "rules": rules_digest, "python": sys.version.split()[0],
        "implementation": sys.implementation.name, "options": options,
        "function": [func.__module__, func.__qualname__, func.__code__.co_filename],
        "source": source,
    }
    return _sha(json.dumps(parts, sort_keys=True, default=str))[:40]


def lookup(cache_dir: Path, entry_key: str, func, version: str):
    """``(Derivative, path)`` from a valid, current entry, else None."""
    from .pipeline import Derivative
    path = cache_dir / f"{entry_key}.py"
    try:
        text = _read_entry(path)
    except FileNotFoundError:
        return None
    except _NotPlain:
        warn_once("link", f"s2sad cache entry {path} is not a plain file of yours (a symbolic "
                          "link?); it was not followed and is being regenerated")
        return None
    except (OSError, UnicodeDecodeError) as exc:
        warn_once("read", f"s2sad cannot read cache entry {path} ({exc}); regenerating")
        return None
    body, _, last = text.rstrip("\n").rpartition("\n")
    body += "\n"
    try:
        meta = json.loads(last[len(MARK):]) if last.startswith(MARK) else None
    except ValueError:
        meta = None
    if not isinstance(meta, dict) or meta.get("key") != entry_key \
            or meta.get("sha256") != _sha(body):
        warn_once("corrupt", f"s2sad cache entry {path} is damaged (truncated, corrupt or "
                             "edited); it was not run and is being regenerated")
        return None
    if meta.get("format") != FORMAT or meta.get("version") != version:
        return None
    scopes = [Scope(func)]
    for caller, expr, sha in meta["callees"]:
        callee = resolve_path(expr, scopes[caller] if caller >= 0 else None)
        try:
            if not isinstance(callee, types.FunctionType) or _callee_digest(callee) != sha:
                return None  # a helper changed: regenerate
        except (OSError, TypeError, AttributeError):
            return None
        scopes.append(Scope(callee))
    namespace, live = {}, []
    for name, recipe in meta["recipes"].items():
        value = resolve_recipe(recipe, scopes)
        if value is MISSING:
            return None
        namespace[name] = value
        if recipe[0] == "free" and is_live(value):
            live.append((name, scopes[recipe[1]], recipe[2]))
    return Derivative(body, namespace, tuple(meta["entry"]), live, [], meta["recipes"],
                      meta["callees"], scopes), path


def _callee_digest(func) -> str:
    """What a helper's entry in the cache depends on: its source, and whether
    ``s2sad.checkpoint`` marks it (applied by a plain call, the mark is not in the source)."""
    from .runtime_checkpoint import CHECKPOINT_FLAG
    marked = "\n# s2sad.checkpoint" if getattr(func, CHECKPOINT_FLAG, False) else ""
    return _sha(function_source(func) + marked)


class _NotPlain(Exception):
    """An entry that is a symbolic link, or not a regular file owned by this user."""


def _read_entry(path: Path) -> str:
    """The text of an entry, never through a symbolic link (O_NOFOLLOW)."""
    return _read_private(path).decode("utf-8")


def _read_private(path: Path) -> bytes:
    """The bytes of a regular file of this user, never through a symbolic link."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if path.is_symlink():
            raise _NotPlain from exc
        raise
    with os.fdopen(fd, "rb") as entry:
        info = os.fstat(entry.fileno())
        if not stat.S_ISREG(info.st_mode) or hasattr(os, "getuid") \
                and info.st_uid != os.getuid():
            raise _NotPlain
        return entry.read()


def store(cache_dir: Path, entry_key: str, derivative, scopes, version: str) -> Path | None:
    """Write ``derivative`` atomically; its path, or None when it cannot be cached."""
    if any(recipe is None for recipe in derivative.recipes.values()):
        return None  # some value cannot be found again in a new process
    try:
        callees = [[caller, expr, _callee_digest(scope.func)]
                   for (caller, expr), scope in zip(derivative.callees, scopes[1:])]
    except (OSError, TypeError):
        return None
    meta = {"format": FORMAT, "version": version, "key": entry_key,
            "sha256": _sha(derivative.source), "entry": list(derivative.entry),
            "recipes": derivative.recipes, "callees": callees}
    text = derivative.source + MARK + json.dumps(meta, sort_keys=True) + "\n"
    path = cache_dir / f"{entry_key}.py"
    try:
        fd, tmp = tempfile.mkstemp(dir=cache_dir, prefix=f".{entry_key}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(text)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError as exc:
        warn_once("write", f"s2sad cannot write to the cache directory {cache_dir} ({exc}); "
                           "derivatives stay in memory")
        return None
    return path


CODE_DIR = "__pycache__"
_CODE_HEAD = 4 + 32 + 32  # Python's magic number, SHA-256 of what was compiled, of the body


def compiled(source: str, filename: str, name: str):
    """``compile(source, filename, "exec")``, kept in the cache directory.

    Compiling is most of the time it takes to load a cached derivative, and of the time
    to load the rule templates where Python keeps no ``.pyc`` of its own
    (``PYTHONDONTWRITEBYTECODE``, a read-only install). The code object is stored
    marshalled (the format of Python's ``.pyc`` files) in ``__pycache__/NAME.TAG.code``
    under a header: Python's magic number, the SHA-256 of the file name and the exact
    source it was compiled from, and the SHA-256 of the marshalled body. It is used only
    when all three match (this Python, this source, an undamaged body); the source is
    the authority and has passed its own checks before it gets here. Otherwise the
    source is compiled and the file written again (atomically, mode 0600).
    """
    cache_dir = directory()
    tag = sys.implementation.cache_tag
    if cache_dir is None or tag is None:
        return compile(source, filename, "exec")
    folder = _code_folder(cache_dir)
    if folder is None:
        return compile(source, filename, "exec")
    path = folder / f"{name}.{tag}.code"
    head = importlib.util.MAGIC_NUMBER + hashlib.sha256(
        filename.encode() + b"\0" + source.encode()).digest()
    try:
        data = _read_private(path)
    except (OSError, _NotPlain):
        data = b""  # absent, or not a plain file of ours: compiled and written anew
    body = data[_CODE_HEAD:]
    if data[:36] == head and hashlib.sha256(body).digest() == data[36:_CODE_HEAD]:
        try:
            return marshal.loads(body)  # s2sad's own, checked as documented above
        except (EOFError, ValueError, TypeError):
            pass
    code = compile(source, filename, "exec")
    body = marshal.dumps(code)
    _write_code(path, head + hashlib.sha256(body).digest() + body)
    return code


def _code_folder(cache_dir: Path) -> Path | None:
    """``__pycache__`` in the cache directory, made private; None if it is anything else
    (a symbolic link, another user's, writable by others)."""
    folder = cache_dir / CODE_DIR
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        info = folder.lstat()
    except OSError:
        return None
    if not stat.S_ISDIR(info.st_mode) or info.st_mode & 0o022 \
            or hasattr(os, "getuid") and info.st_uid != os.getuid():
        return None
    return folder


def _write_code(path: Path, data: bytes) -> None:
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError:
        pass  # compiled code is an optimization: without it, the source is compiled again


def entries(cache_dir: Path) -> list[Path]:
    return sorted(p for p in cache_dir.glob("*.py") if not p.name.startswith("."))


def clear(cache_dir: Path) -> int:
    """Delete every entry (and stray temporary file); how many entries were removed."""
    removed = 0
    code = cache_dir / CODE_DIR
    for path in list(cache_dir.glob("*.py")) + list(cache_dir.glob(".*.tmp")) \
            + list(code.glob("*.code")) + list(code.glob(".*.tmp")):
        try:
            path.unlink()
            removed += path.suffix == ".py"
        except FileNotFoundError:
            pass
    try:
        code.rmdir()
    except OSError:
        pass  # absent, or something else is in it
    return removed
