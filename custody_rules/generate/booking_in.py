"""Booking in: the vulnerability form, the appropriate adult, the person told of the arrest,
the cell, the interviews and strip searches, as good and poor practice handle them."""

from __future__ import annotations

from datetime import datetime

from custody_rules.generate.dates import MINUTE
from custody_rules.generate.draft import Json
from custody_rules.generate.figures import GOOD, P_CELL_NO_REASON, P_FORM_EMPTY, P_FORM_MISSING
from custody_rules.generate.people import RELATIONSHIPS
from custody_rules.generate.storyteller import Storyteller


class BookingIn(Storyteller):
    """The steps of the first hours at the station."""

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
        self.aa_visits = []
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
            fields["relationship"] = self.rng.choice(RELATIONSHIPS[aa_type])
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
