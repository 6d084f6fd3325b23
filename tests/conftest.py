"""Shared fixtures. One Checker per test session: durable-rules never frees a ruleset."""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from custody_rules.checker import Checker
from custody_rules.engine.cache import CACHE_DIR_ENV, NO_CACHE_ENV
from custody_rules.policy import default_policy
from custody_rules.rulebook import Rulebook, load_rulebook

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session", autouse=True)
def _rulebook_cache_of_our_own(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Tests never read or write the user's real cache: the compiled rulebook cache lives in a
    directory of this test session (inherited by every CLI process a test starts)."""
    saved = {name: os.environ.get(name) for name in (CACHE_DIR_ENV, NO_CACHE_ENV)}
    os.environ[CACHE_DIR_ENV] = str(tmp_path_factory.mktemp("rulebook-cache"))
    os.environ.pop(NO_CACHE_ENV, None)
    yield
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(scope="session")
def checker() -> Checker:
    return Checker()


@functools.cache
def builtin_rulebook() -> Rulebook:
    """The shipped catalogue under the default policy, parsed once per test session (a frozen
    value; parsing the rule files is a third of a second) for the tests that only read it."""
    return load_rulebook(default_policy())
