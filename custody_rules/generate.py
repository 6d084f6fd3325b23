"""Synthetic custody records of children, for load tests and the differential test.

`generate_records(count, seed)` yields JSON-ready records in the record format
(docs/record-format.md), reproducible from the seed alone: every record has its own
`random.Random` seeded from (seed, index, variety), so record i is the same whatever `count` is,
and `generate_record(seed, i)` rebuilds one record on its own (to debug a finding). Nothing here
reads the clock or the global random generator.

`variety="realistic"` follows a custody timeline as the law and the inspection reports describe
it: arrest, arrival, detention authorised, the appropriate adult, interviews, reviews every 6 then
9 hours, charge, bail, the local authority and the s.38(6) certificate, court or release, and the
safeguarding referrals. Each record is handled to one of three standards, in the proportions of
HMICFRS's 2022 Cambridgeshire case audit for the part that is not good (5 "requires improvement"
to 13 "inadequate"), with about 40% of records fully compliant. Where handling falls short it
falls short the way the published findings say it does (the constants below name the sources).
About 15% of children are charged and refused bail, far more than in life, so that the rules
after charge are well exercised. About 3% of records are still open: dated in the last days of
2025, with no leaving event and no `closed_at`, and nothing written after OPEN_AS_AT.

`variety="chaos"` runs the same builder with every delay stretched, shrunk or reversed at random,
then mangles the result: events dropped, duplicated, added at random times with random fields,
snapped onto rule boundaries (a deadline to the second), optional fields removed or randomised,
times written in other UTC offsets, ids renamed and the event list shuffled. Chaos records are
still valid records (`custody_rules.validate.validate_record` and the published JSON Schema
accept every one); they exist to find the corners where the engine and the reference
statements of the rules disagree.
"""

from __future__ import annotations

import calendar
import random
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime, timedelta, timezone
from operator import itemgetter
from typing import Any
from zoneinfo import ZoneInfo

from custody_rules.validate import BEFORE_ARRIVAL_ALLOWED

Json = dict[str, Any]

VARIETIES = ("realistic", "chaos")
LONDON = ZoneInfo("Europe/London")
UTC = timezone.utc
# 2010 to 2026: Code C took in 17-year-olds on 27 October 2013 and PACE on 26 October 2015, so
# the records straddle both (issue 11, kind 1).
FIRST_DAY = date(2010, 1, 1)
LAST_DAY = date(2026, 10, 31)
# Open records (child still held) are open as at this instant: their last entry is before it,
# so check them with `now` at or after it (the audit tests use 2026-11-01T00:00Z, after
# LAST_DAY: an audit rejects a record judged as of a moment before it began).
OPEN_AS_AT = datetime(2025, 12, 31, 23, 30, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)

# --------------------------------------------------------------------------- published figures
# HMICFRS/CQC custody inspection of Cambridgeshire (report April 2024; year to 29 Feb 2024, as
# reported by Local Government Lawyer and the BBC): 48 children charged and refused bail,
# 33 requests to the local authority, 2 children moved. A poorly handled refusal of bail
# therefore leads to a request 33 times in 48, and to a move about 2 times in 48 (see
# `_after_refusal`: most requests are for secure accommodation, which the LA rarely has, and
# even an accepted request is usually not followed by a move).
CAMBS_REFUSED_BAIL, CAMBS_LA_REQUESTS, CAMBS_MOVED = 48, 33, 2
P_NO_REQUEST = 1 - CAMBS_LA_REQUESTS / CAMBS_REFUSED_BAIL
# HMICFRS Cambridgeshire post-inspection review (Dec 2022, fieldwork Sept 2022), "Police
# detention": "We saw only one certificate in the five cases we audited. Custody officers we
# spoke to believed it was up to the inspector to complete them."
P_NO_CERTIFICATE = 1 - 1 / 5
P_JDC_FOR_INSPECTOR_NOTE = 0.5
# Same review: "custody officers routinely asked for secure accommodation"; accommodation
# "was discussed at the time of charge"; "inspectors still regularly review detention over the
# phone ... often without an appropriate adult"; "several cases with clear child safeguarding
# concerns, such as a risk of criminal exploitation, that weren't referred"; "most arresting
# officers didn't add any information" to the vulnerability and care plan form; inspectors
# "reviewed the detention of children promptly"; appropriate adults "attend promptly when called".
P_SECURE_REQUESTED = 0.7
P_NO_PRE_ALERT = 0.9
P_REMOTE_REVIEW = 0.65
P_REVIEW_WITHOUT_AA = 0.7
P_CONCERN_NOT_REFERRED = 0.5
P_FORM_EMPTY, P_FORM_MISSING = 0.45, 0.3
P_REVIEW_LATE = 0.1
# Same review: 24 cases audited, 6 good, 5 requires improvement, 13 inadequate. The share of
# fully compliant records is ours (the brief: 35-45%); the rest is split 5:13.
P_GOOD = 0.40
P_REQUIRES_IMPROVEMENT = (1 - P_GOOD) * 5 / 18
# A "requires improvement" record fails each step at this fraction of the inadequate rate.
RI_FACTOR = 0.35
# R (M) v Gateshead Council [2006] EWCA Civ 221: secure asked for after midnight, none
# available, no one asked for a non-secure bed.
P_NO_NON_SECURE_AFTER_NO_SECURE = 0.8
# IOPC learning recommendation to Northamptonshire Police (March 2021): an 11-year-old placed
# in a cell with no rationale recorded.
P_CELL_NO_REASON = 0.4

GOOD, REQUIRES_IMPROVEMENT, INADEQUATE = "good", "requires_improvement", "inadequate"

# --------------------------------------------------------------------------- places and people
# force -> (weight, [(station, local authority)])
FORCES: dict[str, tuple[int, list[tuple[str, str]]]] = {
    "Cambridgeshire": (3, [("Parkside", "Cambridgeshire"), ("Thorpe Wood", "Peterborough")]),
    "Metropolitan Police": (10, [
        ("Brixton", "Lambeth"), ("Wembley", "Brent"), ("Leyton", "Waltham Forest"),
        ("Croydon", "Croydon"), ("Islington", "Islington"),
    ]),
    "West Midlands": (5, [
        ("Perry Barr", "Birmingham"), ("Oldbury", "Sandwell"), ("Wolverhampton", "Wolverhampton"),
    ]),
    "Greater Manchester": (5, [
        ("Swinton", "Salford"), ("Cheadle Heath", "Stockport"), ("Bolton Central", "Bolton"),
    ]),
    "Northumbria": (3, [("Middle Engine Lane", "North Tyneside"), ("Southwick", "Sunderland"),
                        ("Gateshead", "Gateshead")]),
    "Northamptonshire": (2, [("Criminal Justice Centre", "Northamptonshire")]),
    "Sussex": (3, [("Brighton", "Brighton and Hove"), ("Crawley", "West Sussex"),
                   ("Eastbourne", "East Sussex")]),
    "Kent": (3, [("Medway", "Medway"), ("Maidstone", "Kent"), ("Canterbury", "Kent")]),
    "South Wales": (3, [("Cardiff Bay", "Cardiff"), ("Merthyr Tydfil", "Merthyr Tydfil"),
                        ("Swansea Central", "Swansea")]),
}
_FORCE_NAMES = list(FORCES)
_OTHER_LAS = ("Essex", "Hertfordshire", "Norfolk", "Leeds", "Bristol", "Lambeth", "Birmingham",
              "Kent", "Cardiff", "Surrey")

# (description, violent, sexual, indictable, seriousness 0-1, drugs supply, weight)
OFFENCES: tuple[tuple[str, bool, bool, bool, float, bool, int], ...] = (
    ("Possession with intent to supply class A", False, False, True, 0.6, True, 10),
    ("Possession of cannabis", False, False, True, 0.05, False, 6),
    ("Robbery", True, False, True, 0.7, False, 10),
    ("Wounding with intent (OAPA 1861 s.18)", True, False, True, 0.9, False, 3),
    ("Assault occasioning actual bodily harm", True, False, True, 0.4, False, 8),
    ("Common assault", True, False, False, 0.1, False, 9),
    ("Assault on an emergency worker", True, False, True, 0.15, False, 4),
    ("Sexual assault", False, True, True, 0.6, False, 3),
    ("Rape of a child under 13", False, True, True, 0.95, False, 1),
    ("Possession of indecent images of children", False, True, True, 0.3, False, 1),
    ("Theft from a shop (under 200 pounds)", False, False, False, 0.05, False, 8),
    ("Burglary (dwelling)", False, False, True, 0.5, False, 6),
    ("Possession of a bladed article", False, False, True, 0.45, False, 7),
    ("Criminal damage (under 5,000 pounds)", False, False, False, 0.05, False, 6),
    ("Arson", False, False, True, 0.5, False, 1),
    ("Taking a vehicle without consent", False, False, False, 0.1, False, 3),
    ("Aggravated vehicle taking", False, False, True, 0.4, False, 2),
    ("Threatening behaviour (Public Order Act 1986 s.4)", False, False, False, 0.1, False, 4),
    ("Affray", True, False, True, 0.3, False, 3),
    ("Murder", True, False, True, 1.0, False, 1),
)

