"""What the rule engine matches: one flat fact, from an event of the record or derived."""

from __future__ import annotations

from collections.abc import Mapping

from attrs import frozen

FieldValue = int | str


@frozen
class Fact:
    """One thing the rules can match: an event of the record, or a fact derived from events.

    `fields` are flat numbers and strings only (the engine compares nothing else safely);
    `event_ids` are the record events that establish the fact.
    """

    type: str
    at: int
    fields: Mapping[str, FieldValue]
    event_ids: tuple[str, ...]
    derived: bool = False
