"""The board: every child still held among the records in PATH, judged at one moment.

PATH is read as `audit` reads it (custody_rules.audit.sources: files or folders, JSON, JSON
Lines, CSV through a profile) and each record is validated as `check` validates it. A file is
read again only when it changes (its size, modification time or inode), so the board follows
the files on every request without re-reading what did not change. An item that cannot be read
becomes a row that says why, with the same one-line problems as the CLI: it never takes the
board down, and it sorts first, because a child may be behind it.
"""

from __future__ import annotations

import os
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from attrs import frozen

from custody_rules.audit.profile import Profile
from custody_rules.audit.sources import (
    Source,
    SourceError,
    discover,
    iter_items,
    load_item,
    record_id_hint,
)
from custody_rules.checker import Checker
from custody_rules.engine import Hit
from custody_rules.errors import CustodyRulesError, InputError
from custody_rules.findings import RecordResult
from custody_rules.formatters.json import handover_to_dict
from custody_rules.record import CustodyRecord
from custody_rules.rulebook import Rulebook
from custody_rules.uktime import uk
from custody_rules.validate import validate_record
from custody_rules.views.handover import Handover, handover_for
from custody_rules.views.scenario import Step, steps

T = TypeVar("T")


class Judge:
    """The server's one Checker, used by one request at a time.

    durable-rules keeps one engine per process and never releases the GIL, so requests gain
    nothing by judging in parallel, and the engine is not made to be entered by two threads.
    """

    def __init__(self, checker: Checker):
        self._checker = checker
        self._lock = threading.Lock()

    @property
    def rulebook(self) -> Rulebook:
        return self._checker.rulebook

    def _locked(self, function: Callable[[], T]) -> T:
        with self._lock:
            return function()

    def check(self, record: CustodyRecord, as_of: datetime | None = None,
              now: datetime | None = None, warnings: tuple[str, ...] = ()) -> RecordResult:
        return self._locked(lambda: self._checker.check(record, as_of, now, warnings))

    def explain_hits(self, record: CustodyRecord, as_of: datetime | None = None,
                     now: datetime | None = None, warnings: tuple[str, ...] = ()
                     ) -> tuple[RecordResult, tuple[Hit, ...]]:
        return self._locked(lambda: self._checker.explain_hits(record, as_of, now, warnings))

    def walk(self, record: CustodyRecord) -> tuple[Step, ...]:
        """The training walk of a record (custody_rules.views.scenario.steps), every step."""
        return self._locked(lambda: tuple(steps(self._checker, record)))


@frozen
class Entry:
    """One item of PATH as read: a record, or the problems that stop it being read."""

    where: str  # the file, and the line for JSON Lines and CSV
    record_id: str | None
    record: CustodyRecord | None
    warnings: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()  # one line each, as the CLI prints them


def _stamp(path: str) -> tuple[int, int, int] | None:
    try:
        status = os.stat(path)
    except OSError:
        return None
    return status.st_mtime_ns, status.st_size, status.st_ino


class RecordFolder:
    """The records named on the command line, re-read file by file when a file changes."""

    def __init__(self, paths: Sequence[Path], profile: Profile | None = None):
        self.paths = tuple(paths)
        self.profile = profile
        self._cache: dict[str, tuple[tuple[int, int, int] | None, tuple[Entry, ...]]] = {}
        self._lock = threading.Lock()

    def check_paths(self) -> None:
        """Raise SourceError now, at start, for a path that is not an input at all."""
        discover(self.paths, with_csv=self.profile is not None)

    def entries(self) -> list[Entry]:
        with self._lock:
            found: list[Entry] = []
            seen: set[str] = set()
            for path in self.paths:
                try:
                    sources = discover([path], with_csv=self.profile is not None).sources
                except SourceError as exc:
                    found.append(Entry(str(path), None, None, problems=(str(exc),)))
                    continue
                for source in sources:
                    seen.add(source.path)
                    found.extend(self._source(source))
            for stale in set(self._cache) - seen:
                del self._cache[stale]
            return found

    def _source(self, source: Source) -> tuple[Entry, ...]:
        stamp = _stamp(source.path)
        cached = self._cache.get(source.path)
        if stamp is not None and cached is not None and cached[0] == stamp:
            return cached[1]
        entries = tuple(self._read(source))
        self._cache[source.path] = (stamp, entries)
        return entries

    def _read(self, source: Source) -> Iterator[Entry]:
        for item in iter_items([source], self.profile):
            try:
                loaded = load_item(item, self.profile)
                validated = validate_record(loaded.raw, source=item.where)
            except InputError as exc:
                yield Entry(item.where, exc.record_id or record_id_hint(item, self.profile),
                            None, problems=tuple(exc.lines()))
            else:
                record = validated.record
                yield Entry(item.where, record.record_id, record, validated.warnings)

    def find(self, record_id: str, where: str | None = None
             ) -> tuple[Entry | None, tuple[str, ...]]:
        """The readable record with this id read at `where` (the first with the id when `where`
        is not given or no longer holds it), and where the other readable records carrying the
        same id are: exports do repeat ids, and the page must not silently show one of them."""
        carrying = [e for e in self.entries() if e.record is not None and e.record_id == record_id]
        chosen = next((e for e in carrying if e.where == where), carrying[0] if carrying else None)
        return chosen, tuple(e.where for e in carrying if e is not chosen)


