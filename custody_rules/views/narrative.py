"""Events in words: one short line per event, as a custody log reads, and times as staff write
them (UK time, with the date when it is not the day the record is judged at). Used by the
handover screen, `explain`, the training scenarios and the audit's HTML report, so all describe
a record the same way. Free text from the record (notes, reasons) is left out: a line must stay
one line, and the formatters decide what else to show and how to escape it.
"""

from __future__ import annotations

from datetime import date, datetime

from custody_rules.record import (
    AAArrived,
    AARequested,
    AccommodationRequest,
    BailDecision,
    BailOutcome,
    CellPlacement,
    Charge,
    CourtAppearance,
    DetentionCertificate,
    Event,
    Extension,
    Interview,
    LAContact,
    LAResponse,
    Officer,
    Release,
    Review,
    RightsGiven,
    SafeguardingConcern,
    SocialCareReferral,
    StripSearch,
    UnknownEvent,
    VulnerabilityForm,
    WelfarePersonInformed,
)
from custody_rules.timeline import Timeline
from custody_rules.uktime import as_of_day
from custody_rules.uktime import clock_time as uk_clock_time

# What each release kind means to a reader of the log.
_RELEASE = {"bail": "on bail", "rui": "under investigation", "nfa": "no further action",
            "other": ""}
_LA_OUTCOME = {
    "accepted": "accepted", "no_secure_available": "no secure bed available",
    "refused": "refused", "no_response": "no response",
}


def today(timeline: Timeline) -> date:
    """The day the record is judged at: times on other days carry their date."""
    return as_of_day(timeline.judged_at)


def clock_time(moment: datetime, timeline: Timeline) -> str:
    """`20:10`, or `10:00 on Wed 7 Sep` on another day than the one the record is judged at."""
    return uk_clock_time(moment, today(timeline))


# Values the record format spells with an underscore that English spells with a hyphen.
_HYPHENATED = {"pre_alert": "pre-alert", "non_secure": "non-secure", "in_person": "in person"}


def words(value: str) -> str:
    """An enum value or field name as words: `non_secure` -> `non-secure`."""
    return _HYPHENATED.get(value, value.replace("_", " "))


def officer(by: Officer | None) -> str:
    if by is None:
        return ""
    name = by.id or (words(by.rank.value) if by.rank else "")
    return f" by {name}" if name else ""


def _with_aa(present: bool | None) -> str:
    return "with the appropriate adult" if present else "without an appropriate adult"


def describe_event(event: Event, timeline: Timeline) -> str:
    """One line for one event, e.g. `review 1 by telephone by Insp 220; no appropriate adult`."""
    by = officer(event.by)
    if isinstance(event, UnknownEvent):
        return f"{words(event.declared_type)} (event type not known to this version)"
    if isinstance(event, VulnerabilityForm):
        state = "completed" if event.complete else "not completed"
        return f"arresting officer's vulnerability form {state}{by}"
    if isinstance(event, AARequested | AAArrived):
        who = f" ({words(event.aa_type.value)})" if event.aa_type else ""
        verb = "requested" if isinstance(event, AARequested) else "arrived"
        return f"appropriate adult {verb}{who}"
    if isinstance(event, WelfarePersonInformed):
        if event.not_practicable_reason:
            return "person responsible for welfare not informed: recorded as not practicable"
        return "person responsible for the child's welfare informed"
    if isinstance(event, RightsGiven):
        return f"rights and entitlements given {_with_aa(event.aa_present)}"
    if isinstance(event, CellPlacement):
        reason = f" ({words(event.reason.value)})" if event.reason else ", no reason recorded"
        return f"placed in a police cell{reason}"
    if isinstance(event, StripSearch):
        urgent = ", urgent" if event.urgent else ""
        waived = ", AA waived by the child" if event.aa_waived else ""
        return f"strip search {_with_aa(event.aa_present)}{urgent}{waived}"
    if isinstance(event, Interview):
        urgent = " (urgent interview authorised)" if event.urgent_authorised else ""
        return f"interviewed {_with_aa(event.aa_present)}{urgent}"
    if isinstance(event, Review):
        return _review(event, timeline, by)
    if isinstance(event, Extension):
        until = f" to {clock_time(event.until, timeline)}" if event.until else ""
        return f"detention extended{until}{by}"
    if isinstance(event, Charge):
        return f"charged {_with_aa(event.aa_present)}{by}"
    if isinstance(event, BailDecision):
        return _bail(event, by)
    if isinstance(event, LAContact):
        purpose = f": {words(event.purpose.value)}" if event.purpose else ""
        return f"local authority contacted{purpose}"
    if isinstance(event, AccommodationRequest):
        kind = words(event.kind.value) if event.kind else "unspecified"
        where = f" from {event.local_authority}" if event.local_authority else ""
        return f"{kind} accommodation requested{where}"
    if isinstance(event, LAResponse):
        outcome = _LA_OUTCOME.get(event.outcome.value, "") if event.outcome else "answered"
        return f"local authority: {outcome}"
    if isinstance(event, DetentionCertificate):
        limb = words(event.limb.value) if event.limb else "no limb given"
        same = event.reason is not None and event.limb is not None \
            and event.reason.value == event.limb.value
        reason = f", {words(event.reason.value)}" if event.reason and not same else ""
        return f"detention certificate ({limb}{reason}){by}"
    if isinstance(event, CourtAppearance):
        produced = "produced" if event.certificate_produced else "not produced"
        return f"to court; certificate {produced}"
    if isinstance(event, Release):
        kind = _RELEASE.get(event.kind.value, "") if event.kind else ""
        return f"released {kind}".rstrip()
    if isinstance(event, SafeguardingConcern):
        categories = ", ".join(words(c.value) for c in event.categories) or "unspecified"
        harm = "; significant harm" if event.significant_harm else ""
        return f"safeguarding concern: {categories}{harm}"
    if isinstance(event, SocialCareReferral):
        method = f" ({event.method})" if event.method else ""
        return f"referred to children's social care{method}"
    plain = {
        "arrest": "arrested",
        "arrival": "arrived at the station",
        "detention_authorised": f"detention authorised{by}",
        "aa_departed": "appropriate adult left",
        "female_carer_assigned": f"woman assigned to her care{by}",
        "transfer_to_la": "moved to local authority accommodation",
        "nrm_referral": "National Referral Mechanism referral",
        "strategy_discussion": "strategy discussion held",
    }
    return plain.get(event.type, words(event.type))


def _review(event: Review, timeline: Timeline, by: str) -> str:
    number = next((d.number for d in timeline.review_deadlines if d.review is event), None)
    name = f"review {number}" if number else "review"
    if event.postponed_reason:
        name += f" (postponed: {words(event.postponed_reason.value)})"
    mode = f" {words(event.mode.value)}" if event.mode else ""
    if event.mode is not None and event.mode.value != "in_person":
        mode = f" by {words(event.mode.value)}"
    charged = timeline.charge is not None and timeline.charge.at <= event.at
    stage = " after charge" if charged else ""
    aa = "AA present" if event.aa_present else "no appropriate adult"
    return f"{name}{mode}{stage}{by}; {aa}"


def _bail(event: BailDecision, by: str) -> str:
    if event.outcome is BailOutcome.REFUSED:
        grounds = ", ".join(words(g.value) for g in event.grounds) or "no grounds recorded"
        return f"bail refused ({grounds}){by}"
    if event.outcome is BailOutcome.BAIL:
        return f"bailed{by}"
    if event.outcome is BailOutcome.RELEASED:
        return f"released without bail{by}"
    return f"bail decision{by}"
