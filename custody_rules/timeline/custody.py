"""The custody facts: the record's events in time order and what the law derives from them.

Everything that many rules need is computed here once, in plain Python, on UTC: ages, charge and
bail refusal, when the child left police detention, whether an appropriate adult was on site, the
PACE s.40 review deadlines and the s.41 detention clock. `timeline.engine_facts` then flattens
them into the facts the rules compare.
"""

from __future__ import annotations

import bisect
import zoneinfo
from collections.abc import Mapping
from datetime import date, datetime, timedelta, timezone, tzinfo

from attrs import frozen

from custody_rules.population import CODE_C_SEVENTEEN_FROM as CODE_C_SEVENTEEN
from custody_rules.population import PACE_SEVENTEEN_FROM as PACE_SEVENTEEN
from custody_rules.record import (
    LEAVES_DETENTION,
    RANK_LEVEL,
    AAArrived,
    BailDecision,
    BailOutcome,
    CustodyRecord,
    Event,
    Extension,
    Rank,
    Review,
    Role,
    WarrantExtended,
    WarrantOfFurtherDetention,
)
from custody_rules.timeline.fact import Fact

HOUR = 3600
FIRST_REVIEW_AFTER = 6 * HOUR  # PACE s.40(3)(a)
LATER_REVIEW_EVERY = 9 * HOUR  # PACE s.40(3)(b)-(c)
CLOCK_LIMIT = 24 * HOUR  # PACE s.41(1)
EXTENDED_LIMIT = 36 * HOUR  # PACE s.42(1)
WARRANT_PERIOD = 36 * HOUR  # PACE s.43(12), s.44(3)(a): a warrant runs at most 36 hours
FURTHER_DETENTION_LIMIT = 96 * HOUR  # PACE s.44(3)(b): never past 96 hours from relevant time
# s.43(5)(b): when the court cannot sit at the 36th hour but sits in the next 6 hours, the
# application may be made then, and the person kept until it is heard (s.43(6)).
COURT_SITTING_GRACE = 6 * HOUR
# The dates 17-year-olds joined the Code C and PACE juvenile populations (custody_rules.population).
CODE_C_SEVENTEEN_FROM = CODE_C_SEVENTEEN
SEVENTEEN_JUVENILE_FROM = PACE_SEVENTEEN
# A child is not lawfully held for weeks; past this many deadlines the findings already say so,
# and an open record checked years later must not produce thousands of facts.
MAX_REVIEW_DEADLINES = 30
try:
    UK: tzinfo | None = zoneinfo.ZoneInfo("Europe/London")
except zoneinfo.ZoneInfoNotFoundError:  # no time zone data: fall back to the events' offsets
    UK = None


@frozen
class ReviewDeadline:
    """The k-th review of detention falls due at `due` (PACE s.40(3))."""

    number: int
    due: datetime
    counted_from: Event
    review: Review | None  # the k-th review actually held, on time or not


@frozen
class DetentionClock:
    """The PACE s.41 clock: when it started, why, and the limit on detention without charge.

    `basis` names the limb of s.41(2) that fixed the relevant time: `arrival` (d), `arrest`
    (d: 24 hours after an arrest, when that is earlier than arrival) or `arrest_at_station`
    (c: a person who attended voluntarily and was arrested at the station). `limit_set_by` is
    the extension (s.42) or warrant (s.43, s.44) that set the limit, if any; `awaiting_court`
    a warrant issued in the 6 hours after the 36th hour when the court could not sit sooner
    (s.43(5)(b)), the person being kept meanwhile (s.43(6)).
    """

    relevant_time: datetime
    basis: str
    anchor: Event
    limit: datetime
    limit_set_by: Event | None = None
    awaiting_court: Event | None = None


