"""Step 2, validate: raw JSON to a CustodyRecord, with every problem of the record reported."""

from __future__ import annotations

import difflib
from collections import Counter
from typing import Any

import attrs
import cattrs

from custody_rules.convert import (
    _clip,
    error_lines,
    make_converter,
    make_fast_converter,
    text_problem,
)
from custody_rules.errors import InputError
from custody_rules.record import EVENT_TYPES, CustodyRecord, UnknownEvent
from custody_rules.uktime import uk

_CONVERTER = make_converter()
# Tried first: the same values for a valid record, several times faster; any failure and the
# record is structured again by _CONVERTER, whose messages are the ones reported.
_FAST_CONVERTER = make_fast_converter()

MAX_EVENTS = 10_000
# Ids name the record in every output and error line, and findings point at events by id:
# they are short, printable, one line.
MAX_ID_CHARS = 200

# Events that can come before the child reaches the station: the arrest itself, and what is
# done on the way or by others: the arresting officer's vulnerability information, calling the
# appropriate adult or the person responsible for the child's welfare (who may even reach the
# station first), alerting the local authority, safeguarding steps, and an urgent interview
# away from a station (PACE Code C 11.1). Every other known event is something done at the
# station to a detained child, or the child leaving detention: before the first arrival it is
# an input error, because every clock the rules apply would start in the wrong place. Events
# of unknown types are ignored by the rules, so their time is not checked.
BEFORE_ARRIVAL_ALLOWED = frozenset({
    "arrest", "vulnerability_form", "aa_requested", "aa_arrived", "aa_departed",
    "welfare_person_informed", "interview", "la_contact", "safeguarding_concern",
    "social_care_referral", "nrm_referral", "strategy_discussion",
})


@attrs.frozen
class ValidatedRecord:
    record: CustodyRecord
    warnings: tuple[str, ...] = ()


def record_id_of(raw: Any) -> str | None:
    """The record id if the raw value has a usable one, for naming it in errors."""
    if isinstance(raw, dict):
        value = raw.get("record_id")
        if isinstance(value, str) and value.strip() and _id_problem(value) is None \
                and text_problem(value) is None:
            return value
    return None


def _id_problem(value: str) -> str | None:
    """What makes a text unusable as an id, beyond what the converter checks of every text."""
    if text_problem(value):
        return None  # the converter reports it, as for any text
    if len(value) > MAX_ID_CHARS:
        return f"{len(value)} characters, more than {MAX_ID_CHARS}"
    if not value.isprintable():
        return "contains a line break, a control or an unprintable character"
    return None


def validate_record(raw: Any, source: str | None = None) -> ValidatedRecord:
    """Structure and cross-check one record; raise InputError listing every problem."""
    record_id = record_id_of(raw)
    if not isinstance(raw, dict):
        raise InputError(record_id, ["expected a JSON object (one custody record)"], source)
    problems = _shape_problems(raw)
    record: CustodyRecord | None = None
    if not problems:
        try:
            record = _FAST_CONVERTER.structure(raw, CustodyRecord)
        except Exception:  # whatever it is, the detailed path below says it exactly
            record = None
    if record is None:
        try:
            record = _CONVERTER.structure(raw, CustodyRecord)
        except (cattrs.BaseValidationError, ValueError, TypeError, KeyError) as exc:
            raise InputError(record_id, problems + error_lines(exc), source) from None
    more, warnings = _cross_check(record)
    problems += more
    if problems:
        raise InputError(record_id, problems, source)
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
        # Only text ids count here; any other id is reported by the converter.
        ids = [e.get("id") if isinstance(e, dict) and isinstance(e.get("id"), str) else None
               for e in events]
        counts = Counter(event_id for event_id in ids if event_id is not None)
        for index, event_id in enumerate(ids):
            if event_id is None:
                continue
            if counts[event_id] > 1:
                problems.append(f"events[{index}].id: duplicate event id {_clip(event_id)!r}")
            if problem := _id_problem(event_id):
                problems.append(f"events[{index}].id: {problem}")
    record_id = raw.get("record_id")
    if isinstance(record_id, str):
        if not record_id.strip():
            problems.append("record_id: empty")
        elif problem := _id_problem(record_id):
            problems.append(f"record_id: {problem}")
    return problems


# How alike a type must be to a known one to be taken for a misspelling of it (difflib's ratio).
# The known types are at most 0.70 alike among themselves; `detention_authorized` is 0.95 like
# `detention_authorised`.
NEAR_TYPE = 0.85


def _near_event_type(declared: object) -> str | None:
    """The known event type that `declared` is a misspelling of (case, hyphens, spaces or a
    letter or two apart), or None for a type unlike any (kept and ignored, with a warning: an
    export may carry types this version does not know)."""
    if not isinstance(declared, str):
        return None
    folded = declared.strip().lower().replace("-", "_").replace(" ", "_")
    if folded in EVENT_TYPES:
        return folded
    close = difflib.get_close_matches(folded, EVENT_TYPES, n=1, cutoff=NEAR_TYPE)
    return close[0] if close else None


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
        if isinstance(event, UnknownEvent) and (near := _near_event_type(event.declared_type)):
            # Almost certainly a misspelling: kept and ignored, it would quietly switch off the
            # rules that read the type it meant.
            problems.append(
                f"events[{index}].type: unknown event type {_clip(event.declared_type)!r}; did "
                f"you mean {near!r}?"
            )
        elif isinstance(event, UnknownEvent):
            warnings.append(
                f"events[{index}].type: unknown event type {_clip(event.declared_type)!r} "
                "kept and ignored"
            )
    arrivals = [event for event in record.events if event.type == "arrival"]
    if not arrivals and record.events:
        problems.append("events: no arrival event; the custody clock cannot start")
    elif arrivals:
        arrival = min(arrivals, key=lambda event: event.at)
        dob = person.date_of_birth
        if dob is not None and dob > uk(arrival.at).date():
            problems.append(f"person.date_of_birth: {dob} is after the arrival")
        for index, event in enumerate(record.events):
            if event.at < arrival.at and event.type not in BEFORE_ARRIVAL_ALLOWED \
                    and not isinstance(event, UnknownEvent):
                label = event.type.replace("_", " ")
                problems.append(f"events[{index}].at: {label} before the arrival")
    if record.closed_at is not None and record.events:
        first = min(event.at for event in record.events)
        if record.closed_at < first:
            problems.append("closed_at: before the first event")
    return problems, warnings
