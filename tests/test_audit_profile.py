"""Mapping profiles: a custody system's CSV export read as records, clock changes refused."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from custody_rules.audit.profile import ProfileError, convert_rows, load_profile, localise
from tests.audit_data import AS_OF, EXPORT, PROFILE
from tests.helpers import invoke

LONDON = ZoneInfo("Europe/London")


def test_local_times_at_the_clock_changes_are_refused_not_guessed() -> None:
    winter, problem = localise(datetime(2023, 3, 26, 0, 59), LONDON)
    assert problem is None and winter is not None and winter.isoformat().endswith("+00:00")
    summer, problem = localise(datetime(2023, 3, 26, 2, 0), LONDON)
    assert problem is None and summer is not None and summer.isoformat().endswith("+01:00")
    gap, problem = localise(datetime(2023, 3, 26, 1, 30), LONDON)
    assert gap is None and problem is not None and "never happened" in problem
    twice, problem = localise(datetime(2023, 10, 29, 1, 30), LONDON)
    assert twice is None and problem is not None and "twice" in problem
    after, problem = localise(datetime(2023, 10, 29, 2, 0), LONDON)
    assert problem is None and after is not None and after.isoformat().endswith("+00:00")


def test_sample_export_audits_through_its_profile(tmp_path: Path) -> None:
    rejects = tmp_path / "rejects.jsonl"
    result = invoke(["audit", str(EXPORT), "--profile", str(PROFILE), "--format", "json",
                     "--as-of", AS_OF, "--rejects", str(rejects)], 1)
    output = json.loads(result.stdout)
    summary = output["summary"]
    assert (summary["records_read"], summary["checked"], summary["rejected"]) == (4, 2, 2)
    lost = {r["record_id"]: r for r in map(json.loads, rejects.read_text().splitlines())}
    spring = lost["CUS/23/0107"]["problems"]
    autumn = lost["CUS/23/0388"]["problems"]
    assert spring == ["line 24: Entry Date/Time '26/03/2023 01:30' never happened in "
                      "Europe/London: the clocks went forward over it"]
    assert autumn == ["line 43: Entry Date/Time '29/10/2023 01:30' happened twice in "
                      "Europe/London (the clocks went back) and the export does not say which"]
    assert (lost["CUS/23/0107"]["line"], lost["CUS/23/0107"]["source"]) == (18, str(EXPORT))
    # The record that crosses the spring change with real times is checked, in both offsets.
    crossing = next(r for r in output["records"] if r["record_id"] == "CUS/23/0109")
    assert crossing["as_of"] == "2023-03-26T09:40:00+01:00"
    mapping = summary["mapping"]
    assert {(u["column"], u["value"]) for u in mapping["unmatched_values"]} == {
        ("Entry Type", "Property Check"), ("Officer Rank", "A/Insp")}
    assert mapping["unused_columns"] == [{"source": str(EXPORT), "column": "Cell Number"}]
    assert "Property Check" in result.stderr and "A/Insp" in result.stderr
    assert "Cell Number" in result.stderr


def _rows(**cells: str) -> list[tuple[int, dict[str, str]]]:
    base = {"Custody Number": "C1", "Date of Birth": "01/02/2008", "Gender": "F",
            "Entry Type": "Arrival at Custody", "Entry Date/Time": "01/06/2023 10:00",
            "Entry No": "1"}
    second = {**base, "Entry No": "2", **cells}
    return [(2, base), (3, second)]


def test_conversion_translates_values_and_keeps_types() -> None:
    profile = load_profile(PROFILE)
    converted = convert_rows(profile, _rows(**{
        "Entry Type": "Bail Decision", "Entry Date/Time": "01/06/2023 12:00",
        "Outcome": "Bail Refused", "Bail Refusal Grounds": "Fail to appear; Own protection",
        "Officer Rank": "ps", "Officer Role": "custody  sergeant", "AA Present": "Y"}))
    assert converted.problems == () and converted.unmatched == ()
    raw: dict[str, Any] = converted.raw
    assert raw["record_id"] == "C1"
    assert raw["person"] == {"date_of_birth": "2008-02-01", "sex": "female"}
    arrival, decision = raw["events"]
    assert arrival == {"id": "1", "type": "arrival", "at": "2023-06-01T10:00:00+01:00"}
    assert decision["outcome"] == "refused"
    assert decision["grounds"] == ["fail_to_appear", "own_protection"]
    assert decision["by"] == {"rank": "sergeant", "role": "custody_officer"}
    assert "aa_present" not in decision  # bail decisions have no such field


def test_conversion_reports_unknown_values_and_disagreeing_rows() -> None:
    profile = load_profile(PROFILE)
    converted = convert_rows(profile, _rows(**{
        "Entry Type": "Cell Visit", "Gender": "M", "Officer Rank": "Sgt"}))
    assert converted.problems == (
        "line 3: Gender 'male' differs from 'female' on line 2",)
    converted = convert_rows(profile, _rows(**{"Entry Type": "Canteen", "Officer Rank": "Sgt"}))
    assert converted.unmatched == (("Entry Type", "Canteen"),)
    assert len(converted.raw["events"]) == 1  # the unknown entry is left out
    converted = convert_rows(profile, _rows(**{"Entry Type": "Interview Start",
                                               "Officer Rank": "Sgt",
                                               "Entry Date/Time": "1 June 2023"}))
    assert converted.unmatched == (("Officer Rank", "Sgt"),)
    assert converted.problems == ("line 3: Entry Date/Time '1 June 2023' is not a time in the "
                                  "form %d/%m/%Y %H:%M",)


@pytest.mark.parametrize(("change", "message"), [
    ({"times": {"format": "%H", "zone": "Mars/Olympus"}}, "unknown time zone"),
    ({"events": {"type": "Entry Type", "at": "When", "colour": "Colour"}}, "events.colour"),
    ({"person": {"sex": {"column": "Gender", "values": {"M": "boy"}}}}, "'boy' is not one of"),
    ({"record": {"station": "Suite"}}, "record_id must be mapped"),
])
def test_profile_mistakes_name_the_key(tmp_path: Path, change: dict[str, Any],
                                       message: str) -> None:
    good: dict[str, Any] = {
        "name": "t", "times": {"format": "%d/%m/%Y %H:%M", "zone": "Europe/London"},
        "record": {"record_id": "No"}, "events": {"type": "Entry Type", "at": "When"}}
    path = tmp_path / "p.yaml"
    path.write_text(json.dumps({**good, **change}))
    with pytest.raises(ProfileError, match=message):
        load_profile(path)
    result = invoke(["audit", str(EXPORT), "--profile", str(path)], 2)
    assert message.split("'")[0] in result.stderr
