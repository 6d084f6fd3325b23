"""Reference statement of the pre-charge detention clock rules (PACE s.41-s.42)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from attrs import frozen

from custody_rules.policy import Policy
from custody_rules.record import RANK_LEVEL, Event, Rank
from custody_rules.timeline import Timeline
from tests.reference import Expected, reference
from tests.reference.reviews import (
    arrival,
    child_on_arrival,
    end_ids,
    first_charge,
    in_detention,
    rank_level,
    utc,
)

SUPERINTENDENT = RANK_LEVEL[Rank.SUPERINTENDENT]
DAY = timedelta(hours=24)
CEILING = timedelta(hours=36)


WARRANT = timedelta(hours=36)  # s.43(12), s.44(3)(a)
OUTER = timedelta(hours=96)  # s.44(3)(b)
GRACE = timedelta(hours=6)  # s.43(5)(b)


@frozen
class Clock:
    relevant: datetime
    ids: frozenset[str]  # the events the clock rests on
    limit: datetime


def clock(t: Timeline) -> Clock | None:
    """PACE s.41(2): the relevant time is the arrest when a person who came to the station was
    arrested there (c), else arrival or 24 hours after arrest if earlier (d). The limit: 24h,
    a s.42 extension's end (at most 36h), a warrant's end (at most 36h from its issue, 96h from
    the relevant time) when the warrant came before the limit in force ran out, or in the 6
    hours after the 36th hour (s.43(5)(b))."""
    came = arrival(t)
    if came is None:
        return None
    arrests = [e for e in t.events if e.type == "arrest"]
    arrest = arrests[0] if arrests else None
    relevant, ids = came.at, {came.id}
    if arrest is not None and arrest.at > came.at:
        relevant, ids = arrest.at, {came.id, arrest.id}
    elif arrest is not None and arrest.at + DAY < came.at:
        relevant, ids = arrest.at + DAY, {came.id, arrest.id}
    limit = relevant + DAY
    set_by: str | None = None
    reviews = 0
    for event in t.events:
        reviews += event.type == "review"
        until = getattr(event, "until", None)
        if event.type == "extension" and until is not None:
            if not void(t, relevant, event, reviews):
                limit = min(max(limit, until), relevant + CEILING)
                set_by = event.id
        elif event.type in ("warrant_of_further_detention", "warrant_extended"):
            if event.at < relevant:
                continue
            if event.at > limit and not (
                    event.type == "warrant_of_further_detention"
                    and limit == relevant + CEILING
                    and event.at <= relevant + CEILING + GRACE):
                break
            most = min(event.at + WARRANT, relevant + OUTER)
            limit = max(limit, min(until, most) if until is not None else most)
            set_by = event.id
    return Clock(relevant, frozenset(ids | ({set_by} if set_by else set())), limit)


def void(t: Timeline, relevant: datetime, extension: Event, reviews_before: int) -> bool:
    """A s.42 extension without legal effect: by a known rank below superintendent, for
    offences all recorded and none indictable, given more than 24 hours after the relevant
    time, or before the second review (s.42(1), (4))."""
    level = rank_level(extension)
    offences = t.record.offences
    return ((0 <= level < SUPERINTENDENT)
            or (bool(offences) and not any(o.indictable for o in offences))
            or extension.at > relevant + DAY
            or reviews_before < 2)


@reference("DC-01")
def detention_limit(t: Timeline, policy: Policy) -> Iterator[Expected]:
    """Every detainee: charged or out of police detention by the limit; a charge after the
    limit, or none while held, is a violation. A first warrant issued in the six hours after
    the 36th hour, having extended the limit, asks whether the court could not sit sooner."""
    c = clock(t)
    if c is None:
        return
    base = c.ids | end_ids(t)
    warrants = [e for e in t.events if e.type == "warrant_of_further_detention"]
    if warrants:
        w = warrants[0]
        if c.relevant + CEILING < w.at <= c.relevant + CEILING + GRACE and w.at < c.limit:
            yield Expected("DC-01", "needs_review", frozenset(base | {w.id}))
    charge = first_charge(t)
    if charge is not None and in_detention(t, charge):
        if charge.at > c.limit:
            yield Expected("DC-01", "violated", frozenset(base | {charge.id}))
        return
    if t.ends_at > c.limit:
        yield Expected("DC-01", "violated", frozenset(base))
    elif t.still_held:
        yield Expected("DC-01", "pending", frozenset(base), utc(c.limit))


@reference("DC-02")
def extension_conditions(t: Timeline, policy: Policy) -> Iterator[Expected]:
    """A s.42 extension: a superintendent or above, an indictable offence, given after the
    second review and within 24h of the relevant time, to no more than 36h."""
    first = arrival(t)
    if first is None:
        return
    child = child_on_arrival(t)
    assert child is not None
    offences = t.record.offences
    reviews = 0
    for event in t.events:
        if event.type == "review":
            reviews += 1
            continue
        if event.type != "extension":
            continue
        if not in_detention(t, event):
            continue
        events = frozenset({first.id, event.id}) | end_ids(t)
        level = rank_level(event)
        if 0 <= level < SUPERINTENDENT:
            yield Expected("DC-02", "violated", events)
        elif level == -1:
            yield Expected("DC-02", "needs_review", events)
        if not offences:
            yield Expected("DC-02", "needs_review", events | child)
        elif not any(offence.indictable for offence in offences):
            yield Expected("DC-02", "violated", events | child)
        if reviews < 2:
            yield Expected("DC-02", "violated", events)
        c = clock(t)
        if c is not None:
            with_clock = events | c.ids
            if event.at > c.relevant + DAY:
                yield Expected("DC-02", "violated", with_clock)
            until = getattr(event, "until", None)
            if until is not None and until > c.relevant + CEILING:
                yield Expected("DC-02", "violated", with_clock)
