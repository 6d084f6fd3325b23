"""The calendar of the generated records: the years they span, the UK clock (GMT and BST), and
dates of birth that give a child an age on a day."""

from __future__ import annotations

import calendar
import random
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

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
DAYS = (LAST_DAY - FIRST_DAY).days + 1


def local_time(moment: datetime) -> str:
    """The instant as Europe/London wall-clock time with its UTC offset (GMT or BST)."""
    return moment.astimezone(LONDON).isoformat(timespec="seconds")


def local_formatter(times: list[datetime]) -> Callable[[datetime], str]:
    """`local_time` for a record's UTC times, fast when no change of clocks falls among them.

    Two consecutive UK clock changes are always more than 140 days apart, so times within
    100 days that share an offset at both ends share it throughout."""
    first, last = times[0], times[-1]  # in time order
    offset = first.astimezone(LONDON).utcoffset()
    if offset is None or last - first > timedelta(days=100) or \
            last.astimezone(LONDON).utcoffset() != offset:
        return local_time
    suffix = "+01:00" if offset else "+00:00"

    def local(moment: datetime) -> str:
        # Every time of a draft is a UTC datetime, so dropping the zone leaves UTC wall time.
        return (moment.replace(tzinfo=None) + offset).isoformat(timespec="seconds") + suffix

    return local


def clock_change(year: int, month: int) -> datetime:
    """The instant the UK clocks change in `month` of `year` (to BST in March, to GMT in
    October), read from the zone database: the first second at which Europe/London's offset
    differs from the one it had when the month began."""
    start = int(datetime(year, month, 1, tzinfo=UTC).timestamp())
    end = int(datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC).timestamp())
    before = _offset(start)
    if _offset(end) == before:
        raise ValueError(f"the UK clocks do not change in {year}-{month:02d}")
    while end - start > 1:  # the offset is `before` at start and not at end
        middle = (start + end) // 2
        if _offset(middle) == before:
            start = middle
        else:
            end = middle
    return datetime.fromtimestamp(end, UTC)


def _offset(timestamp: int) -> timedelta | None:
    return datetime.fromtimestamp(timestamp, LONDON).utcoffset()


def birth_date(rng: random.Random, local_day: date, age: int, birthday_tomorrow: bool) -> str:
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


def birthday_at(birthday: date, local_day: date, age: int) -> str | None:
    """A date of birth whose anniversary is `birthday`, giving `age` completed years on
    `local_day` (the day before the birthday, or the birthday itself); None on 29 February."""
    if birthday.month == 2 and birthday.day == 29:
        return None
    years = age + (1 if local_day < birthday else 0)
    return date(birthday.year - years, birthday.month, birthday.day).isoformat()
