"""The engine facts: a timeline flattened into the facts the rules match, and their vocabulary.

Every event becomes a fact of its type with flat fields (numbers and text only: booleans 0/1,
enums by value, text as has_<field>, lists as <field>_<value> flags) plus what the timeline
knows at that moment (age, charged, appropriate adult on site...); derived facts stand for the
child, each review deadline, the PACE clock and the end of detention. `fact_fields` is the
vocabulary the rule files may name.
"""

from __future__ import annotations

import enum
import json
import re
import typing
from datetime import datetime

import attrs

from custody_rules.record import (
    EVENT_TYPES,
    RANK_LEVEL,
    Event,
    Review,
    Sex,
    UnknownEvent,
)
from custody_rules.timeline.custody import (
    HOUR,
    Timeline,
    epoch,
    is_code_c_juvenile,
    is_pace_juvenile,
)
from custody_rules.timeline.fact import Fact, FieldValue

# durable-rules scans at most 65,535 bytes of a string for a regular expression, counted as the
# string is written in the JSON it is given (the length wraps at 16 bits: measured, a word
# anywhere in a 70,008-character note was not found, one in 65,527 characters was; "é", written
# \u00e9, counts 6). Notes are read whole (issue 11): the rules see a note with every character
# outside printable ASCII as a space (their patterns are ASCII words, matched ASCII-case-
# insensitively: nothing they can match is lost), and a note still too long reaches them as
# overlapping pieces of at most ENGINE_TEXT_BYTES, sharing PIECE_OVERLAP characters so that no
# word is cut in two. A 100,000-character note is at most 4 pieces.
ENGINE_TEXT_BYTES = 60_000
PIECE_OVERLAP = 1_000
_NOT_PRINTABLE_ASCII = re.compile(r"[^\x20-\x7e]")


def text_pieces(text: str) -> list[str]:
    """The note as the rules match it: printable ASCII (anything else a space), whole if the
    engine can scan it, else overlapping pieces that it can, covering it all: each at most
    ENGINE_TEXT_BYTES long as JSON writes it, each starting PIECE_OVERLAP characters before the
    previous one ended."""
    text = _NOT_PRINTABLE_ASCII.sub(" ", text)
    if _json_length(text) <= ENGINE_TEXT_BYTES:
        return [text]
    pieces: list[str] = []
    start = 0
    while True:
        # The longest piece from `start` that fits: every character now takes 1 or 2 bytes.
        low, high = start + ENGINE_TEXT_BYTES // 2, min(len(text), start + ENGINE_TEXT_BYTES)
        low = min(low, high)
        while low < high:
            middle = (low + high + 1) // 2
            if _json_length(text[start:middle]) <= ENGINE_TEXT_BYTES:
                low = middle
            else:
                high = middle - 1
        pieces.append(text[start:low])
        if low >= len(text):
            return pieces
        start = low - PIECE_OVERLAP


def _json_length(text: str) -> int:
    return len(json.dumps(text)) - 2


