"""`custody-rules check`: exit codes, formats and the as-of judgement."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import ROOT
from tests.helpers import invoke

EXAMPLES = ROOT / "examples"


def test_compliant_record_exits_0() -> None:
    result = invoke(["check", str(EXAMPLES / "compliant.json")], exit_code=0)
    assert "No findings" in result.stdout


def test_cambridgeshire_exits_1_with_the_inspection_failures() -> None:
    result = invoke(["check", str(EXAMPLES / "cambridgeshire.json"), "--format", "json"], 1)
    output = json.loads(result.stdout)
    violated = {f["rule"] for f in output["findings"] if f["status"] == "violated"}
    assert {"PC-02", "PC-09", "PC-12", "RV-05", "SG-01"} <= violated


def test_json_follows_the_findings_contract() -> None:
    result = invoke(["check", str(EXAMPLES / "cambridgeshire.json"), "--format", "json"], 1)
    output = json.loads(result.stdout)
    assert list(output)[:3] == ["record_id", "as_of", "findings"]
    assert output["as_of"] == "2022-09-07T10:05:00+01:00"
    for finding in output["findings"]:
        assert list(finding)[:7] == ["rule", "status", "severity", "title", "message", "events",
                                     "citations"]
        assert finding["status"] in ("violated", "pending", "needs_review")
        assert finding["severity"] in ("statute", "code", "guidance", "policy",
                                       "good_practice")
        assert finding["events"] and finding["citations"]
        assert ("due" in finding) == (finding["status"] == "pending")


def test_as_of_before_the_end_gives_pending_never_violated() -> None:
    result = invoke(["check", str(EXAMPLES / "live.json"), "--as-of",
                     "2024-06-12T19:00:00+01:00", "--format", "json"], 0)
    output = json.loads(result.stdout)
    pending = {f["rule"]: f for f in output["findings"] if f["status"] == "pending"}
    assert pending["RV-01"]["due"] == "2024-06-12T20:10:00+01:00"
    assert "in 1h10m" in pending["RV-01"]["message"]
    assert not [f for f in output["findings"] if f["status"] == "violated"]


def test_time_without_offset_exits_2_with_one_line(tmp_path: Path) -> None:
    raw = json.loads((EXAMPLES / "compliant.json").read_text())
    raw["events"][3]["at"] = "2023-03-14T13:45:00"
    path = tmp_path / "r.json"
    path.write_text(json.dumps(raw))
    result = invoke(["check", str(path)], exit_code=2)
    assert result.stderr == (
        "record WM-2023-118204 > events[3].at: time has no UTC offset: '2023-03-14T13:45:00'\n"
    )
    assert "Traceback" not in result.output


def test_not_json_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text("this is not json")
    result = invoke(["check", str(path)], exit_code=2)
    assert result.stderr == f"{path} > not JSON: Expecting value at line 1 column 1\n"


def test_wrong_type_exits_2(tmp_path: Path) -> None:
    raw = json.loads((EXAMPLES / "compliant.json").read_text())
    raw["events"][9]["aa_present"] = "yes"
    path = tmp_path / "r.json"
    path.write_text(json.dumps(raw))
    result = invoke(["check", str(path)], exit_code=2)
    assert result.stderr == (
        "record WM-2023-118204 > events[9].aa_present: expected true or false, got 'yes'\n"
    )


def test_missing_file_exits_2(tmp_path: Path) -> None:
    result = invoke(["check", str(tmp_path / "nope.json")], exit_code=2)
    assert "cannot read file" in result.stderr


def test_bad_as_of_is_a_usage_error() -> None:
    result = invoke(["check", str(EXAMPLES / "live.json"), "--as-of", "19:00"], exit_code=2)
    assert "time has no UTC offset" in result.stderr or "not a valid" in result.stderr
