"""Issue 11, kinds 1, 2 and 4: the law as it stood, applied to what the record proves.

Each example of the issue is a record here with the outcome the issue states: whom the law
protected on that date (kind 1), an age reached at the start of the birthday in UK legal time
(kind 2), and the clock starting when PACE s.41(2) says, with warrants of further detention and
court appearances by video link (kind 4).
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from custody_rules.checker import Checker
from custody_rules.findings import RecordResult
from custody_rules.rulebook import Status
from custody_rules.timeline import age_at, is_code_c_juvenile, is_pace_juvenile
from custody_rules.validate import validate_record
from custody_rules.views.handover import pace_clock
from tests.conftest import ROOT
from tests.helpers import invoke

SERGEANT = {"id": "PS 1", "rank": "sergeant", "role": "custody_officer"}
INSPECTOR = {"id": "Insp 2", "rank": "inspector", "role": "review_officer"}


def _check(checker: Checker, person: dict[str, Any], events: list[dict[str, Any]],
           as_of: str | None = None, offences: list[dict[str, Any]] | None = None
           ) -> RecordResult:
    raw = {"record_id": "issue-11", "person": {"sex": "male", **person},
           "offences": offences or [], "events": events}
    validated = validate_record(raw)
    assert not validated.warnings, validated.warnings
    moment = datetime.fromisoformat(as_of) if as_of else None
    return checker.check(validated.record, as_of=moment,
                         now=datetime(2026, 11, 30, tzinfo=timezone.utc))


def _violated(result: RecordResult) -> set[str]:
    return {f.rule for f in result.findings if f.status is Status.VIOLATED}


# --------------------------------------------------------------------------- kind 2

def _turns_18_just_after_local_midnight(checker: Checker) -> RecordResult:
    """Born 15 Jul 2008; arrives 2026-07-14T23:30Z, which is 00:30 BST on the 18th birthday."""
    return _check(checker, {"date_of_birth": "2008-07-15"}, [
        {"id": "a1", "type": "arrival", "at": "2026-07-14T23:30:00Z"},
        {"id": "a2", "type": "detention_authorised", "at": "2026-07-14T23:45:00Z", "by": SERGEANT},
        {"id": "g1", "type": "rights_given", "at": "2026-07-14T23:50:00Z", "aa_present": False},
        {"id": "c1", "type": "cell_placement", "at": "2026-07-15T00:00:00Z"},
        {"id": "i1", "type": "interview", "at": "2026-07-15T03:00:00Z", "aa_present": False},
        {"id": "r1", "type": "review", "at": "2026-07-15T05:40:00Z", "by": INSPECTOR,
         "mode": "in_person", "aa_present": False, "child_views_recorded": True},
        {"id": "k1", "type": "charge", "at": "2026-07-15T08:00:00Z", "aa_present": False},
        {"id": "x1", "type": "release", "at": "2026-07-15T08:30:00Z", "kind": "bail"},
    ])


def test_eighteen_from_the_start_of_the_birthday_in_uk_time(checker: Checker) -> None:
    result = _turns_18_just_after_local_midnight(checker)
    assert age_at(result.timeline.record, result.timeline.events[0].at) == 18
    for rule in ("AA-01", "AA-02", "AA-04", "JV-01", "CR-01", "SG-03", "RV-07"):
        assert rule not in _violated(result), rule
    # The juvenile rules do not apply at all; the reviews are owed to every detainee.
    for rule in ("AA-01", "AA-02", "AA-04", "JV-01", "CR-01", "SG-03"):
        assert rule not in result.applied, rule
    assert "RV-07" in result.applied


def test_the_day_before_the_birthday_in_uk_time_is_still_seventeen(checker: Checker) -> None:
    """23:30 BST on 14 July (22:30Z) is the day before: 17, and the juvenile rules apply."""
    result = _check(checker, {"date_of_birth": "2008-07-15"}, [
        {"id": "a1", "type": "arrival", "at": "2026-07-14T22:30:00Z"},
        {"id": "a2", "type": "detention_authorised", "at": "2026-07-14T22:40:00Z", "by": SERGEANT},
        {"id": "x1", "type": "release", "at": "2026-07-15T04:00:00Z", "kind": "rui"},
    ])
    assert age_at(result.timeline.record, result.timeline.events[0].at) == 17
    assert {"AA-01", "JV-01"} <= _violated(result)


@pytest.mark.parametrize(("born", "moment", "age"), [
    # Every threshold the rules use (10, 12, 17, 18), a minute either side of local midnight,
    # in summer (BST, UTC+1) and winter (GMT).
    ("2016-06-01", "2026-05-31T22:59:00Z", 9), ("2016-06-01", "2026-05-31T23:00:00Z", 10),
    ("2014-01-20", "2026-01-19T23:59:00Z", 11), ("2014-01-20", "2026-01-20T00:00:00Z", 12),
    ("2009-08-03", "2026-08-02T22:59:59Z", 16), ("2009-08-03", "2026-08-02T23:00:00Z", 17),
    ("2008-12-25", "2026-12-24T23:59:59Z", 17), ("2008-12-25", "2026-12-25T00:00:00Z", 18),
    # A birthday written with a +01:00 offset and one written in UTC agree.
    ("2008-07-15", "2026-07-15T00:30:00+01:00", 18),
    # Born on 29 February: the age is reached on 1 March in a common year.
    ("2008-02-29", "2026-02-28T23:59:00Z", 17), ("2008-02-29", "2026-03-01T00:00:00Z", 18),
])
def test_age_thresholds_at_local_midnight(born: str, moment: str, age: int) -> None:
    record = validate_record({"record_id": "r", "person": {"date_of_birth": born}, "events": [
        {"id": "a1", "type": "arrival", "at": moment}]}).record
    assert age_at(record, datetime.fromisoformat(moment)) == age


# --------------------------------------------------------------------------- kind 1

def _seventeen_in(checker: Checker, year: int) -> RecordResult:
    """Issue 11 kind 1: born 15 Jan (17 years before `year`), held 10 May, rights given,
    interviewed and reviewed with no appropriate adult."""
    day = f"{year}-05-10"
    return _check(checker, {"date_of_birth": f"{year - 17}-01-15"}, [
        {"id": "a1", "type": "arrival", "at": f"{day}T14:00:00+01:00"},
        {"id": "a2", "type": "detention_authorised", "at": f"{day}T14:10:00+01:00",
         "by": SERGEANT},
        {"id": "g1", "type": "rights_given", "at": f"{day}T14:15:00+01:00", "aa_present": False},
        {"id": "i1", "type": "interview", "at": f"{day}T17:00:00+01:00", "aa_present": False},
        {"id": "r1", "type": "review", "at": f"{day}T20:00:00+01:00", "by": INSPECTOR,
         "mode": "in_person", "aa_present": False, "child_views_recorded": True},
        {"id": "x1", "type": "release", "at": f"{day}T21:00:00+01:00", "kind": "rui"},
    ])


def test_seventeen_in_2011_was_not_a_code_c_juvenile(checker: Checker) -> None:
    result = _seventeen_in(checker, 2011)
    for rule in ("AA-01", "AA-03", "AA-04", "JV-01", "RV-07"):
        assert rule not in _violated(result), rule
    # Still owed the reviews and the clock: every detainee is.
    assert {"RV-01", "RV-04", "RV-07", "DC-01"} <= set(result.applied)


def test_seventeen_in_2014_was_a_code_c_juvenile(checker: Checker) -> None:
    result = _seventeen_in(checker, 2014)
    assert {"AA-01", "AA-04", "JV-01"} <= _violated(result)
    # The review without an appropriate adult is a guidance finding only from 17 Feb 2021.
    assert "RV-07" not in _violated(result)
    assert "RV-07" in _violated(_seventeen_in(checker, 2022))



@pytest.mark.parametrize(("moment", "code_c", "pace"), [
    ("2013-10-26T22:59:00Z", False, False),  # 23:59 BST on 26 Oct 2013
    ("2013-10-26T23:00:00Z", True, False),  # 00:00 BST on 27 Oct 2013: revised Code C
    ("2015-10-25T23:59:00Z", True, False),  # 23:59 GMT on 25 Oct 2015
    ("2015-10-26T00:00:00Z", True, True),  # 26 Oct 2015: CJCA 2015 s.42
])
def test_seventeen_year_olds_joined_each_population_on_its_own_date(
        moment: str, code_c: bool, pace: bool) -> None:
    at = datetime.fromisoformat(moment)
    assert is_code_c_juvenile(17, at) is code_c
    assert is_pace_juvenile(17, at) is pace
    assert is_code_c_juvenile(16, at) and is_pace_juvenile(16, at)
    assert not is_code_c_juvenile(18, at) and not is_pace_juvenile(18, at)


# --------------------------------------------------------------------------- kind 4

def _voluntary_attendance(as_of: str | None = None, charge: bool = True) -> list[dict[str, Any]]:
    events = [
        {"id": "a1", "type": "arrival", "at": "2022-09-06T09:00:00+01:00"},
        {"id": "p1", "type": "arrest", "at": "2022-09-06T11:30:00+01:00"},
        {"id": "a2", "type": "detention_authorised", "at": "2022-09-06T11:40:00+01:00",
         "by": SERGEANT},
    ]
    if charge:
        events += [
            {"id": "c1", "type": "charge", "at": "2022-09-07T10:00:00+01:00"},
            {"id": "x1", "type": "release", "at": "2022-09-07T10:30:00+01:00", "kind": "bail"},
        ]
    return events


def test_voluntary_attendee_arrested_at_the_station_clock_starts_at_arrest(
        checker: Checker) -> None:
    result = _check(checker, {"date_of_birth": "2007-02-11"}, _voluntary_attendance())
    assert "DC-01" in result.applied
    assert "DC-01" not in {f.rule for f in result.findings}
    clock = result.timeline.clock
    assert clock is not None and clock.basis == "arrest_at_station"
    assert clock.relevant_time == datetime.fromisoformat("2022-09-06T11:30:00+01:00")


def test_live_voluntary_attendance_shows_deadlines_from_the_arrest(checker: Checker) -> None:
    result = _check(checker, {"date_of_birth": "2007-02-11"},
                    _voluntary_attendance(charge=False), as_of="2022-09-07T09:00:00+01:00")
    pending = [f for f in result.findings if f.rule == "DC-01"]
    assert [f.status for f in pending] == [Status.PENDING]
    assert pending[0].due == datetime.fromisoformat("2022-09-07T11:30:00+01:00")
    clock = pace_clock(result.timeline, result.as_of)
    assert clock is not None
    assert clock.relevant_time.isoformat() == "2022-09-06T11:30:00+01:00"
    assert clock.limit.isoformat() == "2022-09-07T11:30:00+01:00"
    assert clock.counted_from == "arrest at the station (attended voluntarily)"


def test_lawful_warrant_of_further_detention_is_not_a_breach(checker: Checker) -> None:
    events = [
        {"id": "a1", "type": "arrival", "at": "2022-09-06T16:40:00+01:00"},
        {"id": "a2", "type": "detention_authorised", "at": "2022-09-06T16:55:00+01:00",
         "by": SERGEANT},
        {"id": "r1", "type": "review", "at": "2022-09-06T22:50:00+01:00", "by": INSPECTOR},
        {"id": "r2", "type": "review", "at": "2022-09-07T07:45:00+01:00", "by": INSPECTOR},
        {"id": "e1", "type": "extension", "at": "2022-09-07T14:00:00+01:00",
         "until": "2022-09-08T04:40:00+01:00",
         "by": {"id": "Supt 3", "rank": "superintendent"}},
        {"id": "w1", "type": "warrant_of_further_detention", "at": "2022-09-08T03:00:00+01:00",
         "until": "2022-09-09T03:00:00+01:00"},
        {"id": "c1", "type": "charge", "at": "2022-09-08T22:00:00+01:00"},
        {"id": "x1", "type": "release", "at": "2022-09-08T22:30:00+01:00", "kind": "bail"},
    ]
    robbery = [{"description": "robbery", "violent": True, "indictable": True}]
    result = _check(checker, {"date_of_birth": "2007-02-11"}, events, offences=robbery)
    assert "DC-01" in result.applied
    assert "DC-01" not in {f.rule for f in result.findings}
    assert result.timeline.detention_limit == datetime.fromisoformat("2022-09-09T03:00:00+01:00")
    # Without the warrant the same record is a breach.
    without = _check(checker, {"date_of_birth": "2007-02-11"},
                     [e for e in events if e["id"] != "w1"], offences=robbery)
    assert "DC-01" in _violated(without)


def test_video_link_court_appearance_does_not_end_police_detention(checker: Checker) -> None:
    result = _check(checker, {"date_of_birth": "2007-02-11"}, [
        {"id": "a1", "type": "arrival", "at": "2022-09-06T16:40:00+01:00"},
        {"id": "a2", "type": "detention_authorised", "at": "2022-09-06T16:55:00+01:00",
         "by": SERGEANT},
        {"id": "v1", "type": "court_appearance_by_video_link", "at": "2022-09-07T10:00:00+01:00"},
        {"id": "x1", "type": "release", "at": "2022-09-07T12:00:00+01:00", "kind": "rui"},
    ])
    timeline = result.timeline
    assert timeline.left_by is not None and timeline.left_by.id == "x1"
    assert timeline.ends_at == datetime.fromisoformat("2022-09-07T12:00:00+01:00")


# --------------------------------------------------------------------------- shown to people

def test_explain_says_which_population_and_dates_applied(checker: Checker,
                                                         tmp_path: Path) -> None:
    record = tmp_path / "k1.json"
    record.write_text(json.dumps({
        "record_id": "k1", "person": {"date_of_birth": "1994-01-15"}, "events": [
            {"id": "a1", "type": "arrival", "at": "2011-05-10T14:00:00+01:00"},
            {"id": "a2", "type": "detention_authorised", "at": "2011-05-10T14:10:00+01:00",
             "by": SERGEANT},
            {"id": "x1", "type": "release", "at": "2011-05-10T21:00:00+01:00", "kind": "rui"}]}))
    out = " ".join(invoke(["explain", str(record), "AA-04"], exit_code=0).stdout.split())
    assert "In force always; the person arrived on 10 May 2011, when it was in force." in out
    assert ('Protects: Code C "juvenile" (Code C 1.5): under 17 on 10 May 2011; aged 17, '
            "outside it, on arrival.") in out
    out = " ".join(invoke(["explain", str(record), "PC-04"], exit_code=0).stdout.split())
    assert "In force from 2017-11-01; the person arrived on 10 May 2011, when it was not in " \
           "force." in out
    out = " ".join(invoke(["explain", str(record), "RV-05"], exit_code=0).stdout.split())
    assert ("Check telephone_review_reason_not_recorded: in force from 2015-01-08 (not in force "
            "on 10 May 2011).") in out
    data = json.loads(invoke(["explain", str(record), "DC-01", "--format", "json"],
                             exit_code=0).stdout)
    assert data["population"] == "every_detainee"
    assert any("owed whatever the age" in line for line in data["law_applied"])


@pytest.mark.slow  # two `rules` commands, each parsing the catalogue
def test_rules_show_list_and_reference_name_the_population() -> None:
    out = invoke(["rules", "show", "RV-07"], exit_code=0).stdout
    assert "**Protects.** every detainee (PACE ss.40-44): any age" in out
    assert ('Protects: Code C "juvenile" (Code C 1.5): under 17 until 26 October 2013; '
            "under 18 from 27 October 2013.") in out
    listed = json.loads(invoke(["rules", "list", "--format", "json"], exit_code=0).stdout)
    by_id = {rule["id"]: rule for rule in listed["rules"]}
    assert by_id["PC-09"]["population"] == "pace_juvenile"
    assert by_id["AA-01"]["population"] == "code_c_juvenile"
    assert {c["name"]: c["population"] for c in by_id["RV-07"]["checks"]}[
        "review_without_aa"] == "code_c_juvenile"
    reference = (ROOT / "docs" / "rules.md").read_text()
    assert ('- `pace_juvenile`: PACE "arrested juvenile" (s.37(15)): under 17 until 25 October '
            "2015; under 18 from 26 October 2015.") in reference
    assert "| `every_detainee` | always |" in reference


def test_every_rule_declares_its_population(checker: Checker) -> None:
    wanted = {"code_c_juvenile": {"JV-01", "AA-01", "AA-02", "AA-03", "AA-04", "CR-01", "CR-04",
                                  "RV-06"},
              "pace_juvenile": {"RV-08"} | {f"PC-{n:02d}" for n in range(1, 13)},
              "every_detainee": {"DC-01", "DC-02", "RV-01", "RV-02", "RV-03", "RV-04", "RV-05",
                                 "RV-07"},
              "child": {"CR-03", "SG-01", "SG-02", "SG-03"}}
    found: dict[str, set[str]] = {}
    for rule in checker.rulebook:
        found.setdefault(rule.population.value, set()).add(rule.id)
    assert found == wanted
