"""The realistic custody story, told in order: the child, the offences and the place; arrest,
arrival and detention authorised; booking in; interviews; the detention clock; charge and bail;
the safeguarding referrals; leaving; and when each entry was written."""

from __future__ import annotations

from datetime import datetime, timedelta

from custody_rules.generate.after_charge import AfterCharge
from custody_rules.generate.booking_in import BookingIn
from custody_rules.generate.dates import (
    DAYS,
    FIRST_DAY,
    HOUR,
    LAST_DAY,
    LONDON,
    MINUTE,
    OPEN_AS_AT,
    UTC,
    birth_date,
    birthday_at,
    clock_change,
)
from custody_rules.generate.detention_clock import DetentionClock
from custody_rules.generate.draft import Draft, Json
from custody_rules.generate.draws import pick, randint
from custody_rules.generate.figures import (
    GOOD,
    P_CONCERN_NOT_REFERRED,
    P_NO_PRE_ALERT,
)
from custody_rules.generate.people import (
    AGE_CUM,
    AGES,
    FORCE_CUM,
    FORCE_NAMES,
    FORCES,
    HOUR_CUM,
    OFFENCE_CUM,
    OFFENCES,
    OTHER_LAS,
    SERIOUSNESS,
)
from custody_rules.generate.vocabulary import CATEGORIES, EXPLOITATION, PLAIN_NOTES


class CustodyStory(BookingIn, DetentionClock, AfterCharge):
    """Tells one custody timeline, from arrival to leaving."""

    def build(self, record_id: str) -> Draft:
        rng = self.rng
        force = FORCE_NAMES[pick(rng, FORCE_CUM)]
        station, authority = rng.choice(FORCES[force][1])
        self.authority = authority
        self.open = self.chance(0.10 if self.chaos else 0.03)
        # A birthday at the local midnight the custody spans (issue 11, kind 2): an age is
        # reached at 00:00 UK time, which is 23:00 UTC the day before in summer.
        self.midnight_birthday = not self.open and self.chance(0.08 if self.chaos else 0.03)
        arrival = self._arrival_time()
        self.arrival = arrival
        age = AGES[pick(rng, AGE_CUM)]
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
        self.seriousness = max((SERIOUSNESS[o["description"]] for o in offences), default=0.0)
        record: Json = {"record_id": record_id, "force": force, "station": station,
                        "person": person, "offences": offences}
        if self.chaos and self.chance(0.1):
            del record["force"]
        if self.chaos and self.chance(0.1):
            del record["station"]
        if self.chaos and self.chance(0.1):
            del record["offences"]
        draft = Draft(record)
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
            day = FIRST_DAY + timedelta(days=1 + rng.randrange(DAYS - 1))
            midnight = datetime(day.year, day.month, day.day, tzinfo=LONDON)
            self.birthday = day
            return (midnight + timedelta(minutes=randint(rng, -150, 90))).astimezone(UTC)
        if self.open and not self.chaos:
            # A child in custody as the data set is taken.
            return OPEN_AS_AT - timedelta(minutes=randint(rng, 180, 40 * 60))
        if rng.random() < (0.15 if self.chaos else 0.04):
            # Straddle a change between GMT and BST (in March or October).
            year = randint(rng, FIRST_DAY.year, LAST_DAY.year)
            month = rng.choice((3, 10))
            change = clock_change(year, month)
            return change - timedelta(minutes=randint(rng, 30, 14 * 60))
        day = FIRST_DAY + timedelta(days=rng.randrange(DAYS))
        hour = pick(rng, HOUR_CUM)
        local = datetime(day.year, day.month, day.day, hour, rng.randrange(60), tzinfo=LONDON)
        return local.astimezone(UTC)

    def _person(self, arrival: datetime, age: int) -> Json:
        rng = self.rng
        local_day = arrival.astimezone(LONDON).date()
        person: Json = {}
        apparent_only = self.chance(0.15 if self.chaos else 0.03)
        if self.midnight_birthday:
            born = birthday_at(self.birthday, local_day, age)
            if born is not None:
                person["date_of_birth"] = born
                apparent_only = False
            else:
                apparent_only = True
        if not apparent_only and "date_of_birth" not in person:
            person["date_of_birth"] = birth_date(rng, local_day, age,
                                                  self.chance(0.05 if self.chaos else 0.015))
            if self.chance(0.2):
                person["apparent_age"] = None if self.chance(0.7) else randint(rng, 10, 18)
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
                rng.choice(OTHER_LAS)
        return person

    def _offences(self) -> list[Json]:
        rng = self.rng
        roll = rng.random()
        count = 0 if roll < 0.02 else 1 if roll < 0.72 else 2 if roll < 0.94 else 3
        chosen: list[Json] = []
        seen: set[str] = set()
        for _ in range(count):
            description, violent, sexual, indictable, _s, _d, _w = \
                OFFENCES[pick(rng, OFFENCE_CUM)]
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
            decision = relevant + timedelta(minutes=randint(rng, 24 * 60 + 10, 35 * 60))
            if self.chance(0.3):
                # Beyond 36 hours: only a magistrates' warrant allows it (s.43, s.44).
                decision = relevant + timedelta(minutes=randint(rng, 36 * 60 + 10, 90 * 60))
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
        at = authorised + timedelta(minutes=randint(rng, 5, min(span, 300)))
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
                event["note"] = self.rng.choice(PLAIN_NOTES)

    def _close(self, leave: datetime) -> None:
        draft = self.draft
        if self.open:
            limit = OPEN_AS_AT if not self.chaos else leave
            span = int((min(leave, limit) - self.authorised) / MINUTE)
            cut = self.authorised + timedelta(minutes=randint(self.rng, 1, max(span - 1, 1)))
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
            closed += timedelta(days=randint(self.rng, 1, 3))
        draft.closed_at = closed
