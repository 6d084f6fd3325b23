"""Issue 11, kinds 3, 5, 6 and 7: each example of the issue as a record, with its outcome.

3. An act without legal effect does not have it (void extensions, safeguards the timeline
   contradicts, adults who cannot be appropriate adults, postponements for questioning that was
   not under way, an "imminent court" certificate far from court).
5. An exception accepted in one rule is accepted in all, and messages never contradict the record.
6. Severity tells the truth about its source: a violation that exists only because a force policy
   threshold passed is `policy`, naming the threshold.
7. Free text is read whole.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from custody_rules.checker import Checker
from custody_rules.findings import Finding, RecordResult
from custody_rules.validate import validate_record

NOW = datetime.fromisoformat("2026-01-01T00:00:00+00:00")
PERSON = {"date_of_birth": "2007-02-11", "sex": "male", "looked_after": False}
SERGEANT = {"id": "PS 1432", "rank": "sergeant", "role": "custody_officer"}


def judge(checker: Checker, events: Iterable[dict[str, Any]], offences: list[Any] | None = None,
          person: dict[str, Any] | None = None, day: str = "2022-09-06",
          as_of: str | None = None) -> RecordResult:
    """A 15-year-old boy who arrived at 16:40 on `day`, detention authorised at 16:55; the
    events' times are written without a date ("19:00", "+1 07:30" for the next day)."""
    base = [{"id": "a1", "type": "arrival", "at": "16:40"},
            {"id": "a2", "type": "detention_authorised", "at": "16:55", "by": SERGEANT}]
    record = {
        "record_id": "issue-11", "force": "Example", "station": "Example",
        "person": {**PERSON, **(person or {})}, "offences": offences or [],
        "events": [{**event, "at": _at(day, event["at"])} for event in [*base, *events]],
    }
    validated = validate_record(record)
    moment = datetime.fromisoformat(_at(day, as_of)) if as_of else None
    return checker.check(validated.record, as_of=moment, now=NOW)


def _at(day: str, clock: str) -> str:
    if "T" in clock:
        return clock
    later = 0
    if clock.startswith("+"):
        offset, clock = clock[1:].split(" ", 1)
        later = int(offset)
    date = datetime.fromisoformat(day).toordinal() + later
    return f"{datetime.fromordinal(date).date().isoformat()}T{clock}:00+01:00"


def of_rule(result: RecordResult, rule: str) -> list[Finding]:
    return [finding for finding in result.findings if finding.rule == rule]


def statuses(result: RecordResult, rule: str) -> set[str]:
    return {finding.status.value for finding in of_rule(result, rule)}


# Kind 7 ------------------------------------------------------------------------------------


def test_a_review_note_is_read_past_its_500th_character(checker: Checker) -> None:
    note = ("Review by telephone. " + "Grounds for detention unchanged; enquiries continue. " * 12
            + "The child was asleep and was not woken for the review.")
    assert note.index("asleep") > 500
    result = judge(checker, [
        {"id": "r1", "type": "review", "at": "22:50", "mode": "telephone", "note": note,
         "aa_offered_representations": True, "aa_present": True},
        {"id": "v1", "type": "aa_arrived", "at": "17:30", "aa_type": "parent"},
        {"id": "x1", "type": "release", "at": "23:30", "kind": "rui"},
    ])
    assert statuses(result, "RV-07") == {"needs_review"}


def test_a_note_at_the_input_limit_is_read_to_its_end(checker: Checker) -> None:
    note = "x" * 99_900 + " asleep."
    result = judge(checker, [
        {"id": "v1", "type": "aa_arrived", "at": "17:30", "aa_type": "parent"},
        {"id": "r1", "type": "review", "at": "22:50", "mode": "in_person", "note": note,
         "aa_offered_representations": True, "aa_present": True},
        {"id": "x1", "type": "release", "at": "23:30", "kind": "rui"},
    ])
    assert statuses(result, "RV-07") == {"needs_review"}


def test_two_words_far_apart_in_a_long_note_are_found_together(checker: Checker) -> None:
    """A note longer than the engine can scan at once reaches the rules in pieces; a pattern
    needing two words still finds them 90,000 characters apart (PC-10: "JDC" and "insp...")."""
    note = "JDC to be done. " + "Waiting for the van. " * 4_300 + "Over to the inspector."
    assert len(note) > 90_000
    result = judge(checker, [
        {"id": "c1", "type": "charge", "at": "23:40", "aa_present": True},
        {"id": "b1", "type": "bail_decision", "at": "23:50", "outcome": "refused",
         "grounds": ["fail_to_appear"], "note": note},
        {"id": "k1", "type": "court_appearance", "at": "+1 10:00"},
    ])
    assert statuses(result, "PC-10") == {"violated"}


