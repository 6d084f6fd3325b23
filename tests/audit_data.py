"""Inputs for the audit tests: small sets of generated records written as JSON Lines."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from custody_rules.generate import generate_records
from tests.conftest import ROOT

# Generated records run to 2026-10-31 (open ones are open as at 2025-12-31); judging as of a
# fixed moment after every one begins makes every run (and every --jobs) judge them alike, and
# judges none before it began (an audit rejects such a record: nothing can be judged).
AS_OF = "2026-11-01T00:00:00+00:00"
PROFILE = ROOT / "examples" / "profiles" / "custodian.yaml"
EXPORT = ROOT / "examples" / "exports" / "custodian.csv"


def records(count: int, seed: int = 11) -> list[dict[str, Any]]:
    return list(generate_records(count, seed))


def write_jsonl(path: Path, lines: Iterable[dict[str, Any] | str]) -> Path:
    with path.open("w", encoding="utf-8") as handle:
        for line in lines:
            handle.write((line if isinstance(line, str) else json.dumps(line)) + "\n")
    return path


def run_cli(args: Sequence[str], env: dict[str, str] | None = None,
            timeout: float = 120, kill_workers_after: int | None = None,
            ) -> subprocess.CompletedProcess[str]:
    """The CLI in a process of its own (for worker deaths and real terminals). With
    `kill_workers_after`, every audit worker dies after that many records (tests/faults.py)."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    program = (["custody_rules"] if kill_workers_after is None
               else ["tests.faults", str(kill_workers_after)])
    return subprocess.run([sys.executable, "-m", *program, *args], cwd=ROOT,
                          env=full_env, capture_output=True, text=True, timeout=timeout,
                          check=False)