# Ages at arrival: arrests of children are mostly of 15-17-year-olds.
AGES = (10, 11, 12, 13, 14, 15, 16, 17)
AGE_WEIGHTS = (1, 2, 4, 7, 12, 18, 24, 32)
# Arrivals by local hour: few in the small hours, most in the afternoon and evening.
HOUR_WEIGHTS = (3, 2, 2, 1, 1, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 11, 11, 10, 9, 7, 5, 4)

EVENT_TYPES = (
    "arrest", "arrival", "detention_authorised", "vulnerability_form", "aa_requested",
    "aa_arrived", "aa_departed", "welfare_person_informed", "rights_given", "cell_placement",
    "female_carer_assigned", "strip_search", "interview", "review", "extension", "charge",
    "bail_decision", "la_contact", "accommodation_request", "la_response", "transfer_to_la",
    "detention_certificate", "court_appearance", "release", "safeguarding_concern",
    "social_care_referral", "nrm_referral", "strategy_discussion",
    "warrant_of_further_detention", "warrant_extended", "court_appearance_by_video_link",
)
RANKS = ("constable", "sergeant", "inspector", "chief_inspector", "superintendent",
         "chief_superintendent", "staff")
ROLES = ("custody_officer", "review_officer", "arresting_officer", "investigating_officer",
         "detention_officer", "other")
AA_TYPES = ("parent", "guardian", "social_worker", "aa_scheme", "other")
BAIL_GROUNDS = ("name_address", "fail_to_appear", "further_offence", "injury_damage",
                "interference", "own_protection", "own_interests")
CATEGORIES = ("criminal_exploitation", "sexual_exploitation", "county_lines", "trafficking",
              "missing", "domestic_abuse", "neglect", "self_harm", "other")
EXPLOITATION = ("criminal_exploitation", "sexual_exploitation", "county_lines", "trafficking")
INVALID_IMPRACTICABLE = ("behaviour", "offence_seriousness", "no_secure_accommodation",
                         "risk_of_absconding", "own_interests")
CERTIFICATE_REASONS = ("extreme_weather", "child_illness", "imminent_court", "la_no_accommodation",
                       "no_secure_accommodation", "behaviour", "offence_seriousness",
                       "own_interests", "risk_of_absconding", "other")

# Every enum field of every event type, for chaos to set at random.
_ENUM_FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    "aa_requested": {"aa_type": AA_TYPES},
    "aa_arrived": {"aa_type": AA_TYPES},
    "cell_placement": {"reason": ("no_other_secure_accommodation", "cell_more_comfortable",
                                  "other")},
    "review": {"mode": ("in_person", "video", "telephone"),
               "postponed_reason": ("not_practicable", "questioning", "no_review_officer")},
    "bail_decision": {"outcome": ("bail", "released", "refused")},
    "la_contact": {"purpose": ("pre_alert", "bail_address", "bail_support", "accommodation")},
    "accommodation_request": {"kind": ("secure", "non_secure")},
    "la_response": {"outcome": ("accepted", "no_secure_available", "refused", "no_response"),
                    "kind": ("secure", "non_secure")},
    "detention_certificate": {"limb": ("impracticable", "no_secure_accommodation"),
                              "reason": CERTIFICATE_REASONS},
    "release": {"kind": ("bail", "rui", "nfa", "other")},
}
_BOOL_FIELDS: dict[str, tuple[str, ...]] = {
    "vulnerability_form": ("complete",),
    "rights_given": ("aa_present",),
    "strip_search": ("aa_present", "urgent", "aa_waived"),
    "interview": ("aa_present", "urgent_authorised"),
    "review": ("aa_present", "aa_offered_representations", "child_views_recorded",
               "transfer_reconsidered"),
    "charge": ("aa_present",),
    "court_appearance": ("certificate_produced",),
    "court_appearance_by_video_link": ("certificate_produced",),
    "safeguarding_concern": ("significant_harm",),
}
_TEXT_FIELDS: dict[str, tuple[str, ...]] = {
    "welfare_person_informed": ("not_practicable_reason",),
    "cell_placement": ("reason_text",),
    "review": ("remote_reason",),
    "accommodation_request": ("local_authority", "serious_harm_rationale"),
    "detention_certificate": ("reason_text", "serious_harm_rationale"),
    "social_care_referral": ("method",),
}
_LIST_FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "bail_decision": ("grounds", BAIL_GROUNDS),
    "safeguarding_concern": ("categories", CATEGORIES),
}
# Custody-log remarks any record may carry.
_PLAIN_NOTES = (
    "Mother called, on her way", "Solicitor consulted by phone", "Child given food and drink",
    "Spoke to child about his wishes; wants to go home", "Juvenile detention room out of use",
    "Child asleep; checked every 30 minutes",
)
# Chaos also writes the remarks rules may read, and blank or unusual text.
_NOTES = (
    *_PLAIN_NOTES,
    "JDC for inspector", "awaiting inspector re JDC", "EDT called, no secure beds tonight",
    "Remand to court in the morning", "Inspector reviewed by phone",
    "Certificate completed by custody officer", "No appropriate adult available until morning",
    "", "   ", "Pas de commentaire \u00e9crit", "\u2705 checked", "inspector", "x" * 700,
)


def _cumulative(weights: Sequence[float]) -> list[float]:
    total = 0.0
    out = []
    for weight in weights:
        total += weight
        out.append(total)
    return out


_FORCE_CUM = _cumulative([FORCES[name][0] for name in _FORCE_NAMES])
_OFFENCE_CUM = _cumulative([offence[6] for offence in OFFENCES])
_AGE_CUM = _cumulative(AGE_WEIGHTS)
_HOUR_CUM = _cumulative(HOUR_WEIGHTS)
_DAYS = (LAST_DAY - FIRST_DAY).days + 1


# --------------------------------------------------------------------------- entry points

def generate_records(count: int, seed: int, *, variety: str = "realistic") -> Iterator[Json]:
    """Yield `count` synthetic custody records, the same ones for the same seed and variety."""
    if variety not in VARIETIES:
        raise ValueError(f"variety must be one of {', '.join(VARIETIES)}, not {variety!r}")
    if count < 0:
        raise ValueError(f"count must not be negative, got {count}")
    for index in range(count):
        yield generate_record(seed, index, variety=variety)


def generate_record(seed: int, index: int, *, variety: str = "realistic") -> Json:
    """The `index`-th record of `generate_records(..., seed, variety=variety)`, on its own."""
    if variety not in VARIETIES:
        raise ValueError(f"variety must be one of {', '.join(VARIETIES)}, not {variety!r}")
    rng = random.Random(f"custody-rules/{variety}/{seed}/{index}")
    chaos = variety == "chaos"
    record_id = f"{'CHAOS' if chaos else 'GEN'}-{seed}-{index:06d}"
    builder = _Builder(rng, chaos)
    draft = builder.build(record_id)
    if chaos:
        _mangle(rng, draft)
    return draft.finish(rng, chaos)


# --------------------------------------------------------------------------- the draft record

