"""Reference statement of the review rules (PACE s.40, s.40A; Code C 15).

The s.40 reviews by the right officer, s.40A remote reviews and the detainee's own
representations are owed to every detainee, whatever the age (issue 11, kind 1). RV-06 and the
appropriate adult's part in RV-07 are owed to the Code C juvenile (under 17 before 27 October
2013) at the review; RV-08 to the PACE arrested juvenile (under 17 before 26 October 2015), on
arrival and at the review. A finding points at the events of every fact
it rests on: the arrival (the child), the review deadline's counted-from event, the review or
other events named, and the event by which the child left police detention, if any.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime, timedelta, timezone

from custody_rules.policy import Policy
from custody_rules.record import RANK_LEVEL, Event, Rank
from custody_rules.timeline import ReviewDeadline, Timeline
from tests.reference import Expected, reference
from tests.reference.juvenile import aa_who_can_act_on_site
from tests.reference.population import LONDON, code_c_juvenile, known_age, pace_juvenile

INSPECTOR = RANK_LEVEL[Rank.INSPECTOR]
REMOTE = ("telephone", "video")
INVOLVED_ROLES = ("arresting_officer", "investigating_officer")
ASLEEP = re.compile(r"sleep|slept", re.IGNORECASE)


# --------------------------------------------------------------------------- shared helpers

def arrival(t: Timeline) -> Event | None:
    return next((e for e in t.events if e.type == "arrival"), None)


def age_or_unknown(t: Timeline, moment: datetime) -> int:
    return known_age(t, moment)


Who = Callable[[Timeline, datetime], bool]


def everyone(t: Timeline, moment: datetime) -> bool:
    return True


def child_on_arrival(t: Timeline, who: Who = everyone) -> frozenset[str] | None:
    """The arrival's id(s) (the `child` fact's evidence) if the person then belonged to the
    population `who`, else None."""
    first = arrival(t)
    moment = first.at if first else (t.events[0].at if t.events else None)
    if moment is None or not who(t, moment):
        return None
    return frozenset({first.id}) if first else frozenset()


def end_ids(t: Timeline) -> frozenset[str]:
    return frozenset({t.left_by.id}) if t.left_by else frozenset()


def in_detention(t: Timeline, event: Event) -> bool:
    return event.at <= t.ends_at


def of_type(t: Timeline, kind: str) -> list[Event]:
    return [e for e in t.events if e.type == kind]


def first_charge(t: Timeline) -> Event | None:
    return next((e for e in t.events if e.type == "charge"), None)


def first_refusals(t: Timeline) -> list[Event]:
    """The first refusal of bail (all of them, if several share its time)."""
    refusals = [e for e in t.events if e.type == "bail_decision"
                and getattr(e, "outcome", None) is not None and e.outcome.value == "refused"]
    if not refusals:
        return []
    return [e for e in refusals if e.at == refusals[0].at]


def charged_at(t: Timeline, moment: datetime) -> bool:
    charge = first_charge(t)
    return charge is not None and charge.at <= moment


def refused_at(t: Timeline, moment: datetime) -> bool:
    refusals = first_refusals(t)
    return bool(refusals) and refusals[0].at <= moment


def rank_level(event: Event) -> int:
    rank = event.by.rank if event.by else None
    return RANK_LEVEL[rank] if rank is not None else -1


def role(event: Event) -> str:
    officer_role = event.by.role if event.by else None
    return officer_role.value if officer_role is not None else "none"


def has_text(value: str | None) -> bool:
    return bool(value and value.strip())


def mode(review: Event) -> str:
    value = getattr(review, "mode", None)
    return value.value if value is not None else "none"


def child_reviews(t: Timeline, who: Who = everyone) -> Iterator[Event]:
    """Reviews held while the person was in police detention and belonged to `who`."""
    for review in of_type(t, "review"):
        if in_detention(t, review) and who(t, review.at):
            yield review


def utc(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc)


# An interview begun in the two hours before a review fell due may still have been under way
# (Code C 12.8: a break about every two hours); one begun earlier is put as a question.
QUESTIONING_WINDOW = 2 * 3600


def deadline_findings(
    rule: str, t: Timeline, child: frozenset[str], deadlines: Iterable[ReviewDeadline]
) -> Iterator[Expected]:
    """Review k is held by deadline k, or held late with a postponement (RV-03's business);
    held late without one, or never held while the child was held, is a violation."""
    reviews = of_type(t, "review")
    interviews = [int(i.at.timestamp()) for i in of_type(t, "interview")]
    for deadline in deadlines:
        base = child | {deadline.counted_from.id} | end_ids(t)
        held = reviews[deadline.number - 1] if len(reviews) >= deadline.number else None
        if held is not None and in_detention(t, held):
            reason = getattr(held, "postponed_reason", None)
            if held.at > deadline.due and reason is None:
                yield Expected(rule, "violated", frozenset(base | {held.id}))
            due = int(deadline.due.timestamp())
            if (held.at > deadline.due and reason is not None and reason.value == "questioning"
                    and not any(due - QUESTIONING_WINDOW <= at <= due for at in interviews)):
                # s.40(4)(b)(i): postponed for questioning that the record does not show.
                yield Expected(rule, "needs_review", frozenset(base | {held.id}))
        elif t.ends_at > deadline.due:
            yield Expected(rule, "violated", frozenset(base))
        elif t.still_held:
            yield Expected(rule, "pending", frozenset(base), utc(deadline.due))


# --------------------------------------------------------------------------- the rules

@reference("RV-01")
def first_review(t: Timeline, policy: Policy) -> Iterator[Expected]:
    """First review by D1 = detention first authorised + 6h, unless postponed (RV-03)."""
    child = child_on_arrival(t)
    if child is None:
        return
    yield from deadline_findings("RV-01", t, child,
                                 (d for d in t.review_deadlines if d.number == 1))


@reference("RV-02")
def later_reviews(t: Timeline, policy: Policy) -> Iterator[Expected]:
    """Review k >= 2 by D(k) = min(R(k-1), D(k-1)) + 9h, unless postponed (RV-03)."""
    child = child_on_arrival(t)
    if child is None:
        return
    yield from deadline_findings("RV-02", t, child,
                                 (d for d in t.review_deadlines if d.number >= 2))


@reference("RV-03")
def postponed_reviews(t: Timeline, policy: Policy) -> Iterator[Expected]:
    """A postponed review held more than the grace after its deadline: was it as soon as
    practicable? A person must say."""
    child = child_on_arrival(t)
    if child is None:
        return
    grace = timedelta(seconds=policy["postpone_grace"].seconds)
    reviews = of_type(t, "review")
    for deadline in t.review_deadlines:
        if len(reviews) < deadline.number:
            continue
        held = reviews[deadline.number - 1]
        if (getattr(held, "postponed_reason", None) is not None and in_detention(t, held)
                and held.at > deadline.due + grace):
            yield Expected("RV-03", "needs_review", frozenset(
                child | {deadline.counted_from.id, held.id} | end_ids(t)))


@reference("RV-04")
def right_review_officer(t: Timeline, policy: Policy) -> Iterator[Expected]:
    """Before charge an inspector or above not involved in the investigation; after charge
    the custody officer. An unrecorded rank (before) or role (after) is a question."""
    child = child_on_arrival(t)
    if child is None:
        return
    charge = first_charge(t)
    for review in child_reviews(t):
        events = child | {review.id} | end_ids(t)
        if not charged_at(t, review.at):
            level = rank_level(review)
            if 0 <= level < INSPECTOR:
                yield Expected("RV-04", "violated", frozenset(events))
            if level == -1:
                yield Expected("RV-04", "needs_review", frozenset(events))
            if role(review) in INVOLVED_ROLES:
                yield Expected("RV-04", "violated", frozenset(events))
        else:
            assert charge is not None
            events = events | {charge.id}
            if role(review) == "none":
                yield Expected("RV-04", "needs_review", frozenset(events))
            elif role(review) != "custody_officer":
                yield Expected("RV-04", "violated", frozenset(events))


VIDEO_REVIEWS_FROM = date(2015, 1, 8)  # SI 2014/3279: s.40A(2) prefers video from then


# The guidance that an appropriate adult attend reviews: PNLD, 17 February 2021.
AA_AT_REVIEWS_EXPECTED_FROM = date(2021, 2, 17)


def arrival_day(t: Timeline) -> date:
    """The UK day of arrival: a record is judged by the law (and guidance) of that day."""
    first = arrival(t)
    moment = first.at if first else t.judged_at
    return moment.astimezone(LONDON).date()


def video_regulations_in_force(t: Timeline) -> bool:
    return arrival_day(t) >= VIDEO_REVIEWS_FROM


@reference("RV-05")
def remote_reviews_where_allowed(t: Timeline, policy: Policy) -> Iterator[Expected]:
    """No remote review after charge (s.40A(1)); a telephone review before charge with no
    reason recorded leaves open whether video was available and practicable (s.40A(2))."""
    child = child_on_arrival(t)
    if child is None:
        return
    charge = first_charge(t)
    for review in child_reviews(t):
        events = child | {review.id} | end_ids(t)
        if charged_at(t, review.at):
            assert charge is not None
            if mode(review) in REMOTE:
                yield Expected("RV-05", "violated", frozenset(events | {charge.id}))
        elif (mode(review) == "telephone" and video_regulations_in_force(t)
              and not has_text(getattr(review, "remote_reason", None))):
            yield Expected("RV-05", "needs_review", frozenset(events))


@reference("RV-06")
def in_person_considered(t: Timeline, policy: Policy) -> Iterator[Expected]:
    """A remote review of a child needs a recorded reason for not reviewing in person (Code C
    15.3C); with a reason, whether it was exceptional is a question (guidance)."""
    child = child_on_arrival(t, code_c_juvenile)
    if child is None:
        return
    for review in child_reviews(t, code_c_juvenile):
        if mode(review) not in REMOTE:
            continue
        events = frozenset(child | {review.id} | end_ids(t))
        if has_text(getattr(review, "remote_reason", None)):
            yield Expected("RV-06", "needs_review", events)
        else:
            yield Expected("RV-06", "violated", events)


@reference("RV-07")
def representations_at_reviews(t: Timeline, policy: Policy) -> Iterator[Expected]:
    """The child's representations (s.40(12)), unless asleep (a question); the appropriate
    adult's when available (Code C 15.3); a review with no appropriate adult at all (guidance)."""
    child = child_on_arrival(t)
    if child is None:
        return
    arrivals = of_type(t, "aa_arrived")
    for review in child_reviews(t):
        events = child | {review.id} | end_ids(t)
        if not getattr(review, "child_views_recorded", None):
            note = review.note or ""  # read whole (issue 11, kind 7)
            asleep = has_text(review.note) and ASLEEP.search(note) is not None
            yield Expected("RV-07", "needs_review" if asleep else "violated", frozenset(events))
        if not code_c_juvenile(t, review.at):
            continue  # the appropriate adult's part is owed to the Code C juvenile only
        offered = bool(getattr(review, "aa_offered_representations", None))
        present = bool(getattr(review, "aa_present", None))
        if aa_who_can_act_on_site(t, review.at):
            if not offered:
                before = [a for a in arrivals if a.at <= review.at]
                latest = max(a.at for a in before)
                for aa in before:
                    if aa.at == latest:
                        yield Expected("RV-07", "violated", frozenset(events | {aa.id}))
        elif present:
            if not offered:
                yield Expected("RV-07", "violated", frozenset(events))
        elif arrival_day(t) >= AA_AT_REVIEWS_EXPECTED_FROM:
            yield Expected("RV-07", "violated", frozenset(events))


@reference("RV-08")
def post_charge_reviews_reconsider(t: Timeline, policy: Policy) -> Iterator[Expected]:
    """A review after charge and refusal of bail reconsiders bail and the transfer (s.40(10),
    s.38(6)); and a child still kept then must be covered by a certificate."""
    child = child_on_arrival(t, pace_juvenile)
    if child is None:
        return
    charge = first_charge(t)
    refusals = first_refusals(t)
    certificates = of_type(t, "detention_certificate")
    held = [c for c in certificates if in_detention(t, c)]
    first_at = min((c.at for c in certificates), default=None)
    moved = t.left_by is not None and t.left_by.type == "transfer_to_la"
    allowed = timedelta(seconds=policy["certificate_within"].seconds)
    for review in child_reviews(t, pace_juvenile):
        if not (charged_at(t, review.at) and refused_at(t, review.at)):
            continue
        assert charge is not None
        events = child | {review.id} | end_ids(t)
        for refusal in refusals:
            if not getattr(review, "transfer_reconsidered", None):
                yield Expected("RV-08", "violated", frozenset(events | {charge.id, refusal.id}))
            # The time PC-02 allows for the move or the certificate is allowed here too.
            if int(review.at.timestamp()) <= int((refusal.at + allowed).timestamp()):
                continue
            if first_at is not None and first_at <= review.at:
                continue
            if not held and not t.still_held and not moved:
                # Kept throughout, never certified: the review's s.38(6) decision failed.
                yield Expected("RV-08", "violated", frozenset(events | {refusal.id}))
            for certificate in held:
                if certificate.at == first_at:
                    # Certified only after the review: late by the force's measure.
                    yield Expected("RV-08", "violated",
                                   frozenset(events | {refusal.id, certificate.id}))
