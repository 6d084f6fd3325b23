"""Times and durations as a custody suite reads them: always UK time (Europe/London), whatever
UTC offset the record was written in.

A record written in UTC in summer and the same record written in +01:00 describe the same
instants, so they print the same wall-clock times. A time on another day than the moment the
record is judged at ("as of") carries its date; a time in the hour the clocks go back (which
happens twice) carries GMT or BST. Durations are in hours and minutes up to two days, as the
PACE clock counts, and in days and hours beyond.

Names of days and months are written here, not with strftime, which follows the process's
locale: output must not.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

# tzdata is a dependency: the zone exists even where the OS has no time zone database.
UK = ZoneInfo("Europe/London")
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# Beyond this, durations are given in days and hours ("3 days 4h"), not "76h".
HOURS_UP_TO = 48


def uk(moment: datetime) -> datetime:
    """The moment in UK local time (GMT or BST)."""
    return moment.astimezone(UK)


def zone_name(moment: datetime) -> str:
    """`BST` or `GMT`: which the UK clock showed at that moment."""
    return _zone_name(uk(moment))


def _zone_name(local: datetime) -> str:
    return "BST" if local.dst() else "GMT"


def ambiguous(moment: datetime) -> bool:
    """True in the hour the clocks go back: the same wall-clock time happens twice."""
    return _ambiguous(uk(moment))


def _ambiguous(local: datetime) -> bool:
    other = local.replace(fold=1 - local.fold)
    return other.utcoffset() != local.utcoffset()


def day_words(day: date, with_year: bool = False) -> str:
    """`Wed 15 Jan`, or `Wed 15 Jan 2025`."""
    text = f"{DAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]}"
    return f"{text} {day.year}" if with_year else text


def clock_time(moment: datetime, today: date | None = None) -> str:
    """`20:10`; `21:50 on Tue 14 Jan` when not on `today` (the as-of day); `01:30 BST` in the
    hour the clocks go back."""
    local = uk(moment)  # once: the conversion is most of the cost
    text = f"{local.hour:02d}:{local.minute:02d}"
    if _ambiguous(local):
        text += f" {_zone_name(local)}"
    if today is not None and local.date() != today:
        text += f" on {day_words(local.date(), with_year=local.year != today.year)}"
    return text


def as_of_words(moment: datetime) -> str:
    """The one style of "as of" everywhere: `10:05 BST on Wed 7 Sep 2022`."""
    local = uk(moment)
    return (f"{local.hour:02d}:{local.minute:02d} {zone_name(moment)} on "
            f"{day_words(local.date(), with_year=True)}")


def as_of_day(moment: datetime) -> date:
    """The UK date of the as-of moment: times on other days carry their date."""
    return uk(moment).date()


def iso(moment: datetime) -> str:
    """ISO 8601 in UK local time, for JSON."""
    return uk(moment).isoformat()


def minute(moment: datetime) -> datetime:
    """The moment without its seconds: what a clock showing hours and minutes shows."""
    return moment.replace(second=0, microsecond=0)


def time_left(due: datetime, as_of: datetime) -> timedelta:
    """From the as-of time to a deadline, as the two clock times shown read: 11:50 (even at
    11:50:40) to 12:10 is 20 minutes."""
    return minute(due) - minute(as_of)


def format_duration(delta: timedelta) -> str:
    """`45m`, `10h`, `26h05m` (in hours, as the PACE clock counts) up to two days; beyond,
    `3 days 4h`."""
    minutes = int(delta.total_seconds() // 60)
    sign = "-" if minutes < 0 else ""
    hours, minutes = divmod(abs(minutes), 60)
    if hours >= HOURS_UP_TO:
        days, hours = divmod(hours, 24)
        unit = "day" if days == 1 else "days"
        return f"{sign}{days} {unit} {hours}h" if hours else f"{sign}{days} {unit}"
    if hours:
        return f"{sign}{hours}h{minutes:02d}m" if minutes else f"{sign}{hours}h"
    return f"{sign}{minutes}m"


def as_of_text(stamp: str) -> str:
    """An ISO 8601 moment (as the audit summary holds it) in the one "as of" style; text that
    is not one is returned as it is."""
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    return as_of_words(moment) if moment.tzinfo is not None else stamp
