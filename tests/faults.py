"""Fault injection for the isolation tests: audit workers that die as a C crash would.

`kill_workers_after(n)` makes every audit worker process kill itself with SIGKILL before
checking its (n+1)th new record, by wrapping `_Worker.check` (a replacement checking again the
records its predecessor did but had not yet sent in a batch does not count those: the fault
stands for a crash after n records of progress); `kill_workers_on(i)` makes every
worker that reaches item i kill itself there, even one told to report it failed unchecked (the
input itself is poison, as a read that exhausts memory would be), by wrapping
`_Worker.message`. Workers are forked from the process that installs them, so they inherit
them. Production code carries no hook for this. In a process of its own:
`python -m tests.faults N audit ...` runs the CLI with `kill_workers_after(N)` installed (and
`hold_batches()` too when CUSTODY_RULES_FAULTS_HOLD_BATCHES is set).
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

import pytest


def _killing_check(checks: int) -> Any:
    from custody_rules.audit import worker

    real = worker._Worker.check

    def check(self: Any, item: Any, *args: Any, **kwargs: Any) -> Any:
        failed_item = self.task.failed_item
        if failed_item is None or item.index > failed_item:
            done = getattr(self, "_fault_checked", 0)
            if done >= checks:
                os.kill(os.getpid(), signal.SIGKILL)
            self._fault_checked = done + 1
        return real(self, item, *args, **kwargs)

    return check


def kill_workers_after(checks: int, monkeypatch: pytest.MonkeyPatch | None = None) -> None:
    """Every audit worker started from now on dies before its (checks+1)th record."""
    from custody_rules.audit import worker

    if monkeypatch is not None:
        monkeypatch.setattr(worker._Worker, "check", _killing_check(checks))
    else:
        worker._Worker.check = _killing_check(checks)  # type: ignore[method-assign]


def kill_workers_on(index: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every audit worker started from now on dies when it reaches item `index`."""
    from custody_rules.audit import worker

    real = worker._Worker.message

    def message(self: Any, item: Any, *args: Any, **kwargs: Any) -> Any:
        if item.index == index:
            os.kill(os.getpid(), signal.SIGKILL)
        return real(self, item, *args, **kwargs)

    monkeypatch.setattr(worker._Worker, "message", message)


def hold_batches() -> None:
    """Workers send a batch only when they must (before and after a record they are to report
    failed, and at the end of their share): a death then always finds a batch unsent."""
    from custody_rules.audit import worker

    worker.BATCH_RECORDS = worker.BATCH_BYTES = 1 << 40
    worker.BATCH_SECONDS = float("inf")


if __name__ == "__main__":
    from custody_rules.cli import main

    kill_workers_after(int(sys.argv[1]))
    if os.environ.get("CUSTODY_RULES_FAULTS_HOLD_BATCHES"):
        hold_batches()
    main(args=sys.argv[2:], prog_name="custody-rules")
