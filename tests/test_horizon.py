"""One stated horizon for every open record: the same input gives the same bytes (issue 9,
point 3), and a record that cannot be judged then is refused or reported, never judged into
negative durations or ages."""

from __future__ import annotations

import copy
import json
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.helpers import invoke

EXAMPLES = ROOT / "examples"
LIVE = json.loads((EXAMPLES / "live.json").read_text(encoding="utf-8"))
CLOSED = json.loads((EXAMPLES / "cambridgeshire.json").read_text(encoding="utf-8"))
LATEST_LIVE = "2024-06-12T18:25:00+01:00"  # the live record's last event
LATEST_LIVE_WORDS = "18:25 BST on Wed 12 Jun 2024"  # as text and HTML reports state it


@pytest.fixture
def export(tmp_path: Path) -> Path:
    """An export holding a record still open (and a closed one, two years older)."""
    path = tmp_path / "export.jsonl"
    path.write_text(json.dumps(CLOSED) + "\n" + json.dumps(LIVE) + "\n", encoding="utf-8")
    return path


@pytest.mark.slow  # a second of the wall clock per format
@pytest.mark.parametrize("output_format", ["text", "json", "csv", "html"])
def test_two_audits_of_an_export_with_an_open_record_give_the_same_bytes(
        export: Path, tmp_path: Path, output_format: str) -> None:
    outputs = []
    for run in range(2):
        if run:
            time.sleep(1.1)  # the wall clock moves on; the horizon does not
        out = tmp_path / f"run{run}.{output_format}"
        invoke(["audit", str(export), "--format", output_format, "--output", str(out),
                "--quiet", "--jobs", "1"], 1)
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
    # Stated in every format: as data in JSON and CSV, in the one "as of" style for a reader.
    stated = LATEST_LIVE_WORDS if output_format in ("text", "html") else LATEST_LIVE
    assert stated.encode() in outputs[0]


def test_the_default_horizon_is_the_latest_moment_in_the_input_and_is_stated(
        export: Path) -> None:
    result = invoke(["audit", str(export), "--format", "json", "--quiet"], 1)
    output = json.loads(result.stdout)
    assert output["summary"]["as_of"] == LATEST_LIVE
    assert output["summary"]["as_of_basis"] == "latest-in-input"
    assert {r["as_of"] for r in output["records"] if r["record_id"] == LIVE["record_id"]} == {
        LATEST_LIVE}
    text = " ".join(invoke(["audit", str(export), "--quiet"], 1).stdout.split())
    assert f"open records judged as of {LATEST_LIVE_WORDS} (the latest moment in the input)" \
        in text


@pytest.mark.slow  # two audits
def test_as_of_chooses_the_horizon_and_now_is_the_wall_clock(export: Path) -> None:
    given = json.loads(invoke(["audit", str(export), "--format", "json", "--quiet",
                               "--as-of", "2024-06-12T19:00:00+01:00"], 1).stdout)["summary"]
    assert (given["as_of"], given["as_of_basis"]) == ("2024-06-12T19:00:00+01:00", "given")
    now = json.loads(invoke(["audit", str(export), "--format", "json", "--quiet",
                             "--as-of", "now"], 1).stdout)["summary"]
    assert now["as_of_basis"] == "now" and now["as_of"] > "2026"


@pytest.mark.slow  # two audits (`check` refusing the same: below)
def test_as_of_before_a_records_arrival_reports_it_instead_of_negative_durations(
        export: Path) -> None:
    result = invoke(["audit", str(export), "--format", "json", "--quiet",
                     "--as-of", "2023-01-01T00:00:00+00:00"], 1)
    output = json.loads(result.stdout)
    [rejected] = output["not_checked"]
    assert rejected["record_id"] == LIVE["record_id"]
    assert rejected["problems"] == [
        "the record begins (2024-06-12T13:20+01:00) after the moment it is judged as of "
        "(2023-01-01T00:00+00:00); nothing can be judged"]
    text = invoke(["audit", str(export), "--quiet", "--as-of", "2023-01-01T00:00:00Z"], 1)
    assert "-" not in "".join(line.split()[0] for line in text.stdout.splitlines()
                              if line.strip().startswith("held"))


def test_check_refuses_an_as_of_before_the_record_begins(tmp_path: Path) -> None:
    result = invoke(["check", str(EXAMPLES / "live.json"), "--as-of",
                     "2023-01-01T00:00:00+00:00"], 2)
    assert result.stderr.endswith("after the moment it is judged as of "
                                  "(2023-01-01T00:00+00:00); nothing can be judged\n")
    assert "held -" not in result.stdout and "aged -" not in result.stdout


def _future(record: dict[str, Any]) -> dict[str, Any]:
    future = copy.deepcopy(record)
    future["record_id"] = "FUTURE-1"
    for event in future["events"]:
        event["at"] = event["at"].replace("2024", "2099", 1)
    return future


def test_a_record_dated_in_the_future_is_reported_and_does_not_move_the_horizon(
        export: Path, tmp_path: Path) -> None:
    path = tmp_path / "with-future.jsonl"
    path.write_text(export.read_text() + json.dumps(_future(LIVE)) + "\n", encoding="utf-8")
    output = json.loads(invoke(["audit", str(path), "--format", "json", "--quiet"], 1).stdout)
    assert output["summary"]["as_of"] == LATEST_LIVE
    [rejected] = output["not_checked"]
    assert rejected["record_id"] == "FUTURE-1"
    assert rejected["problems"][0].startswith("dated in the future: it has a time "
                                              "(2099-06-12T")
    single = tmp_path / "future.json"
    single.write_text(json.dumps(_future(LIVE)), encoding="utf-8")
    refused = invoke(["check", str(single)], 2)
    assert "dated in the future" in refused.stderr


def test_the_latest_time_of_a_record_is_found_across_offsets_and_shapes() -> None:
    from custody_rules.horizon import record_latest

    data = json.dumps({"record_id": "X", "closed_at": None, "events": [
        {"id": "a", "type": "arrival", "at": "2024-06-12T23:30:00+01:00"},  # 22:30 UTC
        {"id": "b", "type": "x", "at": "2024-06-12T22:45:00Z"},  # the latest
        {"id": "c", "type": "x", "at": "2024-06-12T22:40:00.5+00:00",
         "recorded_at": "2024-06-12T21:00:00-03:00"},  # 00:00 UTC on the 13th: the latest
        {"id": "d", "type": "x", "at": "not a time", "note": '"at": "2099-01-01T00:00:00Z"'},
    ]}).encode()
    latest = record_latest(data)
    assert latest is not None
    assert latest.isoformat() == "2024-06-12T21:00:00-03:00"
    assert record_latest(b'{"record_id": "Y"}') is None
