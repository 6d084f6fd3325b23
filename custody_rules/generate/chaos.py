"""The chaos mutations: a told custody's events dropped, duplicated, added, snapped onto the
boundaries the rules measure, moved and rewritten, keeping the record valid."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from custody_rules.generate.dates import MINUTE
from custody_rules.generate.draft import Draft, Json
from custody_rules.generate.draws import randint
from custody_rules.generate.vocabulary import (
    AT_STATION,
    BOOL_FIELDS,
    ENUM_FIELDS,
    EVENT_TYPES,
    LIST_FIELDS,
    NOTES,
    RANKS,
    ROLES,
    TEXT_FIELDS,
    TIME_FIELDS,
)

# Besides arrival and the authorisation of detention, the events the rules count a deadline
# from (a deliberate subset of the event types), and the minutes after them at which a rule's
# deadline falls (30 minutes to 36 hours): chaos snaps events onto these, to the second.
DEADLINE_ANCHORS = ("bail_decision", "charge", "la_response", "review", "safeguarding_concern",
                    "aa_requested")
DEADLINE_MINUTES = (0, 30, 60, 120, 360, 900, 1440, 2160)


def mangle(rng: random.Random, draft: Draft) -> None:
    """Drop, duplicate, add, move and rewrite events; keep the record valid."""
    events = draft.events
    arrival = min(at for at, event in events if event["type"] == "arrival")
    authorised = next((at for at, event in events if event["type"] == "detention_authorised"),
                      arrival)
    end = max(at for at, _ in events)
    # Drop steps (never the first arrival).
    for _ in range(rng.choice((0, 0, 1, 2, 4))):
        if len(events) > 2:
            index = rng.randrange(len(events))
            if not (events[index][1]["type"] == "arrival" and events[index][0] == arrival):
                events.pop(index)
    # Duplicate steps, a little earlier or later.
    for _ in range(rng.choice((0, 0, 1, 3))):
        at, event = rng.choice(events)
        events.append((at + timedelta(minutes=randint(rng, -180, 180)), dict(event)))
    # Extra events of any type at any time around the custody.
    span = max(int((end - arrival) / MINUTE), 60)
    for _ in range(rng.choice((0, 1, 2, 3, 6))):
        at = arrival + timedelta(minutes=randint(rng, -360, span + 720))
        type_ = rng.choice(EVENT_TYPES)
        events.append((at, _random_event(rng, type_, at)))
    # Snap events onto the boundaries the rules measure, to the second.
    anchors = [arrival, authorised] + [at for at, event in events
                                        if event["type"] in DEADLINE_ANCHORS]
    for _ in range(rng.choice((0, 1, 2, 4))):
        index = rng.randrange(len(events))
        anchor = rng.choice(anchors)
        at = anchor + timedelta(minutes=rng.choice(DEADLINE_MINUTES),
                                seconds=rng.choice((-1, 0, 0, 1)))
        events[index] = (at, events[index][1])
    # Move some events by a lot, and make some times coincide exactly.
    for _ in range(rng.choice((0, 1, 3))):
        index = rng.randrange(len(events))
        at, event = events[index]
        events[index] = (at + timedelta(minutes=randint(rng, -600, 600)), event)
    for _ in range(rng.choice((0, 1, 2))):
        one, other = rng.randrange(len(events)), rng.randrange(len(events))
        events[one] = (events[other][0], events[one][1])
    # Rewrite fields.
    for _, event in events:
        if rng.random() < 0.25:
            _toggle_fields(rng, event)
    # Keep it valid: what is done at the station is not before the first arrival.
    first_arrival = min(at for at, event in events if event["type"] == "arrival")
    draft.events = [
        (max(at, first_arrival) if event["type"] in AT_STATION else at, event)
        for at, event in events
    ]
    first = min(at for at, _ in draft.events)
    if draft.closed_at is not None:
        roll = rng.random()
        if roll < 0.15:
            draft.closed_at = None
        elif roll < 0.3:
            draft.closed_at = rng.choice(draft.events)[0]
        elif roll < 0.35:
            draft.closed_at = first
    if draft.closed_at is not None and draft.closed_at < first:
        draft.closed_at = first
    person = draft.record["person"]
    dob = person.get("date_of_birth")
    if dob is not None and date.fromisoformat(dob) > _earliest_day(draft.events):
        person["date_of_birth"] = _earliest_day(draft.events).isoformat()


def _earliest_day(events: list[tuple[datetime, Json]]) -> date:
    """The smallest calendar day any arrival can be read on, whatever offset it is written in."""
    first = min(at for at, event in events if event["type"] == "arrival")
    return (first - timedelta(hours=13)).date()


def _random_event(rng: random.Random, type_: str, at: datetime) -> Json:
    event: Json = {"type": type_}
    for name, values in ENUM_FIELDS.get(type_, {}).items():
        if rng.random() < 0.7:
            event[name] = rng.choice(values)
    for name in BOOL_FIELDS.get(type_, ()):
        if rng.random() < 0.7:
            event[name] = rng.random() < 0.5
    for name in TEXT_FIELDS.get(type_, ()):
        if rng.random() < 0.5:
            event[name] = rng.choice(("x", "Recorded reason", "", " "))
    for name, values in LIST_FIELDS.get(type_, {}).items():
        if rng.random() < 0.8:
            event[name] = rng.sample(values, randint(rng, 0, 3))
    for name in TIME_FIELDS.get(type_, ()):
        if rng.random() < 0.8:
            event[name] = at + timedelta(minutes=randint(rng, -600, 2400))
    if rng.random() < 0.6:
        event["by"] = _random_officer(rng)
    return event


def _random_officer(rng: random.Random) -> Json:
    officer: Json = {}
    if rng.random() < 0.8:
        officer["id"] = f"X {randint(rng, 1, 9999)}"
    if rng.random() < 0.8:
        officer["rank"] = rng.choice(RANKS)
    if rng.random() < 0.8:
        officer["role"] = rng.choice(ROLES)
    return officer


def _toggle_fields(rng: random.Random, event: Json) -> None:
    type_ = event["type"]
    roll = rng.random()
    if roll < 0.3:
        optional = [name for name in event if name not in ("type",)]
        if optional:
            del event[rng.choice(optional)]
    elif roll < 0.5:
        event["by"] = _random_officer(rng)
    elif roll < 0.6:
        event.pop("by", None)
    elif roll < 0.75:
        fields = BOOL_FIELDS.get(type_, ())
        if fields:
            event[rng.choice(fields)] = rng.random() < 0.5
    elif roll < 0.85:
        fields_enum = ENUM_FIELDS.get(type_, {})
        if fields_enum:
            name = rng.choice(list(fields_enum))
            event[name] = rng.choice(fields_enum[name])
    elif roll < 0.95:
        event["note"] = rng.choice(NOTES)
    else:
        for name, values in LIST_FIELDS.get(type_, {}).items():
            event[name] = rng.sample(values, randint(rng, 0, len(values)))
