"""One worker process of an audit.

A worker builds its own Checker (durable-rules allows one engine per process and its C core
can crash: docs/engine.md), reads its own share of the input from the files themselves,
and sends the parent the records' results in batches: each record's compact digest and, if
the report needs it, its rendered output (rendered by the report's own function, which the
task carries: this package knows no output format). Nothing large crosses between processes.

A batch goes when it holds BATCH_RECORDS records or BATCH_BYTES, or BATCH_SECONDS after its
first record was done, so that the parent is never kept waiting much longer than a record
takes. One message per record cost the parent a wake-up, a poll and two reads per record.

Nothing is lost when a worker dies with a batch unsent: after each record, before the next
starts, it writes the record's number to `progress`, memory it shares with the parent (no
system call). The parent therefore knows which record the worker died on (the next of its
share after `progress`), as it did when every record was sent at once; the records done but
not sent are checked again by the replacement (the same record, rules and time: the same
bytes), which reports the record the worker died on failed without checking it. Around that
record the replacement sends at once, so that the parent knows whether it got past it.

Messages, each one `Connection.send_bytes` frame whose first byte says what it is:
    H                         hello, once the Checker is built
    B(<size><record>)*        a batch of records in input order; size: 4 bytes, little-endian
    D                         done: no more records in this share
    F<text>                   fatal: the worker cannot check anything (e.g. engine refused rules)
A record is R<digest>\n<output> (digest: RecordDigest.to_wire).
"""

from __future__ import annotations

import contextlib
import os
import struct
import time
from collections.abc import Iterator
from datetime import datetime
from multiprocessing.connection import Connection
from typing import Protocol

from attrs import evolve, frozen

from custody_rules import privacy
from custody_rules.audit.profile import Profile
from custody_rules.audit.sink import RenderRecord
from custody_rules.audit.sources import Item, Source, iter_items, load_item, record_id_hint
from custody_rules.audit.summary import FAILED, REJECTED, RecordDigest, checked_digest
from custody_rules.checker import Checker
from custody_rules.errors import InputError
from custody_rules.horizon import judgement_problem
from custody_rules.interrupt import worker_signals
from custody_rules.rulebook import Rulebook
from custody_rules.validate import validate_record

HELLO, RECORD, BATCH, DONE, FATAL = b"H", b"R", b"B", b"D", b"F"
WITHHELD = "(source withheld)"
BATCH_RECORDS = 64
BATCH_BYTES = 256 * 1024
BATCH_SECONDS = 0.05
_SIZE = struct.Struct("<I")


class Progress(Protocol):
    """A number shared by a worker and the parent (multiprocessing's RawValue("q")): the last
    record the worker finished, or -1 before its first."""

    value: int


def batch_message(records: list[bytes]) -> bytes:
    return BATCH + b"".join(_SIZE.pack(len(record)) + record for record in records)


def batch_records(message: bytes) -> Iterator[bytes]:
    """The records of a BATCH message, in order."""
    offset = 1
    while offset < len(message):
        (size,) = _SIZE.unpack_from(message, offset)
        offset += _SIZE.size
        yield message[offset:offset + size]
        offset += size


@frozen
class WorkerTask:
    """Everything a worker needs; nothing per record."""

    sources: tuple[Source, ...]
    profile: Profile | None
    # Loaded once by the parent: a fork inherits it for free, spawn pickles it once per
    # worker; either way every worker judges by the very rules the report describes.
    rulebook: Rulebook
    as_of: datetime | None
    now: datetime
    render: RenderRecord | None  # None: the report needs nothing per record
    shard: int
    shards: int
    start: int = 0
    # The record that killed the previous worker of this share (at or after `start`: the
    # records before it were done but not sent, and are checked again), and why.
    failed_item: int | None = None
    failed_reason: str | None = None
    pseudonymiser: privacy.Pseudonymiser | None = None  # --pseudonymise: before any output
    withhold_source: bool = False  # --withhold-source: no file or line in any output


def failed_digest(item: Item, record_id: str | None, problems: tuple[str, ...]) -> RecordDigest:
    return RecordDigest(item.index, FAILED, item.source, item.line, record_id,
                        problems=problems)


def withheld(item: Item) -> Item:
    """The item with its source file and line left out (they can link pseudonymised records
    across reports made with different keys)."""
    return evolve(item, source=WITHHELD, line=None)


def failed_message(item: Item, reason: str, withhold_source: bool = False) -> bytes:
    """A record never checked, as the parent reports it when no worker can read its share."""
    if withhold_source:
        item = withheld(item)
    return RECORD + failed_digest(item, None, (reason,)).to_wire() + b"\n"