def test_the_rules_see_every_character_of_a_note(checker: Checker) -> None:
    from custody_rules.timeline import ENGINE_TEXT_BYTES, PIECE_OVERLAP, text_pieces

    for text in ("short", "é" * 100_000, '"' * 100_000, "word " * 20_000):
        pieces = text_pieces(text)
        joined = pieces[0] + "".join(piece[PIECE_OVERLAP:] for piece in pieces[1:])
        assert len(joined) == len(text)
        assert all(len(json.dumps(piece)) - 2 <= ENGINE_TEXT_BYTES for piece in pieces)
        assert len(pieces) <= 4


# Kind 5 ------------------------------------------------------------------------------------


def _accepted_then_certified(checker: Checker) -> RecordResult:
    """The local authority accepts at 12:00, the custody officer certifies at 12:20 that the
    move is impracticable (the only road flooded), the child is moved at 07:30 the next day; a
    review at 12:00 falls 55 minutes after bail was refused."""
    return judge(checker, [
        {"id": "r1", "type": "review", "at": "22:50", "mode": "in_person",
         "child_views_recorded": True},
        {"id": "r2", "type": "review", "at": "+1 07:45", "mode": "in_person",
         "child_views_recorded": True},
        {"id": "c1", "type": "charge", "at": "+1 10:55", "aa_present": True},
        {"id": "b1", "type": "bail_decision", "at": "+1 11:05", "outcome": "refused",
         "grounds": ["fail_to_appear"]},
        {"id": "q1", "type": "accommodation_request", "at": "+1 11:10", "kind": "non_secure"},
        {"id": "l1", "type": "la_response", "at": "+1 12:00", "outcome": "accepted",
         "kind": "non_secure"},
        {"id": "r3", "type": "review", "at": "+1 12:00", "mode": "in_person",
         "transfer_reconsidered": True, "child_views_recorded": True,
         "by": {"rank": "sergeant", "role": "custody_officer"}},
        {"id": "j1", "type": "detention_certificate", "at": "+1 12:20", "limb": "impracticable",
         "reason": "extreme_weather", "by": SERGEANT,
         "reason_text": "The only road to the placement is flooded and closed."},
        {"id": "t1", "type": "transfer_to_la", "at": "+2 07:30"},
    ], offences=[{"description": "Robbery", "violent": True, "indictable": True}])


def test_an_accepted_impracticability_certificate_excuses_the_wait_everywhere(
        checker: Checker) -> None:
    result = _accepted_then_certified(checker)
    assert "PC-08" in result.applied and "RV-08" in result.applied
    assert statuses(result, "PC-08") == set()
    assert statuses(result, "RV-08") == set()


def test_no_message_denies_a_certificate_the_record_holds(checker: Checker) -> None:
    result = _accepted_then_certified(checker)
    for finding in result.findings:
        assert "no pace s.38(6) certificate made meanwhile" not in finding.message.lower()
        assert "no certificate" not in finding.message.lower(), finding.message
    late = of_rule(result, "PC-02")
    assert [(f.check, f.severity.value) for f in late] == [("certificate_late", "policy")]
    assert "12:20" in late[0].message


# Kind 6 ------------------------------------------------------------------------------------


def test_a_late_answer_from_the_local_authority_is_a_policy_finding(checker: Checker) -> None:
    """Bail refused 19:00, non-secure request 19:10, accepted 22:40, moved 23:20: no violated
    finding that rests on a threshold carries `statute`."""
    result = judge(checker, [
        {"id": "c1", "type": "charge", "at": "18:50", "aa_present": True},
        {"id": "b1", "type": "bail_decision", "at": "19:00", "outcome": "refused",
         "grounds": ["fail_to_appear"]},
        {"id": "q1", "type": "accommodation_request", "at": "19:10", "kind": "non_secure"},
        {"id": "l1", "type": "la_response", "at": "22:40", "outcome": "accepted",
         "kind": "non_secure"},
        {"id": "t1", "type": "transfer_to_la", "at": "23:20"},
    ])
    pc07 = of_rule(result, "PC-07")
    assert [(f.status.value, f.severity.value, f.check) for f in pc07] == [
        ("violated", "policy", "answered_late")]
    assert pc07[0].thresholds and "la_response_within" in pc07[0].thresholds[0]
    for finding in result.findings:
        if finding.status.value == "violated" and finding.thresholds:
            assert finding.severity.value != "statute", (finding.rule, finding.check)


