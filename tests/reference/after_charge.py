"""Reference statement of the after-charge rules (PACE s.38, Children Act 1989 s.21(2)(b)).

Most of these rules start from a refusal of bail after charge for an "arrested juvenile" (under
17, or 17 from 26 October 2015) while the child is in police detention. A finding points at the
events it rests on, plus the event by which the child left police detention, if any. Times are
compared in whole seconds since the epoch, as the engine compares them. Where the force policy
allows some time (a request, a certificate, an answer, a move), the obligation is pending while
the child is still held and the time has not run out, and breached once the child is still in
police detention when it runs out.

PC-13 (court at the first sitting) needs a court calendar the record does not carry.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone

from custody_rules.policy import Policy
from custody_rules.record import Event
from custody_rules.timeline import Timeline, epoch
from tests.reference import Expected, reference
from tests.reference.population import known_age, pace_juvenile

# Code C Note 16D: none of these makes moving a charged child impracticable.
NOT_IMPRACTICABLE = frozenset({
    "behaviour", "offence_seriousness", "no_secure_accommodation", "risk_of_absconding",
    "own_interests",
})


# --------------------------------------------------------------------------- helpers

def _value(event: Event, name: str) -> str:
    """An enum field's value, or "none" when not recorded."""
    value = getattr(event, name, None)
    return "none" if value is None else str(value.value)


def _has_text(value: str | None) -> bool:
    return bool(value and value.strip())


def _age(t: Timeline, event: Event) -> int:
    return known_age(t, event.at)


def _juvenile(t: Timeline, event: Event) -> bool:
    return pace_juvenile(t, event.at)


def _held_then(t: Timeline, event: Event) -> bool:
    """The event happened before (or as) the child left police detention."""
    return event.at <= t.ends_at


def _of_type(t: Timeline, kind: str) -> list[Event]:
    return [e for e in t.events if e.type == kind]


def _end_ids(t: Timeline) -> frozenset[str]:
    return frozenset({t.left_by.id}) if t.left_by else frozenset()


def _not_moved(t: Timeline) -> bool:
    """The child did not leave police detention by transfer to local authority accommodation."""
    return t.left_by is None or t.left_by.type != "transfer_to_la"


def _refusals(t: Timeline) -> list[Event]:
    """Refusals of bail for an arrested juvenile in police detention."""
    return [e for e in _of_type(t, "bail_decision")
            if _value(e, "outcome") == "refused" and _juvenile(t, e) and _held_then(t, e)]


def _by_deadline(
    rule: str, events: Iterable[str], t: Timeline, deadline: int
) -> Iterator[Expected]:
    """Breached if the child was still in police detention when the time ran out; pending if
    the child is still held and it has not."""
    ids = frozenset(events) | _end_ids(t)
    if epoch(t.ends_at) > deadline:
        yield Expected(rule, "violated", ids)
    elif t.still_held:
        yield Expected(rule, "pending", ids, datetime.fromtimestamp(deadline, tz=timezone.utc))


def _after(policy: Policy, event: Event, threshold: str) -> int:
    return epoch(event.at) + policy[threshold].seconds


def _invalid(t: Timeline, certificate: Event) -> bool:
    """A certificate whose reason the law does not accept: limb (a) for a reason Note 16D rules
    out, or limb (b) for a child under 12."""
    if _value(certificate, "limb") == "impracticable":
        return _value(certificate, "reason") in NOT_IMPRACTICABLE
    return _value(certificate, "limb") == "no_secure_accommodation" and _age(t, certificate) < 12


def _mentions(text: str, word: str) -> bool:
    """Contains the word, ignoring ASCII case only (as the engine does)."""
    return re.search(re.escape(word), text, re.IGNORECASE | re.ASCII) is not None


# --------------------------------------------------------------------------- rules

@reference("PC-01")
def bail_refused_on_ground(t: Timeline, policy: Policy) -> Iterator[Expected]:
    """A charged juvenile refused bail: a s.38(1) ground must be recorded; a refusal only in
    the child's own interests, with no bail address or bail support sought, is a question."""
    charges = _of_type(t, "charge")
    if not charges or not _juvenile(t, charges[0]):
        return
    charge = charges[0]
    sought_address = any(
        _value(c, "purpose") in ("bail_address", "bail_support") and _held_then(t, c)
        for c in _of_type(t, "la_contact")
    )
    for refused in _refusals(t):
        grounds = [g.value for g in getattr(refused, "grounds", ())]
        ids = frozenset({charge.id, refused.id}) | _end_ids(t)
        if not grounds:
            yield Expected("PC-01", "violated", ids)
        if grounds == ["own_interests"] and not sought_address:
            yield Expected("PC-01", "needs_review", ids)


