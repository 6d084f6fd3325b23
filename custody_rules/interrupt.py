"""Ctrl-C and SIGTERM end a long command cleanly: one line, exit 130 or 143, nothing written.

`interruptible()` turns SIGINT and SIGTERM into `Interrupted`, a BaseException that unwinds
through every `with` block: worker processes are stopped, temporary outputs removed, and the
earlier report stays as it was. Click would print "Aborted!" for a KeyboardInterrupt and exit
1 ("violations found"); the command catches `Interrupted` first and exits 128 + the signal's
number, as shells do.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(BaseException):
    """The user (SIGINT) or the system (SIGTERM) asked the command to stop."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


def _raise(signum: int, frame: FrameType | None) -> None:
    raise Interrupted(signum)


@contextlib.contextmanager
def interruptible() -> Iterator[None]:
    """SIGINT and SIGTERM raise `Interrupted` inside the block (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {signum: signal.getsignal(signum) for signum in SIGNALS}
    for signum in SIGNALS:
        signal.signal(signum, _raise)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back while a worker process is forked, so that the child never
    runs the parent's handler before installing its own (it unblocks them itself)."""
    signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, SIGNALS)


def worker_signals(parent_pid: int) -> None:
    """In a worker process: Ctrl-C is the parent's to handle (it stops the workers), SIGTERM
    ends the worker at once, and the worker dies with its parent, however the parent ends."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, SIGNALS)
    _die_with_parent(parent_pid)


_PR_SET_PDEATHSIG = 1


def _die_with_parent(parent_pid: int) -> None:
    import os
    import sys

    if sys.platform.startswith("linux"):
        # The kernel kills this process when its parent dies, even by SIGKILL.
        with contextlib.suppress(OSError, AttributeError):
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:  # the parent died before the line above
        os._exit(1)

    def watch() -> None:
        # Elsewhere (and as a second guard): an orphan is adopted by another process.
        while os.getppid() == parent_pid:
            threading.Event().wait(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