def test_the_statute_finding_stays_when_the_law_s_own_condition_is_met(checker: Checker) -> None:
    """Kept until court with no certificate and no answer from the authority ever."""
    result = judge(checker, [
        {"id": "c1", "type": "charge", "at": "23:40", "aa_present": True},
        {"id": "b1", "type": "bail_decision", "at": "23:50", "outcome": "refused",
         "grounds": ["fail_to_appear"]},
        {"id": "q1", "type": "accommodation_request", "at": "23:55", "kind": "non_secure"},
        {"id": "k1", "type": "court_appearance", "at": "+1 10:00"},
    ])
    assert {(f.check, f.severity.value) for f in of_rule(result, "PC-02")} == {
        ("kept_without_certificate", "statute")}
    assert {(f.check, f.severity.value) for f in of_rule(result, "PC-07")} == {
        ("left_without_answer", "statute")}
    assert {(f.check, f.severity.value) for f in of_rule(result, "PC-09")} == {
        ("no_certificate", "statute")}


def test_a_child_still_held_past_a_threshold_is_a_policy_finding(checker: Checker) -> None:
    result = judge(checker, [
        {"id": "c1", "type": "charge", "at": "23:40", "aa_present": True},
        {"id": "b1", "type": "bail_decision", "at": "23:50", "outcome": "refused",
         "grounds": ["fail_to_appear"]},
    ], as_of="+1 02:00")
    for rule in ("PC-02", "PC-03", "PC-09"):
        found = of_rule(result, rule)
        assert found and {f.severity.value for f in found} == {"policy"}, rule


def test_every_threshold_violation_at_the_law_s_severity_is_judged_on_the_closed_record(
        checker: Checker) -> None:
    """A check that rests on a policy threshold is `policy`, unless it judges the law's own
    condition: the whole stay, once the child has left (end open 0), or a review's decision."""
    for rule in checker.rulebook:
        for check in rule.checks:
            severity = check.severity or rule.severity
            if check.status.value != "violated" or not check.thresholds:
                continue
            if severity.value == "policy":
                continue
            ends = {(c.field, c.op, c.value) for c in check.end}
            assert ("open", "eq", 0) in ends, f"{rule.id} {check.name}"


# Kind 3 ------------------------------------------------------------------------------------


def test_aa_present_at_a_strip_search_after_the_only_aa_left_is_a_question(
        checker: Checker) -> None:
    result = judge(checker, [
        {"id": "v1", "type": "aa_arrived", "at": "17:30", "aa_type": "parent"},
        {"id": "d1", "type": "aa_departed", "at": "18:00"},
        {"id": "s1", "type": "strip_search", "at": "19:00", "aa_present": True},
        {"id": "x1", "type": "release", "at": "20:00", "kind": "bail"},
    ])
    assert statuses(result, "CR-04") == {"needs_review"}


def test_a_waiver_with_no_aa_on_site_is_a_question(checker: Checker) -> None:
    result = judge(checker, [
        {"id": "s1", "type": "strip_search", "at": "17:10", "aa_present": False,
         "aa_waived": True},
        {"id": "v1", "type": "aa_arrived", "at": "18:30", "aa_type": "parent"},
        {"id": "x1", "type": "release", "at": "20:00", "kind": "bail"},
    ])
    assert statuses(result, "CR-04") == {"needs_review"}


def test_an_investigating_officer_is_no_appropriate_adult(checker: Checker) -> None:
    result = judge(checker, [
        {"id": "q1", "type": "aa_requested", "at": "17:05", "aa_type": "other"},
        {"id": "v1", "type": "aa_arrived", "at": "17:40", "aa_type": "other",
         "by": {"id": "PC 901", "rank": "constable", "role": "investigating_officer"}},
        {"id": "i1", "type": "interview", "at": "18:00", "aa_present": True},
        {"id": "c1", "type": "charge", "at": "19:00", "aa_present": True},
        {"id": "x1", "type": "release", "at": "20:00", "kind": "bail"},
    ])
    assert statuses(result, "AA-01") == {"needs_review"}
    assert statuses(result, "AA-04") == {"needs_review"}


def test_a_police_employee_from_the_scheme_cannot_be_the_appropriate_adult(
        checker: Checker) -> None:
    result = judge(checker, [
        {"id": "q1", "type": "aa_requested", "at": "17:05", "aa_type": "aa_scheme"},
        {"id": "v1", "type": "aa_arrived", "at": "17:40", "aa_type": "aa_scheme",
         "relationship": "volunteer", "police_employee": True},
        {"id": "i1", "type": "interview", "at": "18:00", "aa_present": True},
        {"id": "x1", "type": "release", "at": "20:00", "kind": "rui"},
    ])
    assert statuses(result, "AA-01") == {"violated"}
    assert statuses(result, "AA-04") == {"needs_review"}


