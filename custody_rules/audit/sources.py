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
import os
import stat
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from attrs import frozen

from custody_rules.audit.profile import Converted, Profile, Row, convert_rows
from custody_rules.audit.summary import where
from custody_rules.errors import CustodyRulesError, InputError
from custody_rules.read import parse_json
from custody_rules.validate import record_id_of

JSONL, JSONL_GZ, JSON, CSV = "jsonl", "jsonl.gz", "json", "csv"
NOT_READ = "not-read"  # a path found in a directory that cannot be read: one rejected item
# The project's own expected-findings files (examples/*.expected.json, a scenario's
# expected.json) are findings, not records: a directory audit passes over them and says so.
EXPECTED_NAMES = ("expected.json", ".expected.json")
_SUFFIXES = ((".jsonl.gz", JSONL_GZ), (".ndjson.gz", JSONL_GZ), (".jsonl", JSONL),
             (".ndjson", JSONL), (".json", JSON), (".csv", CSV))
# A line longer than this is not a custody record but a runaway (or a gzip bomb); it is
# rejected, and never held: reading stops at the limit and the rest of the line is skipped in
# small pieces, so no process (worker or parent) ever holds more than this of one line.
MAX_LINE_BYTES = 16 * 1024 * 1024
_SKIP_BYTES = 1 << 20
# A CSV row (all its lines, when a quoted cell spans several) is at most this long; a row that
# goes on (an unterminated quote) is rejected at its first line and the lines after it are
# read again as rows of their own, so one stray quote loses one row, never the rest.
MAX_ROW_BYTES = 1024 * 1024
MAX_ROW_LINES = 200
MAX_CELL_CHARS = 128 * 1024
csv.field_size_limit(MAX_CELL_CHARS)


@frozen
class Source:
    path: str
    kind: str
    problem: str | None = None  # NOT_READ: why this path is not read (one rejected item)
    name: str | None = None  # what reports call it, if not its path (e.g. <stdin>)

    @property
    def label(self) -> str:
        return self.name or self.path


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


class SourceError(CustodyRulesError):
    """A path that is not an input the audit can read (usage, before any record)."""


def kind_of(path: Path) -> str | None:
    name = path.name.lower()
    return next((kind for suffix, kind in _SUFFIXES if name.endswith(suffix)), None)


def is_expected_findings(path: Path) -> bool:
    name = path.name.lower()
    return name == EXPECTED_NAMES[0] or name.endswith(EXPECTED_NAMES[1])


@frozen
class Discovered:
    sources: tuple[Source, ...]
    # Files in the directories that are not read as records, each with why (below).
    passed_over: tuple[tuple[str, str], ...]


# Why a file in an audited directory is passed over (the JSON summary's `not_records`).
EXPECTED_FINDINGS = "expected findings, not a record"
CSV_WITHOUT_PROFILE = "a CSV export: give --profile to read it"
NOT_A_RECORD_FILE = "not a record file (.json, .jsonl, .ndjson, .jsonl.gz, or .csv with --profile)"


def discover(paths: Sequence[Path], with_csv: bool) -> Discovered:
    """The input files in audit order. A named file is read whatever its name says (JSON
    Lines unless it ends in .json, .gz or .csv); a directory contributes its record files.
    Nothing in a directory is skipped silently: a subdirectory that cannot be listed, a FIFO
    or device with a record file's name, or a symbolic link that leads nowhere becomes a
    rejected item naming the path; expected-findings files, CSV exports without a profile and
    other files are listed as passed over, with why. A file named twice is read once."""
    sources: list[Source] = []
    passed_over: list[tuple[str, str]] = []
    for path in paths:
        if path.is_dir():
            found, over = _walk(path, with_csv)
            sources.extend(found)
            passed_over.extend(over)
        elif path.is_file():
            kind = kind_of(path) or (JSONL_GZ if path.name.endswith(".gz") else JSONL)
            if kind == CSV and not with_csv:
                raise SourceError(f"{path}: a CSV export needs --profile to say how to read it")
            sources.append(Source(str(path), kind))
        elif path.exists():
            raise SourceError(f"{path}: not a regular file or directory (a FIFO or device "
                              "cannot be read by every worker)")
        else:
            raise SourceError(f"{path}: no such file or directory")
    # A file named twice (itself, and again inside a named directory) is read once.
    seen: set[str] = set()
    unique: list[Source] = []
    for source in sources:
        key = source.path if source.kind == NOT_READ else os.path.realpath(source.path)
        if key not in seen:
            seen.add(key)
            unique.append(source)
    return Discovered(tuple(unique), tuple(passed_over))