@reference("PC-02")
def moved_or_certified(t: Timeline, policy: Policy) -> Iterator[Expected]:
    """s.38(6): moved, or certified with a reason the law accepts (not one Note 16D rules out,
    not limb (b) under 12). The law sets no time: kept until leaving with no certificate, or
    only invalid ones, is the statute breach; a first certificate later than the force allows,
    or a child still held past it without a valid one, rests on the policy threshold; a child
    moved late with no certificate is a question."""
    certificates = _of_type(t, "detention_certificate")
    held_certificates = [c for c in certificates if _held_then(t, c)]

    valid_held = any(not _invalid(t, c) for c in held_certificates)
    first_at = min((epoch(c.at) for c in certificates), default=None)
    moved = t.left_by is not None and t.left_by.type == "transfer_to_la"
    for refused in _refusals(t):
        deadline = _after(policy, refused, "certificate_within")
        ids = frozenset({refused.id}) | _end_ids(t)
        past = epoch(t.ends_at) > deadline
        if not t.still_held and not moved and past:
            if not held_certificates:
                yield Expected("PC-02", "violated", ids)
            elif not valid_held:
                for certificate in held_certificates:
                    yield Expected("PC-02", "violated", ids | {certificate.id})
        if t.still_held and not valid_held:
            yield from _by_deadline("PC-02", {refused.id}, t, deadline)
        for certificate in held_certificates:
            if epoch(certificate.at) == first_at and epoch(certificate.at) > deadline:
                yield Expected("PC-02", "violated", ids | {certificate.id})
        if moved and past and not held_certificates:
            yield Expected("PC-02", "needs_review", ids)


@reference("PC-03")
def request_to_local_authority(t: Timeline, policy: Policy) -> Iterator[Expected]:
    """Refused bail and not moved: a request to the local authority is made while the child is
    in police detention, unless an imminent court appearance was certified and the child did go
    to court within the policy's idea of "imminent" of it. Left without one: statute; still
    held past the time allowed without one: policy; excused only by a distant certificate:
    policy, pointing at it."""
    if not _not_moved(t):
        return
    if any(_held_then(t, r) for r in _of_type(t, "accommodation_request")):
        return
    court_certificates = [
        c for c in _of_type(t, "detention_certificate")
        if _value(c, "limb") == "impracticable" and _value(c, "reason") == "imminent_court"
        and _held_then(t, c)
    ]
    imminent = policy["imminent_court_within"].seconds
    ended = epoch(t.ends_at)
    for refused in _refusals(t):
        deadline = _after(policy, refused, "accommodation_request_within")
        if not court_certificates:
            if t.still_held or ended > deadline:
                yield from _by_deadline("PC-03", {refused.id}, t, deadline)
            continue
        if t.still_held or ended <= deadline:
            continue
        if any(epoch(c.at) >= ended - imminent for c in court_certificates):
            continue
        for certificate in court_certificates:
            yield Expected("PC-03", "violated",
                           frozenset({refused.id, certificate.id}) | _end_ids(t))


@reference("PC-04")
def accommodation_raised_early(t: Timeline, policy: Policy) -> Iterator[Expected]:
    """Guidance: the local authority is contacted before charge, and the first request follows
    the refusal within the time allowed."""
    charges = _of_type(t, "charge")
    requests = _of_type(t, "accommodation_request")
    for refused in _refusals(t):
        if charges and epoch(charges[0].at) <= epoch(refused.at):
            charge = charges[0]
            before_charge = [e for e in (*_of_type(t, "la_contact"), *requests)
                             if epoch(e.at) < epoch(charge.at)]
            if not before_charge:
                yield Expected("PC-04", "violated",
                               frozenset({refused.id, charge.id}) | _end_ids(t))
        late = _after(policy, refused, "accommodation_request_within")
        if requests and epoch(requests[0].at) > late:
            yield Expected("PC-04", "violated",
                           frozenset({refused.id, requests[0].id}) | _end_ids(t))


@reference("PC-05")
def secure_only_when_test_met(t: Timeline, policy: Policy) -> Iterator[Expected]:
    """A secure request after a refusal: never for a child under 12; with a serious-harm
    rationale; and a person judges whether the s.38(6)(b) test can be met."""
    arrival = next((e for e in t.events if e.type == "arrival"), None)
    child_ids = frozenset({arrival.id}) if arrival else frozenset()
    violent_or_sexual = any(o.violent or o.sexual for o in t.record.offences)
    secure = [r for r in _of_type(t, "accommodation_request")
              if _value(r, "kind") == "secure" and _juvenile(t, r)]
    for refused in _refusals(t):
        for request in secure:
            ids = frozenset({refused.id, request.id}) | _end_ids(t)
            rationale = _has_text(getattr(request, "serious_harm_rationale", None))
            if _age(t, request) < 12:
                yield Expected("PC-05", "violated", ids)
            if not rationale:
                yield Expected("PC-05", "violated", ids)
            if _age(t, request) >= 12 and (not violent_or_sexual or rationale):
                yield Expected("PC-05", "needs_review", ids | child_ids)


