"""Mapping profiles: how one custody system's CSV export becomes records in our format.

A real export is an entry log: one row per entry, the custody number on every row, entry types
and ranks in the system's own words, and local times without a UTC offset. A profile (YAML)
says which column feeds which field of the record format, how the system's values translate
(`values:`), which entry types carry nothing for the rules (`ignore:`), and how to read times:
a `strptime` format and the IANA time zone they were written in. See
examples/profiles/custodian.yaml for a complete one.

Local times are the dangerous part. At the autumn clock change 01:30 happens twice and in
spring 01:30 never happens; a review deadline computed from a guessed offset is an hour out.
Such a time is an input error naming the line, never a guess.
"""

from __future__ import annotations

import enum
import typing
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs
from attrs import frozen

from custody_rules.errors import CustodyRulesError
from custody_rules.record import (
    EVENT_TYPES,
    CustodyRecord,
    Event,
    Offence,
    Officer,
    Person,
)
from custody_rules.safe_yaml import CLIP, YamlProblem, clip, read_yaml_file

Row = tuple[int, Mapping[str, str]]  # (line number in the file, column -> text)

_TRUE = frozenset({"y", "yes", "true", "t", "1"})
_FALSE = frozenset({"n", "no", "false", "f", "0"})


class ProfileError(CustodyRulesError):
    """A mapping profile that cannot be read or names something the record format lacks."""


@frozen
class FieldKind:
    """What a target field holds, read from the record classes so that profiles follow them."""

    kind: str  # text, time, date, int, bool, enum, list
    allowed: frozenset[str] = frozenset()  # enum values (for enum and list)


@frozen
class ColumnMap:
    """One target field fed from one column, with the source system's values translated."""

    target: str
    column: str
    kind: FieldKind
    values: Mapping[str, Any] = attrs.field(factory=dict)  # casefolded source value -> ours
    ignore: frozenset[str] = frozenset()  # casefolded source values that carry nothing
    time_format: str | None = None


@frozen
class Profile:
    name: str
    path: str
    delimiter: str
    encoding: str
    list_separator: str
    time_format: str
    zone_name: str
    zone: ZoneInfo
    record: tuple[ColumnMap, ...]  # record_id first; force, station, closed_at
    person: tuple[ColumnMap, ...]
    offences: tuple[ColumnMap, ...]  # description first, then its flags
    event_type: ColumnMap
    event: tuple[ColumnMap, ...]  # id, at, recorded_at, note
    officer: tuple[ColumnMap, ...]
    fields: tuple[ColumnMap, ...]  # fields of particular event types

    @property
    def key(self) -> ColumnMap:
        """The column whose value groups rows into one record."""
        return self.record[0]

    def columns(self) -> frozenset[str]:
        maps = (*self.record, *self.person, *self.offences, self.event_type, *self.event,
                *self.officer, *self.fields)
        return frozenset(m.column for m in maps)

    def missing_columns(self, header: Sequence[str]) -> list[str]:
        present = set(header)
        return sorted(column for column in self.columns() if column not in present)


@frozen
class Converted:
    """One record built from its rows: the raw JSON value, or the problems that stop it."""

    raw: dict[str, Any]
    problems: tuple[str, ...]
    unmatched: tuple[tuple[str, str], ...]  # (column, source value) that matched nothing


# --------------------------------------------------------------------------- target fields

def _kind_of(hint: Any) -> FieldKind:
    args = [arg for arg in typing.get_args(hint) if arg is not type(None)]
    if typing.get_origin(hint) is tuple:
        item = args[0]
        if isinstance(item, type) and issubclass(item, enum.Enum):
            return FieldKind("list", frozenset(str(m.value) for m in item))
        return FieldKind("other")  # events, offences: built from rows, not one column
    inner = args[0] if args else hint
    if inner is bool:
        return FieldKind("bool")
    if inner is int:
        return FieldKind("int")
    if inner is datetime:
        return FieldKind("time")
    if inner is date:
        return FieldKind("date")
    if isinstance(inner, type) and issubclass(inner, enum.Enum):
        return FieldKind("enum", frozenset(str(m.value) for m in inner))
    return FieldKind("text")


def _kinds(cls: type, skip: Iterable[str] = ()) -> dict[str, FieldKind]:
    hints = typing.get_type_hints(cls)
    return {a.name: _kind_of(hints[a.name]) for a in attrs.fields(cls) if a.name not in skip}


