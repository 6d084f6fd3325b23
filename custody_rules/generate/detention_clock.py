"""The detention clock: reviews every 6 then 9 hours (PACE s.40), the superintendent's extension
(s.42) and the magistrates' warrants (s.43, s.44), each sometimes late, missing or void."""

from __future__ import annotations

from datetime import datetime, timedelta

from custody_rules.generate.dates import HOUR, MINUTE
from custody_rules.generate.draft import Json
from custody_rules.generate.draws import randint
from custody_rules.generate.figures import (
    GOOD,
    P_JDC_FOR_INSPECTOR_NOTE,
    P_REMOTE_REVIEW,
    P_REVIEW_LATE,
    P_REVIEW_WITHOUT_AA,
)
from custody_rules.generate.storyteller import Storyteller
from custody_rules.generate.vocabulary import RANKS_BELOW_SUPERINTENDENT


class DetentionClock(Storyteller):
    """How long the child is kept, and who authorises it."""

    def _extension(self, relevant: datetime, decision: datetime) -> None:
        """A s.42 extension: by a superintendent or above after the second review and within
        24 hours of the relevant time, or, in poor practice, by any other rank (or none
        recorded), before the second review or after the 24 hours (void: the clock stays at
        24 hours)."""
        limit = relevant + 36 * HOUR
        if self.fail(0.3):
            if self.chance(0.3):
                return  # kept past 24 hours without any extension
            rank = self.rng.choice(RANKS_BELOW_SUPERINTENDENT)
            by = self.officer("Off", rank, "other") if rank else None
        else:
            by = self.officer("Supt", self.rng.choice(("superintendent", "superintendent",
                                                       "chief_superintendent")), "other")
        at = relevant + timedelta(minutes=randint(self.rng, 18 * 60, 23 * 60 + 50))
        if self.fail(0.3):
            at = relevant + timedelta(minutes=self.rng.choice((
                randint(self.rng, 24 * 60 + 1, 27 * 60),  # after the 24 hours ran out
                randint(self.rng, 5 * 60, 14 * 60),  # likely before the second review
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
            at = relevant + timedelta(minutes=randint(rng, 36 * 60 + 1, 44 * 60))
        else:
            at = relevant + timedelta(minutes=randint(rng, 30 * 60, 36 * 60))
        at = min(at, decision - MINUTE)
        until = min(at + 36 * HOUR, max(decision + self.delay(30, 600), at + 12 * HOUR))
        if self.chance(0.1):
            until = at + timedelta(minutes=randint(rng, 37 * 60, 40 * 60))  # beyond s.43(12)
        self.draft.add(at, "warrant_of_further_detention", by=self.inspector,
                       until=until if not self.chance(0.05) else None)
        if decision > until and not self.fail(0.3):
            again = min(until - self.delay(30, 240), decision - MINUTE)
            extended = min(relevant + 96 * HOUR, decision + self.delay(30, 600))
            if self.chance(0.1):
                extended = relevant + timedelta(minutes=randint(rng, 96 * 60 + 1, 100 * 60))
            self.draft.add(max(again, at), "warrant_extended", by=self.inspector, until=extended)


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
