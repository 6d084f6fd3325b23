"""Reference statement of the safeguarding rules (Children Act 2004 s.11, Working Together 2023,
Modern Slavery Act 2015 s.52, force policy on the vulnerability form)."""

from __future__ import annotations

from collections.abc import Iterator

from custody_rules.policy import Policy
from custody_rules.record import Event, SafeguardingCategory
from custody_rules.timeline import Timeline
from tests.reference import Expected, reference
from tests.reference.juvenile import (
    detained_child,
    end_ids,
    of_type,
    under_18,
    while_held,
    within,
)

NRM_CATEGORIES = frozenset({
    SafeguardingCategory.CRIMINAL_EXPLOITATION, SafeguardingCategory.SEXUAL_EXPLOITATION,
    SafeguardingCategory.COUNTY_LINES, SafeguardingCategory.TRAFFICKING,
})


def _concerns(t: Timeline) -> list[Event]:
    """Safeguarding concerns about a child, recorded before the child left police detention."""
    return [c for c in of_type(t, "safeguarding_concern")
            if under_18(t, c.at) and while_held(t, c)]


@reference("SG-01")
def referred_to_social_care(t: Timeline, policy: Policy) -> Iterator[Expected]:
    """Each concern is referred to children's social care (or a strategy discussion held)
    within the window (shorter for significant harm), and before the child leaves custody."""
    det = detained_child(t, under_18)
    if det is None:
        return
    answers = of_type(t, "social_care_referral", "strategy_discussion")
    for concern in _concerns(t):
        name = ("significant_harm_referral_within" if getattr(concern, "significant_harm", None)
                else "referral_within")
        due = concern.at + within(policy, name)
        events = frozenset({det.id, concern.id} | end_ids(t))
        if t.ends_at > due:
            if not any(answer.at <= due for answer in answers):
                yield Expected("SG-01", "violated", events)
        elif t.still_held:
            if not any(answer.at <= due for answer in answers):
                yield Expected("SG-01", "pending", events, due)
        elif not any(answer.at <= t.ends_at for answer in answers):
            yield Expected("SG-01", "violated", events)


@reference("SG-02")
def nrm_referral(t: Timeline, policy: Policy) -> Iterator[Expected]:
    """A concern of exploitation or trafficking is followed, by the time the record is judged
    after the child has left, by an NRM referral or a strategy discussion."""
    det = detained_child(t, under_18)
    if det is None or t.still_held:
        return
    if of_type(t, "nrm_referral", "strategy_discussion"):
        return
    for concern in _concerns(t):
        if NRM_CATEGORIES & set(getattr(concern, "categories", ())):
            yield Expected("SG-02", "violated", frozenset({det.id, concern.id} | end_ids(t)))


@reference("SG-03")
def vulnerability_form(t: Timeline, policy: Policy) -> Iterator[Expected]:
    """The arresting officer's form is recorded within the policy time of detention, and
    completed: an incomplete form with no complete one is reported once, at the last."""
    det = detained_child(t, under_18)
    if det is None:
        return
    forms = of_type(t, "vulnerability_form")
    due = det.at + within(policy, "vulnerability_form_within")
    if not any(form.at <= due for form in forms):
        events = frozenset({det.id} | end_ids(t))
        if t.ends_at > due:
            yield Expected("SG-03", "violated", events)
        elif t.still_held:
            yield Expected("SG-03", "pending", events, due)
    if forms and not any(getattr(form, "complete", None) for form in forms):
        yield Expected("SG-03", "violated", frozenset({det.id, forms[-1].id} | end_ids(t)))