_RECORD_KINDS = {
    name: kind for name, kind in _kinds(CustodyRecord).items()
    if name in ("record_id", "force", "station", "closed_at")
}
_PERSON_KINDS = _kinds(Person)
_OFFENCE_KINDS = _kinds(Offence)
_OFFICER_KINDS = _kinds(Officer)
_COMMON_EVENT = ("id", "at", "recorded_at", "note")
_EVENT_KINDS = {name: kind for name, kind in _kinds(Event).items() if name in _COMMON_EVENT}


def _event_field_kinds() -> dict[str, FieldKind]:
    """Own fields of every event type; a name used by several types with different enums
    (`reason`, `kind`, `outcome`) accepts the union, and validation judges each event."""
    kinds: dict[str, FieldKind] = {}
    for cls in EVENT_TYPES.values():
        for name, kind in _kinds(cls, skip=(*_COMMON_EVENT, "by")).items():
            known = kinds.get(name)
            if known is not None and known.kind == kind.kind:
                kind = FieldKind(kind.kind, known.allowed | kind.allowed)
            kinds[name] = kind
    return kinds


_FIELD_KINDS = _event_field_kinds()
_FIELDS_OF_TYPE = {
    type_name: frozenset(a.name for a in attrs.fields(cls))
    for type_name, cls in EVENT_TYPES.items()
}


# --------------------------------------------------------------------------- loading

def load_profile(path: Path) -> Profile:
    """Read and check a profile; every mistake is a ProfileError naming the file and key."""
    try:
        raw = read_yaml_file(path)
    except YamlProblem as exc:
        raise ProfileError(f"{path}: cannot read profile: {exc}") from None
    return parse_profile(raw, str(path))


def parse_profile(raw: Any, where: str) -> Profile:
    reader = _ProfileReader(where)
    top = reader.mapping(raw, "")
    reader.known(top, {"name", "description", "csv", "times", "record", "person", "offences",
                       "events"}, "")
    csv_options = reader.mapping(top.get("csv", {}), "csv")
    reader.known(csv_options, {"delimiter", "encoding", "list_separator"}, "csv")
    times = reader.mapping(top.get("times"), "times")
    reader.known(times, {"format", "zone"}, "times")
    zone_name = reader.text(times.get("zone"), "times.zone")
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ProfileError(f"{where}: times.zone: unknown time zone {clip(zone_name)}") from None
    time_format = reader.text(times.get("format"), "times.format")
    record = reader.maps(top.get("record"), "record", _RECORD_KINDS, time_format)
    if not record or record[0].target != "record_id":
        raise ProfileError(f"{where}: record: record_id must be mapped (and listed first)")
    events = reader.mapping(top.get("events"), "events")
    reader.known(events, {"type", "by", "fields", *_EVENT_KINDS}, "events")
    event_type = reader.column_map("type", events.get("type"), "events.type",
                                   FieldKind("enum", frozenset(EVENT_TYPES)), time_format)
    common = {key: value for key, value in events.items() if key in _EVENT_KINDS}
    event = reader.maps(common, "events", _EVENT_KINDS, time_format)
    if "at" not in {m.target for m in event}:
        raise ProfileError(f"{where}: events.at: every entry needs its time")
    offences = reader.maps(top.get("offences", {}), "offences", _OFFENCE_KINDS, time_format)
    if offences and offences[0].target != "description":
        raise ProfileError(f"{where}: offences: description must be mapped (and listed first)")
    encoding = reader.text(csv_options.get("encoding", "utf-8-sig"), "csv.encoding")
    try:
        line_based = "a,\n".encode(encoding).endswith(b"a,\n")  # (after a BOM)
    except LookupError:
        raise ProfileError(f"{where}: csv.encoding: unknown encoding {clip(encoding)}") from None
    if not line_based:
        raise ProfileError(f"{where}: csv.encoding: {clip(encoding)} is not supported: exports "
                           "are read line by line, which needs an ASCII-compatible encoding "
                           "(utf-8, cp1252, latin-1, ...)")
    return Profile(
        name=reader.text(top.get("name"), "name"),
        path=where,
        delimiter=reader.text(csv_options.get("delimiter", ","), "csv.delimiter"),
        encoding=encoding,
        list_separator=reader.text(csv_options.get("list_separator", ";"), "csv.list_separator"),
        time_format=time_format,
        zone_name=zone_name,
        zone=zone,
        record=record,
        person=reader.maps(top.get("person", {}), "person", _PERSON_KINDS, time_format),
        offences=offences,
        event_type=event_type,
        event=event,
        officer=reader.maps(events.get("by", {}), "events.by", _OFFICER_KINDS, time_format),
        fields=reader.maps(events.get("fields", {}), "events.fields", _FIELD_KINDS, time_format),
    )


