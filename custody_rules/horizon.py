"""The moment an audit judges its open records at, and the records that cannot be judged then.

A record still open has no end of its own: it must be judged as of some moment. Judging each
as of "now" makes two runs a second apart differ, so an audit judges every open record at one
stated horizon: by default the latest moment found in the input (the latest event, entry or
closing time of any record that is not dated in the future), `--as-of TIME` to choose one,
`--as-of now` for the wall clock. The same input then gives the same bytes.

A record that begins after the horizon, or is dated in the future (after the wall clock), has
nothing that can be judged: it is refused (`check`) or rejected with the reason (`audit`),
never judged into negative durations or ages.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from custody_rules.record import CustodyRecord

UK = ZoneInfo("Europe/London")

# Clocks disagree a little: a record written by a machine a few minutes ahead is not "future".
CLOCK_SKEW = timedelta(minutes=5)
GIVEN, NOW, LATEST = "given", "now", "latest-in-input"


def london(moment: datetime) -> str:
    """A moment as UK local time with its offset: every message states times in one zone."""
    return moment.astimezone(UK).isoformat(timespec="minutes")


def _moment(value: Any) -> datetime | None:
    """An ISO 8601 time with an offset, or None (anything else is for validation to judge)."""
    if not isinstance(value, str) or "T" not in value.upper() or len(value) > 64:
        return None
    text = value[:-1] + "+00:00" if value.endswith(("Z", "z")) else value
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.utcoffset() is not None else None


def raw_moments(raw: Any) -> Iterator[datetime]:
    """The times of a record not yet validated: each event's `at` and `recorded_at`, and
    `closed_at`."""
    if not isinstance(raw, dict):
        return
    for value in (raw.get("closed_at"),):
        moment = _moment(value)
        if moment is not None:
            yield moment
    events = raw.get("events")
    if isinstance(events, list):
        for event in events:
            if isinstance(event, dict):
                for key in ("at", "recorded_at"):
                    moment = _moment(event.get(key))
                    if moment is not None:
                        yield moment


# A time field of a JSON record as it is written: `"at": "2024-06-12T18:25:00+01:00"`.
_TIME_FIELD = re.compile(rb'"(?:at|recorded_at|closed_at)"\s*:\s*"([0-9T:.+\-Zz ]{10,40})"')


def record_latest(data: bytes) -> datetime | None:
    """The latest time written in one JSON record, found without parsing the record: times
    of one shape (the same length and UTC offset) order as text, so only the latest of each
    shape is parsed, usually one or two a record instead of every event's."""
    found = _TIME_FIELD.findall(data)
    if not found:
        return None
    latest_of_shape: dict[tuple[int, bytes], bytes] = {}
    if len({(len(text), text[-6:]) for text in found}) == 1:  # the usual case: one shape
        latest_of_shape[(0, b"")] = max(found)
    else:
        for text in found:
            shape = (len(text), text[-6:])
            if text > latest_of_shape.get(shape, b""):
                latest_of_shape[shape] = text
    moments = [moment for text in latest_of_shape.values()
               if (moment := _moment(text.decode("ascii"))) is not None]
    return max(moments, default=None)


def latest_moment(latests: Iterable[datetime | None], now: datetime) -> datetime | None:
    """The latest of the records' latest moments, leaving out records dated in the future."""
    horizon: datetime | None = None
    for moment in latests:
        if moment is None or moment > now + CLOCK_SKEW:
            continue
        if horizon is None or moment > horizon:
            horizon = moment
    return horizon


def raw_latest(raw: Any) -> datetime | None:
    """The latest time of a record not yet validated (a CSV export's converted rows)."""
    return max(raw_moments(raw), default=None)


def judgement_problem(record: CustodyRecord, as_of: datetime | None, now: datetime
                      ) -> str | None:
    """Why `record` cannot be judged as of `as_of` (None: it can)."""
    times = [event.at for event in record.events]
    times += [event.recorded_at for event in record.events if event.recorded_at is not None]
    if record.closed_at is not None:
        times.append(record.closed_at)
    if not times:
        return None
    latest, first = max(times), min(event.at for event in record.events)
    if latest > now + CLOCK_SKEW:
        return (f"dated in the future: it has a time ({london(latest)}) after the present "
                f"({london(now)}); nothing can be judged")
    if as_of is not None and as_of < first:
        return (f"the record begins ({london(first)}) after the moment it is judged as of "
                f"({london(as_of)}); nothing can be judged")
    return None
