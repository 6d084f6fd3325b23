"""Step 2, validate: raw JSON to a CustodyRecord, with every problem of the record reported."""

from __future__ import annotations

from collections import Counter
from typing import Any

import attrs
import cattrs

from custody_rules.convert import error_lines, make_converter
from custody_rules.errors import InputError
from custody_rules.record import CustodyRecord, UnknownEvent

_CONVERTER = make_converter()

# Beyond this a note is not a custody-log entry but a payload; the rules never read it.
MAX_NOTE_CHARS = 100_000
MAX_EVENTS = 10_000


@attrs.frozen
class ValidatedRecord:
    record: CustodyRecord
    warnings: tuple[str, ...] = ()


def record_id_of(raw: Any) -> str | None:
    """The record id if the raw value has a usable one, for naming it in errors."""
    if isinstance(raw, dict):
        value = raw.get("record_id")
        if isinstance(value, str) and value.strip():
            return value[:80]
    return None


def validate_record(raw: Any, source: str | None = None) -> ValidatedRecord:
    """Structure and cross-check one record; raise InputError listing every problem."""
    record_id = record_id_of(raw)
    if not isinstance(raw, dict):
        raise InputError(record_id, ["expected a JSON object (one custody record)"], source)
    problems = _shape_problems(raw)
    try:
        record = _CONVERTER.structure(raw, CustodyRecord)
    except (cattrs.BaseValidationError, ValueError, TypeError, KeyError) as exc:
        raise InputError(record_id, problems + error_lines(exc), source) from None
    more, warnings = _cross_check(record)
    problems += more
    if problems:
        raise InputError(record.record_id, problems, source)
    return ValidatedRecord(record, tuple(warnings))


def _shape_problems(raw: dict[str, Any]) -> list[str]:
    """Checks cheaper and clearer before structuring: sizes, and an events list at all."""
    problems = []
    events = raw.get("events")
    if isinstance(events, list):
        if not events:
            problems.append("events: empty: a record needs at least its arrival")
        elif len(events) > MAX_EVENTS:
            problems.append(f"events: {len(events)} events, more than {MAX_EVENTS}")
        ids = Counter(event.get("id") for event in events if isinstance(event, dict))
        for index, event in enumerate(events):
            if not isinstance(event, dict):
                continue
            if isinstance(event.get("id"), str) and ids[event["id"]] > 1:
                problems.append(f"events[{index}].id: duplicate event id {event['id']!r}")
            note = event.get("note")
            if isinstance(note, str) and len(note) > MAX_NOTE_CHARS:
                problems.append(
                    f"events[{index}].note: {len(note)} characters, more than {MAX_NOTE_CHARS}"
                )
    if isinstance(raw.get("record_id"), str) and not raw["record_id"].strip():
        problems.append("record_id: empty")
    return problems


def _cross_check(record: CustodyRecord) -> tuple[list[str], list[str]]:
    problems: list[str] = []
    warnings: list[str] = []
    person = record.person
    if person.date_of_birth is None and person.apparent_age is None:
        problems.append("person: needs date_of_birth or apparent_age")
    if person.apparent_age is not None and not 0 <= person.apparent_age <= 120:
        problems.append(f"person.apparent_age: {person.apparent_age} is not a possible age")
    for index, event in enumerate(record.events):
        if not event.id.strip():
            problems.append(f"events[{index}].id: empty")
        if isinstance(event, UnknownEvent):
            warnings.append(
                f"events[{index}].type: unknown event type {event.declared_type!r} kept and ignored"
            )
    arrivals = [event for event in record.events if event.type == "arrival"]
    if not arrivals and record.events:
        problems.append("events: no arrival event; the custody clock cannot start")
    elif arrivals:
        arrival = min(arrivals, key=lambda event: event.at)
        dob = person.date_of_birth
        if dob is not None and dob > arrival.at.date():
            problems.append(f"person.date_of_birth: {dob} is after the arrival")
        for index, event in enumerate(record.events):
            if event.at < arrival.at and event.type == "detention_authorised":
                problems.append(f"events[{index}].at: detention authorised before the arrival")
    if record.closed_at is not None and record.events:
        first = min(event.at for event in record.events)
        if record.closed_at < first:
            problems.append("closed_at: before the first event")
    return problems, warnings