class _Draft:
    """A record being built: events keep their UTC time until ids and text are assigned."""

    __slots__ = ("closed_at", "events", "record")

    def __init__(self, record: Json):
        self.record = record
        self.events: list[tuple[datetime, Json]] = []
        self.closed_at: datetime | None = None

    def add(self, at: datetime, type_: str, **fields: Any) -> Json:
        event: Json = {"type": type_}
        for name, value in fields.items():
            if value is not None:
                event[name] = value
        self.events.append((at, event))
        return event

    def finish(self, rng: random.Random, chaos: bool) -> Json:
        if chaos:
            order = list(range(len(self.events)))
            rng.shuffle(order)
            ids = _chaos_ids(rng, len(self.events))
            events = []
            for position, index in enumerate(order):
                at, event = self.events[index]
                out = {"id": ids[position], "type": event["type"], "at": _chaos_time(rng, at)}
                out.update(event)
                if "by" in out:
                    out["by"] = dict(out["by"])
                events.append(out)
            for event in events:
                for name in ("until", "recorded_at"):
                    if isinstance(event.get(name), datetime):
                        event[name] = _chaos_time(rng, event[name])
        else:
            # In time order, like a custody log; the sort is stable, so entries made at the
            # same minute keep the order they were written in.
            ordered = sorted(self.events, key=_first)
            local = _local_formatter([at for at, _ in ordered])
            events = []
            for number, (at, event) in enumerate(ordered, 1):
                out = {"id": f"e{number}", "type": event["type"], "at": local(at)}
                out.update(event)
                if "by" in out:
                    out["by"] = dict(out["by"])  # officers are shared while drafting
                if "recorded_at" in out:
                    out["recorded_at"] = _local(out["recorded_at"])
                if "until" in out:
                    out["until"] = _local(out["until"])
                events.append(out)
        record = self.record
        if self.closed_at is not None:
            record["closed_at"] = _chaos_time(rng, self.closed_at) if chaos else \
                _local(self.closed_at)
        elif chaos and rng.random() < 0.5:
            record["closed_at"] = None
        record["events"] = events
        return record


_first = itemgetter(0)


def _local(moment: datetime) -> str:
    """The instant as Europe/London wall-clock time with its UTC offset (GMT or BST)."""
    return moment.astimezone(LONDON).isoformat(timespec="seconds")


def _local_formatter(times: list[datetime]) -> Callable[[datetime], str]:
    """`_local` for a record's UTC times, fast when no change of clocks falls among them.

    Two consecutive UK clock changes are always more than 140 days apart, so times within
    100 days that share an offset at both ends share it throughout."""
    first, last = times[0], times[-1]  # in time order
    offset = first.astimezone(LONDON).utcoffset()
    if offset is None or last - first > timedelta(days=100) or \
            last.astimezone(LONDON).utcoffset() != offset:
        return _local
    suffix = "+01:00" if offset else "+00:00"

    def local(moment: datetime) -> str:
        # Every time of a draft is a UTC datetime, so dropping the zone leaves UTC wall time.
        return (moment.replace(tzinfo=None) + offset).isoformat(timespec="seconds") + suffix

    return local


def _chaos_time(rng: random.Random, moment: datetime) -> str:
    roll = rng.random()
    if roll < 0.75:
        return _local(moment)
    if roll < 0.85:
        return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    if roll < 0.9:
        return moment.astimezone(UTC).isoformat(timespec="seconds")
    offset = timedelta(minutes=15 * _randint(rng, -48, 56))
    return moment.astimezone(timezone(offset)).isoformat(timespec="seconds")


def _chaos_ids(rng: random.Random, count: int) -> list[str]:
    scheme = rng.randrange(4)
    if scheme == 0:
        ids = [f"e{n}" for n in range(1, count + 1)]
    elif scheme == 1:
        ids = [str(n) for n in range(count)]
    elif scheme == 2:
        ids = [f"{rng.getrandbits(32):08x}" for _ in range(count)]
        ids = [f"{ident}-{n}" for n, ident in enumerate(ids)]
    else:
        ids = [f"EV/{n:03d}" for n in range(count)]
    rng.shuffle(ids)
    return ids


# --------------------------------------------------------------------------- realistic builder

# Who an appropriate adult may be, in words, by the record's aa_type.
_RELATIONSHIPS: dict[str | None, tuple[str, ...]] = {
    "parent": ("mother", "father", "stepmother"),
    "guardian": ("special guardian", "grandmother"),
    "social_worker": ("allocated social worker", "emergency duty team social worker"),
    "aa_scheme": ("appropriate adult scheme volunteer",),
    "other": ("aunt", "adult brother", "family friend"),
    None: ("family friend",),
}
_RANKS_BELOW_SUPERINTENDENT = ("staff", "constable", "sergeant", "inspector", "chief_inspector",
                               None)


