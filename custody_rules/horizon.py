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


def latest_moment(raws: Iterable[Any], now: datetime) -> datetime | None:
    """The latest moment of the records that are not dated in the future."""
    latest: datetime | None = None
    for raw in raws:
        moments = list(raw_moments(raw))
        if not moments or max(moments) > now + CLOCK_SKEW:
            continue
        top = max(moments)
        if latest is None or top > latest:
            latest = top
    return latest


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
