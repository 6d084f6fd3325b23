"""No traceback, ever (issue 9, point 5): a full disk under standard output, a directory tree
deeper than Python's recursion limit, a Ctrl-C no command expected, `scenario play --step`
left with q or Ctrl-C; and every time of one message in one zone."""

from __future__ import annotations

import copy
import json
import os
import select
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from custody_rules.checker import Checker
from tests.audit_data import AS_OF, records, write_jsonl
from tests.conftest import ROOT
from tests.helpers import invoke

ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


# A CLI process each: the fast suite keeps the first.
@pytest.mark.parametrize("args", [
    ["check", "examples/cambridgeshire.json"],
    *(pytest.param(args, marks=pytest.mark.slow) for args in [
        ["check", "examples/cambridgeshire.json", "--format", "json"],
        ["explain", "examples/cambridgeshire.json", "AA-01"],
        ["rules", "list"],
        ["scenario", "list"],
        ["scenario", "play", "gateshead-2004"],
        ["audit", "examples/cambridgeshire.json"],
    ]),
])
def test_a_full_disk_under_standard_output_is_one_line_and_exit_2(args: list[str]) -> None:
    with open("/dev/full", "wb") as full:
        proc = subprocess.run([sys.executable, "-m", "custody_rules", *args], cwd=ROOT,
                              env=ENV, stdout=full, stderr=subprocess.PIPE, text=True,
                              timeout=120, check=False)
    assert proc.returncode == 2
    assert proc.stderr == "standard output: No space left on device\n" or \
        proc.stderr == "standard output: cannot write: No space left on device\n"


@pytest.mark.slow  # over a thousand nested directories
def test_a_directory_tree_deeper_than_the_recursion_limit_is_read(tmp_path: Path) -> None:
    depth = sys.getrecursionlimit() + 200
    here = Path.cwd()
    try:
        os.chdir(tmp_path)
        for _ in range(depth):  # relative steps: short path names
            os.mkdir("d")
            os.chdir("d")
        write_jsonl(Path("r.jsonl"), records(1, seed=3))
        os.chdir(here)
        result = invoke(["audit", str(tmp_path), "--as-of", AS_OF, "--format", "json",
                         "--quiet"], 1)
        assert json.loads(result.stdout)["summary"]["checked"] == 1
    finally:
        os.chdir(here)
        _remove_tree(tmp_path, depth)


def _remove_tree(top: Path, depth: int) -> None:
    """Bottom up, one level at a time: pytest's own clean-up (shutil.rmtree) recurses, and a
    tree this deep left behind would end a later session's clean-up in a RecursionError."""
    here = Path.cwd()
    try:
        os.chdir(top)
        levels = 0
        while levels < depth and os.path.isdir("d"):
            os.chdir("d")
            levels += 1
        for name in os.listdir("."):
            os.remove(name)
        for _ in range(levels):
            os.chdir("..")
            os.rmdir("d")
    finally:
        os.chdir(here)


def test_a_ctrl_c_no_command_expected_is_one_line_and_exit_130(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(Checker, "check", interrupted)
    result = invoke(["check", "examples/cambridgeshire.json"], 130)
    assert result.stderr == "custody-rules: interrupted\n"


def _play_at_a_terminal(keys: bytes) -> tuple[int, bytes]:
    pty = pytest.importorskip("pty")
    master, slave = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "custody_rules", "scenario", "play", "gateshead-2004", "--step"],
        stdin=slave, stdout=slave, stderr=slave, cwd=ROOT, env=ENV, start_new_session=True)
    os.close(slave)
    seen = b""
    deadline = time.monotonic() + 120
    sent = False
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
        if not sent and b"q to stop" in seen:
            time.sleep(0.3)  # the terminal is in raw mode once getchar waits
            os.write(master, keys)
            sent = True
        if process.poll() is not None and not ready:
            break
    os.close(master)
    return process.wait(timeout=30), seen


# A CLI process on a pseudo-terminal each: the fast suite keeps Ctrl-C.
@pytest.mark.parametrize(("key", "code", "said"), [
    pytest.param(b"q", 0, b"scenario: stopped", marks=pytest.mark.slow),
    (b"\x03", 130, b"scenario: interrupted")])
def test_scenario_play_step_can_be_left_with_q_or_ctrl_c(key: bytes, code: int,
                                                         said: bytes) -> None:
    returncode, seen = _play_at_a_terminal(key)
    assert returncode == code, seen[-500:]
    assert said in seen
    assert b"Traceback" not in seen and b"Aborted" not in seen
    assert seen.count(b"q to stop") == 1  # it stopped at the first pause


def test_every_time_of_a_message_is_in_one_zone(tmp_path: Path) -> None:
    """A record written partly in UTC and partly in UK summer time reads exactly as one
    written all in UK time: no message mixes offsets."""
    original = json.loads((ROOT / "examples" / "cambridgeshire.json").read_text())
    mixed = copy.deepcopy(original)
    for number, event in enumerate(mixed["events"]):
        if number % 2:
            at = datetime.fromisoformat(event["at"]).astimezone(timezone.utc)
            event["at"] = at.isoformat().replace("+00:00", "Z")
    paths = []
    for name, record in (("uk", original), ("mixed", mixed)):
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(record), encoding="utf-8")
        paths.append(path)
    texts = [invoke(["check", str(path), "--full"], 1).stdout for path in paths]
    assert texts[0] == texts[1]
    findings = [json.loads(invoke(["check", str(path), "--format", "json"], 1).stdout)
                ["findings"] for path in paths]
    assert [f["message"] for f in findings[0]] == [f["message"] for f in findings[1]]