class _Builder:
    """Builds one custody timeline; `chaos` stretches every delay at random."""

    def __init__(self, rng: random.Random, chaos: bool):
        self.rng = rng
        self.chaos = chaos
        roll = rng.random()
        if chaos:
            self.tier = rng.choice((GOOD, REQUIRES_IMPROVEMENT, INADEQUATE))
        elif roll < P_GOOD:
            self.tier = GOOD
        elif roll < P_GOOD + P_REQUIRES_IMPROVEMENT:
            self.tier = REQUIRES_IMPROVEMENT
        else:
            self.tier = INADEQUATE
        self.factor = 0.0 if self.tier == GOOD else (RI_FACTOR if self.tier ==
                                                     REQUIRES_IMPROVEMENT else 1.0)

    # -- randomness helpers
    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def fail(self, p: float) -> bool:
        """Whether a step the law requires goes wrong, at the rate `p` of poor practice."""
        if self.chaos:
            return self.rng.random() < 0.5 * p + 0.15
        return self.factor > 0 and self.rng.random() < p * self.factor

    def delay(self, low: int, high: int) -> timedelta:
        """A delay in whole minutes; in chaos, often far shorter, longer or negative."""
        minutes = low + int(self.rng.random() * (high - low + 1))
        if self.chaos and self.rng.random() < 0.3:
            minutes = int(minutes * self.rng.choice((0, 0.1, 0.5, 2, 5, 12)))
            if self.rng.random() < 0.15:
                minutes = -minutes
        return timedelta(minutes=minutes)

    def officer(self, prefix: str, rank: str, role: str) -> Json:
        return {"id": f"{prefix} {_randint(self.rng, 100, 9999)}", "rank": rank, "role": role}

    # -- the record
    def build(self, record_id: str) -> _Draft:
        rng = self.rng
        force = _FORCE_NAMES[_pick(rng, _FORCE_CUM)]
        station, authority = rng.choice(FORCES[force][1])
        self.authority = authority
        self.open = self.chance(0.10 if self.chaos else 0.03)
        # A birthday at the local midnight the custody spans (issue 11, kind 2): an age is
        # reached at 00:00 UK time, which is 23:00 UTC the day before in summer.
        self.midnight_birthday = not self.open and self.chance(0.08 if self.chaos else 0.03)
        arrival = self._arrival_time()
        self.arrival = arrival
        age = AGES[_pick(rng, _AGE_CUM)]
        if self.chaos and self.chance(0.05):
            age = 18
        self.age = age
        person = self._person(arrival, age)
        self.female = person.get("sex") == "female"
        self.looked_after = bool(person.get("looked_after"))
        offences = self._offences()
        self.offences = offences
        self.violent_or_sexual = any(o.get("violent") or o.get("sexual") for o in offences)
        self.indictable = any(o["indictable"] for o in offences)
        self.drugs = any(o["description"].startswith("Possession with intent") for o in offences)
        self.seriousness = max((_SERIOUSNESS[o["description"]] for o in offences), default=0.0)
        record: Json = {"record_id": record_id, "force": force, "station": station,
                        "person": person, "offences": offences}
        if self.chaos and self.chance(0.1):
            del record["force"]
        if self.chaos and self.chance(0.1):
            del record["station"]
        if self.chaos and self.chance(0.1):
            del record["offences"]
        draft = _Draft(record)
        self.draft = draft
        self.custody = self.officer("PS", "sergeant", "custody_officer")
        self.custody_night = self.officer("PS", "sergeant", "custody_officer")
        self.inspector = self.officer("Insp", "inspector", "review_officer")
        self.arresting = self.officer("PC", "constable", "arresting_officer")
        self.investigator = self.officer("DC", "constable", "investigating_officer")
        self.detention_officer = self.officer("DO", "staff", "detention_officer")
        self._timeline()
        return draft

    def _arrival_time(self) -> datetime:
        rng = self.rng
        if self.midnight_birthday:
            day = FIRST_DAY + timedelta(days=1 + rng.randrange(_DAYS - 1))
            midnight = datetime(day.year, day.month, day.day, tzinfo=LONDON)
            self.birthday = day
            return (midnight + timedelta(minutes=_randint(rng, -150, 90))).astimezone(UTC)
        if self.open and not self.chaos:
            # A child in custody as the data set is taken.
            return OPEN_AS_AT - timedelta(minutes=_randint(rng, 180, 40 * 60))
        if rng.random() < (0.15 if self.chaos else 0.04):
            # Straddle a change between GMT and BST (last Sunday of March or October, 01:00Z).
            year = _randint(rng, FIRST_DAY.year, LAST_DAY.year)
            month = rng.choice((3, 10))
            change = _last_sunday(year, month)
            return change - timedelta(minutes=_randint(rng, 30, 14 * 60))
        day = FIRST_DAY + timedelta(days=rng.randrange(_DAYS))
        hour = _pick(rng, _HOUR_CUM)
        local = datetime(day.year, day.month, day.day, hour, rng.randrange(60), tzinfo=LONDON)
        return local.astimezone(UTC)

    def _person(self, arrival: datetime, age: int) -> Json:
        rng = self.rng
        local_day = arrival.astimezone(LONDON).date()
        person: Json = {}
        apparent_only = self.chance(0.15 if self.chaos else 0.03)
        if self.midnight_birthday:
            born = _birthday_at(self.birthday, local_day, age)
            if born is not None:
                person["date_of_birth"] = born
                apparent_only = False
            else:
                apparent_only = True
        if not apparent_only and "date_of_birth" not in person:
            person["date_of_birth"] = _birth_date(rng, local_day, age,
                                                  self.chance(0.05 if self.chaos else 0.015))
            if self.chance(0.2):
                person["apparent_age"] = None if self.chance(0.7) else _randint(rng, 10, 18)
        else:
            person["apparent_age"] = age
            if self.chance(0.3):
                person["date_of_birth"] = None
        roll = rng.random()
        sex = "male" if roll < 0.84 else ("female" if roll < 0.99 else "unknown")
        if not (self.chaos and self.chance(0.2)):
            person["sex"] = sex
        looked_after = self.chance(0.12)
        if looked_after or self.chance(0.8):
            person["looked_after"] = looked_after
        if self.chance(0.9):
            person["home_local_authority"] = self.authority if self.chance(0.85) else \
                rng.choice(_OTHER_LAS)
        return person

    def _offences(self) -> list[Json]:
        rng = self.rng
        roll = rng.random()
        count = 0 if roll < 0.02 else 1 if roll < 0.72 else 2 if roll < 0.94 else 3
        chosen: list[Json] = []
        seen: set[str] = set()
        for _ in range(count):
            description, violent, sexual, indictable, _s, _d, _w = \
                OFFENCES[_pick(rng, _OFFENCE_CUM)]
            if description in seen:
                continue
            seen.add(description)
            if self.chaos and self.chance(0.3):
                violent, sexual, indictable = (self.chance(0.5) for _ in range(3))
            offence: Json = {"description": description, "violent": violent, "sexual": sexual,
                             "indictable": indictable}
            if not (violent or sexual) and self.chance(0.3):
                del offence["violent"], offence["sexual"]
            chosen.append(offence)
        return chosen

    # -- the timeline, step by step
    def _timeline(self) -> None:
        """One custody episode, told in order."""
        rng, draft = self.rng, self.draft
        arrival = self.arrival
        # The relevant time (PACE s.41(2)): arrival, or for a child who attended voluntarily
        # and was arrested at the station, the arrest (issue 11, kind 4).
        self.relevant = arrival
        if self.chance(0.08 if self.chaos else 0.04):
            draft.add(arrival, "arrival", note="Attended voluntarily by appointment")
            arrested = arrival + self.delay(15, 180)
            draft.add(arrested, "arrest", by=self.investigator)
            self.relevant = max(arrival, arrested)
        else:
            if self.chance(0.8):
                draft.add(arrival - self.delay(10, 90), "arrest", by=self.arresting)
            draft.add(arrival, "arrival", by=self.arresting if self.chance(0.5) else None)
        queue = self.delay(5, 40) if self.chance(0.9) else self.delay(41, 150)
        authorised = self.relevant + max(queue, timedelta(0))
        self.authorised = authorised
        draft.add(authorised, "detention_authorised", by=self.custody)

        self._vulnerability_form(authorised)
        aa_arrived = self._appropriate_adult(authorised)
        self._welfare(authorised)
        self._cell(authorised)
        if self.female and not self.fail(0.35):
            draft.add(authorised + self.delay(0, 30), "female_carer_assigned",
                      by=self.detention_officer)

        # How long before the outcome: most children leave within the day.
        hours = min(rng.lognormvariate(1.75 + 0.6 * self.seriousness, 0.45), 22.5)
        decision = authorised + timedelta(minutes=int(60 * max(hours, 1.5)))
        if aa_arrived is not None:
            decision = max(decision, aa_arrived + self.delay(60, 150))
        long_case = self.indictable and self.chance(0.03 + 0.05 * self.seriousness)
        relevant = self.relevant
        if long_case:
            decision = relevant + timedelta(minutes=_randint(rng, 24 * 60 + 10, 35 * 60))
            if self.chance(0.3):
                # Beyond 36 hours: only a magistrates' warrant allows it (s.43, s.44).
                decision = relevant + timedelta(minutes=_randint(rng, 36 * 60 + 10, 90 * 60))
        interviews = self._interviews(aa_arrived, decision)
        self._strip_search(authorised, aa_arrived)
        if long_case or decision - relevant > 24 * HOUR:
            self._extension(relevant, decision)
        elif decision - relevant > 18 * HOUR and self.fail(0.3):
            self._extension(relevant, decision)  # for any offence, indictable or not
        if decision - relevant > 36 * HOUR:
            self._further_detention(relevant, decision)

        charged = self.chance(0.3 + 0.3 * self.seriousness)
        outcome = None
        refused_at = None
        if charged:
            roll = rng.random()
            p_refused = 0.15 + 0.45 * self.seriousness
            outcome = "refused" if roll < p_refused else ("released" if roll > 0.93 else "bail")
        self.certified = False
        if outcome == "refused" and not self.fail(P_NO_PRE_ALERT):
            draft.add(max(decision - self.delay(60, 300), authorised + self.delay(10, 30)),
                      "la_contact", purpose="pre_alert", by=self.custody)
        elif outcome == "bail" and self.chance(0.15):
            draft.add(decision - self.delay(20, 120), "la_contact", by=self.custody,
                      purpose="bail_address" if self.chance(0.6) else "bail_support")

        # The appropriate adult's first visit ends after the interviews, or after charge.
        aa_present_at_charge = True
        if aa_arrived is not None and interviews and self.fail(0.4):
            self.aa_visits[0][1] = interviews[-1] + self.delay(5, 30)
            aa_present_at_charge = False
        if charged:
            at_charge = self.aa_on_site(decision) and aa_present_at_charge
            charge = draft.add(decision, "charge", by=self.custody,
                               aa_present=at_charge if not self.fail(0.1) else None)
            if self.chaos and self.chance(0.3):
                charge["aa_present"] = self.chance(0.5)
            bail_at = decision + self.delay(3, 20)
            grounds: list[str] = []
            if outcome == "refused":
                grounds = self._grounds()
                refused_at = bail_at
            decision_event = draft.add(bail_at, "bail_decision", by=self.custody, outcome=outcome,
                                       grounds=grounds if grounds or outcome == "refused" else None)
            if outcome == "refused":
                self.bail_event = decision_event
                leave_at, leave_type, leave_fields = self._after_refusal(bail_at)
            else:
                leave_at = bail_at + self.delay(10, 60)
                leave_type, leave_fields = "release", {"kind": "bail" if outcome == "bail"
                                                       else "other"}
        else:
            leave_at = decision + self.delay(5, 30)
            roll = rng.random()
            kind = "rui" if roll < 0.45 else "nfa" if roll < 0.75 else "bail" if roll < 0.95 \
                else "other"
            leave_type, leave_fields = "release", {"kind": kind}
        leave_at = max(leave_at, authorised + MINUTE)
        self.leave_at = leave_at

        if aa_arrived is not None and self.aa_visits[0][1] is None:
            if leave_at - decision < 90 * MINUTE:
                self.aa_visits[0][1] = leave_at - self.delay(0, 10)  # leaves with the child
            elif self.tier == GOOD:
                self.aa_visits[0][1] = decision + self.delay(25, 45)
            else:
                self.aa_visits[0][1] = decision + self.delay(5, 60)
        self._reviews(authorised, decision if charged else None, refused_at, leave_at)
        self._safeguarding(authorised, leave_at)

        leaving = draft.add(leave_at, leave_type, by=self.custody if self.chance(0.7)
                            else self.detention_officer, **leave_fields)
        for start, end in self.aa_visits:
            if end is not None and end < leave_at + HOUR:
                draft.add(max(end, start), "aa_departed", by=self.custody)
        if self.tier != GOOD and self.chance(0.08):
            leaving["recorded_at"] = leave_at + self.delay(20, 600)
        self._recorded_late()
        self._close(leave_at)

    def _vulnerability_form(self, authorised: datetime) -> None:
        """SG-03: most arresting officers left the form empty, or sent none."""
        scale = 1.0 if self.chaos else self.factor
        roll = self.rng.random()
        if roll < P_FORM_MISSING * scale:
            return
        complete = roll >= (P_FORM_MISSING + P_FORM_EMPTY) * scale
        late = self.fail(0.2)
        at = authorised + (self.delay(61, 400) if late else self.delay(0, 45))
        self.draft.add(at, "vulnerability_form", by=self.arresting, complete=complete)

    def _appropriate_adult(self, authorised: datetime) -> datetime | None:
        """AA asked for, and arriving; returns when the AA arrived (or None)."""
        draft = self.draft
        self.aa_visits: list[list[Any]] = []
        rights_at = authorised + self.delay(2, 15)
        if self.fail(0.1):
            requested = None
        elif self.fail(0.35):
            requested = authorised + self.delay(61, 240)
        else:
            requested = authorised + self.delay(2, 45 if self.tier == GOOD else 58)
        if self.looked_after:
            aa_type = "social_worker" if self.chance(0.5) else "aa_scheme"
        else:
            roll = self.rng.random()
            aa_type = "parent" if roll < 0.7 else "guardian" if roll < 0.78 else \
                "aa_scheme" if roll < 0.95 else "other"
        arrived = None
        if requested is not None:
            draft.add(requested, "aa_requested", by=self.custody,
                      aa_type=aa_type if self.chance(0.9) else None)
            if not self.fail(0.08):
                arrived = requested + self.delay(20, 100)
                draft.add(arrived, "aa_arrived", **self._who_arrived(aa_type))
                self.aa_visits.append([arrived, None])
        first_with_aa = arrived is not None and arrived <= rights_at
        draft.add(rights_at, "rights_given", by=self.custody, aa_present=first_with_aa)
        if arrived is not None and not first_with_aa and not self.fail(0.5):
            draft.add(arrived + self.delay(2, 25), "rights_given", by=self.custody,
                      aa_present=True)
        return arrived

    def aa_on_site(self, moment: datetime) -> bool:
        return any(start <= moment and (end is None or moment < end)
                   for start, end in self.aa_visits)

    def _welfare(self, authorised: datetime) -> None:
        if self.fail(0.1):
            return
        at = authorised + (self.delay(61, 300) if self.fail(0.2) else self.delay(3, 55))
        reason = None
        if self.chance(0.04):
            reason = "Carer not answering; message left with the emergency duty team"
        self.draft.add(at, "welfare_person_informed", by=self.custody,
                       not_practicable_reason=reason)

    def _cell(self, authorised: datetime) -> None:
        if not self.chance(0.85):
            return
        at = authorised + self.delay(5, 40)
        if self.fail(P_CELL_NO_REASON):
            self.draft.add(at, "cell_placement", by=self.detention_officer,
                           reason="other" if self.chance(0.3) else None)
        elif self.chance(0.8):
            self.draft.add(at, "cell_placement", by=self.custody,
                           reason="no_other_secure_accommodation",
                           reason_text="No juvenile detention room; cell nearest the desk, "
                                       "cannot be supervised in the interview room")
        else:
            self.draft.add(at, "cell_placement", by=self.custody, reason="cell_more_comfortable",
                           reason_text="Cell quieter than the holding room; child agreed")
        if self.chance(0.05):
            moved = at + self.delay(60, 400)
            if self.fail(P_CELL_NO_REASON):
                self.draft.add(moved, "cell_placement", by=self.detention_officer)
            else:
                self.draft.add(moved, "cell_placement", by=self.custody,
                               reason="no_other_secure_accommodation",
                               reason_text="Moved to a cell nearer the desk for observation")

    def _who_arrived(self, aa_type: str) -> Json:
        """Who the appropriate adult is (Code C 1.7, Note 1B): now and then a police employee,
        someone involved in the case, or an arrival recorded as the investigating officer."""
        fields: Json = {"by": self.custody, "aa_type": aa_type}
        if self.chance(0.6):
            fields["relationship"] = self.rng.choice(_RELATIONSHIPS[aa_type])
        if self.fail(0.06):
            roll = self.rng.random()
            if roll < 0.4:
                fields["police_employee"] = True
            elif roll < 0.75:
                fields["involved_in_case"] = True
            else:
                fields["by"] = self.investigator
        elif self.chance(0.3):
            fields["police_employee"] = False
            fields["involved_in_case"] = False
        return fields

    def _interviews(self, aa_arrived: datetime | None, decision: datetime) -> list[datetime]:
        if self.chance(0.12):
            return []
        start = (aa_arrived or self.authorised + self.delay(60, 180)) + self.delay(30, 120)
        times = []
        count = 1 if self.chance(0.75) else 2
        for _ in range(count):
            if start >= decision - 20 * MINUTE and not self.chaos:
                break
            aa_present = self.aa_on_site(start)
            urgent = None
            if not aa_present and self.chance(0.3):
                urgent = True
            if aa_present and self.fail(0.08):
                aa_present = False
            self.draft.add(start, "interview", by=self.investigator, aa_present=aa_present,
                           urgent_authorised=urgent)
            times.append(start)
            start = start + self.delay(60, 180)
        return times

    def _strip_search(self, authorised: datetime, aa_arrived: datetime | None) -> None:
        if not self.chance(0.2 if self.drugs else 0.04):
            return
        if aa_arrived is not None and not self.fail(0.4):
            at = aa_arrived + self.delay(5, 40)
            if self.chance(0.85):
                self.draft.add(at, "strip_search", by=self.detention_officer, aa_present=True)
            else:
                self.draft.add(at, "strip_search", by=self.detention_officer, aa_present=False,
                               aa_waived=True, note="Child asked, in the AA's presence, for the "
                                                    "AA not to attend; AA agreed and signed")
        elif self.fail(0.25):
            # A waiver, or "AA present", with no appropriate adult at the station: void.
            waived = self.chance(0.5)
            self.draft.add(authorised + self.delay(5, 60), "strip_search",
                           by=self.detention_officer, aa_present=not waived,
                           aa_waived=waived or None)
        elif self.tier == GOOD:
            self.draft.add(authorised + self.delay(5, 30), "strip_search",
                           by=self.detention_officer, aa_present=False, urgent=True,
                           note="Urgent: risk of serious harm, item concealed")
        else:
            self.draft.add(authorised + self.delay(5, 60), "strip_search",
                           by=self.detention_officer, aa_present=False,
                           urgent=False if self.chance(0.5) else None)

    def _extension(self, relevant: datetime, decision: datetime) -> None:
        """A s.42 extension: by a superintendent or above after the second review and within
        24 hours of the relevant time, or, in poor practice, by any other rank (or none
        recorded), before the second review or after the 24 hours (void: the clock stays at
        24 hours)."""
        limit = relevant + 36 * HOUR
        if self.fail(0.3):
            if self.chance(0.3):
                return  # kept past 24 hours without any extension
            rank = self.rng.choice(_RANKS_BELOW_SUPERINTENDENT)
            by = self.officer("Off", rank, "other") if rank else None
        else:
            by = self.officer("Supt", self.rng.choice(("superintendent", "superintendent",
                                                       "chief_superintendent")), "other")
        at = relevant + timedelta(minutes=_randint(self.rng, 18 * 60, 23 * 60 + 50))
        if self.fail(0.3):
            at = relevant + timedelta(minutes=self.rng.choice((
                _randint(self.rng, 24 * 60 + 1, 27 * 60),  # after the 24 hours ran out
                _randint(self.rng, 5 * 60, 14 * 60),  # likely before the second review
                24 * 60)))  # exactly at the 24th hour (still in time)
        until = min(limit, max(decision + self.delay(30, 240), relevant + 30 * HOUR))
        self.draft.add(at, "extension", by=by, until=until)

    def _further_detention(self, relevant: datetime, decision: datetime) -> None:
        """A warrant of further detention (s.43): applied for before the 36th hour, or in the
        6 hours after it when the court could not sit (s.43(5)(b)); poor practice applies too
        late, or not at all. Extended by the court (s.44) when more time is needed, never past
        96 hours."""
        rng = self.rng
        if self.fail(0.2):
            return  # kept past 36 hours with no warrant
        if self.fail(0.3):
            at = relevant + timedelta(minutes=_randint(rng, 36 * 60 + 1, 44 * 60))
        else:
            at = relevant + timedelta(minutes=_randint(rng, 30 * 60, 36 * 60))
        at = min(at, decision - MINUTE)
        until = min(at + 36 * HOUR, max(decision + self.delay(30, 600), at + 12 * HOUR))
        if self.chance(0.1):
            until = at + timedelta(minutes=_randint(rng, 37 * 60, 40 * 60))  # beyond s.43(12)
        self.draft.add(at, "warrant_of_further_detention", by=self.inspector,
                       until=until if not self.chance(0.05) else None)
        if decision > until and not self.fail(0.3):
            again = min(until - self.delay(30, 240), decision - MINUTE)
            extended = min(relevant + 96 * HOUR, decision + self.delay(30, 600))
            if self.chance(0.1):
                extended = relevant + timedelta(minutes=_randint(rng, 96 * 60 + 1, 100 * 60))
            self.draft.add(max(again, at), "warrant_extended", by=self.inspector, until=extended)

    def _grounds(self) -> list[str]:
        if self.fail(0.12):
            return []
        if self.fail(0.25):
            return ["own_interests"]
        pool = ["fail_to_appear", "further_offence", "interference", "injury_damage",
                "own_protection", "own_interests", "name_address"]
        count = 1 if self.chance(0.4) else 2 if self.chance(0.7) else 3
        return sorted(self.rng.sample(pool, count), key=BAIL_GROUNDS.index)

    def _court_time(self, refused: datetime) -> datetime:
        """When the child leaves for court: the next sitting (Monday to Saturday).

        Refused in the small hours: that morning; in the morning: that afternoon; later: the
        next morning (a Sunday refusal waits for Monday)."""
        local = refused.astimezone(LONDON)
        day = local.date()
        if local.hour < 6:
            minute = _randint(self.rng, 8 * 60 + 30, 10 * 60 + 15)
        elif local.hour < 12:
            minute = _randint(self.rng, 13 * 60 + 30, 15 * 60)
        else:
            day += timedelta(days=1)
            minute = _randint(self.rng, 8 * 60 + 30, 10 * 60 + 15)
        if day.weekday() == 6:
            day += timedelta(days=1)
            minute = _randint(self.rng, 8 * 60 + 30, 10 * 60 + 15)
        court = datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=LONDON)
        return max(court.astimezone(UTC), refused + 30 * MINUTE)

    def _after_refusal(self, refused: datetime) -> tuple[datetime, str, Json]:
        """PACE s.38(6): the LA is asked, the child moved, or a certificate made."""
        draft, custody = self.draft, self.custody_night
        if self.chance(0.5):
            draft.add(refused + self.delay(0, 3), "detention_authorised", by=custody,
                      note="Detention after charge authorised")
        court = self._court_time(refused)
        certificate: Json | None = None
        moved_at: datetime | None = None
        imminent = court - refused <= 5 * HOUR

        if self.tier == GOOD and not self.chaos:
            twelve_plus = self.age >= 12
            if imminent:
                if self.chance(0.5):
                    self._request(refused + self.delay(5, 20), "non_secure", accepted=None)
                sitting = court.astimezone(LONDON).strftime("%H:%M")
                certificate = self._certificate(refused + self.delay(10, 40), "impracticable",
                                                "imminent_court",
                                                f"Court sits at {sitting}; a transfer now would "
                                                "deprive the child of rest")
            elif self.violent_or_sexual and twelve_plus and self.chance(0.5):
                at = refused + self.delay(5, 10)
                answered = self._request(
                    at, "secure", accepted=False, after=self.delay(10, 15),
                    rationale="Charged with a violent offence against a stranger; repeated "
                              "threats to the victim; other LA accommodation would not protect "
                              "the public from serious harm")
                if self.chance(0.5):
                    accepted = self._request(answered + self.delay(2, 5), "non_secure",
                                             accepted=True, after=self.delay(5, 10))
                    moved_at = accepted + self.delay(5, 10)
                else:
                    certificate = self._certificate(answered + self.delay(5, 20),
                                                    "no_secure_accommodation",
                                                    "no_secure_accommodation",
                                                    "EDT confirmed no secure bed in the region",
                                                    serious_harm=True)
            elif self.chance(0.7):
                accepted = self._request(refused + self.delay(3, 15), "non_secure",
                                         accepted=True, after=self.delay(10, 25))
                moved_at = accepted + self.delay(5, 15)
            else:
                # The LA cannot place the child: the police are right to certify (Code C
                # Note 16D does not list it, but the child cannot be moved); PC-07 is the LA's.
                answered = self._request(refused + self.delay(3, 15), "non_secure",
                                         accepted=False, after=self.delay(10, 25))
                certificate = self._certificate(answered + self.delay(5, 15), "impracticable",
                                                "la_no_accommodation",
                                                f"{self.authority} EDT has no placement "
                                                "tonight; no other LA accommodation offered")
        else:
            moved_at = self._poor_refusal(refused)

        if moved_at is not None and moved_at < court:
            return moved_at, "transfer_to_la", {}
        poor = self.chaos or self.tier != GOOD
        if certificate is None and poor and not self.fail(P_NO_CERTIFICATE):
            certificate = self._poor_certificate(refused, court)
        self.certified = certificate is not None
        if certificate is None and poor and self.chance(P_JDC_FOR_INSPECTOR_NOTE):
            self.bail_event["note"] = "JDC for inspector"
        produced: bool | None = certificate is not None
        if certificate is not None and self.fail(0.6):
            produced = False if self.chance(0.7) else None
        if certificate is None and self.chance(0.4):
            produced = None
        if self.chance(0.1):
            # Appears by video link from the station (CDA 1998 s.57C) and stays in police
            # detention until remanded to local authority accommodation or released.
            self.draft.add(court, "court_appearance_by_video_link", by=self.custody,
                           certificate_produced=produced)
            left = court + self.delay(45, 300)
            if self.chance(0.7):
                return left, "transfer_to_la", {}
            return left, "release", {"kind": "other"}
        return court, "court_appearance", {"certificate_produced": produced}

    def _request(self, at: datetime, kind: str, *, accepted: bool | None,
                 rationale: str | None = None, after: timedelta | None = None) -> datetime:
        """An accommodation request, and the LA's answer if `accepted` is not None."""
        self.draft.add(at, "accommodation_request", by=self.custody_night, kind=kind,
                       local_authority=self.authority, serious_harm_rationale=rationale)
        answered = at + (after if after is not None else self.delay(15, 90))
        if accepted is None:
            return answered
        if accepted:
            self.draft.add(answered, "la_response", outcome="accepted", kind=kind)
        elif kind == "secure":
            self.draft.add(answered, "la_response", outcome="no_secure_available", kind=kind)
        else:
            outcome = "refused" if self.chance(0.4) else "no_response"
            self.draft.add(answered, "la_response", outcome=outcome, kind=kind)
        return answered

    def _poor_refusal(self, refused: datetime) -> datetime | None:
        """Refusal of bail handled as the inspections found it (or worse, in chaos): when the
        child is moved, if at all."""
        if self.fail(P_NO_REQUEST):
            return None
        late = self.fail(0.4)
        at = refused + (self.delay(31, 180) if late else self.delay(5, 29))
        secure = self.fail(P_SECURE_REQUESTED)
        moved_at = None
        if secure:
            rationale = None
            roll = self.rng.random()
            if roll < 0.5:
                rationale = "County lines, risk of absconding"
            elif roll < 0.7:
                rationale = "Serious offence; likely to fail to appear"
            accepted = self.chance(0.1)
            answered = self._request(at, "secure", rationale=rationale, accepted=accepted)
            if not accepted and not self.fail(P_NO_NON_SECURE_AFTER_NO_SECURE):
                accepted = self.chance(0.35)
                answered = self._request(answered + self.delay(5, 60), "non_secure",
                                         accepted=accepted)
        else:
            accepted = self.chance(0.35)
            if self.chance(0.2):
                self.draft.add(at, "accommodation_request", by=self.custody_night,
                               kind="non_secure")
                answered = at
                accepted = False
            else:
                answered = self._request(at, "non_secure", accepted=accepted)
        if accepted and not self.fail(0.7):
            moved_at = answered + self.delay(30, 200)
        if self.chance(0.3):
            self.draft.add(answered + self.delay(20, 120), "la_contact", purpose="accommodation",
                           by=self.custody_night)
        return moved_at

    def _certificate(self, at: datetime, limb: str, reason: str, text: str | None,
                     serious_harm: bool = False, by: Json | None = None) -> Json:
        """The PACE s.38(6) certificate, by the custody officer unless `by` says otherwise."""
        return self.draft.add(
            at, "detention_certificate", by=by or self.custody_night, limb=limb, reason=reason,
            reason_text=text,
            serious_harm_rationale="Violent offence; further serious violence likely before "
                                   "court; other LA accommodation not adequate"
            if serious_harm else None,
        )

    def _poor_certificate(self, refused: datetime, court: datetime) -> Json:
        at = refused + self.delay(10, 240)
        if self.fail(0.15):
            at = court + self.delay(5, 120)  # written after the child left: retrospective
        by = self.inspector if self.fail(0.4) else None
        if self.fail(0.5):
            limb, reason = "impracticable", self.rng.choice(INVALID_IMPRACTICABLE)
        elif self.chance(0.5):
            limb, reason = "no_secure_accommodation", "no_secure_accommodation"
        else:
            limb, reason = "impracticable", self.rng.choice(("la_no_accommodation",
                                                             "imminent_court", "other"))
        text = None if self.fail(0.4) else "No LA accommodation available tonight"
        return self._certificate(at, limb, reason, text,
                                 serious_harm=limb == "no_secure_accommodation" and
                                 self.chance(0.4), by=by)

    def _reviews(self, authorised: datetime, charged: datetime | None,
                 refused: datetime | None, leave: datetime) -> None:
        """PACE s.40: first review by 6 h after authorisation, then every 9 h."""
        due = authorised + 6 * HOUR
        number = 0
        while due < leave and number < 12:
            number += 1
            missed = self.fail(0.05)
            if missed:
                due = due + 9 * HOUR
                continue
            postponed = None
            if self.fail(P_REVIEW_LATE):
                at = due + self.delay(1, 120)
                if self.chance(0.5):
                    postponed = self.rng.choice(("not_practicable", "questioning",
                                                 "no_review_officer"))
            else:
                at = due - self.delay(0, 100 if self.tier == GOOD else 150)
                at = max(at, authorised + 10 * MINUTE)
            if at >= leave:
                break
            self._review(at, charged, refused, postponed)
            due = min(at, due) + 9 * HOUR

    def _review(self, at: datetime, charged: datetime | None, refused: datetime | None,
                postponed: str | None) -> None:
        post_charge = charged is not None and charged <= at
        if self.tier == GOOD and not self.chaos and not self.aa_on_site(at) and self.aa_visits:
            # A good custody suite times the review for when the AA can be there.
            last = self.aa_visits[-1]
            if last[1] is not None and last[1] <= at < last[1] + HOUR:
                last[1] = min(at + self.delay(5, 20), self.leave_at)  # the AA stays for it
        if self.tier == GOOD and not self.aa_on_site(at) and self.aa_visits:
            start = at - self.delay(10, 30)
            end = at + self.delay(15, 40)
            if not self.aa_on_site(start) and not self.aa_on_site(end) and start > \
                    self.aa_visits[-1][0] and (self.aa_visits[-1][1] or at) < start:
                self.draft.add(start, "aa_arrived", by=self.custody, aa_type="aa_scheme")
                self.aa_visits.append([start, end])
        on_site = self.aa_on_site(at)
        if post_charge:
            if self.fail(0.5):
                by, mode = self.inspector, "telephone"
            else:
                by, mode = (self.custody_night, "in_person")
        else:
            by = self.inspector if not self.fail(0.08) else self.custody
            mode = "in_person"
            if self.fail(P_REMOTE_REVIEW):
                mode = "telephone" if self.chance(0.85) else "video"
        remote_reason = None
        if mode != "in_person" and not self.fail(0.7):
            remote_reason = "Inspector covering three suites; child settled"
        aa_present = on_site and not self.fail(P_REVIEW_WITHOUT_AA)
        fields: Json = {
            "mode": mode, "aa_present": aa_present,
            "aa_offered_representations": aa_present or (on_site and not self.fail(0.5)),
            "child_views_recorded": not self.fail(0.4),
            "remote_reason": remote_reason, "postponed_reason": postponed,
        }
        if post_charge:
            fields["transfer_reconsidered"] = not self.fail(0.7)
        if self.tier != GOOD and self.chance(0.3):
            del fields["aa_offered_representations"]
        note = None
        if refused is not None and refused <= at and not self.certified and \
                self.tier != GOOD and self.chance(P_JDC_FOR_INSPECTOR_NOTE / 2):
            note = "JDC awaiting inspector"
        elif self.chance(0.05):
            note = "Child asleep at review; to be told on waking"
        self.draft.add(at, "review", by=by, note=note, **fields)

    def _safeguarding(self, authorised: datetime, leave: datetime) -> None:
        rng = self.rng
        p_concern = 0.7 if self.drugs else 0.2 + (0.15 if self.looked_after else 0.0)
        if not self.chance(p_concern):
            return
        if self.drugs:
            categories = ["criminal_exploitation", "county_lines"]
            if self.chance(0.2):
                categories.append("trafficking")
            if self.chance(0.3):
                categories.append("missing")
        else:
            categories = sorted(rng.sample(CATEGORIES, 1 if self.chance(0.7) else 2),
                                key=CATEGORIES.index)
        significant = self.chance(0.3)
        span = max(int((leave - authorised) / MINUTE) - 30, 5)
        at = authorised + timedelta(minutes=_randint(rng, 5, min(span, 300)))
        self.draft.add(at, "safeguarding_concern", by=self.arresting if self.chance(0.5)
                       else self.custody, categories=categories,
                       significant_harm=significant if self.chance(0.9) else None)
        if not self.fail(P_CONCERN_NOT_REFERRED):
            if self.fail(0.3):
                referral = leave + self.delay(60, 3000)
            else:
                window = 50 if significant else 180
                referral = min(at + self.delay(5, window), max(leave - MINUTE, at))
            method = rng.choice(("MASH referral", "EDT call", "PPN submitted", None))
            self.draft.add(referral, "social_care_referral", by=self.custody, method=method)
        exploited = any(category in EXPLOITATION for category in categories)
        if exploited and not self.fail(0.8):
            self.draft.add(at + self.delay(30, 600), "nrm_referral", by=self.arresting)
        if significant and self.chance(0.5 if self.tier == GOOD else 0.1):
            self.draft.add(at + self.delay(60, 900), "strategy_discussion")

    def _recorded_late(self) -> None:
        share = 0.03 if self.tier == GOOD else 0.12
        if self.chaos:
            share = 0.3
        for at, event in self.draft.events:
            if self.rng.random() < share:
                event["recorded_at"] = at + self.delay(5, 300)
            if self.rng.random() < 0.05 and "note" not in event:
                event["note"] = self.rng.choice(_PLAIN_NOTES)

    def _close(self, leave: datetime) -> None:
        draft = self.draft
        if self.open:
            limit = OPEN_AS_AT if not self.chaos else leave
            span = int((min(leave, limit) - self.authorised) / MINUTE)
            cut = self.authorised + timedelta(minutes=_randint(self.rng, 1, max(span - 1, 1)))
            if not self.chaos:
                cut = min(cut, OPEN_AS_AT)
            draft.events = [(at, event) for at, event in draft.events if at <= cut]
            for _, event in draft.events:
                if event.get("recorded_at", cut) > cut:
                    del event["recorded_at"]
            return
        last = max(at for at, _ in draft.events)
        closed = max(leave + self.delay(5, 120), last + self.delay(1, 30))
        if self.rng.random() < 0.03:
            closed += timedelta(days=_randint(self.rng, 1, 3))
        draft.closed_at = closed