@reference("PC-06")
def non_secure_after_secure_refused(t: Timeline, policy: Policy) -> Iterator[Expected]:
    """Secure refused or unavailable while the child is held: a child not moved must have been
    the subject of a non-secure request; a limb (b) certificate with a serious-harm text (child
    of 12 or over) leaves it to a person to judge whether non-secure had to be sought."""
    if not _not_moved(t):
        return
    limb_b = [c for c in _of_type(t, "detention_certificate")
              if _value(c, "limb") == "no_secure_accommodation" and _age(t, c) >= 12
              and _has_text(getattr(c, "serious_harm_rationale", None)) and _held_then(t, c)]
    requests = _of_type(t, "accommodation_request")
    answers = [a for a in _of_type(t, "la_response")
               if _value(a, "outcome") in ("no_secure_available", "refused")
               and _value(a, "kind") != "non_secure" and _held_then(t, a)]
    for request in requests:
        if _value(request, "kind") != "secure" or not _juvenile(t, request):
            continue
        non_secure = any(_value(r, "kind") != "secure" and _held_then(t, r)
                         and epoch(r.at) >= epoch(request.at) for r in requests)
        if non_secure:
            continue
        for answer in answers:
            if epoch(answer.at) < epoch(request.at):
                continue
            deadline = _after(policy, answer, "accommodation_request_within")
            if not limb_b:
                yield from _by_deadline("PC-06", {request.id, answer.id}, t, deadline)
            for certificate in limb_b:
                for found in _by_deadline("PC-06", {request.id, answer.id, certificate.id}, t,
                                          deadline):
                    yield found if found.status == "pending" else Expected(
                        "PC-06", "needs_review", found.events)


@reference("PC-07")
def local_authority_receives(t: Timeline, policy: Policy) -> Iterator[Expected]:
    """A non-secure (or unspecified) request: the local authority must not refuse it, must not
    leave it unanswered, and must answer within the time allowed."""
    answers = [a for a in _of_type(t, "la_response") if _value(a, "kind") != "secure"]
    for request in _of_type(t, "accommodation_request"):
        if _value(request, "kind") == "secure" or not _juvenile(t, request):
            continue
        for answer in answers:
            if (_value(answer, "outcome") in ("refused", "no_response")
                    and epoch(answer.at) >= epoch(request.at)):
                yield Expected("PC-07", "violated",
                               frozenset({request.id, answer.id}) | _end_ids(t))
        deadline = _after(policy, request, "la_response_within")
        ids = frozenset({request.id}) | _end_ids(t)
        after = [a for a in answers if epoch(a.at) >= epoch(request.at)]
        first = min((epoch(a.at) for a in after), default=None)
        if t.still_held:
            # Still waiting past the time the local protocol allows: policy.
            if not any(epoch(a.at) <= deadline for a in after):
                yield from _by_deadline("PC-07", {request.id}, t, deadline)
        elif _not_moved(t) and epoch(t.ends_at) > deadline and not any(
                epoch(a.at) <= epoch(t.ends_at) for a in after):
            # Never answered while the child was held, and never received: the statute breach.
            yield Expected("PC-07", "violated", ids)
        for answer in after:
            if (epoch(answer.at) == first and epoch(answer.at) > deadline
                    and _held_then(t, answer)):
                # Answered, but later than the local protocol allows: policy.
                yield Expected("PC-07", "violated", ids | {answer.id})


@reference("PC-08")
def moved_after_acceptance(t: Timeline, policy: Policy) -> Iterator[Expected]:
    """Guidance: out of police detention within the time allowed after the local authority
    accepts."""
    certificates = _of_type(t, "detention_certificate")
    for accepted in _of_type(t, "la_response"):
        if (_value(accepted, "outcome") == "accepted" and _juvenile(t, accepted)
                and _held_then(t, accepted)):
            deadline = _after(policy, accepted, "transfer_within")
            # A certificate PC-02 would accept, made after the acceptance and in that time,
            # explains the wait.
            if any(epoch(accepted.at) <= epoch(c.at) <= deadline and not _invalid(t, c)
                   for c in certificates):
                continue
            yield from _by_deadline("PC-08", {accepted.id}, t, deadline)


