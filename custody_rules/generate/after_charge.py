"""After charge and refusal of bail (PACE s.38(6)): the grounds, the local authority asked for
accommodation, the child moved or kept, the certificate, and the next court sitting."""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta

from custody_rules.generate.dates import HOUR, LONDON, MINUTE, UTC
from custody_rules.generate.draft import Json
from custody_rules.generate.draws import randint
from custody_rules.generate.figures import (
    GOOD,
    P_JDC_FOR_INSPECTOR_NOTE,
    P_NO_CERTIFICATE,
    P_NO_NON_SECURE_AFTER_NO_SECURE,
    P_NO_REQUEST,
    P_SECURE_REQUESTED,
)
from custody_rules.generate.storyteller import Storyteller
from custody_rules.generate.vocabulary import (
    BAIL_GROUNDS,
    INVALID_IMPRACTICABLE,
    POOR_IMPRACTICABLE,
)


class AfterCharge(Storyteller):
    """What follows a charge, above all a refusal of bail."""

    def _grounds(self) -> list[str]:
        if self.fail(0.12):
            return []
        if self.fail(0.25):
            return ["own_interests"]
        count = 1 if self.chance(0.4) else 2 if self.chance(0.7) else 3
        return sorted(self.rng.sample(BAIL_GROUNDS, count), key=BAIL_GROUNDS.index)

    def _court_time(self, refused: datetime) -> datetime:
        """When the child leaves for court: the next sitting (Monday to Saturday).

        Refused in the small hours: that morning; in the morning: that afternoon; later: the
        next morning (a Sunday refusal waits for Monday)."""
        local = refused.astimezone(LONDON)
        day = local.date()
        if local.hour < 6:
            minute = randint(self.rng, 8 * 60 + 30, 10 * 60 + 15)
        elif local.hour < 12:
            minute = randint(self.rng, 13 * 60 + 30, 15 * 60)
        else:
            day += timedelta(days=1)
            minute = randint(self.rng, 8 * 60 + 30, 10 * 60 + 15)
        if day.weekday() == calendar.SUNDAY:
            day += timedelta(days=1)
            minute = randint(self.rng, 8 * 60 + 30, 10 * 60 + 15)
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
            limb, reason = "impracticable", self.rng.choice(POOR_IMPRACTICABLE)
        text = None if self.fail(0.4) else "No LA accommodation available tonight"
        return self._certificate(at, limb, reason, text,
                                 serious_harm=limb == "no_secure_accommodation" and
                                 self.chance(0.4), by=by)