_SERIOUSNESS = {offence[0]: offence[4] for offence in OFFENCES}


def _randint(rng: random.Random, low: int, high: int) -> int:
    """A whole number in [low, high]: `rng.randint` without its argument checks (it is hot)."""
    return low + int(rng.random() * (high - low + 1))


def _pick(rng: random.Random, cumulative: list[float]) -> int:
    """Index drawn with the weights whose running sums are `cumulative`."""
    point = rng.random() * cumulative[-1]
    for index, bound in enumerate(cumulative):
        if point < bound:
            return index
    return len(cumulative) - 1


def _last_sunday(year: int, month: int) -> datetime:
    """The instant the UK clocks change in March or October: 01:00 UTC on the month's last
    Sunday (the Summer Time Order 2002)."""
    sunday = max(week[calendar.SUNDAY] for week in calendar.monthcalendar(year, month))
    return datetime(year, month, sunday, 1, 0, tzinfo=UTC)


def _birth_date(rng: random.Random, local_day: date, age: int, birthday_tomorrow: bool) -> str:
    """A date of birth giving `age` completed years on `local_day`."""
    if birthday_tomorrow:
        upcoming = local_day + timedelta(days=1)
        if not (upcoming.month == 2 and upcoming.day == 29):
            return date(upcoming.year - age - 1, upcoming.month, upcoming.day).isoformat()
    last_birthday = local_day - timedelta(days=rng.randrange(365))
    year = last_birthday.year - age
    day = last_birthday.day
    if last_birthday.month == 2 and day == 29 and not calendar.isleap(year):
        day = 28
    return date(year, last_birthday.month, day).isoformat()


