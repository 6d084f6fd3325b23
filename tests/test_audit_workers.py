"""Worker processes: a worker that dies loses nothing, and many workers change nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.audit_data import AS_OF, records, run_cli, write_jsonl
from tests.conftest import ROOT

# Real CLI processes, worker deaths and a real terminal: the fast suite watches workers through
# tests/test_audit.py and tests/test_isolation.py.
pytestmark = pytest.mark.slow


def test_a_killed_worker_fails_the_record_it_was_on_and_the_rest_is_audited(
        tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "r.jsonl", records(14, seed=5))
    rejects = tmp_path / "rejects.jsonl"
    report = tmp_path / "report.json"
    # Each worker process kills itself with SIGKILL before its 4th record; its replacement
    # takes over after the record it died on.
    done = run_cli(["audit", str(source), "--jobs", "2", "--format", "json", "--as-of", AS_OF,
                    "--output", str(report), "--rejects", str(rejects), "--quiet"],
                   kill_workers_after=3)
    assert done.returncode == 1, done.stderr
    summary = json.loads(report.read_text())["summary"]
    # Worker 0 has items 0, 2, 4, ...: it checks 0, 2, 4 and dies on 6; its replacement
    # checks 8, 10, 12. Worker 1 likewise dies on 7.
    assert (summary["records_read"], summary["checked"], summary["failed"]) == (14, 12, 2)
    assert summary["worker_restarts"] == 2
    failed = [json.loads(line) for line in rejects.read_text().splitlines()]
    assert [(f["line"], f["record_id"]) for f in failed] == [(7, "GEN-5-000006"),
                                                             (8, "GEN-5-000007")]
    assert all(f["status"] == "failed" and "SIGKILL" in f["reason"] for f in failed)
    checked = [r["record_id"] for r in json.loads(report.read_text())["records"]]
    assert checked == [f"GEN-5-{n:06d}" for n in range(14) if n not in (6, 7)]


def test_a_worker_killed_with_a_batch_unsent_loses_nothing(tmp_path: Path) -> None:
    """Workers hold their batches (tests/faults.py): the first worker dies on item 5 having
    sent nothing, so items 0-4 reach the report only because its replacement checked them
    again; every record checked is byte for byte what an undisturbed audit writes."""
    source = write_jsonl(tmp_path / "r.jsonl", records(12, seed=6))
    args = ["audit", str(source), "--jobs", "1", "--format", "json", "--as-of", AS_OF, "--quiet"]
    clean = run_cli([*args, "--output", str(tmp_path / "clean.json")])
    assert clean.returncode == 1, clean.stderr
    # The worker checks 0-4 (held) and dies on 5; its replacement checks 0-4 again, reports 5
    # failed, checks 6-10 (held) and dies on 11; the next checks 6-10 again and reports 11.
    killed = run_cli([*args, "--output", str(tmp_path / "killed.json")], kill_workers_after=5,
                     env={"CUSTODY_RULES_FAULTS_HOLD_BATCHES": "1"})
    assert killed.returncode == 1, killed.stderr
    report = json.loads((tmp_path / "killed.json").read_text())
    summary = report["summary"]
    assert (summary["records_read"], summary["checked"], summary["failed"]) == (12, 10, 2)
    assert summary["worker_restarts"] == 2
    assert [(f["line"], f["reason"]) for f in report["not_checked"]] == [
        (line, "the worker process was killed by SIGKILL while checking this record")
        for line in (6, 12)]
    # The records' lines of the report, byte for byte.
    expected = [line for line in (tmp_path / "clean.json").read_bytes().split(b"\n")
                if line.startswith(b'{"record_id"')]
    got = [line for line in (tmp_path / "killed.json").read_bytes().split(b"\n")
           if line.startswith(b'{"record_id"')]
    assert len(expected) == 12
    assert [line.rstrip(b",") for line in got] == [
        line.rstrip(b",") for number, line in enumerate(expected) if number not in (5, 11)]


def test_batches_carry_records_whole_and_in_order() -> None:
    from custody_rules.audit.worker import batch_message, batch_records

    records_sent = [b"R" + bytes([n]) * n + b"\n\x00" for n in (0, 1, 255)] + [b"R" * 70_000]
    assert list(batch_records(batch_message(records_sent))) == records_sent
    assert list(batch_records(batch_message([]))) == []


def test_the_report_does_not_depend_on_the_number_of_processes(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "r.jsonl", records(30, seed=8))
    outputs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"jobs{jobs}.json"
        done = run_cli(["audit", str(source), "--jobs", jobs, "--format", "json",
                        "--as-of", AS_OF, "--output", str(out)])
        assert done.returncode == 1, done.stderr
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
    assert len(json.loads(outputs[0])["records"]) == 30


def test_progress_bar_is_drawn_on_a_real_terminal(tmp_path: Path) -> None:
    pty = pytest.importorskip("pty")
    source = write_jsonl(tmp_path / "r.jsonl", records(12, seed=4))
    master, slave = pty.openpty()
    # The threshold is lowered in the child so that a dozen records draw the bar.
    code = ("import custody_rules.cli.audit as a; a.PROGRESS_FROM = 10; "
            "from custody_rules.cli import main; main()")
    process = subprocess.Popen(
        [sys.executable, "-c", code, "audit", str(source), "--as-of", AS_OF, "--jobs", "2"],
        stdout=subprocess.DEVNULL, stderr=slave, cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)})
    os.close(slave)
    drawn = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        drawn += chunk
    os.close(master)
    assert process.wait(timeout=120) == 1
    assert b"Auditing" in drawn and b"12/12" in drawn
