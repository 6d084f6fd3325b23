"""Input for an audit: the files named on the command line, read as numbered items.

An item is one record's input: a line of a JSON Lines file (plain or gzip), a whole `.json`
file, or the rows of one custody number in a CSV export. Items are numbered in one fixed order
(files in the order given, a directory's files sorted by path, lines in file order), so that
every worker process, reading the same files, agrees on the numbering: worker k of n takes the
items whose number modulo n is k and skips the rest without parsing them. Nothing is held but
the item in hand, so memory does not grow with the input.

A file that cannot be read to its end yields one error item where it stopped; it is reported
as a rejected input, so that what was lost is visible and counted.
"""

from __future__ import annotations

import csv
import gzip
import json
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from attrs import frozen

from custody_rules.audit.profile import Converted, Profile, Row, convert_rows
from custody_rules.audit.summary import where
from custody_rules.errors import InputError
from custody_rules.read import parse_json
from custody_rules.validate import record_id_of

JSONL, JSONL_GZ, JSON, CSV = "jsonl", "jsonl.gz", "json", "csv"
_SUFFIXES = ((".jsonl.gz", JSONL_GZ), (".ndjson.gz", JSONL_GZ), (".jsonl", JSONL),
             (".ndjson", JSONL), (".json", JSON), (".csv", CSV))
# A line longer than this is not a custody record but a runaway; it is rejected unread.
MAX_LINE_BYTES = 64 * 1024 * 1024


@frozen
class Source:
    path: str
    kind: str


@frozen
class Item:
    """One record's input, with where it came from. `data` is JSON text or CSV rows."""

    index: int
    source: str
    line: int | None
    data: bytes | tuple[Row, ...] | None
    error: str | None = None  # the source could not be read here

    @property
    def where(self) -> str:
        return where(self.source, self.line)


class SourceError(Exception):
    """A path that is not an input the audit can read (usage, before any record)."""


def kind_of(path: Path) -> str | None:
    name = path.name.lower()
    return next((kind for suffix, kind in _SUFFIXES if name.endswith(suffix)), None)


def discover(paths: Sequence[Path], with_csv: bool) -> list[Source]:
    """The input files in audit order. A named file is read whatever its name says (JSON
    Lines unless it ends in .json, .gz or .csv); a directory contributes its record files."""
    sources: list[Source] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and kind_of(p) is not None)
            for file in found:
                kind = kind_of(file)
                if kind == CSV and not with_csv:
                    continue
                assert kind is not None
                sources.append(Source(str(file), kind))
        elif path.is_file():
            kind = kind_of(path) or (JSONL_GZ if path.name.endswith(".gz") else JSONL)
            if kind == CSV and not with_csv:
                raise SourceError(f"{path}: a CSV export needs --profile to say how to read it")
            sources.append(Source(str(path), kind))
        else:
            raise SourceError(f"{path}: no such file or directory")
    return sources


def iter_items(sources: Sequence[Source], profile: Profile | None, shard: int = 0,
               shards: int = 1, start: int = 0) -> Iterator[Item]:
    """The items numbered `start` and later whose number is `shard` modulo `shards`.

    Items of other shards are counted but not decoded: a JSON line is only split off, a
    single-record file is not opened, CSV rows are grouped but not converted.
    """
    index = 0
    for source in sources:
        if source.kind == JSON:
            if index >= start and index % shards == shard:
                yield Item(index, source.path, None, *_read_whole(source.path))
            index += 1
            continue
        for line, data, error in _raw_items(source, profile):
            if index >= start and index % shards == shard:
                yield Item(index, source.path, line, data, error)
            index += 1


def _raw_items(source: Source, profile: Profile | None
               ) -> Iterator[tuple[int | None, bytes | tuple[Row, ...] | None, str | None]]:
    try:
        if source.kind == CSV:
            assert profile is not None
            yield from _csv_items(source, profile)
        else:
            yield from _jsonl_items(source)
    except (OSError, EOFError, zlib.error, UnicodeDecodeError, csv.Error) as exc:
        yield None, None, f"cannot read further: {_reason(exc)}"


