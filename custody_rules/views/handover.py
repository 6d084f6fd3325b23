"""The custody sergeant's handover: where a child still held stands at one moment.

Built from a RecordResult and nothing else. What is violated, falling due or waiting for a
person's judgement are the result's own findings (pending ones carry their due time), so every
obligation on the screen comes from a rule and none is computed twice. The PACE clock, the next
review and the short log come from the Timeline, which the rules' derived facts come from too.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from attrs import frozen

from custody_rules.findings import Finding, RecordResult
from custody_rules.record import Event, Extension
from custody_rules.rulebook import Status
from custody_rules.timeline import Timeline, extension_has_effect
from custody_rules.uktime import time_left, uk
from custody_rules.views.narrative import describe_event
from custody_rules.views.report import ADULT_FROM, by_rule, no_child_rule

# A handover is read on one screen: the log shows the latest events, and says how many it hid.
RECENT_EVENTS = 12


@frozen
class PaceClock:
    """PACE s.41: the pre-charge limit, counted from the relevant time."""

    relevant_time: datetime
    counted_from: str  # "arrival", or "24 hours after arrest" when that came first (s.41(2))
    limit: datetime  # 24 hours, or the s.42 extension in force (at most 36 hours)
    limit_hours: int
    extension: Event | None
    stopped_at_charge: datetime | None  # after charge the s.41 limit no longer runs (s.38, s.46)
    time_left: timedelta | None  # to the limit from the as-of time (negative: passed); None
    # once charged

    @property
    def running(self) -> bool:
        return self.stopped_at_charge is None


@frozen
class NextReview:
    """The next review of detention not yet held (PACE s.40(3))."""

    number: int
    due: datetime
    counted_from: Event
    after_charge: bool  # then the custody officer reviews, not an inspector (s.40(1)(a))
    time_left: timedelta  # from the as-of time (negative: overdue)


@frozen
class Obligation:
    """A pending finding: an obligation falling due, with the time left at the handover."""

    finding: Finding
    index: int  # position in RecordResult.findings
    due: datetime
    time_left: timedelta


@frozen
class LogLine:
    event_id: str
    at: datetime
    summary: str


@frozen
class Handover:
    record_id: str
    force: str | None
    station: str | None
    as_of: datetime
    still_held: bool
    child: str
    offences: tuple[str, ...]
    arrived_at: datetime | None
    held_for: timedelta | None
    charged_at: datetime | None
    bail_refused_at: datetime | None
    clock: PaceClock | None
    next_review: NextReview | None
    violated: tuple[tuple[int, Finding], ...]
    falling_due: tuple[Obligation, ...]
    needs_judgement: tuple[tuple[int, Finding], ...]
    log: tuple[LogLine, ...]
    earlier_events: int  # events before the first one in `log`
    timeline: Timeline
    adult: bool  # aged 18 or over: "Person", not "Child"
    no_child_rule: str | None  # why no rule applied, when none did


def handover_for(result: RecordResult, recent_events: int = RECENT_EVENTS) -> Handover:
    """The handover view of one judged record (meant for a child still held, but total)."""
    timeline = result.timeline
    arrival = next((e for e in timeline.events if e.type == "arrival"), None)
    findings = list(enumerate(result.findings))
    index = {id(f): i for i, f in findings}
    pending = [
        Obligation(f, i, uk(f.due), time_left(f.due, result.as_of))
        for i, f in findings if f.status is Status.PENDING and f.due is not None
    ]
    violated = by_rule(timeline, (f for f in result.findings if f.status is Status.VIOLATED))
    judgement = by_rule(timeline, (f for f in result.findings
                                   if f.status is Status.NEEDS_REVIEW))
    age = timeline.age_at(arrival.at if arrival else timeline.judged_at)
    shown = timeline.events[-recent_events:] if recent_events > 0 else ()
    return Handover(
        record_id=result.record_id,
        force=timeline.record.force,
        station=timeline.record.station,
        as_of=uk(result.as_of),
        still_held=timeline.still_held,
        child=child_summary(timeline),
        offences=tuple(_offence(o.description, o.violent, o.sexual, o.indictable)
                       for o in timeline.record.offences),
        arrived_at=uk(arrival.at) if arrival else None,
        held_for=timeline.ends_at - arrival.at if arrival else None,
        charged_at=uk(timeline.charge.at) if timeline.charge else None,
        bail_refused_at=(uk(timeline.bail_refused.at)
                         if timeline.bail_refused else None),
        clock=pace_clock(timeline, result.as_of),
        next_review=next_review(timeline, result.as_of),
        violated=tuple((index[id(f)], f) for group in violated for f in group.findings),
        falling_due=tuple(sorted(pending, key=lambda o: (o.due, o.index))),
        needs_judgement=tuple((index[id(f)], f) for group in judgement for f in group.findings),
        log=tuple(LogLine(e.id, uk(e.at), describe_event(e, timeline))
                  for e in shown),
        earlier_events=len(timeline.events) - len(shown),
        timeline=timeline,
        adult=age is not None and age >= ADULT_FROM,
        no_child_rule=no_child_rule(result),
    )


def child_summary(timeline: Timeline) -> str:
    """`16, male, looked after (Lambeth)`: what the next sergeant must know first."""
    person = timeline.record.person
    arrival = next((e for e in timeline.events if e.type == "arrival"), None)
    age = timeline.age_at(arrival.at if arrival else timeline.judged_at)
    parts = [f"aged {age}" if age is not None else "age unknown"]
    if person.date_of_birth is None and person.apparent_age is not None:
        parts[0] += " (apparent)"
    if person.sex.value != "unknown":
        parts.append(person.sex.value)
    if person.looked_after:
        where = f" ({person.home_local_authority})" if person.home_local_authority else ""
        parts.append(f"looked after{where}")
    elif person.home_local_authority:
        parts.append(f"home authority {person.home_local_authority}")
    return ", ".join(parts)


def _offence(description: str | None, violent: bool, sexual: bool, indictable: bool) -> str:
    kinds = [k for k, flag in (("violent", violent), ("sexual", sexual),
                               ("indictable", indictable)) if flag]
    text = description or "offence not described"
    return f"{text} ({', '.join(kinds)})" if kinds else text


# What the relevant time was counted from (PACE s.41(2)), by the timeline's basis.
COUNTED_FROM = {
    "arrival": "arrival",
    "arrest": "24 hours after arrest",
    "arrest_at_station": "arrest at the station (attended voluntarily)",
}


def pace_clock(timeline: Timeline, as_of: datetime) -> PaceClock | None:
    clock = timeline.clock
    if clock is None or timeline.relevant_time is None or timeline.detention_limit is None:
        return None
    counted_from = COUNTED_FROM.get(clock.basis, clock.basis)
    # Only an extension with legal effect moved the limit (s.42(1), (4)); a void one is not shown.
    extensions: list[Extension] = []
    reviews = 0
    for event in timeline.events:
        reviews += event.type == "review"
        if (isinstance(event, Extension) and event.until is not None
                and extension_has_effect(event, timeline.relevant_time, reviews,
                                         timeline.record)):
            extensions.append(event)
    span = timeline.detention_limit - timeline.relevant_time
    return PaceClock(
        relevant_time=uk(timeline.relevant_time),
        counted_from=counted_from,
        limit=uk(timeline.detention_limit),
        limit_hours=int(span.total_seconds() // 3600),
        extension=extensions[-1] if extensions else None,
        stopped_at_charge=uk(timeline.charge.at) if timeline.charge else None,
        time_left=None if timeline.charge else time_left(timeline.detention_limit, as_of),
    )


def next_review(timeline: Timeline, as_of: datetime) -> NextReview | None:
    """The first review deadline with no review held for it; None once the child has left."""
    if not timeline.still_held:
        return None
    for deadline in timeline.review_deadlines:
        if deadline.review is None:
            after_charge = timeline.charge is not None and timeline.charge.at <= deadline.due
            return NextReview(deadline.number, uk(deadline.due),
                              deadline.counted_from, after_charge,
                              time_left(deadline.due, as_of))
    return None