def _walk(top: Path, with_csv: bool) -> tuple[list[Source], list[tuple[str, str]]]:
    """Every record file below `top`, by a walk of our own (os.walk recurses: a tree deeper
    than Python's recursion limit would end in a traceback); and the files passed over."""
    entries: list[tuple[Path, Source | str]] = []

    def not_read(path: str, problem: str) -> None:
        entries.append((Path(path), Source(path, NOT_READ, problem)))

    pending = [str(top)]
    while pending:
        directory = pending.pop()
        try:
            with os.scandir(directory) as listing:
                children = list(listing)
        except OSError as exc:
            not_read(directory, f"directory cannot be read: {_reason(exc)}")
            continue
        for entry in children:
            path = entry.path
            try:
                if entry.is_dir(follow_symlinks=False):
                    pending.append(path)
                    continue
                if entry.is_symlink() and os.path.isdir(path):
                    not_read(path, "a symbolic link to a directory is not followed; name its "
                             "target instead")
                    continue
            except OSError as exc:
                not_read(path, f"cannot be read: {_reason(exc)}")
                continue
            kind = kind_of(Path(path))
            if kind is None:
                entries.append((Path(path), NOT_A_RECORD_FILE))
                continue
            if kind == CSV and not with_csv:
                entries.append((Path(path), CSV_WITHOUT_PROFILE))
                continue
            if is_expected_findings(Path(path)):
                entries.append((Path(path), EXPECTED_FINDINGS))
                continue
            try:
                mode = os.stat(path).st_mode
            except OSError as exc:
                not_read(path, f"cannot be read: {_reason(exc)}")
                continue
            if not stat.S_ISREG(mode):
                not_read(path, "not a regular file (a FIFO or device)")
                continue
            entries.append((Path(path), Source(path, kind)))
    entries.sort(key=lambda entry: entry[0])
    return ([source for _, source in entries if isinstance(source, Source)],
            [(str(path), why) for path, why in entries if isinstance(why, str)])


def iter_items(sources: Sequence[Source], profile: Profile | None, shard: int = 0,
               shards: int = 1, start: int = 0) -> Iterator[Item]:
    """The items numbered `start` and later whose number is `shard` modulo `shards`.

    Items of other shards are counted but not decoded: a JSON line is only split off, a
    single-record file is not opened, CSV rows are grouped but not converted.
    """
    index = 0
    for source in sources:
        if source.kind == NOT_READ:
            if index >= start and index % shards == shard:
                yield Item(index, source.path, None, None, source.problem)
            index += 1
            continue
        if source.kind == JSON:
            if index >= start and index % shards == shard:
                yield Item(index, source.label, None, *_read_whole(source.path))
            index += 1
            continue
        for line, data, error in _raw_items(source, profile):
            if index >= start and index % shards == shard:
                yield Item(index, source.label, line, data, error)
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


def bounded_lines(handle: IO[bytes] | gzip.GzipFile, limit: int = MAX_LINE_BYTES
                  ) -> Iterator[tuple[int, bytes | None, int]]:
    """(line number, the line or None if longer than `limit`, its length), never holding
    more than `limit` bytes of a line."""
    number = 0
    while True:
        line = handle.readline(limit + 1)
        if not line:
            return
        number += 1
        if len(line) <= limit:
            yield number, line, len(line)
            continue
        size = len(line)
        del line
        while True:  # skip the rest in small pieces
            rest = handle.readline(_SKIP_BYTES)
            size += len(rest)
            if not rest or rest.endswith(b"\n"):
                break
        yield number, None, size


def _jsonl_items(source: Source) -> Iterator[tuple[int | None, bytes | None, str | None]]:
    with _open_binary(source) as handle:
        for number, line, size in bounded_lines(handle):
            if line is None:
                yield number, None, f"line of {size} bytes, more than {MAX_LINE_BYTES}"
            elif not line.isspace():  # (isspace stops at the first character of a record)
                yield number, line, None


class _BadRow(Exception):
    def __init__(self, line: int, problem: str):
        super().__init__(problem)
        self.line = line
        self.problem = problem


