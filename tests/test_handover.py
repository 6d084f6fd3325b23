"""The custody sergeant's handover: `check --as-of` on a child still held, in text and JSON."""

from __future__ import annotations

import copy
import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from custody_rules.checker import Checker
from custody_rules.validate import validate_record
from custody_rules.views.handover import handover_for
from tests.conftest import ROOT
from tests.helpers import invoke

LIVE = ROOT / "examples" / "live.json"
AT_1900 = "2024-06-12T19:00:00+01:00"


def _live() -> dict[str, Any]:
    raw: dict[str, Any] = json.loads(LIVE.read_text())
    return raw


def _write(tmp_path: Path, raw: dict[str, Any]) -> str:
    path = tmp_path / "record.json"
    path.write_text(json.dumps(raw))
    return str(path)


def test_live_text_shows_the_clock_the_next_review_and_what_falls_due() -> None:
    result = invoke(["check", str(LIVE), "--as-of", AT_1900], exit_code=0)
    out = result.stdout
    flat = " ".join(out.split())  # lines wrap at the terminal's width
    assert out.startswith("HANDOVER  MP-2024-771030")
    assert "as of 19:00 BST on Wed 12 Jun 2024" in flat
    assert "Relevant time 13:50 (arrival); 24-hour limit 13:50 on Thu 13 Jun" in flat
    assert "Charged 17:55, 4h05m in" in flat
    assert "Next review: review 1 due 20:10, in 1h10m, by the custody officer" in flat
    assert "Violated: none" in out
    # Every obligation line carries its due time and the time left, earliest first.
    rows = re.findall(r"^  (\d\d:\d\d)\s+in (\S+)\s+([A-Z]{2}-\d\d)\s", out, re.MULTILINE)
    assert ("20:10", "1h10m", "RV-01") in rows
    assert [r[0] for r in rows] == sorted(r[0] for r in rows)
    assert all(due >= "19:00" for due, _, _ in rows)
    assert "Record so far (13 events, latest 12 shown)" in out
    assert "18:10  l12  bail refused (further offence) by PS 2210" in out


def test_live_text_fits_one_terminal_screen() -> None:
    out = invoke(["check", str(LIVE), "--as-of", AT_1900], exit_code=0).stdout
    lines = out.splitlines()
    assert len(lines) <= 50
    assert max(len(line) for line in lines) <= 100


def test_live_json_has_the_handover_and_keeps_the_contract() -> None:
    result = invoke(["check", str(LIVE), "--as-of", AT_1900, "--format", "json"], exit_code=0)
    output = json.loads(result.stdout)
    assert list(output)[:3] == ["record_id", "as_of", "findings"]
    assert {"rules_applied", "ruleset", "warnings"} <= set(output)
    handover = output["handover"]
    assert handover["still_held"] is True
    assert handover["arrived_at"] == "2024-06-12T13:50:00+01:00"
    assert handover["held_minutes"] == 310
    assert handover["pace_clock"]["relevant_time"] == "2024-06-12T13:50:00+01:00"
    assert handover["pace_clock"]["limit"] == "2024-06-13T13:50:00+01:00"
    assert handover["pace_clock"]["running"] is False  # charged: the s.41 limit stopped
    assert handover["next_review"] == {
        "number": 1, "due": "2024-06-12T20:10:00+01:00", "minutes_left": 70,
        "counted_from_event": "l3", "after_charge": True,
    }
    assert handover["violated"] == []
    # Falling-due items point at the findings instead of repeating them, one for each pending.
    pending = [i for i, f in enumerate(output["findings"]) if f["status"] == "pending"]
    assert sorted(item["finding"] for item in handover["falling_due"]) == pending
    for item in handover["falling_due"]:
        finding = output["findings"][item["finding"]]
        assert finding["rule"] == item["rule"] and finding["due"] == item["due"]
        assert item["minutes_left"] >= 0
    review = next(i for i in handover["falling_due"] if i["rule"] == "RV-01")
    assert review["minutes_left"] == 70 and review["time_left"] == "1h10m"
    assert [e["event"] for e in handover["log"]][-1] == "l13"


def test_no_premature_violations_while_everything_is_still_ahead() -> None:
    output = json.loads(invoke(["check", str(LIVE), "--as-of", AT_1900, "--format", "json"],
                               exit_code=0).stdout)
    assert not [f for f in output["findings"] if f["status"] == "violated"]
    assert all(f["due"] > AT_1900 for f in output["findings"] if f["status"] == "pending")


