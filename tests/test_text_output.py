"""What a person sees at a terminal: golden files of the text output (80 columns, no colour),
UK time whatever offset a record was written in, readable durations, the order of violations,
an adult's record, and colour only where a terminal wants it.

Regenerate the golden files after a deliberate change with
`CUSTODY_RULES_UPDATE_GOLDEN=1 pytest tests/test_text_output.py`, and read the diff.
"""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from custody_rules.uktime import as_of_words, clock_time, format_duration, time_left
from tests.conftest import ROOT
from tests.helpers import invoke

EXAMPLES = ROOT / "examples"
GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("CUSTODY_RULES_UPDATE_GOLDEN") == "1"
TERMINAL = {"COLUMNS": "80", "NO_COLOR": None, "TERM": "xterm"}

CASES: dict[str, list[str]] = {
    "check-cambridgeshire": ["check", str(EXAMPLES / "cambridgeshire.json")],
    "check-live-full": ["check", str(EXAMPLES / "live.json"), "--full",
                        "--as-of", "2024-06-12T19:00:40+01:00"],
    "handover-live": ["check", str(EXAMPLES / "live.json"),
                      "--as-of", "2024-06-12T19:00:40+01:00"],
    "explain-cambridgeshire-PC-09": ["explain", str(EXAMPLES / "cambridgeshire.json"), "PC-09"],
    "scenario-show-gateshead-2004": ["scenario", "show", "gateshead-2004"],
    "scenario-play-gateshead-2004": ["scenario", "play", "gateshead-2004"],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_text_output_matches_its_golden_file(name: str) -> None:
    from click.testing import CliRunner

    from custody_rules.cli import main

    result = CliRunner().invoke(main, CASES[name], env=TERMINAL)
    assert result.exit_code in (0, 1), result.output
    path = GOLDEN / f"{name}.txt"
    # The ruleset's digest changes with every rule file; the text around it is what is judged.
    seen = re.sub(r"\(([0-9a-f]{16})\)\.$", "(DIGEST).", result.stdout, flags=re.MULTILINE)
    if UPDATE:
        path.write_text(seen, encoding="utf-8")
    assert seen == path.read_text(encoding="utf-8")
    assert max(len(line) for line in result.stdout.splitlines()) <= 80
    assert "\x1b" not in result.stdout  # not a terminal: no colour, no styles


def _in_utc(raw: dict[str, Any]) -> dict[str, Any]:
    """The same record with every time written in UTC."""
    def convert(value: Any) -> Any:
        if isinstance(value, dict):
            return {key: convert(item) for key, item in value.items()}
        if isinstance(value, list):
            return [convert(item) for item in value]
        if isinstance(value, str) and len(value) == 25 and value[10:11] == "T":
            return datetime.fromisoformat(value).astimezone(timezone.utc).isoformat()
        return value
    return convert(raw)  # type: ignore[no-any-return]


@pytest.mark.parametrize("args", [[], ["--full"], ["--format", "json"]])
def test_a_record_in_utc_in_summer_prints_the_same_wall_clock_times(
        tmp_path: Path, args: list[str]) -> None:
    raw = json.loads((EXAMPLES / "live.json").read_text())
    utc = _in_utc(raw)
    assert utc["events"][0]["at"].endswith("+00:00")
    paths = []
    for name, record in (("bst", raw), ("utc", utc)):
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(record))
        paths.append(path)
    outputs = [invoke(["check", str(path), "--as-of", "2024-06-12T18:00:00Z", *args], 0).stdout
               for path in paths]
    assert outputs[0] == outputs[1]
    assert "18:10" not in outputs[0] or "bail refused 18:10" in outputs[0] or args
    assert "as of 19:00 BST on Wed 12 Jun 2024" in " ".join(outputs[0].split()) or args


def test_times_carry_their_date_off_the_as_of_day_and_gmt_or_bst_when_ambiguous() -> None:
    as_of = datetime(2025, 1, 15, 6, 55, tzinfo=timezone.utc)
    assert as_of_words(as_of) == "06:55 GMT on Wed 15 Jan 2025"
    assert clock_time(datetime(2025, 1, 14, 21, 50, tzinfo=timezone.utc), as_of.date()) \
        == "21:50 on Tue 14 Jan"
    assert clock_time(datetime(2025, 1, 15, 5, 0, tzinfo=timezone.utc), as_of.date()) == "05:00"
    # 26 Oct 2025: 01:30 happens twice, first in BST (00:30 UTC), then in GMT (01:30 UTC).
    day = datetime(2025, 10, 26).date()
    assert clock_time(datetime(2025, 10, 26, 0, 30, tzinfo=timezone.utc), day) == "01:30 BST"
    assert clock_time(datetime(2025, 10, 26, 1, 30, tzinfo=timezone.utc), day) == "01:30 GMT"
    assert clock_time(datetime(2025, 10, 26, 3, 0, tzinfo=timezone.utc), day) == "03:00"
    # Another year is named.
    assert clock_time(datetime(2024, 12, 31, 23, 0, tzinfo=timezone.utc), as_of.date()) \
        == "23:00 on Tue 31 Dec 2024"