class _ProfileReader:
    def __init__(self, where: str):
        self.where = where

    def fail(self, key: str, problem: str) -> ProfileError:
        return ProfileError(f"{self.where}: {key + ': ' if key else ''}{problem}")

    def mapping(self, value: Any, key: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(key, "expected a mapping")
        return value

    def text(self, value: Any, key: str) -> str:
        if not isinstance(value, str) or not value:
            raise self.fail(key, "expected text")
        return value

    def known(self, value: Mapping[str, Any], allowed: set[str], key: str) -> None:
        unknown = sorted(str(name)[:CLIP] for name in value if name not in allowed)
        if unknown:
            known = ", ".join(sorted(allowed))
            raise self.fail(f"{key}.{unknown[0]}" if key else unknown[0],
                            f"not a field this section can map (known: {known})")

    def maps(self, value: Any, key: str, kinds: Mapping[str, FieldKind],
             time_format: str) -> tuple[ColumnMap, ...]:
        section = self.mapping(value, key)
        self.known(section, set(kinds), key)
        return tuple(
            self.column_map(target, spec, f"{key}.{target}", kinds[target], time_format)
            for target, spec in section.items()
        )

    def column_map(self, target: str, spec: Any, key: str, kind: FieldKind,
                   time_format: str) -> ColumnMap:
        if isinstance(spec, str):
            spec = {"column": spec}
        spec = self.mapping(spec, key)
        self.known(spec, {"column", "values", "ignore", "format"}, key)
        values_raw = self.mapping(spec.get("values", {}), f"{key}.values")
        values: dict[str, Any] = {}
        for source_value, ours in values_raw.items():
            values[_norm(str(source_value))] = self._target_value(ours, kind, f"{key}.values")
        ignore = spec.get("ignore", [])
        if not isinstance(ignore, list) or not all(isinstance(v, str | int) for v in ignore):
            raise self.fail(f"{key}.ignore", "expected a list of source values")
        fmt = spec.get("format")
        if fmt is not None:
            self.text(fmt, f"{key}.format")
        elif kind.kind == "time":
            fmt = time_format
        return ColumnMap(target, self.text(spec.get("column"), f"{key}.column"), kind, values,
                         frozenset(_norm(str(v)) for v in ignore), fmt)

    def _target_value(self, ours: Any, kind: FieldKind, key: str) -> Any:
        if kind.kind == "bool":
            if not isinstance(ours, bool):
                raise self.fail(key, f"expected true or false, got {clip(ours)}")
        elif kind.kind in ("enum", "list"):
            if not isinstance(ours, str) or ours not in kind.allowed:
                allowed = ", ".join(sorted(kind.allowed))
                raise self.fail(key, f"{clip(ours)} is not one of: {allowed}")
        elif kind.kind == "int":
            if isinstance(ours, bool) or not isinstance(ours, int):
                raise self.fail(key, f"expected a whole number, got {clip(ours)}")
        elif not isinstance(ours, str):
            raise self.fail(key, f"expected text, got {clip(ours)}")
        return ours


def _norm(value: str) -> str:
    return " ".join(value.split()).casefold()


# --------------------------------------------------------------------------- converting

class _Conversion:
    """Collects the problems and unmatched values met while converting one record's rows."""

    def __init__(self, profile: Profile):
        self.profile = profile
        self.problems: list[str] = []
        self.unmatched: list[tuple[str, str]] = []

    def value(self, column_map: ColumnMap, row: Row) -> Any:
        """The target value of one cell, or None (empty, ignored, unmatched or invalid)."""
        line, cells = row
        text = (cells.get(column_map.column) or "").strip()
        if not text:
            return None
        key = _norm(text)
        if key in column_map.ignore:
            return None
        kind = column_map.kind
        if key in column_map.values:
            return column_map.values[key]
        if kind.kind == "list":
            items = [part.strip() for part in text.split(self.profile.list_separator)]
            mapped = [self.value(attrs.evolve(column_map, kind=FieldKind("enum", kind.allowed)),
                                 (line, {column_map.column: item})) for item in items if item]
            return [item for item in mapped if item is not None]
        if column_map.values and kind.kind in ("enum", "bool"):
            # A translated column: a value the profile does not list is unknown, not ours.
            self.unmatched.append((column_map.column, text))
            return None
        if kind.kind == "bool":
            if key in _TRUE or key in _FALSE:
                return key in _TRUE
            self.unmatched.append((column_map.column, text))
            return None
        if kind.kind == "enum":
            candidate = key.replace(" ", "_").replace("-", "_")
            if candidate in kind.allowed:
                return candidate
            self.unmatched.append((column_map.column, text))
            return None
        if kind.kind == "int":
            try:
                return int(text)
            except ValueError:
                self.problems.append(f"line {line}: {column_map.column} {text!r} is not a number")
                return None
        if kind.kind == "time":
            return self.time(column_map, line, text)
        if kind.kind == "date":
            try:
                day = datetime.strptime(text, column_map.time_format or "%Y-%m-%d").date()
                return day.isoformat()
            except ValueError:
                self.problems.append(f"line {line}: {column_map.column} {text!r} is not a date "
                                     f"in the form {column_map.time_format or '%Y-%m-%d'}")
                return None
        return text

    def time(self, column_map: ColumnMap, line: int, text: str) -> str | None:
        fmt = column_map.time_format or self.profile.time_format
        try:
            moment = datetime.strptime(text, fmt)
        except ValueError:
            try:
                moment = datetime.fromisoformat(text)
            except ValueError:
                self.problems.append(
                    f"line {line}: {column_map.column} {text!r} is not a time in the form {fmt}")
                return None
        if moment.tzinfo is not None:
            return moment.isoformat()
        local, problem = localise(moment, self.profile.zone)
        if problem:
            self.problems.append(f"line {line}: {column_map.column} {text!r} {problem}")
            return None
        assert local is not None
        return local.isoformat()


def localise(naive: datetime, zone: ZoneInfo) -> tuple[datetime | None, str | None]:
    """The aware time for a wall-clock time in `zone`, or why it has no single answer."""
    first = naive.replace(tzinfo=zone, fold=0)
    second = naive.replace(tzinfo=zone, fold=1)
    if first.utcoffset() == second.utcoffset():
        return first, None
    back = first.astimezone(timezone.utc).astimezone(zone).replace(tzinfo=None)
    if back != naive:
        return None, f"never happened in {zone.key}: the clocks went forward over it"
    return None, (f"happened twice in {zone.key} (the clocks went back) and the export does "
                  "not say which")


def convert_rows(profile: Profile, rows: Sequence[Row]) -> Converted:
    """Build one raw record from the rows of one custody number."""
    work = _Conversion(profile)
    raw: dict[str, Any] = {}
    for column_map in profile.record:
        _set(raw, column_map.target, _record_level(work, column_map, rows))
    person: dict[str, Any] = {}
    for column_map in profile.person:
        _set(person, column_map.target, _record_level(work, column_map, rows))
    raw["person"] = person
    if profile.offences:
        raw["offences"] = _offences(work, profile, rows)
    raw["events"] = [event for row in rows if (event := _event(work, profile, row)) is not None]
    return Converted(raw, tuple(work.problems), tuple(work.unmatched))


def _set(target: dict[str, Any], key: str, value: Any) -> None:
    if value is not None:
        target[key] = value


def _record_level(work: _Conversion, column_map: ColumnMap, rows: Sequence[Row]) -> Any:
    """A field of the record or the child: every row that fills it must agree."""
    found: Any = None
    found_line = 0
    for row in rows:
        value = work.value(column_map, row)
        if value is None:
            continue
        if found is None:
            found, found_line = value, row[0]
        elif value != found:
            work.problems.append(
                f"line {row[0]}: {column_map.column} {value!r} differs from {found!r} "
                f"on line {found_line}")
            break
    return found


def _offences(work: _Conversion, profile: Profile, rows: Sequence[Row]) -> list[dict[str, Any]]:
    description, *flags = profile.offences
    offences: dict[str, dict[str, Any]] = {}
    for row in rows:
        text = work.value(description, row)
        if text is None or text in offences:
            continue
        offence: dict[str, Any] = {"description": text}
        for flag in flags:
            _set(offence, flag.target, work.value(flag, row))
        offences[text] = offence
    return list(offences.values())


def _event(work: _Conversion, profile: Profile, row: Row) -> dict[str, Any] | None:
    event_type = work.value(profile.event_type, row)
    if event_type is None:
        text = (row[1].get(profile.event_type.column) or "").strip()
        if not text:
            work.problems.append(f"line {row[0]}: {profile.event_type.column} is empty")
        return None  # ignored, or unmatched (already noted for the mapping report)
    event: dict[str, Any] = {"id": f"L{row[0]}", "type": event_type}
    for column_map in profile.event:
        _set(event, column_map.target, work.value(column_map, row))
    officer: dict[str, Any] = {}
    for column_map in profile.officer:
        _set(officer, column_map.target, work.value(column_map, row))
    if officer:
        event["by"] = officer
    own = _FIELDS_OF_TYPE[event_type]
    for column_map in profile.fields:
        if column_map.target in own:
            _set(event, column_map.target, work.value(column_map, row))
    return event
