"""Shared test setup: every test session gets its own empty derivative cache."""

import os

import pytest


@pytest.fixture(autouse=True, scope="session")
def private_cache(tmp_path_factory):
    path = tmp_path_factory.mktemp("s2sad-cache")
    old = os.environ.get("S2SAD_CACHE_DIR")
    os.environ["S2SAD_CACHE_DIR"] = str(path)
    yield path
    if old is None:
        os.environ.pop("S2SAD_CACHE_DIR", None)
    else:
        os.environ["S2SAD_CACHE_DIR"] = old
