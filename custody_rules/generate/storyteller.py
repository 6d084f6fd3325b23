"""What every chapter of a realistic custody shares: the record's random generator, the
standard it is handled to, the draws of chance, shortfall and delay, and the custody as told so
far."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import Any

from custody_rules.generate.draft import Draft, Json
from custody_rules.generate.draws import randint
from custody_rules.generate.figures import (
    GOOD,
    INADEQUATE,
    P_GOOD,
    P_REQUIRES_IMPROVEMENT,
    REQUIRES_IMPROVEMENT,
    RI_FACTOR,
)


class Storyteller:
    """Tells one custody; `chaos` stretches every delay at random. The chapters (`BookingIn`,
    `DetentionClock`, `AfterCharge`) and `CustodyStory` share the state declared here."""

    # The child, the offences and the place (set by CustodyStory.build).
    authority: str
    open: bool
    midnight_birthday: bool
    birthday: date
    arrival: datetime
    age: int
    female: bool
    looked_after: bool
    offences: list[Json]
    violent_or_sexual: bool
    indictable: bool
    drugs: bool
    seriousness: float
    draft: Draft
    # The officers.
    custody: Json
    custody_night: Json
    inspector: Json
    arresting: Json
    investigator: Json
    detention_officer: Json
    # The custody as told so far.
    relevant: datetime
    authorised: datetime
    aa_visits: list[list[Any]]
    certified: bool
    bail_event: Json
    leave_at: datetime

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
        return {"id": f"{prefix} {randint(self.rng, 100, 9999)}", "rank": rank, "role": role}

    def aa_on_site(self, moment: datetime) -> bool:
        return any(start <= moment and (end is None or moment < end)
                   for start, end in self.aa_visits)