@frozen
class Row:
    """One line of the board: a child still held, or an item that could not be read."""

    where: str
    record_id: str | None
    handover: Handover | None
    problems: tuple[str, ...]
    next_due: datetime | None  # the first of: an obligation, the next review, the PACE limit
    overdue: bool  # something is violated, or that first time has passed
    most_urgent: str

    @property
    def readable(self) -> bool:
        return self.handover is not None


@frozen
class Board:
    as_of: datetime
    rows: tuple[Row, ...]  # unreadable items first, then the overdue, then by what falls due
    held: int
    left: int  # records read whose child is no longer in police detention
    shared_ids: frozenset[str] = frozenset()  # ids carried by more than one record read


def build_board(entries: Sequence[Entry], judge: Judge, moment: datetime) -> Board:
    rows: list[Row] = []
    left = 0
    for entry in entries:
        if entry.record is None:
            rows.append(Row(entry.where, entry.record_id, None, entry.problems, None, True,
                            entry.problems[0] if entry.problems else "cannot be read"))
            continue
        try:
            result = judge.check(entry.record, as_of=moment, now=moment,
                                 warnings=entry.warnings)
        except CustodyRulesError as exc:  # the engine failed on this record
            problem = str(exc)
            rows.append(Row(entry.where, entry.record_id, None, (problem,), None, True, problem))
            continue
        except Exception as exc:  # a bug fails this record's row, never the board
            problem = f"record {entry.record_id}: internal error ({type(exc).__name__})"
            rows.append(Row(entry.where, entry.record_id, None, (problem,), None, True, problem))
            continue
        if not result.timeline.still_held:
            left += 1
            continue
        rows.append(held_row(entry.where, handover_for(result)))
    rows.sort(key=_urgency)
    carried = Counter(entry.record_id for entry in entries if entry.record is not None)
    shared = frozenset(str(record_id) for record_id, count in carried.items() if count > 1)
    return Board(moment, tuple(rows), sum(1 for r in rows if r.readable), left, shared)


def held_row(where: str, handover: Handover) -> Row:
    times = [o.due for o in handover.falling_due[:1]]
    if handover.next_review is not None:
        times.append(handover.next_review.due)
    if handover.clock is not None and handover.clock.running:
        times.append(handover.clock.limit)
    next_due = min(times) if times else None
    overdue = bool(handover.violated) or (next_due is not None and next_due <= handover.as_of)
    return Row(where, handover.record_id, handover, (), next_due, overdue, _most_urgent(handover))


def _most_urgent(handover: Handover) -> str:
    if handover.violated:
        finding = handover.violated[0][1]
        return f"{finding.rule} violated: {finding.message}"
    if handover.falling_due:
        first = handover.falling_due[0].finding
        return f"{first.rule} {first.message}"
    if handover.needs_judgement:
        finding = handover.needs_judgement[0][1]
        return f"{finding.rule} needs judgement: {finding.question or finding.message}"
    if handover.next_review is not None:
        return f"review {handover.next_review.number} of detention"
    return "nothing falling due"


def _urgency(row: Row) -> tuple[int, float, str]:
    rank = 0 if not row.readable else 1 if row.overdue else 2
    due = row.next_due.timestamp() if row.next_due is not None else float("inf")
    return rank, due, row.record_id or row.where


def board_to_dict(board: Board, as_of_text: str) -> dict[str, Any]:
    """`GET /api/board`: each row's handover is the `handover` object of `check --format json`."""
    return {
        "as_of": as_of_text,
        "held": board.held,
        "left": board.left,
        "records": [row_to_dict(row) for row in board.rows],
    }


def row_to_dict(row: Row) -> dict[str, Any]:
    handover = row.handover
    next_due = (uk(row.next_due).isoformat()
                if row.next_due is not None and handover is not None else None)
    return {
        "record_id": row.record_id,
        "source": row.where,
        "readable": row.readable,
        "problems": list(row.problems),
        "overdue": row.overdue,
        "next_due": next_due,
        "most_urgent": row.most_urgent,
        "violated": len(handover.violated) if handover else None,
        "falling_due": len(handover.falling_due) if handover else None,
        "needs_judgement": len(handover.needs_judgement) if handover else None,
        "handover": handover_to_dict(handover) if handover else None,
    }