def _birthday_at(birthday: date, local_day: date, age: int) -> str | None:
    """A date of birth whose anniversary is `birthday`, giving `age` completed years on
    `local_day` (the day before the birthday, or the birthday itself); None on 29 February."""
    if birthday.month == 2 and birthday.day == 29:
        return None
    years = age + (1 if local_day < birthday else 0)
    return date(birthday.year - years, birthday.month, birthday.day).isoformat()


# --------------------------------------------------------------------------- chaos

def _mangle(rng: random.Random, draft: _Draft) -> None:
    """Drop, duplicate, add, move and rewrite events; keep the record valid."""
    events = draft.events
    arrival = min(at for at, event in events if event["type"] == "arrival")
    authorised = next((at for at, event in events if event["type"] == "detention_authorised"),
                      arrival)
    end = max(at for at, _ in events)
    # Drop steps (never the first arrival).
    for _ in range(rng.choice((0, 0, 1, 2, 4))):
        if len(events) > 2:
            index = rng.randrange(len(events))
            if not (events[index][1]["type"] == "arrival" and events[index][0] == arrival):
                events.pop(index)
    # Duplicate steps, a little earlier or later.
    for _ in range(rng.choice((0, 0, 1, 3))):
        at, event = rng.choice(events)
        events.append((at + timedelta(minutes=_randint(rng, -180, 180)), dict(event)))
    # Extra events of any type at any time around the custody.
    span = max(int((end - arrival) / MINUTE), 60)
    for _ in range(rng.choice((0, 1, 2, 3, 6))):
        at = arrival + timedelta(minutes=_randint(rng, -360, span + 720))
        type_ = rng.choice(EVENT_TYPES)
        events.append((at, _random_event(rng, type_, at)))
    # Snap events onto the boundaries the rules measure, to the second.
    anchors = [arrival, authorised] + [at for at, event in events if event["type"] in
                                        ("bail_decision", "charge", "la_response", "review",
                                         "safeguarding_concern", "aa_requested")]
    offsets = (0, 30, 60, 120, 360, 900, 1440, 2160)
    for _ in range(rng.choice((0, 1, 2, 4))):
        index = rng.randrange(len(events))
        anchor = rng.choice(anchors)
        at = anchor + timedelta(minutes=rng.choice(offsets), seconds=rng.choice((-1, 0, 0, 1)))
        events[index] = (at, events[index][1])
    # Move some events by a lot, and make some times coincide exactly.
    for _ in range(rng.choice((0, 1, 3))):
        index = rng.randrange(len(events))
        at, event = events[index]
        events[index] = (at + timedelta(minutes=_randint(rng, -600, 600)), event)
    for _ in range(rng.choice((0, 1, 2))):
        one, other = rng.randrange(len(events)), rng.randrange(len(events))
        events[one] = (events[other][0], events[one][1])
    # Rewrite fields.
    for _, event in events:
        if rng.random() < 0.25:
            _toggle_fields(rng, event)
    # Keep it valid: what is done at the station is not before the first arrival.
    first_arrival = min(at for at, event in events if event["type"] == "arrival")
    draft.events = [
        (max(at, first_arrival) if event["type"] in _AT_STATION else at, event)
        for at, event in events
    ]
    first = min(at for at, _ in draft.events)
    if draft.closed_at is not None:
        roll = rng.random()
        if roll < 0.15:
            draft.closed_at = None
        elif roll < 0.3:
            draft.closed_at = rng.choice(draft.events)[0]
        elif roll < 0.35:
            draft.closed_at = first
    if draft.closed_at is not None and draft.closed_at < first:
        draft.closed_at = first
    person = draft.record["person"]
    dob = person.get("date_of_birth")
    if dob is not None and date.fromisoformat(dob) > _earliest_day(draft.events):
        person["date_of_birth"] = _earliest_day(draft.events).isoformat()