def test_durations_read_in_hours_then_days_and_countdowns_agree_with_the_clock() -> None:
    assert format_duration(timedelta(minutes=45)) == "45m"
    assert format_duration(timedelta(hours=26, minutes=5)) == "26h05m"
    assert format_duration(timedelta(hours=47, minutes=59)) == "47h59m"
    assert format_duration(timedelta(hours=21622, minutes=44)) == "900 days 22h"
    assert format_duration(timedelta(hours=48)) == "2 days"
    assert format_duration(timedelta(hours=49)) == "2 days 1h"
    # "as of 11:50" (at 11:50:40) and a review due 12:10 is "in 20m", as the two clocks read.
    at = datetime(2024, 6, 12, 10, 50, 40, tzinfo=timezone.utc)
    assert time_left(datetime(2024, 6, 12, 11, 10, tzinfo=timezone.utc), at) \
        == timedelta(minutes=20)


def test_handover_header_and_countdowns_agree_on_seconds() -> None:
    out = invoke(["check", str(EXAMPLES / "live.json"), "--as-of",
                  "2024-06-12T19:00:59+01:00"], 0).stdout
    flat = " ".join(out.split())
    assert "as of 19:00 BST" in flat
    assert "review 1 due 20:10, in 1h10m" in flat


def test_an_adults_record_says_no_child_rule_applied_and_why(tmp_path: Path) -> None:
    raw = json.loads((EXAMPLES / "compliant.json").read_text())
    raw["person"]["date_of_birth"] = "1998-01-01"
    path = tmp_path / "adult.json"
    path.write_text(json.dumps(raw))
    out = " ".join(invoke(["check", str(path), "--full"], 0).stdout.split())
    assert "No child rule applied: this is a record of an adult (age 25 on arrival)" in out
    assert "Only the rules owed to every detainee (reviews, the detention clock) were " \
        "checked" in out
    assert "Child aged" not in out
    live = json.loads((EXAMPLES / "live.json").read_text())
    live["person"]["date_of_birth"] = "1990-05-05"
    path.write_text(json.dumps(live))
    handover = " ".join(invoke(["check", str(path), "--as-of", "2024-06-12T19:00:00+01:00"],
                               0).stdout.split())
    assert "Person aged 34" in handover and "Child aged" not in handover
    assert "No child rule applied" in handover


def test_violations_by_severity_then_time_and_one_rules_findings_together() -> None:
    out = invoke(["check", str(EXAMPLES / "cambridgeshire.json"), "--format", "json"], 1).stdout
    found = [f["rule"] for f in json.loads(out)["findings"] if f["status"] == "violated"]
    text = invoke(["check", str(EXAMPLES / "cambridgeshire.json")], 1).stdout
    heads = [line.split()[0] for line in text.splitlines()
             if line.startswith("    ") and not line.startswith("     ")
             and line.split()[0][:2].isalpha() and "-" in line.split()[0]]
    violations = heads[:len(set(found))]
    assert sorted(violations) == sorted(set(found))  # each violated rule named once
    statute = text.index("  Statute")
    code = text.index("  PACE Code")
    assert statute < code < text.index("  Guidance")
    assert "      1. " in text and "      2. " in text  # a rule found twice, numbered under it


def _run_in_terminal(env: dict[str, str]) -> bytes:
    """The check report as a terminal 80 columns wide receives it."""
    import fcntl
    import struct
    import termios

    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    full_env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "COLUMNS")}
    full_env.update(env, PYTHONPATH=str(ROOT))
    process = subprocess.Popen(
        [sys.executable, "-m", "custody_rules", "check", str(EXAMPLES / "cambridgeshire.json")],
        stdout=follower, stderr=subprocess.DEVNULL, env=full_env, cwd=ROOT)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=60)
    os.close(leader)
    return b"".join(chunks)


@pytest.mark.slow  # CLI processes on a pseudo-terminal
@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_colour_only_on_a_terminal_that_wants_it() -> None:
    coloured = _run_in_terminal({"TERM": "xterm-256color"})
    assert b"\x1b[31m" in coloured or b"\x1b[1;31m" in coloured
    lines = coloured.decode().replace("\r", "").splitlines()
    plain = [re.sub(r"\x1b\[[0-9;]*m", "", line) for line in lines]
    assert max(len(line) for line in plain) <= 80
    no_colour = _run_in_terminal({"TERM": "xterm-256color", "NO_COLOR": "1"})
    assert not re.search(rb"\x1b\[[0-9;]*3[0-7]m", no_colour)
    dumb = _run_in_terminal({"TERM": "dumb"})
    assert b"\x1b[" not in dumb
