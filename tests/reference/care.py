"""Reference statement of the care-in-custody rules (Code C 8.8, 8.10, Annex A; CYPA 1933 s.31).
CR-02 (cell sharing) needs occupancy data the record format does not carry."""

from __future__ import annotations

from collections.abc import Iterator

from custody_rules.policy import Policy
from custody_rules.record import CellReason, Sex
from custody_rules.timeline import Timeline
from tests.reference import Expected, reference
from tests.reference.juvenile import (
    aa_who_can_act_on_site,
    detained_child,
    end_ids,
    first_of,
    has_text,
    of_type,
    under_18,
    while_held,
)
from tests.reference.population import code_c_juvenile

CODE_C_GROUNDS = (CellReason.NO_OTHER_SECURE_ACCOMMODATION, CellReason.CELL_MORE_COMFORTABLE)


@reference("CR-01")
def cell_placement_reason(t: Timeline, policy: Policy) -> Iterator[Expected]:
    """A child's cell placement needs a recorded reason; a Code C 8.8 ground is accepted, a
    reason given only in words is a question, no reason (or a bare "other") is a breach."""
    det = detained_child(t)
    if det is None:
        return
    for placement in of_type(t, "cell_placement"):
        reason = getattr(placement, "reason", None)
        if not code_c_juvenile(t, placement.at) or reason in CODE_C_GROUNDS:
            continue
        status = "needs_review" if has_text(getattr(placement, "reason_text", None)) else "violated"
        yield Expected("CR-01", status, frozenset({det.id, placement.id} | end_ids(t)))


@reference("CR-03")
def girl_in_care_of_woman(t: Timeline, policy: Policy) -> Iterator[Expected]:
    """A detained girl under 18 has a woman responsible for her care at some point while held
    (CYPA 1933 s.31: the statute's "child or young person", under 18 on every date)."""
    det = detained_child(t, under_18)
    if det is None or t.record.person.sex is not Sex.FEMALE:
        return
    if any(while_held(t, carer) for carer in of_type(t, "female_carer_assigned")):
        return
    arrival = first_of(t, "arrival")
    child_ids = {arrival.id} if arrival else set()
    yield Expected("CR-03", "violated", frozenset({det.id} | child_ids | end_ids(t)))


@reference("CR-04")
def strip_search_with_aa(t: Timeline, policy: Policy) -> Iterator[Expected]:
    """A child is strip-searched with the appropriate adult present, or having waived them in
    the appropriate adult's presence; urgency without the appropriate adult is a question."""
    det = detained_child(t)
    if det is None:
        return
    first_arrival = first_of(t, "aa_arrived")
    for search in of_type(t, "strip_search"):
        if not code_c_juvenile(t, search.at):
            continue
        on_site = aa_who_can_act_on_site(t, search.at)
        ids = frozenset({det.id, search.id} | end_ids(t))
        if getattr(search, "aa_present", None):
            # Declared present, but the arrivals show no adult who could act there then.
            if first_arrival is not None and not on_site:
                yield Expected("CR-04", "needs_review", ids | {first_arrival.id})
            continue
        if getattr(search, "aa_waived", None):
            # A waiver needs the appropriate adult's presence (Annex A 11(c)).
            if not on_site:
                yield Expected("CR-04", "needs_review", ids)
            continue
        status = "needs_review" if getattr(search, "urgent", None) else "violated"
        yield Expected("CR-04", status, frozenset({det.id, search.id} | end_ids(t)))