def engine_facts(timeline: Timeline) -> list[Fact]:
    """The facts the rules match, in the order the engine is given them."""
    facts: list[Fact] = []
    nth: dict[str, int] = {}
    reviews_before = 0
    charge_at = timeline.charge.at if timeline.charge else None
    refused_at = timeline.bail_refused.at if timeline.bail_refused else None
    for seq, event in enumerate(timeline.events):
        if isinstance(event, UnknownEvent):
            continue
        nth[event.type] = nth.get(event.type, 0) + 1
        age = timeline.age_at(event.at)
        fields: dict[str, FieldValue] = {
            "seq": seq,
            "nth": nth[event.type],
            "age": -1 if age is None else age,
            "juvenile": int(is_pace_juvenile(age, event.at)),
            "code_c_juvenile": int(is_code_c_juvenile(age, event.at)),
            "under_18": int(age is not None and age < 18),
            "charged": int(charge_at is not None and charge_at <= event.at),
            "refused": int(refused_at is not None and refused_at <= event.at),
            "in_detention": int(event.at <= timeline.ends_at),
            "aa_on_site": int(timeline.aa_on_site(event.at)),
            "reviews_before": reviews_before,
        }
        fields.update(_officer_fields(event))
        fields.update(_own_fields(event))
        facts.append(Fact(event.type, epoch(event.at), fields, (event.id,)))
        if fields["has_note"]:
            # Free text can sit on any event (a "JDC for inspector" on the bail decision); one
            # `note` fact per noted event lets a rule match notes whatever the event's type.
            # durable-rules matches a regex reliably only as `.*word.*`, one per field, so the
            # text is given twice: a pattern needing two words puts one on each field. A note
            # too long for the engine to scan whole is given in pieces, every pair of them.
            pieces = text_pieces(str(fields["note"]))
            for first in pieces:
                for second in pieces:
                    facts.append(Fact(
                        "note", epoch(event.at),
                        {"of_type": event.type, "note": first, "note_2": second,
                         "seq": seq, "in_detention": fields["in_detention"]},
                        (event.id,), derived=True,
                    ))
        if isinstance(event, Review):
            reviews_before += 1
    facts.append(_child_fact(timeline))
    for deadline in timeline.review_deadlines:
        facts.append(Fact(
            "review_due", epoch(deadline.due),
            {"k": deadline.number, "counted_from_at": epoch(deadline.counted_from.at)},
            (deadline.counted_from.id,), derived=True,
        ))
    clock = timeline.clock
    if clock is not None:
        span = clock.limit - clock.relevant_time
        # The relevant time rests on the arrival (and on the arrest when that fixed it).
        evidence = tuple(dict.fromkeys(
            [e.id for e in timeline.events if e.type == "arrival"][:1] + [clock.anchor.id]
            + ([clock.limit_set_by.id] if clock.limit_set_by else [])))
        facts.append(Fact(
            "detention_clock", epoch(clock.relevant_time),
            {"limit_at": epoch(clock.limit),
             "limit_hours": span.seconds // HOUR + 24 * span.days,
             "basis": clock.basis,
             "awaiting_court": int(clock.awaiting_court is not None)},
            evidence, derived=True,
        ))
    left = timeline.left_by
    facts.append(Fact(
        "end", epoch(timeline.ends_at),
        {"open": int(timeline.still_held), "left": int(left is not None),
         "left_by": left.type if left else "none", "judged_at": epoch(timeline.judged_at)},
        (left.id,) if left else (), derived=True,
    ))
    return facts


def _officer_fields(event: Event) -> dict[str, FieldValue]:
    officer = event.by
    rank = officer.rank if officer else None
    role = officer.role if officer else None
    return {
        "by_rank": rank.value if rank else "none",
        "by_rank_level": RANK_LEVEL[rank] if rank else -1,
        "by_role": role.value if role else "none",
    }


_COMMON = frozenset({"id", "at", "by", "recorded_at", "note"})


FieldKinds = tuple[tuple[str, str, type[enum.Enum] | None], ...]
_FIELD_KINDS: dict[type, FieldKinds] = {}


def _field_kinds(cls: type) -> FieldKinds:
    """(name, kind, enum type) of each own field of an event class, resolved once per class."""
    if cls in _FIELD_KINDS:
        return _FIELD_KINDS[cls]
    hints = typing.get_type_hints(cls)
    kinds: list[tuple[str, str, type[enum.Enum] | None]] = []
    for attribute in attrs.fields(cls):
        if attribute.name in _COMMON:
            continue
        declared = hints[attribute.name]
        args = [arg for arg in typing.get_args(declared) if arg is not type(None)]
        inner = args[0] if args else declared
        if typing.get_origin(declared) is tuple:
            kinds.append((attribute.name, "flags", inner))
        elif inner is bool:
            kinds.append((attribute.name, "bool", None))
        elif inner is str:
            kinds.append((attribute.name, "text", None))
        elif inner is datetime:
            kinds.append((attribute.name, "time", None))
        elif isinstance(inner, type) and issubclass(inner, enum.Enum):
            kinds.append((attribute.name, "enum", inner))
    _FIELD_KINDS[cls] = tuple(kinds)
    return _FIELD_KINDS[cls]


