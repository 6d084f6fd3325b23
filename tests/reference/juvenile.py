"""Reference statement of the juvenile-status rule (PACE s.37(15), Code C 1.5), and the helpers
the other Code C rules for children share: who counts as a detained child, what the `end` of
police detention points at, and the policy thresholds as durations."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

from custody_rules.policy import Policy
from custody_rules.record import Event
from custody_rules.timeline import Timeline
from tests.reference import Expected, reference
from tests.reference.population import code_c_juvenile, known_age

ADULT_AGE = 18  # the statutes' "child" (Children Act 1989 s.105(1)): under 18


def under_18(t: Timeline, moment: datetime) -> bool:
    """A child at that moment, by date of birth or, failing it, by apparent age."""
    age = known_age(t, moment)
    return 0 <= age < ADULT_AGE


def detained_child(
    t: Timeline, who: Callable[[Timeline, datetime], bool] = code_c_juvenile
) -> Event | None:
    """The first authorisation of detention, if the person then belonged to the population
    `who` (by default the Code C juvenile: under 17 before 27 October 2013, under 18 after)."""
    det = t.detention_first_authorised
    if det is None or not who(t, det.at):
        return None
    return det


def end_ids(t: Timeline) -> set[str]:
    """The end of police detention points at the event by which the child left, if any."""
    return {t.left_by.id} if t.left_by else set()


def within(policy: Policy, name: str) -> timedelta:
    return timedelta(seconds=policy[name].seconds)


def of_type(t: Timeline, *types: str) -> list[Event]:
    return [event for event in t.events if event.type in types]


def first_of(t: Timeline, event_type: str) -> Event | None:
    return next((event for event in t.events if event.type == event_type), None)


def while_held(t: Timeline, event: Event) -> bool:
    return event.at <= t.ends_at


def can_act(arrival: Event) -> bool:
    """The adult who arrived can be the appropriate adult: not recorded as a police employee,
    nor as involved in the case, nor recorded as the investigating or arresting officer."""
    if getattr(arrival, "police_employee", None) or getattr(arrival, "involved_in_case", None):
        return False
    role = arrival.by.role.value if arrival.by is not None and arrival.by.role else None
    return role not in ("investigating_officer", "arresting_officer")


def aa_who_can_act_on_site(t: Timeline, moment: datetime) -> bool:
    """An appropriate adult who can act is at the station: one arrived (and can act) and no
    departure came since (a departure ends whoever's visit is open)."""
    present_since: datetime | None = None
    for event in t.events:
        if event.at > moment:
            break
        if event.type == "aa_arrived" and can_act(event) and present_since is None:
            present_since = event.at
        elif event.type == "aa_departed":
            present_since = None
    return present_since is not None


def has_text(value: str | None) -> bool:
    return bool(value and value.strip())


def never_done(
    rule: str, t: Timeline, det: Event, due: datetime, done: list[Event]
) -> Iterator[Expected]:
    """An obligation owed from detention: nothing done while held. Breached once the child was
    held past `due`; pending until then while the child is still held; nothing if the child
    left before it fell due."""
    if any(while_held(t, event) for event in done):
        return
    if t.ends_at > due:
        yield Expected(rule, "violated", frozenset({det.id} | end_ids(t)))
    elif t.still_held:
        yield Expected(rule, "pending", frozenset({det.id} | end_ids(t)), due)


@reference("JV-01")
def treated_as_juvenile(t: Timeline, policy: Policy) -> Iterator[Expected]:
    """A detained child with no juvenile-specific step at all (no appropriate adult asked for or
    attending, no welfare person informed) once the appropriate-adult threshold has passed."""
    det = detained_child(t)
    if det is None:
        return
    juvenile_steps = of_type(t, "aa_requested", "aa_arrived", "welfare_person_informed")
    yield from never_done("JV-01", t, det, det.at + within(policy, "aa_request_within"),
                          juvenile_steps)
