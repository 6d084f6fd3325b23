"""The record being written down: events keep their UTC time while the story is told, and get
their ids and local times (or, in chaos, shuffled ids and other offsets) when it is finished."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from operator import itemgetter
from typing import Any

from custody_rules.generate.dates import UTC, local_formatter, local_time
from custody_rules.generate.draws import randint

Json = dict[str, Any]


class Draft:
    """A record being built: events keep their UTC time until ids and text are assigned."""

    __slots__ = ("closed_at", "events", "record")

    def __init__(self, record: Json):
        self.record = record
        self.events: list[tuple[datetime, Json]] = []
        self.closed_at: datetime | None = None

    def add(self, at: datetime, type_: str, **fields: Any) -> Json:
        event: Json = {"type": type_}
        for name, value in fields.items():
            if value is not None:
                event[name] = value
        self.events.append((at, event))
        return event

    def finish(self, rng: random.Random, chaos: bool) -> Json:
        if chaos:
            order = list(range(len(self.events)))
            rng.shuffle(order)
            ids = chaos_ids(rng, len(self.events))
            events = []
            for position, index in enumerate(order):
                at, event = self.events[index]
                out = {"id": ids[position], "type": event["type"], "at": chaos_time(rng, at)}
                out.update(event)
                if "by" in out:
                    out["by"] = dict(out["by"])
                events.append(out)
            for event in events:
                for name in ("until", "recorded_at"):
                    if isinstance(event.get(name), datetime):
                        event[name] = chaos_time(rng, event[name])
        else:
            # In time order, like a custody log; the sort is stable, so entries made at the
            # same minute keep the order they were written in.
            ordered = sorted(self.events, key=_first)
            local = local_formatter([at for at, _ in ordered])
            events = []
            for number, (at, event) in enumerate(ordered, 1):
                out = {"id": f"e{number}", "type": event["type"], "at": local(at)}
                out.update(event)
                if "by" in out:
                    out["by"] = dict(out["by"])  # officers are shared while drafting
                if "recorded_at" in out:
                    out["recorded_at"] = local_time(out["recorded_at"])
                if "until" in out:
                    out["until"] = local_time(out["until"])
                events.append(out)
        record = self.record
        if self.closed_at is not None:
            record["closed_at"] = chaos_time(rng, self.closed_at) if chaos else \
                local_time(self.closed_at)
        elif chaos and rng.random() < 0.5:
            record["closed_at"] = None
        record["events"] = events
        return record


_first = itemgetter(0)


def chaos_time(rng: random.Random, moment: datetime) -> str:
    roll = rng.random()
    if roll < 0.75:
        return local_time(moment)
    if roll < 0.85:
        return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    if roll < 0.9:
        return moment.astimezone(UTC).isoformat(timespec="seconds")
    offset = timedelta(minutes=15 * randint(rng, -48, 56))
    return moment.astimezone(timezone(offset)).isoformat(timespec="seconds")


def chaos_ids(rng: random.Random, count: int) -> list[str]:
    scheme = rng.randrange(4)
    if scheme == 0:
        ids = [f"e{n}" for n in range(1, count + 1)]
    elif scheme == 1:
        ids = [str(n) for n in range(count)]
    elif scheme == 2:
        ids = [f"{rng.getrandbits(32):08x}" for _ in range(count)]
        ids = [f"{ident}-{n}" for n, ident in enumerate(ids)]
    else:
        ids = [f"EV/{n:03d}" for n in range(count)]
    rng.shuffle(ids)
    return ids
