"""`custody-rules serve`: the command's refusals, and the real server in a process of its own
(uvicorn, the README's command), whose log must hold no record content."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from custody_rules.cli.serve import is_loopback, token_problem
from tests.conftest import ROOT
from tests.helpers import invoke
from tests.server_data import EXAMPLES, LIVE_AS_OF, live, with_note, write


def test_any_address_but_loopback_needs_a_token() -> None:
    result = invoke(["serve", str(EXAMPLES / "live.json"), "--host", "0.0.0.0"], exit_code=2)
    assert "--host 0.0.0.0 is reachable from other machines: give --token" in result.stderr


def test_a_token_must_be_long_enough_and_cookie_safe() -> None:
    result = invoke(["serve", str(EXAMPLES / "live.json"), "--token", "short"], exit_code=2)
    assert "--token: the token has 5 characters; give at least 16" in result.stderr
    assert token_problem("a;b=c d0123456789abcdef") is not None
    assert token_problem("0123456789abcdef") is None


def test_as_of_must_be_a_time_or_now() -> None:
    result = invoke(["serve", str(EXAMPLES / "live.json"), "--as-of", "teatime"], exit_code=2)
    assert "Invalid value for '--as-of'" in result.stderr
    assert "give e.g. 2022-09-06T20:00:00+01:00, or now" in result.stderr


def test_paths_must_exist() -> None:
    result = invoke(["serve", "no/such/file.json"], exit_code=2)
    assert "does not exist" in result.stderr


def test_loopback_addresses() -> None:
    assert all(is_loopback(h) for h in ("127.0.0.1", "localhost", "::1", "[::1]", "127.8.0.1"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "192.0.2.1", "::", "example.org"))


@pytest.mark.slow  # a server process
def test_a_port_in_use_is_exit_2_with_the_reason() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "custody_rules", "serve", str(EXAMPLES / "live.json"),
             "--port", str(port)], cwd=ROOT, capture_output=True, text=True, timeout=120,
            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 2
    # One line, and no "serving ... at" said first of an address that cannot be served.
    assert result.stderr.splitlines() == [
        f"cannot serve at http://127.0.0.1:{port}/: Address already in use"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until_up(url: str, process: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise AssertionError("the server did not start in time")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes], Path]]:
    """The README's command, run as a user runs it, on the live example and a noted copy."""
    folder = tmp_path / "records"
    folder.mkdir()
    (folder / "live.json").write_bytes((EXAMPLES / "live.json").read_bytes())
    noted = dict(with_note(live()), record_id="MP-2024-SECRET9")
    write(folder / "noted.json", noted)
    port = free_port()
    stderr = tmp_path / "stderr.txt"
    with stderr.open("wb") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "custody_rules", "serve", str(folder), "--as-of", LIVE_AS_OF,
             "--port", str(port)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err,
            env={**os.environ, "PYTHONPATH": str(ROOT)})
        try:
            wait_until_up(f"http://127.0.0.1:{port}/static/serve.css", process)
            yield f"http://127.0.0.1:{port}", process, stderr
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def _post(url: str, data: bytes) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=data, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.mark.slow  # a server process
def test_the_served_board_api_and_log(served: tuple[str, subprocess.Popen[bytes], Path]) -> None:
    base, process, stderr = served
    with urllib.request.urlopen(base + "/", timeout=60) as response:
        board = response.read().decode()
    assert "MP-2024-771030" in board and "review 1 due 20:10" in board
    # curl -X POST --data-binary @examples/cambridgeshire.json .../api/check
    status, body = _post(base + "/api/check", (EXAMPLES / "cambridgeshire.json").read_bytes())
    cli = invoke(["check", str(EXAMPLES / "cambridgeshire.json"), "--format", "json"],
                 exit_code=1)
    assert (status, body.decode()) == (200, cli.stdout)
    status, body = _post(base + "/api/check", json.dumps(with_note(live())).encode())
    assert status == 200
    status, body = _post(base + "/api/check", b'{"record_id": "MP-2024-SECRET9", "events": 1}')
    assert status == 422 and json.loads(body)["problems"]
    with urllib.request.urlopen(base + "/record/MP-2024-SECRET9", timeout=60) as response:
        assert "NOTE-7F3A" in response.read().decode()
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=30) == 0
    logged = stderr.read_text(encoding="utf-8", errors="replace")
    assert "GET /record/{record_id:path} 200" in logged
    assert "POST /api/check 422" in logged
    for secret in ("NOTE-7F3A", "SECRET9", "MP-2024-771030", "Lambeth", "Robbery"):
        assert secret not in logged
    assert "Traceback" not in logged