# The vocabulary of the rule files: every fact type the timeline builds and the fields it
# carries (beside `at`). The rulebook refuses any other type or field, so a typo cannot make a
# rule silently match nothing; a test checks that every fact built stays within it.
EVENT_FACT_FIELDS = frozenset({
    "seq", "nth", "age", "juvenile", "code_c_juvenile", "under_18", "charged", "refused",
    "in_detention", "aa_on_site", "reviews_before", "by_rank", "by_rank_level", "by_role",
    "has_note", "note",
})
DERIVED_FACT_FIELDS: dict[str, frozenset[str]] = {
    "note": frozenset({"of_type", "note", "note_2", "seq", "in_detention"}),
    "child": frozenset({"age", "juvenile", "code_c_juvenile", "under_18", "female", "looked_after",
                        "violent_offence", "sexual_offence", "violent_or_sexual", "indictable",
                        "offences"}),
    "review_due": frozenset({"k", "counted_from_at"}),
    "detention_clock": frozenset({"limit_at", "limit_hours", "basis", "awaiting_court"}),
    "end": frozenset({"open", "left", "left_by", "judged_at"}),
}
# Fields holding the record's free text: rules may match them, never quote them in a message.
FREE_TEXT_FIELDS = frozenset({"note", "note_2"})


def fact_fields() -> dict[str, frozenset[str]]:
    """Fact type -> the fields a rule may name on it (`at` included)."""
    vocabulary = {name: fields | {"at"} for name, fields in DERIVED_FACT_FIELDS.items()}
    for type_name, cls in EVENT_TYPES.items():
        own: set[str] = set()
        for name, kind, enum_type in _field_kinds(cls):
            if kind == "text":
                own.add(f"has_{name}")
            elif kind == "flags" and enum_type is not None:
                own.add(f"{name}_count")
                own.update(f"{name}_{member.value}" for member in enum_type)
            else:
                own.add(name)
        vocabulary[type_name] = EVENT_FACT_FIELDS | own | {"at"}
    return vocabulary


def _own_fields(event: Event) -> dict[str, FieldValue]:
    """The event's own fields flattened for matching: booleans 0/1 (not recorded = 0), enums
    by value ("none" when absent), text as has_<field>, lists as <field>_<value> flags."""
    note = event.note or ""
    fields: dict[str, FieldValue] = {
        "has_note": int(bool(note.strip())),
        # The whole note (issue 11, kind 7): a sentence after the 500th character can decide a
        # finding. Its length is bounded by the record's text limit (convert.MAX_TEXT_CHARS).
        "note": note,
    }
    for name, kind, enum_type in _field_kinds(type(event)):
        value = getattr(event, name)
        if kind == "bool":
            fields[name] = int(bool(value))
        elif kind == "text":
            fields[f"has_{name}"] = int(bool(value and value.strip()))
        elif kind == "time":
            fields[name] = epoch(value) if value is not None else 0
        elif kind == "enum":
            fields[name] = value.value if value is not None else "none"
        elif kind == "flags" and enum_type is not None:
            present = {item.value for item in value}
            fields[f"{name}_count"] = len(value)
            for member in enum_type:
                fields[f"{name}_{member.value}"] = int(member.value in present)
    return fields


def _child_fact(timeline: Timeline) -> Fact:
    record = timeline.record
    person = record.person
    arrival = next((e for e in timeline.events if e.type == "arrival"), None)
    moment = arrival.at if arrival else (timeline.events[0].at if timeline.events else None)
    age = timeline.age_at(moment) if moment else None
    violent = any(o.violent for o in record.offences)
    sexual = any(o.sexual for o in record.offences)
    return Fact(
        "child", epoch(moment) if moment else 0,
        {
            "age": -1 if age is None else age,
            "juvenile": int(moment is not None and is_pace_juvenile(age, moment)),
            "code_c_juvenile": int(moment is not None and is_code_c_juvenile(age, moment)),
            "under_18": int(age is not None and age < 18),
            "female": int(person.sex is Sex.FEMALE),
            "looked_after": int(person.looked_after),
            "violent_offence": int(violent),
            "sexual_offence": int(sexual),
            "violent_or_sexual": int(violent or sexual),
            "indictable": int(any(o.indictable for o in record.offences)),
            "offences": len(record.offences),
        },
        (arrival.id,) if arrival else (), derived=True,
    )
