"""Reference statement of the pre-charge detention clock rules (PACE s.41-s.42)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from custody_rules.policy import Policy
from custody_rules.record import RANK_LEVEL, Rank
from custody_rules.timeline import Timeline
from tests.reference import Expected, reference
from tests.reference.reviews import (
    age_or_unknown,
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


def clock_ids(t: Timeline) -> frozenset[str]:
    """The events the detention clock rests on: the arrival (the relevant time) and the
    extension that set the limit (the last one recorded)."""
    ids = [e.id for e in t.events if e.type in ("arrival", "extension")]
    return frozenset(ids[:1] + ids[1:][-1:])


@reference("DC-01")
def detention_limit(t: Timeline, policy: Policy) -> Iterator[Expected]:
    """Charged or out of police detention by the limit (24h from the relevant time, or the
    s.42 extension up to 36h); a charge after the limit, or none while held, is a violation."""
    child = child_on_arrival(t)
    if child is None or t.relevant_time is None or t.detention_limit is None:
        return
    limit = t.detention_limit
    base = child | clock_ids(t) | end_ids(t)
    charge = first_charge(t)
    if charge is not None and in_detention(t, charge):
        if charge.at > limit:
            yield Expected("DC-01", "violated", frozenset(base | {charge.id}))
        return
    if t.ends_at > limit:
        yield Expected("DC-01", "violated", frozenset(base))
    elif t.still_held:
        yield Expected("DC-01", "pending", frozenset(base), utc(limit))


@reference("DC-02")
def extension_conditions(t: Timeline, policy: Policy) -> Iterator[Expected]:
    """A s.42 extension: a superintendent or above, an indictable offence, given after the
    second review and within 24h of the relevant time, to no more than 36h."""
    first = arrival(t)
    if first is None or age_or_unknown(t, first.at) >= 18:
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
        if not in_detention(t, event) or age_or_unknown(t, event.at) >= 18:
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
        if t.relevant_time is not None:
            with_clock = events | clock_ids(t)
            if event.at > t.relevant_time + DAY:
                yield Expected("DC-02", "violated", with_clock)
            until = getattr(event, "until", None)
            if until is not None and until > t.relevant_time + CEILING:
                yield Expected("DC-02", "violated", with_clock)