def test_an_aa_asked_promptly_but_arriving_after_the_interview_is_a_question(
        checker: Checker) -> None:
    result = judge(checker, [
        {"id": "q1", "type": "aa_requested", "at": "17:00", "aa_type": "parent"},
        {"id": "i1", "type": "interview", "at": "17:30", "aa_present": False,
         "urgent_authorised": True},
        {"id": "v1", "type": "aa_arrived", "at": "18:30", "aa_type": "parent"},
        {"id": "x1", "type": "release", "at": "20:00", "kind": "rui"},
    ])
    assert statuses(result, "AA-01") == {"needs_review"}


def test_a_review_postponed_for_questioning_that_was_over_is_a_question(
        checker: Checker) -> None:
    """The only interview began at 11:00; the first review fell due at 15:10 and was held at
    16:30 "postponed: questioning"."""
    record = {
        "record_id": "rv01", "force": "Example", "station": "Example", "person": PERSON,
        "offences": [],
        "events": [
            {"id": "a1", "type": "arrival", "at": "2022-09-07T08:50:00+01:00"},
            {"id": "a2", "type": "detention_authorised", "at": "2022-09-07T09:10:00+01:00"},
            {"id": "v1", "type": "aa_arrived", "at": "2022-09-07T10:00:00+01:00",
             "aa_type": "parent"},
            {"id": "i1", "type": "interview", "at": "2022-09-07T11:00:00+01:00",
             "aa_present": True},
            {"id": "r1", "type": "review", "at": "2022-09-07T16:30:00+01:00",
             "mode": "in_person", "postponed_reason": "questioning"},
            {"id": "x1", "type": "release", "at": "2022-09-07T18:00:00+01:00", "kind": "bail"},
        ],
    }
    judged = checker.check(validate_record(record).record, now=NOW)
    assert statuses(judged, "RV-01") == {"needs_review"}


def test_an_imminent_court_certificate_17_hours_before_court(checker: Checker) -> None:
    """Certified at 21:00 for a 14:00 hearing next day: PC-11 asks, PC-03 is not excused."""
    result = judge(checker, [
        {"id": "c1", "type": "charge", "at": "20:40", "aa_present": True},
        {"id": "b1", "type": "bail_decision", "at": "20:50", "outcome": "refused",
         "grounds": ["fail_to_appear"]},
        {"id": "j1", "type": "detention_certificate", "at": "21:00", "limb": "impracticable",
         "reason": "imminent_court", "by": SERGEANT},
        {"id": "k1", "type": "court_appearance", "at": "+1 14:00", "certificate_produced": True},
    ])
    assert statuses(result, "PC-11") == {"needs_review"}
    assert statuses(result, "PC-03") == {"violated"}


def test_an_extension_after_the_24_hours_leaves_the_clock_at_24_hours(checker: Checker) -> None:
    """A superintendent extends at 08:30 on day 2, half an hour after the 24 hours ran out;
    charged at 12:00: DC-01 violated (and DC-02 reports the extension)."""
    record = {
        "record_id": "dc01", "force": "Example", "station": "Example", "person": PERSON,
        "offences": [{"description": "Robbery", "violent": True, "indictable": True}],
        "events": [
            {"id": "a1", "type": "arrival", "at": "2022-09-06T08:00:00+01:00"},
            {"id": "a2", "type": "detention_authorised", "at": "2022-09-06T08:10:00+01:00"},
            {"id": "r1", "type": "review", "at": "2022-09-06T14:00:00+01:00",
             "mode": "in_person"},
            {"id": "r2", "type": "review", "at": "2022-09-06T23:00:00+01:00",
             "mode": "in_person"},
            {"id": "e1", "type": "extension", "at": "2022-09-07T08:30:00+01:00",
             "until": "2022-09-07T20:00:00+01:00", "by": {"rank": "superintendent"}},
            {"id": "c1", "type": "charge", "at": "2022-09-07T12:00:00+01:00"},
            {"id": "x1", "type": "court_appearance", "at": "2022-09-08T10:00:00+01:00"},
        ],
    }
    result = checker.check(validate_record(record).record, now=NOW)
    assert statuses(result, "DC-01") == {"violated"}
    assert statuses(result, "DC-02") == {"violated"}
    assert result.timeline.detention_limit == datetime.fromisoformat("2022-09-07T08:00:00+01:00")
