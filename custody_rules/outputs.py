"""Every file the tool writes, written whole or not at all.

An output (an audit report, the rejects file, generated records, the rule reference, a
scenario page) is written to a temporary file in the same directory as the target, flushed to
disk, and renamed over the target only when it is complete. Interrupted, failed or refused, it
leaves the earlier file byte-identical and no temporary file behind. Standard output gets the
same promise: what goes there is held in an anonymous temporary file and copied out at the
end, so an interrupted audit prints no half report.

A target that exists and is not a regular file (/dev/null, /dev/full, a FIFO, a terminal) is
written directly: there is nothing to rename over.

Failures to write (a full disk, an I/O error, a missing directory) raise `OutputError`, one
line naming the file, which the command line turns into exit code 2.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, BinaryIO

from custody_rules.errors import CustodyRulesError

STDOUT = "standard output"


class OutputError(CustodyRulesError):
    """An output that cannot be written, or must not be (it is an input): one line."""


class ReaderGone(CustodyRulesError):
    """Standard output's reader went away (`generate | head`): no error, nothing more to do."""


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc) or type(exc).__name__


class _Guarded(io.BufferedWriter):
    """A buffered file whose write errors name the output instead of raising bare OSError."""

    def __init__(self, raw: io.RawIOBase, label: str):
        super().__init__(raw, buffer_size=1 << 16)
        self.label = label

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        try:
            return super().write(data)
        except OSError as exc:
            raise self.failure(exc) from None

    def flush(self) -> None:
        try:
            super().flush()
        except OSError as exc:
            raise self.failure(exc) from None

    def failure(self, exc: OSError) -> CustodyRulesError:
        return OutputError(f"{self.label}: cannot write: {_reason(exc)}")


def _mode_for(path: Path) -> int:
    """The permissions a plain `open(path, "w")` would give: the old file's, or the umask's."""
    with contextlib.suppress(OSError):
        return stat.S_IMODE(path.stat().st_mode)
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _is_special(path: Path) -> bool:
    """An existing target that is not a regular file (a device, FIFO or terminal)."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


@contextlib.contextmanager
def output_file(path: Path | None, *, spool_stdout: bool = True) -> Iterator[BinaryIO]:
    """A binary file to write `path` through; None or "-" means standard output.

    The target is replaced only if the `with` block ends normally. `spool_stdout=False`
    streams to standard output directly (for records piped into another program, where a
    partial stream is no report and waiting would only delay the reader).
    """
    if path is None or str(path) == "-":
        if not spool_stdout:
            with _stdout_writer() as direct:
                yield direct
            return
        spool = tempfile.TemporaryFile(buffering=0)  # noqa: SIM115 (closed with `guarded`)
        with _Guarded(spool, "temporary file") as guarded:
            yield guarded
            guarded.flush()
            spool.seek(0)
            _flush_stdout(lambda: _copy_to_stdout(spool))
        return
    if _is_special(path):
        try:
            raw = io.FileIO(path, "wb")
        except OSError as exc:
            raise OutputError(f"{path}: cannot write: {_reason(exc)}") from None
        with _Guarded(raw, str(path)) as handle:
            yield handle
        return
    directory = path.parent
    if not directory.is_dir():
        raise OutputError(f"{path}: cannot write: the directory {directory} does not exist")
    if path.is_dir():
        raise OutputError(f"{path}: cannot write: it is a directory")
    try:
        fd, temporary = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".part")
    except OSError as exc:
        raise OutputError(f"{path}: cannot write: {_reason(exc)}") from None
    handle = _Guarded(io.FileIO(fd, "wb"), str(path))
    try:
        yield handle
        handle.flush()
        try:
            os.fchmod(fd, _mode_for(path))
            os.fsync(fd)
        except OSError as exc:
            raise OutputError(f"{path}: cannot write: {_reason(exc)}") from None
        handle.close()
        try:
            os.replace(temporary, path)
        except OSError as exc:
            raise OutputError(f"{path}: cannot write: {_reason(exc)}") from None
        _sync_directory(directory)
    except BaseException:
        with contextlib.suppress(OSError, OutputError):
            handle.close()
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def write_output(path: Path | None, data: bytes, *, spool_stdout: bool = True) -> None:
    """Write `data` whole to `path` (or standard output)."""
    with output_file(path, spool_stdout=spool_stdout) as handle:
        handle.write(data)


def _sync_directory(directory: Path) -> None:
    """Make the rename itself durable (best effort: not every system can open a directory)."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class _Direct(_Guarded):
    """Standard output written directly: a reader that went away ends the writing quietly."""

    def failure(self, exc: OSError) -> CustodyRulesError:
        _silence_stdout()
        if isinstance(exc, BrokenPipeError):
            return ReaderGone(STDOUT)
        return super().failure(exc)


class _StdoutRaw(io.RawIOBase):
    """Standard output's binary buffer as a raw stream (closing this leaves it open)."""

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        sys.stdout.buffer.write(data)
        return len(data)

    def flush(self) -> None:
        sys.stdout.buffer.flush()


def _stdout_writer() -> _Guarded:
    sys.stdout.flush()
    return _Direct(_StdoutRaw(), STDOUT)


def _copy_to_stdout(spool: io.RawIOBase) -> None:
    sys.stdout.flush()
    out = sys.stdout.buffer
    shutil.copyfileobj(spool, out, 1 << 20)
    out.flush()


def _silence_stdout() -> None:
    """Point standard output at /dev/null so that Python's own flush at exit fails no more."""
    with contextlib.suppress(OSError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def _flush_stdout(action: Callable[[], None]) -> None:
    """Run `action`; a reader that went away is no error, a full disk is one line."""
    try:
        action()
    except BrokenPipeError:
        _silence_stdout()  # `... | head`: the reader has what it wanted
    except OSError as exc:
        _silence_stdout()
        raise OutputError(f"{STDOUT}: cannot write: {_reason(exc)}") from None


# --------------------------------------------------------------------------- clashes

def _same(a: Path, b: Path) -> bool:
    with contextlib.suppress(OSError):
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    return a.resolve() == b.resolve()


def _inside(path: Path, directory: Path) -> bool:
    try:
        path.resolve().relative_to(directory.resolve())
    except ValueError:
        return False
    return True


def refuse_clashes(outputs: Mapping[str, Path | None], inputs: Sequence[Path],
                   read_as_input: Callable[[Path], bool] = lambda _path: True) -> None:
    """Refuse an output that is also an input, lies inside an input directory where a later
    run would read it as input (`read_as_input`), or is also another output.

    `outputs` maps each option's name (`--output`) to its file (None: not given).
    """
    named = [(option, path) for option, path in outputs.items()
             if path is not None and str(path) != "-" and not _is_special(path)]
    for option, path in named:
        for source in inputs:
            if source.is_dir():
                if _inside(path, source) and read_as_input(path):
                    raise OutputError(
                        f"{option} {path}: it is inside the input directory {source}, where "
                        "it would be read as input; write it elsewhere")
            elif _same(path, source):
                raise OutputError(f"{option} {path}: it is also an input; writing it would "
                                  "destroy the input")
    for number, (option, path) in enumerate(named):
        for other_option, other in named[number + 1:]:
            if _same(path, other):
                raise OutputError(f"{option} and {other_option} name the same file {path}")