def test_a_missed_first_review_moves_from_falling_due_to_violated() -> None:
    later = "2024-06-12T20:30:00+01:00"
    result = invoke(["check", str(LIVE), "--as-of", later], exit_code=1)
    out = result.stdout
    violated = out.partition("Falling due")[0]
    assert "RV-01" in violated.split("Violated (")[1]
    assert "OVERDUE by 20m" in out  # the clock says the review is late
    output = json.loads(invoke(["check", str(LIVE), "--as-of", later, "--format", "json"],
                               exit_code=1).stdout)
    rules = [output["findings"][i["finding"]]["rule"] for i in output["handover"]["violated"]]
    assert "RV-01" in rules
    assert output["handover"]["next_review"]["minutes_left"] == -20


def test_before_charge_the_clock_runs_and_an_extension_moves_the_limit(tmp_path: Path) -> None:
    raw = _live()
    raw["events"] = [e for e in raw["events"] if e["id"] in {f"l{n}" for n in range(1, 10)}]
    raw["events"].append({"id": "r1", "type": "review", "at": "2024-06-12T19:30:00+01:00",
                          "mode": "in_person", "aa_present": True,
                          "aa_offered_representations": True, "child_views_recorded": True,
                          "by": {"id": "Insp 9", "rank": "inspector", "role": "review_officer"}})
    # A second review before the extension: one given before it has no effect (s.42(4)(b)).
    raw["events"].append({"id": "r2", "type": "review", "at": "2024-06-13T04:00:00+01:00",
                          "mode": "in_person", "aa_present": True,
                          "aa_offered_representations": True, "child_views_recorded": True,
                          "by": {"id": "Insp 9", "rank": "inspector", "role": "review_officer"}})
    raw["events"].append({"id": "x1", "type": "extension", "at": "2024-06-13T11:00:00+01:00",
                          "until": "2024-06-14T01:50:00+01:00",
                          "by": {"id": "Supt 4", "rank": "superintendent", "role": "other"}})
    path = _write(tmp_path, raw)
    out = invoke(["check", path, "--as-of", "2024-06-12T21:00:00+01:00"], exit_code=0).stdout
    flat = " ".join(out.split())
    assert "24-hour limit 13:50 on Thu 13 Jun, in 16h50m." in flat
    # s.40(3)(b): the next review is 9 hours after the earlier of the review and its deadline.
    assert "review 2 due 04:30 on Thu 13 Jun, in 7h30m, by an inspector" in flat
    out = invoke(["check", path, "--as-of", "2024-06-13T12:00:00+01:00"], exit_code=0).stdout
    flat = " ".join(out.split())  # the clock line wraps at the terminal's width
    assert "36-hour limit 01:50 on Fri 14 Jun (extended at 11:00 by Supt 4), in 13h50m." in flat
    assert "review 3 due 13:00, in 1h" in flat
    # Without the second review the extension has no effect: the limit stays at 24 hours, and
    # review 2 is overdue.
    raw["events"] = [e for e in raw["events"] if e["id"] != "r2"]
    path = _write(tmp_path, raw)
    out = invoke(["check", path, "--as-of", "2024-06-13T12:00:00+01:00"], exit_code=1).stdout
    flat = " ".join(out.split())
    assert "24-hour limit 13:50, in 1h50m." in flat
    assert "review 2 due 04:30, OVERDUE by 7h30m" in flat


def test_closed_records_keep_the_audit_shape() -> None:
    output = json.loads(invoke(["check", str(ROOT / "examples" / "compliant.json"),
                                "--format", "json"], exit_code=0).stdout)
    assert list(output) == ["record_id", "as_of", "findings", "rules_applied", "ruleset",
                            "warnings"]


def test_full_flag_gives_the_detailed_report_for_a_child_still_held() -> None:
    out = invoke(["check", str(LIVE), "--as-of", AT_1900, "--full"], exit_code=0).stdout
    assert out.startswith("Record MP-2024-771030")
    assert "PACE 1984 s.40(1)(b), s.40(3)(a)" in out  # citations are in the full report only


def test_handover_lists_each_pending_finding_once(checker: Checker) -> None:
    record = validate_record(copy.deepcopy(_live())).record
    result = checker.check(record, as_of=datetime.fromisoformat(AT_1900))
    handover = handover_for(result)
    pending = [f for f in result.findings if f.status.value == "pending"]
    assert [o.finding for o in handover.falling_due] == sorted(pending, key=lambda f: f.due)
    assert all(o.time_left == o.finding.due - result.as_of for o in handover.falling_due)
    assert handover.clock is not None and handover.clock.stopped_at_charge is not None
    assert handover.earlier_events == 1 and handover.log[0].event_id == "l2"
