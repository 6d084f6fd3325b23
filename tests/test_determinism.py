"""Determinism: the same input and rules give byte-identical JSON and CSV on any machine.

Each run is a process of its own with another time zone (TZ) and another string hash seed
(PYTHONHASHSEED: set iteration order changes with it), and the audits also vary --jobs. Any
use of local time, the locale or an unordered iteration in what reaches an output shows up
as a difference.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from custody_rules.generate import generate_records
from tests.audit_data import AS_OF, write_jsonl
from tests.conftest import ROOT

ZONES = ("UTC", "Europe/London", "America/New_York", "Asia/Kolkata")
KEY = "determinism test key 0123"

# Runs `check` in-process for each file given, in both formats and pseudonymised, and prints
# every output with its exit code; the process itself runs under the zone being tested.
# (`check` runs as it does from the command line, except that its Checker is built once.)
CHECK_ALL = """
import sys
from click.testing import CliRunner
from custody_rules.checker import Checker
from custody_rules.cli import main
checker = Checker()  # one engine for every run: building it is most of a run's time
Checker.for_policy_file = classmethod(lambda cls, policy_path: checker)
key, as_of, *paths = sys.argv[1:]
for path in paths:
    for extra in (["--format", "json"], ["--format", "text", "--full"],
                  ["--format", "json", "--pseudonymise-key", key]):
        result = CliRunner().invoke(main, ["check", path, "--as-of", as_of, *extra])
        sys.stdout.write(f"== {path} {extra[1]} exit {result.exit_code}\\n{result.output}")
"""


def _env(zone: str, seed: int) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "TZ": zone, "PYTHONHASHSEED": str(seed)}


def _run_all(commands: Sequence[tuple[list[str], dict[str, str]]]) -> list[str]:
    """Run the commands two at a time (the machine has two cores); their outputs in order."""
    outputs: list[str] = []
    for start in range(0, len(commands), 2):
        running = [subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE)
                   for args, env in commands[start:start + 2]]
        for process in running:
            stdout, stderr = process.communicate(timeout=300)
            assert process.returncode in (0, 1), f"{process.args}: {stderr.decode()}"
            outputs.append(stdout.decode("utf-8"))
    return outputs


def _assert_same(output: str, reference: str, label: str) -> None:
    if output != reference:
        pairs = zip(output.splitlines(), reference.splitlines(), strict=False)
        first = next(((a, b) for a, b in pairs if a != b), ("(length)", "(length)"))
        raise AssertionError(f"{label} differs:\n  {first[0][:300]}\nwhere the first run had"
                             f"\n  {first[1][:300]}")


# Processes under four time zones and hash seeds: slow.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def record_files(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    folder = tmp_path_factory.mktemp("records")
    paths = [str(path) for path in sorted((ROOT / "examples").glob("*.json"))]
    for index, raw in enumerate(generate_records(6, 20260101)):
        path = folder / f"generated-{index}.json"
        path.write_text(json.dumps(raw))
        paths.append(str(path))
    return paths


def test_check_output_is_the_same_in_every_time_zone(record_files: list[str]) -> None:
    outputs = _run_all([
        ([sys.executable, "-c", CHECK_ALL, KEY, AS_OF, *record_files], _env(zone, seed))
        for seed, zone in enumerate(ZONES)
    ])
    assert outputs[0].count("== ") == 3 * len(record_files)
    assert '"findings": [\n    {' in outputs[0]  # something was found, and rendered
    for zone, output in zip(ZONES[1:], outputs[1:], strict=True):
        _assert_same(output, outputs[0], f"check under TZ={zone}")


def test_audit_json_and_csv_are_byte_identical_across_zones_and_jobs(tmp_path: Path) -> None:
    lines: list[dict[str, object] | str] = [*generate_records(40, 7),
                                            *generate_records(12, 7, variety="chaos")]
    lines.insert(5, "{not json")
    lines.insert(9, json.dumps({"record_id": "R-bad", "person": {}, "events": []}))
    source = write_jsonl(tmp_path / "in.jsonl", lines)

    def audit(output_format: str, jobs: int, zone: str, seed: int) -> tuple[list[str],
                                                                            dict[str, str]]:
        return ([sys.executable, "-m", "custody_rules", "audit", str(source), "--format",
                 output_format, "--jobs", str(jobs), "--as-of", AS_OF, "--quiet"],
                _env(zone, seed))

    commands = []
    for seed, zone in enumerate(ZONES):
        commands.append(audit("json", 1 + seed % 2, zone, seed))
        commands.append(audit("csv", 2 - seed % 2, zone, seed))
    commands.append(audit("json", 3, "UTC", 99))
    outputs = _run_all(commands)
    json_runs, csv_runs = outputs[0:8:2] + outputs[8:], outputs[1:8:2]
    report = json.loads(json_runs[0])
    assert report["summary"]["records_read"] == len(lines)
    assert report["summary"]["rejected"] >= 2
    assert report["summary"]["checked"] >= 40
    for number, output in enumerate(json_runs[1:], 1):
        _assert_same(output, json_runs[0], f"audit JSON run {number}")
    assert csv_runs[0].count("\n") > 10
    for number, output in enumerate(csv_runs[1:], 1):
        _assert_same(output, csv_runs[0], f"audit CSV run {number}")
