"""Whom a rule protects: the three populations of the law on children in custody, with dates.

The law does not protect one fixed group. Code C, PACE's detention and bail provisions and the
detention clock each draw their own line, and two of those lines moved:

* the Code C "juvenile" (Code C 1.5): a person who appears to be under 17 until the revised Code
  C came into force at 00:00 on 27 October 2013 (Home Office circular 012/2013, after R (HC) v
  SSHD [2013] EWHC 982 (Admin)); under 18 from then. The appropriate adult, the welfare person,
  cells, strip searches and the appropriate adult's part in reviews are owed to this population;
* the PACE "arrested juvenile" (s.37(15)): a person who appears to be under 17 until the Criminal
  Justice and Courts Act 2015 s.42 came into force on 26 October 2015; under 18 from then. The
  juvenile's own bail ground (s.38(1)(b)(ii)), the move to local authority accommodation and its
  certificate (s.38(6), s.38(7)), and s.40(10) as it applies them, are owed to this population;
* every detainee, whatever the age: the s.40 reviews by the right officer, s.40A remote reviews
  and the s.41-s.44 clock. A child who turns 18 in custody is still owed them.

Beside them, the safeguarding duties and the care of a girl by a woman follow the statutes'
own "child" (Children Act 1989 s.105(1), Children Act 2004 s.65, Modern Slavery Act 2015 s.56;
Children and Young Persons Act 1933 s.31 and s.107): under 18 on every date the catalogue covers.

A rule declares its population; the rulebook binds it to the rule's first trigger pattern (and a
check's own population to the check's first match pattern) as a condition on the fact's
`juvenile` or `code_c_juvenile` field, which the timeline computes for the moment of that fact
from the date of birth (or the apparent age) and the UK legal date.
"""

from __future__ import annotations

import enum
from datetime import date

from attrs import frozen


@frozen
class AgeLimit:
    """Under `under` years from `since` (inclusive, UK legal day); before it, under `before`."""

    under: int
    since: date | None = None
    before: int | None = None

    def line_on(self, day: date) -> int:
        """The age a person had to be under, on that UK legal day."""
        if self.since is None or self.before is None or day >= self.since:
            return self.under
        return self.before

    def describe(self) -> str:
        if self.since is None or self.before is None:
            return f"under {self.under}"
        last = date.fromordinal(self.since.toordinal() - 1)
        return (f"under {self.before} until {day_text(last)}; under {self.under} from "
                f"{day_text(self.since)}")


MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")


def day_text(day: date) -> str:
    """`27 October 2013` (not strftime: that follows the process's locale)."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


class Population(str, enum.Enum):
    CODE_C_JUVENILE = "code_c_juvenile"
    PACE_JUVENILE = "pace_juvenile"
    EVERY_DETAINEE = "every_detainee"
    CHILD = "child"

    @property
    def field(self) -> str | None:
        """The fact field that says a person belonged to it at that moment (None: everyone)."""
        return FIELDS[self]

    @property
    def age_limit(self) -> AgeLimit | None:
        return AGE_LIMITS[self]

    @property
    def label(self) -> str:
        return LABELS[self]

    def describe(self) -> str:
        """`PACE "arrested juvenile" (s.37(15)): under 17 until 25 October 2015; ...`."""
        limit = self.age_limit
        return f"{self.label}: {limit.describe()}" if limit else f"{self.label}: any age"

    def applied(self, day: date, age: int | None) -> str:
        """Which line applied on that day, and on which side of it the person was."""
        limit = self.age_limit
        if limit is None:
            return f"{self.label}: owed whatever the age"
        line = limit.line_on(day)
        if age is None:
            return f"{self.label}: under {line} on {day_text(day)}; the age is not known"
        side = "inside it" if age < line else "outside it"
        return f"{self.label}: under {line} on {day_text(day)}; aged {age}, {side}"


CODE_C_SEVENTEEN_FROM = date(2013, 10, 27)
PACE_SEVENTEEN_FROM = date(2015, 10, 26)

FIELDS: dict[Population, str | None] = {
    Population.CODE_C_JUVENILE: "code_c_juvenile",
    Population.PACE_JUVENILE: "juvenile",
    Population.EVERY_DETAINEE: None,
    Population.CHILD: "under_18",
}
AGE_LIMITS: dict[Population, AgeLimit | None] = {
    Population.CODE_C_JUVENILE: AgeLimit(18, CODE_C_SEVENTEEN_FROM, 17),
    Population.PACE_JUVENILE: AgeLimit(18, PACE_SEVENTEEN_FROM, 17),
    Population.EVERY_DETAINEE: None,
    Population.CHILD: AgeLimit(18),
}
LABELS: dict[Population, str] = {
    Population.CODE_C_JUVENILE: 'Code C "juvenile" (Code C 1.5)',
    Population.PACE_JUVENILE: 'PACE "arrested juvenile" (s.37(15))',
    Population.EVERY_DETAINEE: "every detainee (PACE ss.40-44)",
    Population.CHILD: "child (Children Act 1989 s.105(1))",
}


def in_force_words(start: date | None, end: date | None) -> str:
    """`from 2017-11-01`, `2013-10-27 to 2015-10-25`, `always`."""
    if start and end:
        return f"{start.isoformat()} to {end.isoformat()}"
    if start:
        return f"from {start.isoformat()}"
    if end:
        return f"until {end.isoformat()}"
    return "always"
