"""Interrupted audits: exit 130 or 143, one line, the earlier report intact, no process left
behind, whatever happens to the parent (issue 9, point 1). Real processes, real signals."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.audit_data import AS_OF, records, write_jsonl
from tests.conftest import ROOT

RECORDS = 3000
DISTINCT = 300  # generating is slower than checking: the audit is long, the corpus repeats


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_jsonl(tmp_path_factory.mktemp("big") / "big.jsonl",
                       records(DISTINCT, seed=5) * (RECORDS // DISTINCT))


def _start(args: list[str], **kwargs: object) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "custody_rules", *args], cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kwargs)  # type: ignore[call-overload]


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def _wait_for_workers(proc: subprocess.Popen[bytes], count: int) -> list[int]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        kids = _children(proc.pid)
        if len(kids) >= count:
            time.sleep(1.5)  # let them check some records
            return _children(proc.pid)
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    raise AssertionError("the workers never started")


def _gone(pid: int, within: float = 10.0) -> bool:
    """Dead: no such process, or a zombie (this container's init may not reap orphans)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            return True
        if re.search(r"^State:\s+[ZX]", status, re.MULTILINE):
            return True
        time.sleep(0.05)
    return False


pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc")


# Each test is a real audit of thousands of records, interrupted: all are `slow` but the first
# case here, which keeps the fast suite watching interruption.
@pytest.mark.parametrize(("output_format", "signum", "code"), [
    ("json", signal.SIGINT, 130),
    *(pytest.param(*case, marks=pytest.mark.slow) for case in [
        ("json", signal.SIGTERM, 143), ("text", signal.SIGINT, 130),
        ("text", signal.SIGTERM, 143)])])
def test_an_interrupted_audit_leaves_the_earlier_report_and_no_process(
        big: Path, tmp_path: Path, signum: int, code: int, output_format: str) -> None:
    out, rejects = tmp_path / "report", tmp_path / "rejects.jsonl"
    out.write_bytes(b"the earlier report")
    rejects.write_bytes(b"the earlier rejects")
    proc = _start(["audit", str(big), "--format", output_format, "--output", str(out),
                   "--rejects", str(rejects), "--jobs", "2", "--as-of", AS_OF])
    workers = _wait_for_workers(proc, 2)
    proc.send_signal(signum)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == code
    assert re.fullmatch(rf"audit: interrupted after [\d,]+ of {RECORDS:,} records; "
                        r"nothing written\n", stderr.decode()), stderr
    assert stdout == b""
    assert out.read_bytes() == b"the earlier report"
    assert rejects.read_bytes() == b"the earlier rejects"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rejects.jsonl", "report"]
    assert all(_gone(pid) for pid in workers)


@pytest.mark.slow
def test_an_interrupted_audit_to_standard_output_prints_no_half_report(big: Path) -> None:
    proc = _start(["audit", str(big), "--format", "json", "--jobs", "2", "--as-of", AS_OF])
    workers = _wait_for_workers(proc, 2)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert stdout == b""
    assert b"Aborted" not in stderr and b"Traceback" not in stderr
    assert all(_gone(pid) for pid in workers)


@pytest.mark.slow
def test_signals_to_the_whole_process_group_are_clean_too(big: Path) -> None:
    """Ctrl-C at a terminal reaches every process of the group, workers included."""
    proc = _start(["audit", str(big), "--jobs", "2", "--as-of", AS_OF],
                  start_new_session=True)
    workers = _wait_for_workers(proc, 2)
    os.killpg(proc.pid, signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert len(stderr.decode().splitlines()) == 1, stderr
    assert all(_gone(pid) for pid in workers)


@pytest.mark.slow
def test_workers_die_with_a_killed_parent_and_a_capturing_caller_does_not_hang(
        big: Path) -> None:
    proc = _start(["audit", str(big), "--format", "json", "--jobs", "2", "--as-of", AS_OF])
    workers = _wait_for_workers(proc, 2)
    proc.kill()  # SIGKILL: no handler, no finally, nothing of the parent runs
    # The caller reads the pipes to their end: only possible when no worker holds them.
    proc.communicate(timeout=30)
    assert all(_gone(pid) for pid in workers)