def worker_main(task: WorkerTask, conn: Connection, progress: Progress, parent_pid: int,
                close_fds: tuple[int, ...] = ()) -> None:
    """The worker process's entry point. `close_fds`: the read ends of the pipes to the parent
    that a forked child inherits; holding them would keep its own pipe open after the parent
    died, and its writes would block for ever instead of failing."""
    worker_signals(parent_pid)
    if close_fds:
        # /dev/null over them rather than closing: the number stays taken, so that the
        # parent's copied Connection objects can never close a file this worker opens later.
        devnull = os.open(os.devnull, os.O_RDONLY)
        for fd in close_fds:
            with contextlib.suppress(OSError):
                os.dup2(devnull, fd)
        os.close(devnull)
    try:
        _Worker(task, conn, progress).run()
    except (BrokenPipeError, EOFError):
        pass  # the parent has gone; nothing left to tell it
    finally:
        conn.close()


class _Worker:
    def __init__(self, task: WorkerTask, conn: Connection, progress: Progress):
        self.task = task
        self.conn = conn
        self.progress = progress
        self.batch: list[bytes] = []
        self.batch_bytes = 0
        self.batch_since = 0.0

    def run(self) -> None:
        task = self.task
        checker: Checker | None = None
        profile = task.profile
        try:
            checker = Checker(rulebook=task.rulebook)
        except Exception as exc:  # whatever it is, no record can be checked
            self.conn.send_bytes(FATAL + f"{type(exc).__name__}: {exc}".encode())
            return
        self.conn.send_bytes(HELLO)
        for item in iter_items(task.sources, profile, task.shard, task.shards, task.start):
            if item.index == task.failed_item:
                self.flush()  # the parent must know the worker got this far
            try:
                message = self.message(item, checker)
            except Exception as exc:  # a bug fails this record, never the worker: a worker
                # that died here would die again on the same record in every replacement
                problem = f"internal error: {type(exc).__name__}: {ascii(str(exc))[1:-1]}"
                digest = RecordDigest(item.index, FAILED, item.source, item.line, None,
                                      problems=(problem[:1000],))
                message = RECORD + digest.to_wire() + b"\n"
            self.add(message)
            self.progress.value = item.index
            if (item.index == task.failed_item or len(self.batch) >= BATCH_RECORDS
                    or self.batch_bytes >= BATCH_BYTES
                    or time.monotonic() - self.batch_since >= BATCH_SECONDS):
                self.flush()
        self.flush()
        self.conn.send_bytes(DONE)

    def add(self, message: bytes) -> None:
        if not self.batch:
            self.batch_since = time.monotonic()
        self.batch.append(message)
        self.batch_bytes += len(message)

    def flush(self) -> None:
        if self.batch:
            self.conn.send_bytes(batch_message(self.batch))
            self.batch = []
            self.batch_bytes = 0

    def message(self, item: Item, checker: Checker | None) -> bytes:
        task = self.task
        if task.withhold_source:
            item = withheld(item)
        if task.failed_reason is not None and item.index == task.failed_item:
            digest, output = self.failed(item, task.profile, task.failed_reason), b""
        else:
            assert checker is not None
            digest, output = self.check(item, task.profile, checker)
        return RECORD + digest.to_wire() + b"\n" + output

    def failed(self, item: Item, profile: Profile | None, reason: str) -> RecordDigest:
        record_id, problems = self.hide(record_id_hint(item, profile), (reason,))
        return failed_digest(item, record_id, problems)

    def hide(self, record_id: str | None, problems: tuple[str, ...]
             ) -> tuple[str | None, tuple[str, ...]]:
        """With --pseudonymise, the id and problems of a record that was not checked."""
        hider = self.task.pseudonymiser
        if hider is None:
            return record_id, problems
        return (hider.token(privacy.RECORD, record_id) if record_id else None,
                tuple(hider.line(problem) for problem in problems))

    def check(self, item: Item, profile: Profile | None, checker: Checker
              ) -> tuple[RecordDigest, bytes]:
        task = self.task
        try:
            loaded = load_item(item, profile)
            validated = validate_record(loaded.raw, source=item.where)
        except InputError as exc:
            record_id, problems = self.hide(exc.record_id or record_id_hint(item, profile),
                                            tuple(exc.problems))
            return RecordDigest(item.index, REJECTED, item.source, item.line, record_id,
                                problems=problems), b""
        record = validated.record
        problem = judgement_problem(record, task.as_of, task.now)
        if problem is not None:
            record_id, problems = self.hide(record.record_id, (problem,))
            return RecordDigest(item.index, REJECTED, item.source, item.line, record_id,
                                problems=problems), b""
        try:
            result = checker.check(record, as_of=task.as_of, now=task.now,
                                   warnings=validated.warnings)
        except Exception as exc:  # an engine or rule failure fails this record only
            record_id, problems = self.hide(record.record_id, (f"{type(exc).__name__}: {exc}",))
            return RecordDigest(item.index, FAILED, item.source, item.line, record_id,
                                problems=problems), b""
        unmatched = loaded.unmatched
        if task.pseudonymiser is not None:
            result = task.pseudonymiser.result(result)
            record = result.timeline.record
            unmatched = tuple((column, task.pseudonymiser.token(privacy.TEXT, value))
                              for column, value in unmatched)
        digest = checked_digest(item.index, item.source, item.line, record, result, unmatched)
        output = task.render(result, digest) if task.render is not None else b""
        return digest, output
