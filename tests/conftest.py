"""Shared fixtures. One Checker per test session: durable-rules never frees a ruleset."""

from __future__ import annotations

from pathlib import Path

import pytest

from custody_rules.checker import Checker

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def checker() -> Checker:
    return Checker()
