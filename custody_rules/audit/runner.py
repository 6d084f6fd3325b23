"""The worker pool: N processes, their results merged back into input order, deaths survived.

Worker k of n checks the items numbered k, k+n, k+2n, ... and sends their results in that order,
in batches, over its own pipe. The parent therefore merges by reading item i from worker
i mod n: the output is the same, byte for byte, for any number of workers, and no result is
held waiting for another (a worker that runs ahead blocks on its full pipe).

When a worker dies (a signal, a crash in the C engine, a hang we stop), the parent has every
batch it sent, and the worker's `progress` (shared memory: the last record it finished) says
which record it died on: the next of its share, i. That record is reported failed, with the
reason, and a new worker takes over the same share from the first record the parent has not
received: it checks again the records that were done but not sent, reports record i failed
without checking it, and checks the rest. If that replacement dies on record i itself, it died
while reading the input (not while checking a record): no worker is started for that share
again, and the parent itself reports each of its remaining records failed (reading only where
each item starts and ends, bounded as the workers read). The same happens after MAX_RESTARTS
deaths in one audit. A poison input therefore costs at most a few worker starts, never a loop,
and every record is accounted for.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
from collections import deque
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from typing import Any

from attrs import evolve

from custody_rules.audit.sources import Item, iter_items
from custody_rules.audit.summary import RecordDigest
from custody_rules.audit.worker import (
    BATCH,
    DONE,
    FATAL,
    HELLO,
    Progress,
    WorkerTask,
    batch_records,
    failed_message,
    worker_main,
)
from custody_rules.errors import AuditAborted
from custody_rules.interrupt import signals_held

MAX_RESTARTS = 50
MAX_FAILED_STARTS = 3
# A record taking this long has hung the engine; the worker is stopped and the record failed.
RECORD_TIMEOUT = 300.0
_F_SETPIPE_SZ = 1031  # Linux: a bigger pipe lets a worker run further ahead of the merge
_PIPE_BYTES = 1 << 20

Consume = Callable[[RecordDigest, bytes], None]



def _context() -> Any:
    # fork starts a worker in milliseconds (which matters when replacing dead ones); the parent
    # never builds an engine, so a child inherits none. Elsewhere, spawn.
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def _death(exitcode: int | None) -> str:
    if exitcode is None:
        return "the worker process stopped answering"
    if exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        return f"the worker process was killed by {name}"
    return f"the worker process exited with status {exitcode}"


class _Shard:
    """One share of the input and the worker process currently serving it."""

    def __init__(self, pool: _Pool, number: int):
        self.pool = pool
        self.number = number
        self.process: Any = None
        self.conn: Connection | None = None
        self.greeted = False  # the current worker built its Checker and said hello
        self.task: WorkerTask | None = None
        self.progress: Progress = pool.context.RawValue("q", -1)
        self.received: deque[bytes] = deque()  # records of the last batch not yet merged
        self.given_up: str | None = None  # no worker serves this share any more: why
        self.rest: Iterator[Item] | None = None  # its remaining items, read by the parent

    def start(self, task: WorkerTask) -> None:
        reader, writer = self.pool.context.Pipe(duplex=False)
        if sys.platform.startswith("linux"):
            import fcntl

            with contextlib.suppress(OSError):
                fcntl.fcntl(writer.fileno(), _F_SETPIPE_SZ, _PIPE_BYTES)
        # The child must not hold any read end (its own or another worker's): a worker whose
        # parent is gone then gets EPIPE instead of blocking on a full pipe for ever.
        inherited: tuple[int, ...] = ()
        if self.pool.context.get_start_method() == "fork":
            inherited = (reader.fileno(), *(shard.conn.fileno() for shard in self.pool.shards
                                            if shard.conn is not None and not shard.conn.closed))
        self.progress = self.pool.context.RawValue("q", -1)
        self.process = self.pool.context.Process(
            target=worker_main, args=(task, writer, self.progress, os.getpid(), inherited),
            daemon=True, name=f"custody-rules-audit-{self.number}",
        )
        with signals_held():
            self.process.start()
        # The parent must not hold the write end, or a dead worker's pipe never reads EOF.
        writer.close()
        self.conn = reader
        self.greeted = False
        self.task = task

    def receive(self, index: int) -> bytes:
        """The next message for item `index` (a record or DONE), replacing a dead worker."""
        while True:
            if self.received:
                return self.received.popleft()
            if self.given_up is not None:
                return self._failed_by_parent(index)
            message = self._read()
            if message is None:
                self._replace(index)
                continue
            kind = message[:1]
            if kind == HELLO:
                self.greeted = True
                continue
            if kind == FATAL:
                raise AuditAborted(f"a worker could not start: {message[1:].decode()}")
            if kind == BATCH:
                self.received.extend(batch_records(message))
                continue
            if kind == DONE:
                return message
            raise AuditAborted(f"a worker sent an unknown message {kind!r}")

    def _read(self) -> bytes | None:
        assert self.conn is not None
        try:
            if not self.conn.poll(RECORD_TIMEOUT):
                self.process.kill()
                self.process.join()
                self.pool.last_reason = (f"the record took more than {RECORD_TIMEOUT:.0f} s; "
                                         "its worker process was stopped")
                return None
            return self.conn.recv_bytes()
        except (EOFError, OSError):
            self.process.join()
            self.pool.last_reason = _death(self.process.exitcode)
            return None

    def _replace(self, index: int) -> None:
        """The worker died; the parent has every record before `index` of this share."""
        assert self.conn is not None and self.task is not None
        self.conn.close()
        reason = self.pool.last_reason
        if not self.greeted:
            # It died before it could check anything: no record is to blame, and trying
            # again forever would hang the audit.
            self.pool.failed_starts += 1
            if self.pool.failed_starts > MAX_FAILED_STARTS:
                raise AuditAborted(f"worker processes cannot start ({reason})")
        # The record it died on: the next of its share after the last one it finished (the
        # first it was to do, `index`, if it finished none).
        finished = self.progress.value
        died_on = finished + self.pool.jobs if finished >= index else index
        failed_item = self.task.failed_item
        # It died on the record it was to report failed without checking it, having sent
        # every record before: reading that input kills a worker.
        died_reading = self.greeted and died_on == failed_item == index
        self.pool.restarts += 1
        if died_reading:
            self._give_up(index, f"not checked: the worker process died while reading the "
                          f"input ({reason}); the rest of its share of the input is not "
                          "checked")
            return
        if self.pool.restarts > MAX_RESTARTS:
            self._give_up(index, f"not checked: worker processes died {self.pool.restarts} "
                          f"times (last: {reason}); the audit stopped checking this share of "
                          "the input")
            return
        task = evolve(self.pool.task, shard=self.number, start=index, failed_item=died_on,
                      failed_reason=f"{reason} while checking this record")
        self.start(task)

    def _give_up(self, index: int, reason: str) -> None:
        self.given_up = reason
        self.process = None
        self.conn = None
        task = self.pool.task
        self.rest = iter_items(task.sources, task.profile, self.number, self.pool.jobs, index)

    def _failed_by_parent(self, index: int) -> bytes:
        assert self.rest is not None and self.given_up is not None
        item = next(self.rest, None)
        if item is None:
            return DONE
        if item.index != index:
            raise AuditAborted(f"reading the input again gave item {item.index}, not {index}")
        return failed_message(item, self.given_up, self.pool.task.withhold_source)

    def stop(self, grace: float) -> None:
        """End the worker: after DONE it exits by itself; otherwise (an error) kill it."""
        if self.conn is not None:
            self.conn.close()
        if self.process is None:
            return
        self.process.join(grace)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()


class _Pool:
    def __init__(self, task: WorkerTask, jobs: int):
        self.task = task
        self.jobs = jobs
        self.context = _context()
        self.restarts = 0
        self.failed_starts = 0
        self.last_reason = ""
        self.shards = [_Shard(self, number) for number in range(jobs)]

    def run(self, consume: Consume) -> int:
        for shard in self.shards:
            shard.start(evolve(self.task, shard=shard.number, shards=self.jobs))
        finished = False
        try:
            index = 0
            while True:
                message = self.shards[index % self.jobs].receive(index)
                if message[:1] == DONE:
                    break
                head, _, output = message[1:].partition(b"\n")
                digest = RecordDigest.from_wire(head)
                if digest.index != index:
                    raise AuditAborted(f"worker sent item {digest.index}, expected {index}")
                consume(digest, output)
                index += 1
            # Item `index` does not exist, so every other share has finished too.
            for offset in range(1, self.jobs):
                shard = self.shards[(index + offset) % self.jobs]
                if shard.receive(index + offset)[:1] != DONE:
                    raise AuditAborted("a worker had items beyond the end of the input")
            finished = True
        finally:
            for shard in self.shards:
                shard.stop(grace=5.0 if finished else 0.0)
        return self.restarts


def run_pool(task: WorkerTask, jobs: int, consume: Consume) -> int:
    """Check every item of `task.sources` in `jobs` worker processes, calling `consume` for
    each in input order. Returns how many workers died and were replaced."""
    return _Pool(task, max(1, jobs)).run(consume)