_AT_STATION = frozenset(EVENT_TYPES) - BEFORE_ARRIVAL_ALLOWED


def _earliest_day(events: list[tuple[datetime, Json]]) -> date:
    """The smallest calendar day any arrival can be read on, whatever offset it is written in."""
    first = min(at for at, event in events if event["type"] == "arrival")
    return (first - timedelta(hours=13)).date()


def _random_event(rng: random.Random, type_: str, at: datetime) -> Json:
    event: Json = {"type": type_}
    for name, values in _ENUM_FIELDS.get(type_, {}).items():
        if rng.random() < 0.7:
            event[name] = rng.choice(values)
    for name in _BOOL_FIELDS.get(type_, ()):
        if rng.random() < 0.7:
            event[name] = rng.random() < 0.5
    for name in _TEXT_FIELDS.get(type_, ()):
        if rng.random() < 0.5:
            event[name] = rng.choice(("x", "Recorded reason", "", " "))
    if type_ in _LIST_FIELDS and rng.random() < 0.8:
        name, values = _LIST_FIELDS[type_]
        event[name] = rng.sample(values, _randint(rng, 0, 3))
    if type_ in ("extension", "warrant_of_further_detention", "warrant_extended") \
            and rng.random() < 0.8:
        event["until"] = at + timedelta(minutes=_randint(rng, -600, 2400))
    if rng.random() < 0.6:
        event["by"] = _random_officer(rng)
    return event


