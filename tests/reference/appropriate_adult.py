"""Reference statement of the appropriate adult and notification rules (Code C 3.13-3.17,
11.15, 16.3)."""

from __future__ import annotations

from collections.abc import Iterator

from custody_rules.policy import Policy
from custody_rules.record import Event
from custody_rules.timeline import Timeline
from tests.reference import Expected, reference
from tests.reference.juvenile import (
    aa_who_can_act_on_site,
    detained_child,
    end_ids,
    first_of,
    has_text,
    never_done,
    of_type,
    while_held,
    within,
)
from tests.reference.population import code_c_juvenile


@reference("AA-01")
def appropriate_adult_secured(t: Timeline, policy: Policy) -> Iterator[Expected]:
    """An appropriate adult asked for (or attending) while the child is held; a first request,
    or an unrequested first attendance, later than the threshold is a question of
    practicability."""
    det = detained_child(t)
    if det is None:
        return
    due = det.at + within(policy, "aa_request_within")
    requests = of_type(t, "aa_requested")
    arrivals = of_type(t, "aa_arrived")
    yield from never_done("AA-01", t, det, due, requests + arrivals)
    first_request = first_of(t, "aa_requested")
    if (first_request is not None and first_request.at > due and while_held(t, first_request)
            and not any(arrival.at <= due for arrival in arrivals)):
        yield Expected("AA-01", "needs_review",
                       frozenset({det.id, first_request.id} | end_ids(t)))
    first_arrival = first_of(t, "aa_arrived")
    if (first_arrival is not None and first_arrival.at > due and while_held(t, first_arrival)
            and not any(while_held(t, request) for request in requests)):
        yield Expected("AA-01", "needs_review",
                       frozenset({det.id, first_arrival.id} | end_ids(t)))
    # Who the adult is (Code C 1.7, Note 1B).
    for arrival in arrivals:
        if not while_held(t, arrival):
            continue
        ids = frozenset({det.id, arrival.id} | end_ids(t))
        kind = getattr(arrival, "aa_type", None)
        kind_name = kind.value if kind is not None else "none"
        if getattr(arrival, "police_employee", None):
            if kind_name in ("other", "aa_scheme", "none"):
                yield Expected("AA-01", "violated", ids)
            else:
                yield Expected("AA-01", "needs_review", ids)
        if getattr(arrival, "involved_in_case", None):
            yield Expected("AA-01", "needs_review", ids)
        role = arrival.by.role.value if arrival.by is not None and arrival.by.role else None
        if role in ("investigating_officer", "arresting_officer"):
            yield Expected("AA-01", "needs_review", ids)
    # Asked for, but not there for the first procedure that needed them (AA-01, too late).
    if first_request is not None:
        for kind_name in ("interview", "charge", "strip_search", "extension"):
            procedure = first_of(t, kind_name)
            if (procedure is None or not while_held(t, procedure)
                    or not code_c_juvenile(t, procedure.at)):
                continue
            if not any(arrival.at <= procedure.at for arrival in arrivals):
                yield Expected("AA-01", "needs_review", frozenset(
                    {det.id, first_request.id, procedure.id} | end_ids(t)))


@reference("AA-02")
def welfare_person_informed(t: Timeline, policy: Policy) -> Iterator[Expected]:
    """The person responsible for the child's welfare informed (or why not practicable
    recorded) while the child is held; a late first notice with no reason is a question."""
    det = detained_child(t)
    if det is None:
        return
    due = det.at + within(policy, "welfare_informed_within")
    yield from never_done("AA-02", t, det, due, of_type(t, "welfare_person_informed"))
    first = first_of(t, "welfare_person_informed")
    if (first is not None and first.at > due and while_held(t, first)
            and not has_text(getattr(first, "not_practicable_reason", None))):
        yield Expected("AA-02", "needs_review", frozenset({det.id, first.id} | end_ids(t)))


@reference("AA-03")
def rights_in_aa_presence(t: Timeline, policy: Policy) -> Iterator[Expected]:
    """Rights given without the appropriate adult must be given again in their presence: after
    the appropriate adult's next arrival, or at once if they were already at the station."""
    det = detained_child(t)
    if det is None:
        return
    events = list(t.events)
    yield from _present_but_none_on_site("AA-03", t, det, ("rights_given",))
    for index, rights in enumerate(events):
        if rights.type != "rights_given" or getattr(rights, "aa_present", None):
            continue
        if not code_c_juvenile(t, rights.at):
            continue
        later = events[index + 1:]
        if aa_who_can_act_on_site(t, rights.at):
            if not any(e.type == "rights_given" and getattr(e, "aa_present", None) for e in later):
                yield Expected("AA-03", "violated", frozenset({det.id, rights.id} | end_ids(t)))
            continue
        arrival = next((e for e in later if e.type == "aa_arrived"), None)
        if arrival is None or not while_held(t, arrival):
            continue
        before_arrival = later[:later.index(arrival)]
        if any(e.type == "rights_given" and not getattr(e, "aa_present", None)
               for e in before_arrival):
            continue  # the last reading before the arrival is the one that had to be repeated
        repeated = any(e.type == "rights_given" and getattr(e, "aa_present", None)
                       and e.at >= arrival.at for e in events)
        if not repeated:
            yield Expected("AA-03", "violated",
                           frozenset({det.id, rights.id, arrival.id} | end_ids(t)))


@reference("AA-04")
def aa_at_interview_and_charge(t: Timeline, policy: Policy) -> Iterator[Expected]:
    """No interview (unless urgent and authorised) and no charge of a child without the
    appropriate adult; after the child's 18th birthday in custody, a question instead."""
    det = detained_child(t)
    if det is None:
        return
    yield from _present_but_none_on_site("AA-04", t, det, ("interview", "charge"))
    for event in t.events:
        if event.type not in ("interview", "charge") or getattr(event, "aa_present", None):
            continue
        if event.type == "interview" and getattr(event, "urgent_authorised", None):
            continue  # urgent interview authorised (Code C 11.1, 11.18)
        status = "violated" if code_c_juvenile(t, event.at) else "needs_review"
        yield Expected("AA-04", status, frozenset({det.id, event.id} | end_ids(t)))


def _present_but_none_on_site(
    rule: str, t: Timeline, det: Event, kinds: tuple[str, ...]
) -> Iterator[Expected]:
    """An entry "with the appropriate adult present" when the record's arrivals show no adult
    who could act at the station then (and the record does record arrivals): a question."""
    first_arrival = first_of(t, "aa_arrived")
    if first_arrival is None:
        return
    for event in t.events:
        if (event.type in kinds and getattr(event, "aa_present", None)
                and code_c_juvenile(t, event.at) and not aa_who_can_act_on_site(t, event.at)):
            yield Expected(rule, "needs_review",
                           frozenset({det.id, event.id, first_arrival.id} | end_ids(t)))
