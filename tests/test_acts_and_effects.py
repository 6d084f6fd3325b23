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
