"""More cache faults (issue 8): the directory deleted while a program runs, a symlink
planted where an entry belongs, and readers while a writer replaces an entry. In every
case: the right gradient, no crash, at most one warning, no file left half-written.
Fixtures and helpers come from tests/test_cache.py."""

from __future__ import annotations

import shutil
import threading

import numpy as np
from test_cache import (  # noqa: F401 - fixtures
    SIMPLE,
    TWO_ARGS,
    X,
    assert_grad,
    cache_dir,
    cache_warnings,
    forget,
    make_module,
    poisoned,
    py_entries,
    recording,
    with_sha,
)

import s2sad
from s2sad import cache


def test_directory_deleted_mid_run_is_made_again(cache_dir, make_module):
    first, second = make_module(SIMPLE), make_module(TWO_ARGS)
    with recording() as caught:
        assert_grad(first.f, s2sad.grad(first.f), X)
        shutil.rmtree(cache_dir)
        df = s2sad.grad(second.f)
        assert_grad(second.f, df, X, X[::-1].copy())
    assert len(cache_warnings(caught)) <= 1
    assert df.__s2sad__.path is not None and df.__s2sad__.path.exists()
    assert not list(cache_dir.glob(".*.tmp"))


def test_symlink_planted_as_an_entry_is_not_followed(cache_dir, make_module, monkeypatch,
                                                     tmp_path):
    mod = make_module(SIMPLE)
    path = s2sad.grad(mod.f).__s2sad__.path
    marker = tmp_path / "marker"
    _, bad_body, trailer = poisoned(path, marker)
    elsewhere = tmp_path / "elsewhere.py"
    planted = with_sha(bad_body, trailer)  # valid, and it would run
    elsewhere.write_text(planted)
    path.unlink()
    path.symlink_to(elsewhere)
    forget(monkeypatch)
    with recording() as caught:
        df = s2sad.grad(mod.f)
        np.testing.assert_allclose(df(X), 6.0 * X, rtol=1e-12)
    assert not marker.exists()
    assert len(cache_warnings(caught)) == 1
    assert not path.is_symlink() and path.is_file()  # regenerated in its place
    assert elsewhere.read_text() == planted  # the link was replaced, not its target


def test_readers_during_writes_see_old_or_new_entries_never_half_ones(cache_dir,
                                                                      make_module):
    mod = make_module(SIMPLE)
    df = s2sad.grad(mod.f)
    compiled = df.__s2sad__
    path = compiled.path
    key = path.stem
    stop = threading.Event()

    def write():
        while not stop.is_set():
            cache.store(cache_dir, key, compiled.derivative, compiled.derivative.scopes,
                        s2sad.__version__)

    writer = threading.Thread(target=write)
    with recording() as caught:
        writer.start()
        try:
            for _ in range(200):
                found = cache.lookup(cache_dir, key, mod.f, s2sad.__version__)
                assert found is not None and found[0].source == compiled.derivative.source
        finally:
            stop.set()
            writer.join()
    assert not cache_warnings(caught)
    assert [p.name for p in py_entries(cache_dir)] == [path.name]
    assert not list(cache_dir.glob(".*.tmp"))