@frozen
class Timeline:
    record: CustodyRecord
    events: tuple[Event, ...]
    judged_at: datetime  # the moment the record is judged as of
    ends_at: datetime  # end of police detention, or judged_at if the child is still held
    still_held: bool
    left_by: Event | None
    detention_first_authorised: Event | None
    charge: Event | None
    bail_refused: BailDecision | None
    review_deadlines: tuple[ReviewDeadline, ...]
    relevant_time: datetime | None
    detention_limit: datetime | None
    aa_visits: tuple[tuple[datetime, datetime | None], ...]
    facts: tuple[Fact, ...] = ()
    event_times: tuple[datetime, ...] = ()  # the events' times, for bisecting
    display_zone: tzinfo | None = None  # Europe/London: every time is shown in one zone
    clock: DetentionClock | None = None  # the s.41 clock (relevant_time and detention_limit)

    def age_at(self, moment: datetime) -> int | None:
        return age_at(self.record, moment)

    def aa_on_site(self, moment: datetime) -> bool:
        return any(start <= moment and (end is None or moment < end)
                   for start, end in self.aa_visits)

    def offset_at(self, moment: datetime) -> tzinfo:
        """The zone times are shown in: Europe/London, whatever offsets the record was written
        with, so that one message never mixes zones ("due by 19:40 but held at 14:45") and a
        deadline after the clocks change reads right. Without a zone database: the offset of
        the last event at or before the moment (or of the first event)."""
        if self.display_zone is not None:
            return self.display_zone
        if not self.events:
            return timezone.utc
        index = bisect.bisect_right(self.event_times, moment) - 1
        return self.events[max(index, 0)].at.tzinfo or timezone.utc

    def event(self, event_id: str) -> Event | None:
        return next((event for event in self.events if event.id == event_id), None)


def epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def uk_date(moment: datetime) -> date:
    """The calendar day in UK legal time (GMT, or BST in summer: Interpretation Act 1978 s.9,
    Summer Time Act 1972 s.3) at that instant, whatever offset the record wrote it with."""
    if UK is None:
        return moment.date()
    return moment.astimezone(UK).date()


def age_at(record: CustodyRecord, moment: datetime) -> int | None:
    """Completed years at `moment`, from the date of birth, else the apparent age.

    An age is attained at the start of the birthday (Family Law Reform Act 1969 s.9), and the
    day is the UK's legal day: 00:30 BST on the 18th birthday (23:30 UTC the day before) is 18.
    Someone born on 29 February attains an age on 1 March in a common year (the day after
    28 February: the commonly held reading; the Act does not say).
    """
    dob = record.person.date_of_birth
    if dob is None:
        return record.person.apparent_age
    local = uk_date(moment)
    years = local.year - dob.year
    if (local.month, local.day) < (dob.month, dob.day):
        years -= 1
    return years


def is_pace_juvenile(age: int | None, moment: datetime) -> bool:
    """An "arrested juvenile" for PACE detention and bail (s.37(15)) at that moment: under 17,
    or under 18 from 26 October 2015 (Criminal Justice and Courts Act 2015 s.42)."""
    if age is None:
        return False
    if age < 17:
        return True
    return age == 17 and uk_date(moment) >= SEVENTEEN_JUVENILE_FROM


def is_code_c_juvenile(age: int | None, moment: datetime) -> bool:
    """A "juvenile" for Code C (1.5) at that moment: under 17, or under 18 from the revised
    Code C in force at 00:00 on 27 October 2013."""
    if age is None:
        return False
    if age < 17:
        return True
    return age == 17 and uk_date(moment) >= CODE_C_SEVENTEEN_FROM