def _read_whole(path: str) -> tuple[bytes | None, str | None]:
    """A single-record file is opened only by the worker that owns it."""
    try:
        with open(path, "rb") as handle:
            return handle.read(), None
    except OSError as exc:
        return None, f"cannot read file: {_reason(exc)}"


def _open_binary(source: Source) -> IO[bytes] | gzip.GzipFile:
    if source.kind == JSONL_GZ:
        # Its own buffer is small: the lines before a truncation are still read.
        return gzip.open(source.path, "rb")
    return open(source.path, "rb", buffering=1 << 20)


def _jsonl_items(source: Source) -> Iterator[tuple[int | None, bytes | None, str | None]]:
    with _open_binary(source) as handle:
        for number, line in enumerate(handle, start=1):
            if len(line) > MAX_LINE_BYTES:
                yield number, None, f"line of {len(line)} bytes, more than {MAX_LINE_BYTES}"
            elif not line.isspace():  # (isspace stops at the first character of a record)
                yield number, line, None


def _csv_items(source: Source, profile: Profile
               ) -> Iterator[tuple[int | None, tuple[Row, ...] | None, str | None]]:
    """Rows of one custody number form one record. Exports list a record's rows together;
    rows of a number seen earlier are an error (they cannot be joined without holding every
    record in memory), reported once for those rows."""
    with open(source.path, encoding=profile.encoding, newline="") as handle:
        reader = csv.DictReader(handle, delimiter=profile.delimiter)
        header = reader.fieldnames or []
        missing = profile.missing_columns(header)
        if missing:
            yield 1, None, f"columns missing for profile {profile.name}: {', '.join(missing)}"
            return
        key_column = profile.key.column
        seen: set[str] = set()
        group: list[Row] = []
        key: str | None = None
        first_line = 2
        line = 1
        while True:
            row = next(reader, None)
            if row is None:
                break
            start = line + 1
            line = reader.line_num
            value = (row.get(key_column) or "").strip()
            if group and value != key:
                yield _group(group, key, seen, key_column, first_line)
                group = []
            if not group:
                key, first_line = value, start
            group.append((start, {k: v for k, v in row.items() if isinstance(k, str)}))
        if group:
            yield _group(group, key, seen, key_column, first_line)


def _group(rows: list[Row], key: str | None, seen: set[str], column: str, first_line: int
           ) -> tuple[int | None, tuple[Row, ...] | None, str | None]:
    if not key:
        return first_line, None, f"{column} is empty on {len(rows)} row(s)"
    if key in seen:
        return first_line, None, (f"rows for {column} {key!r} are not together with its earlier "
                                  f"rows; sort the export by {column}")
    seen.add(key)
    return first_line, tuple(rows), None


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


# --------------------------------------------------------------------------- loading one item

@frozen
class Loaded:
    raw: Any
    unmatched: tuple[tuple[str, str], ...] = ()


def load_item(item: Item, profile: Profile | None) -> Loaded:
    """The raw JSON value of one item; InputError (naming source and line) if there is none."""
    if item.error is not None:
        raise InputError(None, [item.error], item.where)
    if isinstance(item.data, bytes):
        return Loaded(parse_json(item.data, item.where))
    assert profile is not None and item.data is not None
    converted: Converted = convert_rows(profile, item.data)
    if converted.problems:
        raise InputError(record_id_of(converted.raw), list(converted.problems), item.where)
    return Loaded(converted.raw, converted.unmatched)


def record_id_hint(item: Item, profile: Profile | None) -> str | None:
    """The record id, if it can be had cheaply and safely, for naming a record never checked."""
    if isinstance(item.data, bytes):
        try:
            raw = json.loads(item.data)
        except (ValueError, RecursionError):
            return None
        value = raw.get("record_id") if isinstance(raw, dict) else None
    elif item.data and profile is not None:
        value = item.data[0][1].get(profile.key.column)
    else:
        return None
    # Only an id fit to print: one line, valid Unicode, short (validate's own rules), since
    # it names the record in every report and must encode in the worker's message.
    return record_id_of({"record_id": value})


def count_items(sources: Sequence[Source], profile: Profile | None) -> int:
    """How many items there are (for a progress bar): one pass, nothing decoded."""
    return sum(1 for _ in iter_items(sources, profile, shard=0, shards=1))
