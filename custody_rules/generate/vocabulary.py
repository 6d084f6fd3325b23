"""The record format's vocabulary as the generator draws it, read from the record model
(`custody_rules.record`) so that a new event type, field or value there is generated (by chaos
at least) and so differential-tested: the event types, officers' ranks and roles, the values
of every enum, and each event type's own fields by kind, for chaos to set at random. Also the
deliberate subsets the story draws from, each named with its reason, and the custody-log
remarks."""

from __future__ import annotations

import enum
import types
import typing
from collections.abc import Callable
from datetime import datetime
from typing import Any

import attrs

from custody_rules import record
from custody_rules.record import (
    RANK_LEVEL,
    BailGround,
    CertificateReason,
    Event,
    Rank,
    Role,
    SafeguardingCategory,
)
from custody_rules.validate import BEFORE_ARRIVAL_ALLOWED


def values(enum_type: type[enum.Enum]) -> tuple[str, ...]:
    """The values of an enum of the record model, in the model's order."""
    return tuple(member.value for member in enum_type)


EVENT_TYPES: tuple[str, ...] = tuple(record.EVENT_TYPES)
RANKS = values(Rank)
ROLES = values(Role)
BAIL_GROUNDS = values(BailGround)
CATEGORIES = values(SafeguardingCategory)


# --------------------------------------------------------------------------- fields by kind

def _own_fields(cls: type[Event]) -> list[tuple[str, Any]]:
    """The fields an event type adds to those every event has, with their types."""
    common = {field.name for field in attrs.fields(Event)}
    hints = typing.get_type_hints(cls)
    return [(field.name, hints[field.name]) for field in attrs.fields(cls)
            if field.name not in common]


def _without_none(hint: Any) -> Any:
    """`X` for `X | None`; anything else as it is."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        rest = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        if len(rest) == 1:
            return rest[0]
    return hint


def _by_kind(kind: Callable[[Any], tuple[str, ...] | None]) -> dict[str, dict[str, Any]]:
    """For each event type, its own fields of one kind: name -> their values (None: a field
    not of that kind)."""
    out: dict[str, dict[str, Any]] = {}
    for type_, cls in record.EVENT_TYPES.items():
        fields = {name: made for name, hint in _own_fields(cls)
                  if (made := kind(_without_none(hint))) is not None}
        if fields:
            out[type_] = fields
    return out


def _named(of_type: type) -> dict[str, tuple[str, ...]]:
    """For each event type, the names of its own fields of type `of_type` (or `of_type | None`)."""
    return {type_: tuple(fields)
            for type_, fields in _by_kind(lambda hint: () if hint is of_type else None).items()}


def _enum_values(hint: Any) -> tuple[str, ...] | None:
    return values(hint) if isinstance(hint, type) and issubclass(hint, enum.Enum) else None


def _list_values(hint: Any) -> tuple[str, ...] | None:
    """The values a list of enum values (`tuple[SomeEnum, ...]`) draws from."""
    args = typing.get_args(hint)
    if typing.get_origin(hint) is tuple and len(args) == 2 and args[1] is Ellipsis:
        return _enum_values(args[0])
    return None


# Every enum, yes/no, text, list and time field of every event type, for chaos to set at
# random (the fields every event has, `id`, `at`, `by`, `recorded_at` and `note`, apart).
ENUM_FIELDS: dict[str, dict[str, tuple[str, ...]]] = _by_kind(_enum_values)
LIST_FIELDS: dict[str, dict[str, tuple[str, ...]]] = _by_kind(_list_values)
BOOL_FIELDS = _named(bool)
TEXT_FIELDS = _named(str)
TIME_FIELDS = _named(datetime)


# --------------------------------------------------------------------------- deliberate subsets

# The safeguarding categories that are modern slavery or trafficking for a child (Modern
# Slavery Act 2015 s.52, rule SG-02): a concern of one of them calls for an NRM referral.
EXPLOITATION = tuple(category.value for category in (
    SafeguardingCategory.CRIMINAL_EXPLOITATION, SafeguardingCategory.SEXUAL_EXPLOITATION,
    SafeguardingCategory.COUNTY_LINES, SafeguardingCategory.TRAFFICKING))
# The reasons the law accepts for a certificate that a move to local authority accommodation
# is impracticable (PACE s.38(6)(a), Code C Note 16D; rule PC-02), and `other`, which needs
# judgement. Every other reason is one Note 16D rules out: poor practice certifies on those.
ACCEPTED_IMPRACTICABLE = (CertificateReason.EXTREME_WEATHER, CertificateReason.CHILD_ILLNESS,
                          CertificateReason.IMMINENT_COURT, CertificateReason.LA_NO_ACCOMMODATION)
INVALID_IMPRACTICABLE = tuple(
    reason.value for reason in CertificateReason
    if reason not in ACCEPTED_IMPRACTICABLE and reason is not CertificateReason.OTHER)
# What a poorly handled refusal of bail certifies on when the reason is not an invalid one: the
# reasons a custody officer reaches for at night (neither weather nor illness is in the story).
POOR_IMPRACTICABLE = tuple(reason.value for reason in (
    CertificateReason.LA_NO_ACCOMMODATION, CertificateReason.IMMINENT_COURT,
    CertificateReason.OTHER))
# Who may sign a void extension of detention (PACE s.42(1) requires a superintendent or above),
# or no one recorded: the ranks below, by seniority.
RANKS_BELOW_SUPERINTENDENT: tuple[str | None, ...] = (
    *(rank.value for rank in sorted(RANK_LEVEL, key=RANK_LEVEL.__getitem__)
      if RANK_LEVEL[rank] < RANK_LEVEL[Rank.SUPERINTENDENT]),
    None,
)
# What is done at the station, so never before the child's first arrival.
AT_STATION = frozenset(EVENT_TYPES) - BEFORE_ARRIVAL_ALLOWED

# Custody-log remarks any record may carry.
PLAIN_NOTES = (
    "Mother called, on her way", "Solicitor consulted by phone", "Child given food and drink",
    "Spoke to child about his wishes; wants to go home", "Juvenile detention room out of use",
    "Child asleep; checked every 30 minutes",
)
# Chaos also writes the remarks rules may read, and blank or unusual text.
NOTES = (
    *PLAIN_NOTES,
    "JDC for inspector", "awaiting inspector re JDC", "EDT called, no secure beds tonight",
    "Remand to court in the morning", "Inspector reviewed by phone",
    "Certificate completed by custody officer", "No appropriate adult available until morning",
    "", "   ", "Pas de commentaire \u00e9crit", "\u2705 checked", "inspector", "x" * 700,
)
