"""Whom the law protected, and when: the reference's own statement of ages and populations.

Written apart from custody_rules.timeline (issue 11, kinds 1 and 2), from the law:

* an age is attained at the very start of the birthday (Family Law Reform Act 1969 s.9), in UK
  legal time (Interpretation Act 1978 s.9 with the Summer Time Act 1972: GMT, BST in summer);
* the Code C "juvenile" (Code C 1.5) appears to be under 17, or under 18 from the revised Code C
  in force at 00:00 on 27 October 2013;
* the PACE "arrested juvenile" (s.37(15)) appears to be under 17, or under 18 from 26 October 2015
  (Criminal Justice and Courts Act 2015 s.42);
* every detainee, whatever the age, is owed the s.40 reviews and the s.41-s.44 clock.
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from custody_rules.timeline import Timeline

LONDON = ZoneInfo("Europe/London")
CODE_C_UNDER_18_FROM = datetime.combine(date(2013, 10, 27), time(0), LONDON)
PACE_UNDER_18_FROM = datetime.combine(date(2015, 10, 26), time(0), LONDON)


def age(t: Timeline, moment: datetime) -> int | None:
    """Completed years at the instant: the latest birthday whose start in London is at or
    before it (29 February counts from 1 March in a common year), else the apparent age."""
    born = t.record.person.date_of_birth
    if born is None:
        return t.record.person.apparent_age
    years = moment.astimezone(LONDON).year - born.year + 1
    while years >= 0 and _birthday_starts(born, years) > moment:
        years -= 1
    return years


def _birthday_starts(born: date, years: int) -> datetime:
    year = born.year + years
    try:
        day = born.replace(year=year)
    except ValueError:  # 29 February in a common year
        day = date(year, 3, 1)
    return datetime.combine(day, time(0), LONDON)


def known_age(t: Timeline, moment: datetime) -> int:
    value = age(t, moment)
    return -1 if value is None else value


def code_c_juvenile(t: Timeline, moment: datetime) -> bool:
    """A juvenile for Code C at that instant."""
    value = age(t, moment)
    if value is None:
        return False
    return value < (18 if moment >= CODE_C_UNDER_18_FROM else 17)


def pace_juvenile(t: Timeline, moment: datetime) -> bool:
    """An arrested juvenile for PACE Part IV at that instant."""
    value = age(t, moment)
    if value is None:
        return False
    return value < (18 if moment >= PACE_UNDER_18_FROM else 17)