def _random_officer(rng: random.Random) -> Json:
    officer: Json = {}
    if rng.random() < 0.8:
        officer["id"] = f"X {_randint(rng, 1, 9999)}"
    if rng.random() < 0.8:
        officer["rank"] = rng.choice(RANKS)
    if rng.random() < 0.8:
        officer["role"] = rng.choice(ROLES)
    return officer


def _toggle_fields(rng: random.Random, event: Json) -> None:
    type_ = event["type"]
    roll = rng.random()
    if roll < 0.3:
        optional = [name for name in event if name not in ("type",)]
        if optional:
            del event[rng.choice(optional)]
    elif roll < 0.5:
        event["by"] = _random_officer(rng)
    elif roll < 0.6:
        event.pop("by", None)
    elif roll < 0.75:
        fields = _BOOL_FIELDS.get(type_, ())
        if fields:
            event[rng.choice(fields)] = rng.random() < 0.5
    elif roll < 0.85:
        fields_enum = _ENUM_FIELDS.get(type_, {})
        if fields_enum:
            name = rng.choice(list(fields_enum))
            event[name] = rng.choice(fields_enum[name])
    elif roll < 0.95:
        event["note"] = rng.choice(_NOTES)
    else:
        if type_ in _LIST_FIELDS:
            name, values = _LIST_FIELDS[type_]
            event[name] = rng.sample(values, _randint(rng, 0, len(values)))
