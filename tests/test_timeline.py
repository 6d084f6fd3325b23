"""The custody arithmetic, tested directly: review deadlines (PACE s.40), the detention clock
(s.41, s.42 extensions), ages and the clocks changing. The differential test cannot catch a
mistake here, since its reference statements read the same timeline; these tests state the law's
numbers themselves."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from custody_rules.record import CustodyRecord
from custody_rules.timeline import (
    MAX_REVIEW_DEADLINES,
    UK,
    Timeline,
    age_at,
    build_timeline,
    is_pace_juvenile,
)
from custody_rules.timeline.custody import detention_clock
from custody_rules.validate import validate_record

NOW = datetime(2030, 1, 1, tzinfo=timezone.utc)


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text)


def record(*events: tuple[str, str], born: str = "2007-02-11", closed_at: str | None = None,
           **extra: dict[str, Any]) -> CustodyRecord:
    """A record with these (type, time) events, ids e1, e2, ... in order."""
    raw: dict[str, Any] = {
        "record_id": "T-1", "force": "Test", "station": "Test",
        "person": {"date_of_birth": born, "sex": "male", "looked_after": False},
        "offences": [],
        "events": [{"id": f"e{n}", "type": kind, "at": at, **extra.get(f"e{n}", {})}
                   for n, (kind, at) in enumerate(events, start=1)],
    }
    if closed_at:
        raw["closed_at"] = closed_at
    return validate_record(raw).record


def timeline(rec: CustodyRecord, as_of: str | None = None) -> Timeline:
    return build_timeline(rec, _time(as_of) if as_of else None, NOW)


def dues(line: Timeline) -> list[str]:
    return [d.due.astimezone(timezone.utc).strftime("%d %H:%M") for d in line.review_deadlines]


# ------------------------------------------------------------------ review deadlines, s.40

def test_first_review_six_hours_after_detention_is_authorised_then_every_nine() -> None:
    line = timeline(record(("arrival", "2024-01-10T09:00:00+00:00"),
                           ("detention_authorised", "2024-01-10T09:30:00+00:00"),
                           ("release", "2024-01-11T09:00:00+00:00")))
    # 15:30, then 00:30 and 09:30 the next day; 09:30 is after the release at 09:00.
    assert dues(line) == ["10 15:30", "11 00:30"]
    assert [d.number for d in line.review_deadlines] == [1, 2]
    assert all(d.counted_from.id == "e2" for d in line.review_deadlines)


def test_an_early_review_brings_the_next_one_forward() -> None:
    line = timeline(record(("arrival", "2024-01-10T09:00:00+00:00"),
                           ("detention_authorised", "2024-01-10T09:30:00+00:00"),
                           ("review", "2024-01-10T13:00:00+00:00"),
                           ("release", "2024-01-11T06:00:00+00:00")))
    # Review 1 held at 13:00, before its 15:30 deadline: review 2 is due 9 hours after 13:00.
    assert dues(line) == ["10 15:30", "10 22:00"]
    assert line.review_deadlines[0].review is not None
    assert line.review_deadlines[1].counted_from.id == "e3"


def test_a_postponed_review_does_not_push_the_next_one_back() -> None:
    """s.40(6): a review held late counts the next nine hours from when it was due."""
    line = timeline(record(("arrival", "2024-01-10T09:00:00+00:00"),
                           ("detention_authorised", "2024-01-10T09:30:00+00:00"),
                           ("review", "2024-01-10T18:00:00+00:00"),
                           ("release", "2024-01-11T09:00:00+00:00")))
    # Review 1 was due at 15:30 and held at 18:00: review 2 is due at 00:30, not 03:00.
    assert dues(line) == ["10 15:30", "11 00:30"]
    assert line.review_deadlines[1].counted_from.id == "e3"


def test_a_child_still_held_has_the_next_deadline_ahead_and_no_more() -> None:
    rec = record(("arrival", "2024-01-10T09:00:00+00:00"),
                 ("detention_authorised", "2024-01-10T09:30:00+00:00"),
                 ("review", "2024-01-10T15:00:00+00:00"))
    line = timeline(rec, "2024-01-10T20:00:00+00:00")
    assert line.still_held
    assert dues(line) == ["10 15:30", "11 00:00"]
    # Judged exactly when review 1 falls due and it is not held: that one is the deadline
    # ahead, and the next (counted from the same event) is not a second pending obligation.
    unheld = record(("arrival", "2024-01-10T09:00:00+00:00"),
                    ("detention_authorised", "2024-01-10T09:30:00+00:00"))
    assert dues(timeline(unheld, "2024-01-10T15:30:00+00:00")) == ["10 15:30"]
    assert dues(timeline(unheld, "2024-01-10T15:31:00+00:00")) == ["10 15:30", "11 00:30"]


def test_a_review_after_the_child_left_does_not_count() -> None:
    line = timeline(record(("arrival", "2024-01-10T09:00:00+00:00"),
                           ("detention_authorised", "2024-01-10T09:30:00+00:00"),
                           ("release", "2024-01-10T14:00:00+00:00"),
                           ("review", "2024-01-10T15:00:00+00:00")))
    assert dues(line) == []


def test_no_detention_authorised_means_no_review_clock() -> None:
    line = timeline(record(("arrival", "2024-01-10T09:00:00+00:00"),
                           ("release", "2024-01-11T09:00:00+00:00")))
    assert line.review_deadlines == ()


def test_an_open_record_judged_years_later_stops_at_the_cap() -> None:
    line = timeline(record(("arrival", "2024-01-10T09:00:00+00:00"),
                           ("detention_authorised", "2024-01-10T09:30:00+00:00")))
    assert len(line.review_deadlines) == MAX_REVIEW_DEADLINES


# ------------------------------------------------------------------ the clocks change

@pytest.mark.skipif(UK is None, reason="no time zone database")
def test_deadlines_across_the_spring_change_count_real_hours() -> None:
    """31 March 2024, 01:00 GMT became 02:00 BST: six hours after 23:30 GMT is 06:30 BST."""
    line = timeline(record(("arrival", "2024-03-30T23:00:00+00:00"),
                           ("detention_authorised", "2024-03-30T23:30:00+00:00"),
                           ("release", "2024-03-31T16:00:00+01:00")))
    first = line.review_deadlines[0].due
    assert first - line.review_deadlines[0].counted_from.at == timedelta(hours=6)
    assert first.astimezone(line.offset_at(first)).strftime("%H:%M %z") == "06:30 +0100"
    second = line.review_deadlines[1].due
    assert second.astimezone(line.offset_at(second)).strftime("%H:%M %z") == "15:30 +0100"


@pytest.mark.skipif(UK is None, reason="no time zone database")
def test_deadlines_across_the_autumn_change_count_real_hours() -> None:
    """27 October 2024, 02:00 BST became 01:00 GMT: the hour 01:00-02:00 happens twice."""
    line = timeline(record(("arrival", "2024-10-26T20:00:00+01:00"),
                           ("detention_authorised", "2024-10-26T20:30:00+01:00"),
                           ("release", "2024-10-27T12:00:00+00:00")))
    first = line.review_deadlines[0].due
    # 20:30 BST + 6 h = 02:30 BST, which does not exist: it is 01:30 GMT.
    assert first.astimezone(line.offset_at(first)).strftime("%H:%M %z") == "01:30 +0000"
    second = line.review_deadlines[1].due
    assert second.astimezone(line.offset_at(second)).strftime("%H:%M %z") == "10:30 +0000"


# ------------------------------------------------------------------ detention clock, s.41-42

def test_the_clock_runs_24_hours_from_arrival() -> None:
    line = timeline(record(("arrest", "2024-01-10T08:00:00+00:00"),
                           ("arrival", "2024-01-10T09:00:00+00:00"),
                           ("release", "2024-01-10T12:00:00+00:00")))
    assert line.relevant_time == _time("2024-01-10T09:00:00+00:00")
    assert line.detention_limit == _time("2024-01-11T09:00:00+00:00")


def test_a_long_way_from_the_arrest_starts_the_clock_24_hours_after_it() -> None:
    line = timeline(record(("arrest", "2024-01-09T06:00:00+00:00"),
                           ("arrival", "2024-01-10T09:00:00+00:00"),
                           ("release", "2024-01-10T12:00:00+00:00")))
    assert line.relevant_time == _time("2024-01-10T06:00:00+00:00")
    assert line.detention_limit == _time("2024-01-11T06:00:00+00:00")


def test_an_extension_moves_the_limit_but_never_past_36_hours_or_back() -> None:
    def limit(*until: str) -> datetime | None:
        # Given after the second review (s.42(4)), by an officer of unrecorded rank and for no
        # recorded offence: taken at its word.
        events = [("arrival", "2024-01-10T09:00:00+00:00"),
                  ("review", "2024-01-10T14:00:00+00:00"),
                  ("review", "2024-01-10T19:00:00+00:00")]
        events += [("extension", "2024-01-10T20:00:00+00:00") for _ in until]
        extra = {f"e{n}": {"until": u} for n, u in enumerate(until, start=4)}
        return timeline(record(*events, closed_at="2024-01-12T00:00:00+00:00",
                               **extra)).detention_limit

    assert limit("2024-01-11T15:00:00+00:00") == _time("2024-01-11T15:00:00+00:00")
    assert limit("2024-01-12T09:00:00+00:00") == _time("2024-01-11T21:00:00+00:00")
    assert limit("2024-01-11T03:00:00+00:00") == _time("2024-01-11T09:00:00+00:00")
    assert limit("2024-01-11T15:00:00+00:00", "2024-01-11T12:00:00+00:00") == \
        _time("2024-01-11T15:00:00+00:00")


def test_no_arrival_no_clock() -> None:
    rec = record(("arrival", "2024-01-10T09:00:00+00:00"))
    arrest = rec.events[0]
    assert detention_clock([arrest], {"arrest": arrest}, rec) is None


# ------------------------------------------------------------------ ages

def test_age_in_completed_years_and_a_leap_day_birthday() -> None:
    leap = record(("arrival", "2024-01-10T09:00:00+00:00"), born="2008-02-29")
    assert age_at(leap, _time("2025-02-28T12:00:00+00:00")) == 16
    assert age_at(leap, _time("2025-03-01T00:00:00+00:00")) == 17
    assert age_at(leap, _time("2024-02-29T00:00:00+00:00")) == 16
    assert age_at(leap, _time("2024-02-28T23:59:00+00:00")) == 15


def test_seventeen_year_olds_are_arrested_juveniles_from_26_october_2015() -> None:
    assert is_pace_juvenile(16, _time("2010-01-01T00:00:00+00:00"))
    assert not is_pace_juvenile(17, _time("2015-10-25T23:00:00+00:00"))
    assert is_pace_juvenile(17, _time("2015-10-26T00:00:00+00:00"))
    assert not is_pace_juvenile(18, _time("2024-01-01T00:00:00+00:00"))
    assert not is_pace_juvenile(None, _time("2024-01-01T00:00:00+00:00"))


# ------------------------------------------------------------------ appropriate adult on site

def test_the_appropriate_adult_is_on_site_between_arriving_and_leaving() -> None:
    line = timeline(record(("arrival", "2024-01-10T09:00:00+00:00"),
                           ("aa_arrived", "2024-01-10T10:00:00+00:00"),
                           ("aa_departed", "2024-01-10T11:00:00+00:00"),
                           ("aa_arrived", "2024-01-10T12:00:00+00:00"),
                           ("release", "2024-01-10T14:00:00+00:00")))
    on_site = [line.aa_on_site(_time(f"2024-01-10T{t}:00+00:00"))
               for t in ("09:59", "10:00", "10:59", "11:00", "12:30", "13:59")]
    assert on_site == [False, True, True, False, True, True]