def custody_timeline(record: CustodyRecord, as_of: datetime | None, now: datetime) -> Timeline:
    """Order the events, cut them at `as_of`, and derive the custody facts (no engine facts
    yet: `timeline.build_timeline` adds them).

    `now` is used only for a record still open with no `as_of`: it is judged as it stands now.
    """
    ordered = sorted(record.events, key=lambda event: (event.at, event.id))
    if as_of is not None:
        ordered = [event for event in ordered if event.at <= as_of]
    left_by = next((event for event in ordered if event.type in LEAVES_DETENTION), None)
    closed_at = record.closed_at
    if as_of is not None and closed_at is not None and closed_at > as_of:
        closed_at = None
    if as_of is not None:
        judged_at = min(as_of, closed_at) if closed_at else as_of
    elif closed_at is not None:
        judged_at = closed_at
    elif left_by is not None:
        judged_at = max(left_by.at, ordered[-1].at)
    else:
        judged_at = now
    if left_by is not None:
        ends_at, still_held = left_by.at, False
    elif closed_at is not None:
        ends_at, still_held = closed_at, False
    else:
        ends_at, still_held = judged_at, True

    first_of = _firsts(ordered)
    detention = first_of.get("detention_authorised")
    charge = first_of.get("charge")
    refused = next(
        (e for e in ordered if isinstance(e, BailDecision) and e.outcome is BailOutcome.REFUSED),
        None,
    )
    reviews = [e for e in ordered if isinstance(e, Review) and e.at <= ends_at]
    deadlines = review_deadlines(detention, reviews, ends_at, still_held)
    clock = detention_clock(ordered, first_of, record)
    relevant_time = clock.relevant_time if clock else None
    limit = clock.limit if clock else None
    visits = aa_visits(ordered)

    return Timeline(
        record=record, events=tuple(ordered), judged_at=judged_at, ends_at=ends_at,
        still_held=still_held, left_by=left_by, detention_first_authorised=detention,
        charge=charge, bail_refused=refused,
        review_deadlines=deadlines, relevant_time=relevant_time, detention_limit=limit,
        aa_visits=visits, clock=clock,
        event_times=tuple(event.at for event in ordered), display_zone=UK,
    )


def _firsts(events: list[Event]) -> dict[str, Event]:
    firsts: dict[str, Event] = {}
    for event in events:
        firsts.setdefault(event.type, event)
    return firsts


def review_deadlines(
    detention: Event | None, reviews: list[Review], ends_at: datetime, still_held: bool
) -> tuple[ReviewDeadline, ...]:
    """PACE s.40(3): D1 = T0 + 6h, D(k+1) = min(R_k, D_k) + 9h.

    Taking the minimum means an early review brings the next one forward, while a late
    (postponed) review does not push later ones back (s.40(6)). The cycle runs through charge
    and stops when the child leaves police detention; for a child still held the next deadline
    ahead is included, so that it can be shown as pending.
    """
    if detention is None:
        return ()
    deadlines: list[ReviewDeadline] = []
    due = detention.at + timedelta(seconds=FIRST_REVIEW_AFTER)
    counted_from: Event = detention
    for number in range(1, MAX_REVIEW_DEADLINES + 1):
        if due > ends_at and not still_held:
            break
        review = reviews[number - 1] if number <= len(reviews) else None
        deadlines.append(ReviewDeadline(number, due, counted_from, review))
        if due > ends_at:
            break
        if review is not None:
            counted_from = review
            due = min(review.at, due) + timedelta(seconds=LATER_REVIEW_EVERY)
        elif due == ends_at:
            # Due at the very moment the record is judged and not yet held: this one is the
            # deadline ahead. The next, counted from the same event, would be a second pending
            # obligation pointing at the same events.
            break
        else:
            due = due + timedelta(seconds=LATER_REVIEW_EVERY)
    return tuple(deadlines)


def extension_has_effect(
    extension: Extension, relevant: datetime, reviews_before: int, record: CustodyRecord
) -> bool:
    """Whether a superintendent's extension (PACE s.42) extends the clock at all. It is void,
    and the clock stays at 24 hours (s.41(1), (7)), when given by an officer below
    superintendent (s.42(1)), for an offence that is not indictable (s.42(1)(b): every offence
    recorded, and none indictable), more than 24 hours after the relevant time or before the
    second review (s.42(4)). An extension whose rank or offence is not recorded is taken at its
    word: DC-02 asks about it."""
    rank = extension.by.rank if extension.by else None
    if rank is not None and RANK_LEVEL[rank] < RANK_LEVEL[Rank.SUPERINTENDENT]:
        return False
    if record.offences and not any(offence.indictable for offence in record.offences):
        return False
    if extension.at > relevant + timedelta(seconds=CLOCK_LIMIT):
        return False
    return reviews_before >= 2