class _Lines:
    """The decoded lines of a CSV export, fed to csv.reader one row at a time. Each row's
    lines are kept until the row is complete, so that a bad row can be given back."""

    def __init__(self, handle: IO[bytes], encoding: str):
        self.raw = bounded_lines(handle, MAX_ROW_BYTES)
        self.encoding = encoding
        self.pending: list[tuple[int, bytes | None, int]] = []  # given back, in reverse
        self.row: list[tuple[int, bytes | None, int]] = []
        self.row_bytes = 0

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self.row and (len(self.row) >= MAX_ROW_LINES or self.row_bytes > MAX_ROW_BYTES):
            raise _BadRow(self.row[0][0], "a quoted cell never ends (unterminated quote): the "
                          f"row runs past {len(self.row)} lines")
        entry = self.pending.pop() if self.pending else next(self.raw)
        number, data, size = entry
        self.row.append(entry)
        self.row_bytes += size
        if data is None:
            raise _BadRow(number, f"line of {size} bytes, more than {MAX_ROW_BYTES}")
        try:
            return data.decode(self.encoding)
        except UnicodeDecodeError as exc:
            raise _BadRow(number, f"byte {exc.start + 1} is not valid {self.encoding}: "
                          f"{exc.reason}") from None

    def start_row(self) -> None:
        self.row = []
        self.row_bytes = 0

    def give_back(self) -> None:
        """A bad row: its first line is lost, the lines after it are read again."""
        self.pending.extend(reversed(self.row[1:]))
        self.start_row()


def csv_rows(handle: IO[bytes], encoding: str, delimiter: str
             ) -> Iterator[tuple[int, list[str] | None, str | None]]:
    """(first line, cells, None) for each row, or (line, None, problem) for a bad one; a bad
    row never takes the rows after it down with it."""
    lines = _Lines(handle, encoding)
    while True:
        reader = csv.reader(lines, delimiter=delimiter, strict=True)
        while True:
            lines.start_row()
            try:
                cells = next(reader)
            except StopIteration:
                return
            except _BadRow as bad:
                first = lines.row[0][0]
                lines.give_back()
                yield first, None, (bad.problem if bad.line == first
                                    else f"line {bad.line}: {bad.problem}")
                break  # a new reader: this one's state is mid-row
            except csv.Error as exc:
                first = lines.row[0][0]
                lines.give_back()
                if "unexpected end of data" in str(exc):  # the input ended inside quotes
                    yield first, None, "a quoted cell never ends (unterminated quote)"
                else:
                    yield first, None, f"not a valid CSV row: {exc}"
                break
            if cells:
                yield lines.row[0][0], cells, None


def _csv_items(source: Source, profile: Profile
               ) -> Iterator[tuple[int | None, tuple[Row, ...] | None, str | None]]:
    """Rows of one custody number form one record. Exports list a record's rows together;
    rows of a number seen earlier are an error (they cannot be joined without holding every
    record in memory), reported once for those rows. A row that cannot be read is rejected
    on its own, with its line, and so is the record it sat in (named, with that line): checked
    without the row, it could show a breach that the row would have cured. A bad row between
    two custody numbers could belong to either, so both are rejected."""
    with open(source.path, "rb", buffering=1 << 20) as handle:
        rows = csv_rows(handle, profile.encoding, profile.delimiter)
        header: list[str] | None = None
        for line, cells, problem in rows:
            if problem is not None or cells is None:
                yield line, None, f"header: {problem}"
                return
            header = cells
            break
        if header is None:
            return
        duplicates = sorted({name for name in header if header.count(name) > 1})
        if duplicates:
            yield 1, None, ("columns named more than once, so which one is meant cannot be "
                            f"told: {', '.join(duplicates)}")
            return
        missing = profile.missing_columns(header)
        if missing:
            yield 1, None, f"columns missing for profile {profile.name}: {', '.join(missing)}"
            return
        key_column = profile.key.column
        seen: set[str] = set()
        group: list[Row] = []
        key: str | None = None
        first_line = 2
        unread: list[int] = []  # bad rows that may belong to the record being gathered
        just_unread: list[int] = []  # bad rows since the last good one: they may start the next
        for line, cells, problem in rows:
            if problem is not None or cells is None:
                yield line, None, problem
                unread.append(line)
                just_unread.append(line)
                continue
            row = {name: cells[i] if i < len(cells) else "" for i, name in enumerate(header)}
            value = (row.get(key_column) or "").strip()
            if group and value != key:
                yield _group(group, key, seen, key_column, first_line, unread)
                group, unread = [], list(just_unread)
            just_unread = []
            if not group:
                key, first_line = value, line
            group.append((line, row))
        if group:
            yield _group(group, key, seen, key_column, first_line, unread)


def _group(rows: list[Row], key: str | None, seen: set[str], column: str, first_line: int,
           unread: list[int]) -> tuple[int | None, tuple[Row, ...] | None, str | None]:
    if not key:
        return first_line, None, f"{column} is empty on {len(rows)} row(s)"
    if key in seen:
        return first_line, None, (f"rows for {column} {key!r} are not together with its earlier "
                                  f"rows; sort the export by {column}")
    seen.add(key)
    if unread:
        lines = ", ".join(str(line) for line in unread)
        return first_line, tuple(rows), (
            f"the row at line{'s' * (len(unread) > 1)} {lines}, among or next to this record's "
            "rows, could not be read; the record is not checked without it")
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
