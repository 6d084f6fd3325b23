"""The custody record as typed values (docs/record-format.md, version 1).

These classes hold no logic and do no I/O: `validate` builds them from JSON through the one
converter in `convert`, and `timeline` derives everything the rules need from them.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any, ClassVar

from attrs import field, frozen


class Sex(str, enum.Enum):
    FEMALE = "female"
    MALE = "male"
    UNKNOWN = "unknown"


class Rank(str, enum.Enum):
    CONSTABLE = "constable"
    SERGEANT = "sergeant"
    INSPECTOR = "inspector"
    CHIEF_INSPECTOR = "chief_inspector"
    SUPERINTENDENT = "superintendent"
    CHIEF_SUPERINTENDENT = "chief_superintendent"
    STAFF = "staff"


# Seniority, so that rules can say "at least an inspector" (PACE s.40(1)(b)) as a number.
RANK_LEVEL: dict[Rank, int] = {
    Rank.STAFF: 0,
    Rank.CONSTABLE: 1,
    Rank.SERGEANT: 2,
    Rank.INSPECTOR: 3,
    Rank.CHIEF_INSPECTOR: 4,
    Rank.SUPERINTENDENT: 5,
    Rank.CHIEF_SUPERINTENDENT: 6,
}


class Role(str, enum.Enum):
    CUSTODY_OFFICER = "custody_officer"
    REVIEW_OFFICER = "review_officer"
    ARRESTING_OFFICER = "arresting_officer"
    INVESTIGATING_OFFICER = "investigating_officer"
    DETENTION_OFFICER = "detention_officer"
    OTHER = "other"


class AAType(str, enum.Enum):
    PARENT = "parent"
    GUARDIAN = "guardian"
    SOCIAL_WORKER = "social_worker"
    AA_SCHEME = "aa_scheme"
    OTHER = "other"


class CellReason(str, enum.Enum):
    NO_OTHER_SECURE_ACCOMMODATION = "no_other_secure_accommodation"
    CELL_MORE_COMFORTABLE = "cell_more_comfortable"
    OTHER = "other"


class ReviewMode(str, enum.Enum):
    IN_PERSON = "in_person"
    VIDEO = "video"
    TELEPHONE = "telephone"


class PostponedReason(str, enum.Enum):
    NOT_PRACTICABLE = "not_practicable"
    QUESTIONING = "questioning"
    NO_REVIEW_OFFICER = "no_review_officer"


class BailOutcome(str, enum.Enum):
    BAIL = "bail"
    RELEASED = "released"
    REFUSED = "refused"


class BailGround(str, enum.Enum):
    NAME_ADDRESS = "name_address"
    FAIL_TO_APPEAR = "fail_to_appear"
    FURTHER_OFFENCE = "further_offence"
    INJURY_DAMAGE = "injury_damage"
    INTERFERENCE = "interference"
    OWN_PROTECTION = "own_protection"
    OWN_INTERESTS = "own_interests"


class LAContactPurpose(str, enum.Enum):
    PRE_ALERT = "pre_alert"
    BAIL_ADDRESS = "bail_address"
    BAIL_SUPPORT = "bail_support"
    ACCOMMODATION = "accommodation"


class AccommodationKind(str, enum.Enum):
    SECURE = "secure"
    NON_SECURE = "non_secure"


class LAOutcome(str, enum.Enum):
    ACCEPTED = "accepted"
    NO_SECURE_AVAILABLE = "no_secure_available"
    REFUSED = "refused"
    NO_RESPONSE = "no_response"


class CertificateLimb(str, enum.Enum):
    IMPRACTICABLE = "impracticable"
    NO_SECURE_ACCOMMODATION = "no_secure_accommodation"


class CertificateReason(str, enum.Enum):
    EXTREME_WEATHER = "extreme_weather"
    CHILD_ILLNESS = "child_illness"
    IMMINENT_COURT = "imminent_court"
    LA_NO_ACCOMMODATION = "la_no_accommodation"
    NO_SECURE_ACCOMMODATION = "no_secure_accommodation"
    BEHAVIOUR = "behaviour"
    OFFENCE_SERIOUSNESS = "offence_seriousness"
    OWN_INTERESTS = "own_interests"
    RISK_OF_ABSCONDING = "risk_of_absconding"
    OTHER = "other"


class ReleaseKind(str, enum.Enum):
    BAIL = "bail"
    RUI = "rui"
    NFA = "nfa"
    OTHER = "other"


class SafeguardingCategory(str, enum.Enum):
    CRIMINAL_EXPLOITATION = "criminal_exploitation"
    SEXUAL_EXPLOITATION = "sexual_exploitation"
    COUNTY_LINES = "county_lines"
    TRAFFICKING = "trafficking"
    MISSING = "missing"
    DOMESTIC_ABUSE = "domestic_abuse"
    NEGLECT = "neglect"
    SELF_HARM = "self_harm"
    OTHER = "other"


ENUM_TYPES: tuple[type[enum.Enum], ...] = (
    Sex, Rank, Role, AAType, CellReason, ReviewMode, PostponedReason, BailOutcome, BailGround,
    LAContactPurpose, AccommodationKind, LAOutcome, CertificateLimb, CertificateReason,
    ReleaseKind, SafeguardingCategory,
)


@frozen
class Officer:
    id: str | None = None
    rank: Rank | None = None
    role: Role | None = None


@frozen
class Person:
    date_of_birth: date | None = None
    apparent_age: int | None = None
    sex: Sex = Sex.UNKNOWN
    looked_after: bool = False
    home_local_authority: str | None = None


@frozen
class Offence:
    description: str | None = None
    violent: bool = False
    sexual: bool = False
    indictable: bool = False


@frozen(kw_only=True)
class Event:
    """What every event has. Subclasses add the fields of their type."""

    type: ClassVar[str] = ""
    id: str
    at: datetime
    by: Officer | None = None
    recorded_at: datetime | None = None
    note: str | None = None


@frozen(kw_only=True)
class Arrest(Event):
    type: ClassVar[str] = "arrest"


@frozen(kw_only=True)
class Arrival(Event):
    type: ClassVar[str] = "arrival"


@frozen(kw_only=True)
class DetentionAuthorised(Event):
    type: ClassVar[str] = "detention_authorised"


@frozen(kw_only=True)
class VulnerabilityForm(Event):
    type: ClassVar[str] = "vulnerability_form"
    complete: bool | None = None


@frozen(kw_only=True)
class AARequested(Event):
    type: ClassVar[str] = "aa_requested"
    aa_type: AAType | None = None


@frozen(kw_only=True)
class AAArrived(Event):
    """An appropriate adult arrives. Who the adult is decides whether they can act (Code C 1.7,
    Note 1B): `relationship` to the child in words ("mother", "foster carer"), `police_employee`
    (a police officer, employed by the police, under the chief officer's direction or control,
    or providing services to the force under contract) and `involved_in_case` (suspected of
    involvement in the offence, the victim, a witness, involved in the investigation, or
    received admissions before acting)."""

    type: ClassVar[str] = "aa_arrived"
    aa_type: AAType | None = None
    relationship: str | None = None
    police_employee: bool | None = None
    involved_in_case: bool | None = None


@frozen(kw_only=True)
class AADeparted(Event):
    type: ClassVar[str] = "aa_departed"


@frozen(kw_only=True)
class WelfarePersonInformed(Event):
    type: ClassVar[str] = "welfare_person_informed"
    not_practicable_reason: str | None = None


@frozen(kw_only=True)
class RightsGiven(Event):
    type: ClassVar[str] = "rights_given"
    aa_present: bool | None = None


@frozen(kw_only=True)
class CellPlacement(Event):
    type: ClassVar[str] = "cell_placement"
    reason: CellReason | None = None
    reason_text: str | None = None


@frozen(kw_only=True)
class FemaleCarerAssigned(Event):
    type: ClassVar[str] = "female_carer_assigned"


@frozen(kw_only=True)
class StripSearch(Event):
    type: ClassVar[str] = "strip_search"
    aa_present: bool | None = None
    urgent: bool | None = None
    aa_waived: bool | None = None


@frozen(kw_only=True)
class Interview(Event):
    type: ClassVar[str] = "interview"
    aa_present: bool | None = None
    urgent_authorised: bool | None = None


@frozen(kw_only=True)
class Review(Event):
    type: ClassVar[str] = "review"
    mode: ReviewMode | None = None
    aa_present: bool | None = None
    aa_offered_representations: bool | None = None
    child_views_recorded: bool | None = None
    transfer_reconsidered: bool | None = None
    remote_reason: str | None = None
    postponed_reason: PostponedReason | None = None


@frozen(kw_only=True)
class Extension(Event):
    type: ClassVar[str] = "extension"
    until: datetime | None = None


@frozen(kw_only=True)
class WarrantOfFurtherDetention(Event):
    """A magistrates' court's warrant of further detention (PACE s.43): detention without
    charge authorised to `until` (at most 36 hours from issue, s.43(12); never past 96 hours
    from the relevant time)."""

    type: ClassVar[str] = "warrant_of_further_detention"
    until: datetime | None = None


@frozen(kw_only=True)
class WarrantExtended(Event):
    """A magistrates' court's extension of a warrant of further detention (PACE s.44): to
    `until`, at most 36 hours more and never past 96 hours from the relevant time (s.44(3))."""

    type: ClassVar[str] = "warrant_extended"
    until: datetime | None = None


@frozen(kw_only=True)
class Charge(Event):
    type: ClassVar[str] = "charge"
    aa_present: bool | None = None


@frozen(kw_only=True)
class BailDecision(Event):
    type: ClassVar[str] = "bail_decision"
    outcome: BailOutcome | None = None
    grounds: tuple[BailGround, ...] = ()


@frozen(kw_only=True)
class LAContact(Event):
    type: ClassVar[str] = "la_contact"
    purpose: LAContactPurpose | None = None


@frozen(kw_only=True)
class AccommodationRequest(Event):
    type: ClassVar[str] = "accommodation_request"
    kind: AccommodationKind | None = None
    local_authority: str | None = None
    serious_harm_rationale: str | None = None


@frozen(kw_only=True)
class LAResponse(Event):
    type: ClassVar[str] = "la_response"
    outcome: LAOutcome | None = None
    kind: AccommodationKind | None = None


@frozen(kw_only=True)
class TransferToLA(Event):
    type: ClassVar[str] = "transfer_to_la"


@frozen(kw_only=True)
class DetentionCertificate(Event):
    type: ClassVar[str] = "detention_certificate"
    limb: CertificateLimb | None = None
    reason: CertificateReason | None = None
    reason_text: str | None = None
    serious_harm_rationale: str | None = None


@frozen(kw_only=True)
class CourtAppearance(Event):
    type: ClassVar[str] = "court_appearance"
    certificate_produced: bool | None = None


@frozen(kw_only=True)
class CourtAppearanceByVideoLink(Event):
    """The child attends a court hearing by live link from the police station (Crime and
    Disorder Act 1998 s.57C; PACE s.45ZA for warrant hearings): treated as present in court
    (s.57A(2)) but still in police detention at the station, so it does not end it."""

    type: ClassVar[str] = "court_appearance_by_video_link"
    certificate_produced: bool | None = None


@frozen(kw_only=True)
class Release(Event):
    type: ClassVar[str] = "release"
    kind: ReleaseKind | None = None


@frozen(kw_only=True)
class SafeguardingConcern(Event):
    type: ClassVar[str] = "safeguarding_concern"
    categories: tuple[SafeguardingCategory, ...] = ()
    significant_harm: bool | None = None


@frozen(kw_only=True)
class SocialCareReferral(Event):
    type: ClassVar[str] = "social_care_referral"
    method: str | None = None


@frozen(kw_only=True)
class NRMReferral(Event):
    type: ClassVar[str] = "nrm_referral"


@frozen(kw_only=True)
class StrategyDiscussion(Event):
    type: ClassVar[str] = "strategy_discussion"


@frozen(kw_only=True)
class UnknownEvent(Event):
    """An event of a type this version does not know: kept, reported as a warning, never matched."""

    type: ClassVar[str] = "unknown"
    declared_type: str = ""
    extra: dict[str, Any] = field(factory=dict)


EVENT_TYPES: dict[str, type[Event]] = {
    cls.type: cls
    for cls in (
        Arrest, Arrival, DetentionAuthorised, VulnerabilityForm, AARequested, AAArrived,
        AADeparted, WelfarePersonInformed, RightsGiven, CellPlacement, FemaleCarerAssigned,
        StripSearch, Interview, Review, Extension, WarrantOfFurtherDetention, WarrantExtended,
        Charge, BailDecision, LAContact, AccommodationRequest, LAResponse, TransferToLA,
        DetentionCertificate, CourtAppearance, CourtAppearanceByVideoLink, Release,
        SafeguardingConcern, SocialCareReferral, NRMReferral, StrategyDiscussion,
    )
}

# The child leaves police detention at the first of these (record format, "Event types"). An
# appearance by video link from the station (court_appearance_by_video_link) is not one.
LEAVES_DETENTION = frozenset({"release", "transfer_to_la", "court_appearance"})


def event_type(event: Event) -> str:
    """The type as written in the record (an unknown event keeps its own)."""
    return event.declared_type if isinstance(event, UnknownEvent) else event.type


@frozen
class CustodyRecord:
    record_id: str
    person: Person
    events: tuple[Event, ...]
    force: str | None = None
    station: str | None = None
    closed_at: datetime | None = None
    offences: tuple[Offence, ...] = ()