def detention_clock(
    events: list[Event], first_of: Mapping[str, Event], record: CustodyRecord
) -> DetentionClock | None:
    """PACE s.41: the relevant time, and the limit in force (24h; a s.42 extension with legal
    effect to 36h; a magistrates' warrant of further detention, s.43, or its extension, s.44,
    to 96h at most)."""
    arrival = first_of.get("arrival")
    if arrival is None:
        return None
    arrest = first_of.get("arrest")
    anchor: Event = arrival
    basis = "arrival"
    relevant = arrival.at
    if arrest is not None and arrest.at > arrival.at:
        # s.41(2)(c): attended voluntarily (or went with a constable unarrested) and was
        # arrested at the station: the clock starts at the arrest.
        anchor, basis, relevant = arrest, "arrest_at_station", arrest.at
    elif arrest is not None and arrest.at + timedelta(seconds=CLOCK_LIMIT) < arrival.at:
        # s.41(2)(d): arrival, or 24 hours after the arrest, whichever is earlier.
        anchor, basis = arrest, "arrest"
        relevant = arrest.at + timedelta(seconds=CLOCK_LIMIT)
    limit = relevant + timedelta(seconds=CLOCK_LIMIT)
    ceiling = relevant + timedelta(seconds=EXTENDED_LIMIT)
    outer = relevant + timedelta(seconds=FURTHER_DETENTION_LIMIT)
    set_by: Event | None = None
    awaiting: Event | None = None
    reviews = 0
    for event in events:
        if isinstance(event, Review):
            reviews += 1
        if (isinstance(event, Extension) and event.until is not None
                and extension_has_effect(event, relevant, reviews, record)):
            limit = min(max(limit, event.until), ceiling)
            set_by = event
        elif isinstance(event, WarrantOfFurtherDetention | WarrantExtended):
            if event.at < relevant:
                continue
            if event.at > limit:
                # Issued after the limit in force had passed: lawful only for a first warrant
                # in the 6 hours after the 36th hour (s.43(5)(b)); otherwise the child was
                # already held unlawfully and the warrant does not undo it.
                late_ok = (isinstance(event, WarrantOfFurtherDetention) and limit == ceiling
                           and event.at <= ceiling + timedelta(seconds=COURT_SITTING_GRACE))
                if not late_ok:
                    break
                awaiting = event
            most = min(event.at + timedelta(seconds=WARRANT_PERIOD), outer)
            until = min(event.until, most) if event.until is not None else most
            limit = max(limit, until)
            set_by = event
    return DetentionClock(relevant, basis, anchor, limit, set_by, awaiting)


def can_act_as_appropriate_adult(arrival: Event) -> bool:
    """Whether the adult who arrived can be relied on as the appropriate adult. Not a police
    officer or police employee (Code C 1.7), not someone involved in the case (Note 1B), and not
    an officer of the investigation recorded as the adult (`by`: the investigating or arresting
    officer). An arrival that fails is no appropriate adult on site for any rule: the rules that
    judge the adult (AA-01) report it, and a procedure recorded "with the appropriate adult"
    while only such an adult was there becomes a question."""
    if not isinstance(arrival, AAArrived):
        return False
    if arrival.police_employee or arrival.involved_in_case:
        return False
    role = arrival.by.role if arrival.by else None
    return role not in (Role.INVESTIGATING_OFFICER, Role.ARRESTING_OFFICER)


def aa_visits(events: list[Event]) -> tuple[tuple[datetime, datetime | None], ...]:
    visits: list[tuple[datetime, datetime | None]] = []
    arrived: datetime | None = None
    for event in events:
        if event.type == "aa_arrived" and not can_act_as_appropriate_adult(event):
            continue
        if event.type == "aa_arrived" and arrived is None:
            arrived = event.at
        elif event.type == "aa_departed" and arrived is not None:
            visits.append((arrived, event.at))
            arrived = None
    if arrived is not None:
        visits.append((arrived, None))
    return tuple(visits)