@reference("PC-09")
def certificate_exists(t: Timeline, policy: Policy) -> Iterator[Expected]:
    """Refused bail and not moved: a certificate made while the child was in police detention;
    none at all, or only one made after the child left (retrospective), is a breach."""
    if not _not_moved(t):
        return
    certificates = _of_type(t, "detention_certificate")
    if any(_held_then(t, c) for c in certificates):
        return
    for refused in _refusals(t):
        deadline = _after(policy, refused, "certificate_within")
        if not certificates:
            yield from _by_deadline("PC-09", {refused.id}, t, deadline)
        for late in certificates:
            yield from _by_deadline("PC-09", {refused.id, late.id}, t, deadline)


@reference("PC-10")
def custody_officer_certifies(t: Timeline, policy: Policy) -> Iterator[Expected]:
    """The certificate is not left to an inspector (a note naming the JDC or certificate and an
    inspector, with no certificate and the child kept), and a certificate made by anyone not
    recorded as the custody officer is a question."""
    certificates = _of_type(t, "detention_certificate")
    left_for_inspector = []
    if _not_moved(t) and not certificates:
        for event in t.events:
            text = event.note or ""  # read whole (issue 11, kind 7)
            if not _has_text(event.note) or not _mentions(text, "insp"):
                continue
            if _mentions(text, "jdc") or _mentions(text, "cert"):
                left_for_inspector.append(event)
    for refused in _refusals(t):
        for noted in left_for_inspector:
            yield Expected("PC-10", "violated", frozenset({refused.id, noted.id}) | _end_ids(t))
        for certificate in certificates:
            by = certificate.by
            role = by.role.value if by is not None and by.role is not None else "none"
            if role != "custody_officer":
                yield Expected("PC-10", "needs_review",
                               frozenset({refused.id, certificate.id}) | _end_ids(t))


@reference("PC-11")
def certificate_reason_valid(t: Timeline, policy: Policy) -> Iterator[Expected]:
    """Limb (a) needs circumstances Note 16D accepts; limb (b) needs a child of 12 or over, the
    local authority's word that no secure bed exists, and a serious-harm finding, whose adequacy
    a person judges. `la_no_accommodation` is accepted here (PC-07 reports the authority)."""
    no_secure_answers = [a for a in _of_type(t, "la_response")
                         if _value(a, "outcome") == "no_secure_available"]
    for refused in _refusals(t):
        for certificate in _of_type(t, "detention_certificate"):
            ids = frozenset({refused.id, certificate.id}) | _end_ids(t)
            limb, reason = _value(certificate, "limb"), _value(certificate, "reason")
            if limb == "impracticable":
                text = _has_text(getattr(certificate, "reason_text", None))
                if reason in NOT_IMPRACTICABLE or (reason == "none" and not text):
                    yield Expected("PC-11", "violated", ids)
                if reason == "other" or (reason == "none" and text):
                    yield Expected("PC-11", "needs_review", ids)
                imminent = epoch(certificate.at) + policy["imminent_court_within"].seconds
                if reason == "imminent_court" and epoch(t.ends_at) > imminent:
                    yield Expected("PC-11", "needs_review", ids)
            elif limb == "no_secure_accommodation":
                rationale = _has_text(getattr(certificate, "serious_harm_rationale", None))
                answered = any(epoch(a.at) <= epoch(certificate.at) for a in no_secure_answers)
                if _age(t, certificate) < 12 or not answered or not rationale:
                    yield Expected("PC-11", "violated", ids)
                if _age(t, certificate) >= 12 and rationale:
                    yield Expected("PC-11", "needs_review", ids)
            else:
                yield Expected("PC-11", "needs_review", ids)


@reference("PC-12")
def certificate_produced(t: Timeline, policy: Policy) -> Iterator[Expected]:
    """Kept after the refusal and taken to court: a certificate made in detention is produced to
    that court; with none made by then, the court received none (the catalogue's S1 reading)."""
    if t.left_by is None or t.left_by.type != "court_appearance":
        return
    certificates = [c for c in _of_type(t, "detention_certificate") if _held_then(t, c)]
    for refused in _refusals(t):
        for court in _of_type(t, "court_appearance"):
            if (getattr(court, "certificate_produced", None) or not _held_then(t, court)
                    or epoch(court.at) < epoch(refused.at)):
                continue
            for certificate in certificates:
                yield Expected("PC-12", "violated",
                               frozenset({refused.id, court.id, certificate.id}) | _end_ids(t))
            # None made by the time of court: the court received no certificate at all.
            if not any(c.at <= court.at for c in _of_type(t, "detention_certificate")):
                yield Expected("PC-12", "violated",
                               frozenset({refused.id, court.id}) | _end_ids(t))
