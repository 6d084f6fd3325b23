"""The server through Starlette's test client: the API answers what the CLI answers, bad bodies
get 4xx and the CLI's one-line problems, the board follows its files, and the server is safe by
default (host check, token, size limit, CSP, escaping, no record content in the log)."""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, urlencode

import jsonschema
import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from custody_rules.checker import Checker
from custody_rules.cli import main
from custody_rules.read import MAX_RECORD_BYTES
from custody_rules.schema import record_schema
from custody_rules.server.openapi import openapi
from custody_rules.training import load_library
from tests.helpers import invoke
from tests.server_data import (
    EXAMPLES,
    LIVE_AS_OF,
    app_for,
    live,
    shifted,
    suite_folder,
    with_note,
    write,
)
from tests.test_bad_input import EXPECTED as BAD_CASES
from tests.test_bad_input import case_input

BASE = "http://localhost:8000"
RECORDS = sorted(p for p in EXAMPLES.glob("*.json") if not p.name.endswith(".expected.json"))


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return suite_folder(tmp_path_factory.mktemp("suite") / "records")


@pytest.fixture(scope="module")
def client(checker: Checker, folder: Path) -> Iterator[TestClient]:
    scenarios = tuple(load_library())
    with TestClient(app_for(checker, [folder], scenarios=scenarios), base_url=BASE) as c:
        yield c


# --------------------------------------------------------------------------- POST /api/check

def _cli_args(path: Path) -> list[str]:
    args = ["check", str(path), "--format", "json"]
    if json.loads(path.read_text())["record_id"] == "MP-2024-771030":
        args += ["--as-of", LIVE_AS_OF]  # the live record is judged at its stated moment
    return args


@pytest.mark.parametrize("path", RECORDS, ids=lambda p: p.name)
def test_api_check_answers_exactly_the_bytes_of_check_format_json(
        client: TestClient, path: Path) -> None:
    cli = CliRunner().invoke(main, _cli_args(path))
    assert cli.exit_code in (0, 1), cli.output
    params = {"as_of": LIVE_AS_OF} if "--as-of" in _cli_args(path) else {}
    response = client.post("/api/check", content=path.read_bytes(), params=params)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.text == cli.stdout


def test_api_check_without_as_of_is_judged_at_the_servers_moment(
        client: TestClient, checker: Checker, tmp_path: Path) -> None:
    """`serve --as-of TIME` fixes the whole server at that moment, checks included; a server
    on the real clock judges as `check` without --as-of does: now."""
    fixed = client.post("/api/check", content=json.dumps(live()))
    assert fixed.status_code == 200
    assert fixed.json()["as_of"] == LIVE_AS_OF
    page = client.post("/check", data={"record": json.dumps(live()), "as_of": ""})
    assert "19:00 BST on Wed 12 Jun 2024" in page.text
    with TestClient(app_for(checker, [tmp_path], as_of=None), base_url=BASE) as c:
        response = c.post("/api/check", content=json.dumps(live()))
        assert response.status_code == 200
        assert response.json()["as_of"] > "2025"  # the real clock


_PARSE_PROBLEM = re.compile(r" > (not JSON|not valid UTF-8|empty: no JSON record|"
                            r"JSON nested too deeply|more than \d+ bytes)")


@pytest.mark.parametrize("name", sorted(BAD_CASES))
def test_every_hostile_body_gets_the_clis_outcome(client: TestClient, name: str) -> None:
    case = BAD_CASES[name]
    _, data = case_input(name)
    response = client.post("/api/check", content=data)
    if "warnings" in case:  # a record the CLI judges, with warnings
        assert response.status_code == 200
        assert response.json()["warnings"] == case["warnings"]
        return
    expected = [line.replace("{path}", "input") for line in case["stderr"]]
    wanted = 413 if len(data) > MAX_RECORD_BYTES else \
        400 if _PARSE_PROBLEM.search(expected[0]) else 422
    assert response.status_code == wanted, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"problems": expected}
    assert "Traceback" not in response.text


def test_a_streamed_body_over_the_limit_is_refused_without_reading_it_all(
        client: TestClient) -> None:
    sent = 0

    def chunks() -> Iterator[bytes]:
        nonlocal sent
        block = b" " * (1 << 20)
        while sent <= MAX_RECORD_BYTES * 2:
            sent += len(block)
            yield block

    response = client.post("/api/check", content=chunks())
    assert response.status_code == 413
    assert response.json()["problems"][0].startswith("input > more than")


def test_a_declared_length_over_the_limit_is_refused_before_the_body(client: TestClient) -> None:
    response = client.post("/api/check", content=b"{}",
                           headers={"content-length": str(MAX_RECORD_BYTES + 1)})
    assert response.status_code == 413


def test_as_of_must_be_a_time_with_an_offset(client: TestClient) -> None:
    response = client.post("/api/check", content=json.dumps(live()),
                           params={"as_of": "2024-06-12T19:00"})
    assert response.status_code == 400
    assert response.json()["problems"][0].startswith("as_of: ")


def test_api_check_ignores_the_declared_content_type(client: TestClient) -> None:
    # curl --data-binary sends application/x-www-form-urlencoded; the body is still the record.
    response = client.post("/api/check", content=(EXAMPLES / "compliant.json").read_bytes(),
                           headers={"content-type": "application/x-www-form-urlencoded"})
    assert response.status_code == 200


# --------------------------------------------------------------------------- the board

def test_board_lists_the_held_children_unreadable_first_then_overdue_then_by_due(
        client: TestClient) -> None:
    board = client.get("/api/board").json()
    assert board["as_of"] == "2024-06-12T19:00:00+01:00"
    assert (board["held"], board["left"]) == (3, 1)
    rows = board["records"]
    # The broken file's id cannot be had: its JSON ends before it could be read safely.
    assert [r["record_id"] for r in rows] == [
        None, "MP-2024-770001", "MP-2024-771030", "MP-2024-772200"]
    broken, overdue, live_row, later = rows
    assert not broken["readable"] and broken["source"].endswith("broken.json")
    assert broken["problems"] and broken["problems"][0].startswith(broken["source"])
    assert overdue["overdue"] and overdue["violated"] > 0
    first_violated = overdue["handover"]["violated"][0]["rule"]
    assert overdue["most_urgent"].startswith(f"{first_violated} violated: ")
    assert not live_row["overdue"] and live_row["violated"] == 0
    assert live_row["handover"]["next_review"]["number"] == 1
    assert live_row["handover"]["next_review"]["due"] == "2024-06-12T20:10:00+01:00"
    assert live_row["next_due"] == "2024-06-12T19:10:00+01:00"
    assert live_row["most_urgent"].startswith("PC-02 Due by 19:10 (in 10m)")
    assert later["next_due"] > live_row["next_due"]


def test_board_row_handover_is_the_handover_of_check_format_json(
        client: TestClient, folder: Path) -> None:
    row = next(r for r in client.get("/api/board").json()["records"]
               if r["record_id"] == "MP-2024-771030")
    cli = json.loads(invoke(["check", str(folder / "live.json"), "--format", "json",
                             "--as-of", LIVE_AS_OF], exit_code=0).stdout)
    assert row["handover"] == cli["handover"]
    assert row["falling_due"] == len(cli["handover"]["falling_due"])


def test_board_page_shows_the_live_child_with_its_next_review(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    text = page.text
    assert "review 1 due 20:10" in text
    assert 'href="/record/MP-2024-771030"' in text
    assert '<meta http-equiv="refresh" content="30">' in text
    assert text.index("broken.json") < text.index("MP-2024-770001") \
        < text.index("MP-2024-771030") < text.index("MP-2024-772200")
    assert 'class="child overdue"' in text
    assert "broken.json" in text and "not JSON" in text


def test_board_rereads_a_file_when_it_changes(checker: Checker, tmp_path: Path) -> None:
    record = write(tmp_path / "child.json", live())
    with TestClient(app_for(checker, [tmp_path]), base_url=BASE) as c:
        assert c.get("/api/board").json()["held"] == 1
        stat = record.stat()
        record.write_text('{"record_id": "MP-2024-771030", ', encoding="utf-8")
        os.utime(record, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
        row = c.get("/api/board").json()["records"][0]
        assert (row["readable"], row["record_id"]) == (False, None)
        cli = invoke(["check", str(record)], exit_code=2)
        assert row["problems"] == cli.stderr.splitlines()
        assert row["problems"][0].startswith(f"{record} > not JSON: ")
        write(tmp_path / "child.json", shifted(live(), "MP-2024-771031", 0))
        os.utime(record, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))
        (tmp_path / "second.json").write_text(json.dumps(live()), encoding="utf-8")
        board = c.get("/api/board").json()
        assert sorted(r["record_id"] for r in board["records"]) == [
            "MP-2024-771030", "MP-2024-771031"]
        record.unlink()
        assert [r["record_id"] for r in c.get("/api/board").json()["records"]] == [
            "MP-2024-771030"]


def test_a_path_that_disappears_is_a_row_not_a_crash(checker: Checker, tmp_path: Path) -> None:
    record = write(tmp_path / "child.json", live())
    with TestClient(app_for(checker, [record]), base_url=BASE) as c:
        record.unlink()
        row = c.get("/api/board").json()["records"][0]
        assert row["problems"] == [f"{record}: no such file or directory"]
        assert c.get("/").status_code == 200


# --------------------------------------------------------------------------- the child

def test_child_page_is_the_handover_with_each_finding_linked_to_its_explanation(
        client: TestClient) -> None:
    page = client.get("/record/MP-2024-771030")
    assert page.status_code == 200
    text = page.text
    for rule in ("PC-02", "PC-09", "PC-07", "RV-01"):
        assert f'href="/explain/{rule}/MP-2024-771030"' in text
    assert "review 1 due 20:10" in text
    assert "Timeline (13 events)" in text
    assert "13:20" in text and "arrested" in text  # the whole timeline, not only the log
    explanation = client.get("/explain/PC-02/MP-2024-771030")
    assert explanation.status_code == 200
    assert "PC-02: pending." in explanation.text
    # The same words as `explain` prints: the deadline named by its event, not the rule's alias.
    assert "(1 hour after bail was refused)" in explanation.text
    assert "refused.at" not in explanation.text


def test_record_ids_with_a_slash_reach_their_page(checker: Checker, tmp_path: Path) -> None:
    write(tmp_path / "a.json", shifted(live(), "PC-02/weird id", 0))
    with TestClient(app_for(checker, [tmp_path]), base_url=BASE) as c:
        board = c.get("/").text
        assert f'href="/record/{quote("PC-02/weird id", safe="")}"' in board
        assert c.get("/record/" + quote("PC-02/weird id", safe="")).status_code == 200
        assert c.get("/explain/RV-01/" + quote("PC-02/weird id", safe="")).status_code == 200


def test_records_sharing_an_id_each_have_their_page(checker: Checker, tmp_path: Path) -> None:
    """Exports repeat ids: the board links each record by where it was read, and each page says
    which other records carry the same id, so none is silently shown in place of another."""
    write(tmp_path / "a.json", shifted(live(), "SAME-1", 0))
    write(tmp_path / "b.json", shifted(live(), "SAME-1", 60))
    write(tmp_path / "c.json", shifted(live(), "ALONE-1", 30))
    with TestClient(app_for(checker, [tmp_path]), base_url=BASE) as c:
        board = c.get("/").text
        first, second = (str(tmp_path / name) for name in ("a.json", "b.json"))
        for where in (first, second):
            assert f'href="/record/SAME-1?{urlencode({"at": where})}"'.replace("&", "&amp;") \
                in board
        assert 'href="/record/ALONE-1"' in board  # no choice to make: a plain link
        page = c.get("/record/SAME-1", params={"at": second}).text
        assert "2 records in the folder carry this id" in page
        assert f'href="/record/SAME-1?{urlencode({"at": first})}"' in page
        assert f'href="/explain/RV-01/SAME-1?{urlencode({"at": second})}"' in page
        assert f'This one was read at <span class="where">{second}</span>' in page
        assert f'This one was read at <span class="where">{first}</span>' in c.get(
            "/record/SAME-1").text  # no choice given: the first, and the page says so
        explained = c.get("/explain/RV-01/SAME-1", params={"at": second}).text
        assert f'href="/record/SAME-1?{urlencode({"at": second})}"' in explained
        plain = c.get("/record/ALONE-1").text
        assert "carry this id" not in plain


def test_unknown_records_rules_and_scenarios_are_404(client: TestClient) -> None:
    assert client.get("/record/nobody").status_code == 404
    assert client.get("/record/MP-2024-779999").status_code == 404  # unreadable: no page
    assert client.get("/explain/XX-99/MP-2024-771030").status_code == 404
    assert client.get("/explain/RV-01/nobody").status_code == 404
    assert client.get("/scenarios/nope").status_code == 404
    assert client.get("/scenarios/..%2F..%2Fexamples").status_code == 404


# --------------------------------------------------------------------------- check a record

def test_check_page_states_its_size_limit_in_mib(client: TestClient) -> None:
    assert "At most 32 MiB." in client.get("/check").text


def test_check_page_shows_the_findings_of_a_pasted_record(client: TestClient) -> None:
    assert client.get("/check").status_code == 200
    text = (EXAMPLES / "cambridgeshire.json").read_text()
    page = client.post("/check", data={"record": text, "as_of": ""})
    assert page.status_code == 200
    cli = json.loads(invoke(["check", str(EXAMPLES / "cambridgeshire.json"), "--format",
                             "json"], exit_code=1).stdout)
    for finding in cli["findings"]:
        assert _html_text(finding["message"]) in page.text
    assert "<details>" in page.text  # each fired rule explained


def test_check_page_shows_the_clis_problems_for_a_bad_record(client: TestClient) -> None:
    page = client.post("/check", data={"record": '{"record_id": "X-1", "events": []}'})
    assert page.status_code == 422
    assert "record X-1 &gt; events: empty: a record needs at least its arrival" in page.text
    page = client.post("/check", content=b"record=%FF%FE", headers={
        "content-type": "application/x-www-form-urlencoded"})
    assert page.status_code == 400
    assert "input &gt; not valid UTF-8 (byte 0)" in page.text
    page = client.post("/check", data={"record": text_of_live(), "as_of": "yesterday"})
    assert page.status_code == 400 and "as_of: " in page.text


def text_of_live() -> str:
    return json.dumps(live())


def test_check_page_refuses_a_body_over_the_limit(client: TestClient) -> None:
    page = client.post("/check", content=b"x" * (MAX_RECORD_BYTES + 1), headers={
        "content-type": "application/x-www-form-urlencoded", "transfer-encoding": "chunked"})
    assert page.status_code == 413


# --------------------------------------------------------------------------- training

def test_every_scenario_plays_in_the_browser_page(client: TestClient) -> None:
    listing = client.get("/scenarios").text
    for scenario in load_library():
        assert f'href="/scenarios/{scenario.name}"' in listing
    # A scenario with a breach (since RV-07's review_without_aa is dated 2021, Gateshead's
    # 2004 record has none left).
    page = client.get("/scenarios/held-after-charge-no-request")
    assert page.status_code == 200
    assert "data-walk-steps" in page.text and "became violated" in page.text
    assert "The findings are the ones the scenario expects." in page.text


# --------------------------------------------------------------------------- rules and OpenAPI

def test_api_rules_is_rules_list_format_json(client: TestClient) -> None:
    cli = json.loads(invoke(["rules", "list", "--format", "json"], exit_code=0).stdout)
    assert client.get("/api/rules").json() == cli


def test_openapi_describes_the_api_with_the_records_own_schema(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    assert doc["openapi"].startswith("3.1")
    assert set(doc["paths"]) == {"/api/check", "/api/board", "/api/rules"}
    schema = {k: v for k, v in record_schema().items() if k != "$schema"}
    assert doc["components"]["schemas"]["Record"] == schema
    assert client.get("/api").status_code == 200  # follows the redirect to the description
    # The description holds for real answers.
    validator = jsonschema.Draft202012Validator({**openapi(), "$ref":
                                                 "#/components/schemas/Findings"})
    validator.validate(client.post("/api/check", content=json.dumps(live()),
                                   params={"as_of": LIVE_AS_OF}).json())
    board = jsonschema.Draft202012Validator({**openapi(), "$ref": "#/components/schemas/Board"})
    board.validate(client.get("/api/board").json())
    problems = jsonschema.Draft202012Validator({**openapi(),
                                                "$ref": "#/components/schemas/Problems"})
    problems.validate(client.post("/api/check", content=b"{").json())


# --------------------------------------------------------------------------- safe by default

class _Scripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.inline: list[str] = []
        self.sources: list[str] = []
        self.handlers: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        self.handlers += [name for name in names if name.startswith("on")]
        if tag == "script":
            self._in_script = "src" not in names
            if "src" in names:
                self.sources.append(str(names["src"]))

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False


PAGES = ["/", "/record/MP-2024-771030", "/record/MP-2024-772200",
         "/explain/RV-01/MP-2024-771030", "/check", "/scenarios", "/scenarios/gateshead-2004"]


@pytest.mark.parametrize("path", PAGES)
def test_pages_have_a_csp_without_inline_script_and_no_inline_script(
        client: TestClient, path: str) -> None:
    page = client.get(path)
    assert page.status_code == 200
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert page.headers["cache-control"] == "no-store"
    parser = _Scripts()
    parser.feed(page.text)
    assert parser.inline == [] and parser.handlers == []
    assert parser.sources == ["/static/serve.js"]
    assert "http://" not in page.text.replace("http-equiv", "") or path.startswith("/scenarios")


def test_static_assets_are_served_from_the_package(client: TestClient) -> None:
    for asset, kind in (("serve.css", "text/css"), ("serve.js", "javascript")):
        response = client.get(f"/static/{asset}")
        assert response.status_code == 200
        assert kind in response.headers["content-type"]


def test_record_text_is_escaped_everywhere_it_is_shown(client: TestClient) -> None:
    escaped = "&lt;script&gt;document.title="
    page = client.get("/record/MP-2024-772200")
    assert escaped in page.text and "<script>document" not in page.text
    posted = client.post("/check", data={"record": json.dumps(with_note(live()))})
    assert escaped in posted.text and "<script>document" not in posted.text
    hostile_id = shifted(live(), '<img src=x onerror="alert(1)">', 0)
    posted = client.post("/check", data={"record": json.dumps(hostile_id)})
    assert posted.status_code == 200
    assert "<img src=x" not in posted.text and "&lt;img src=x" in posted.text


def test_only_the_loopback_names_are_answered_when_bound_to_loopback(
        client: TestClient) -> None:
    for host in ("localhost:8000", "127.0.0.1:8000", "[::1]:8000", "LOCALHOST"):
        assert client.get("/", headers={"host": host}).status_code == 200, host
    for host in ("evil.example", "evil.example:8000", "127.0.0.1.evil.example", ""):
        response = client.get("/api/board", headers={"host": host})
        assert response.status_code == 421, host
        assert "records" not in response.text


def test_a_token_is_demanded_on_every_request(checker: Checker, folder: Path) -> None:
    token = "s3cret-token-0123456789"
    app = app_for(checker, [folder], token=token, loopback_only=False)
    with TestClient(app, base_url="http://192.0.2.10:8000") as c:
        for path in ("/", "/api/board", "/static/serve.css", "/openapi.json", "/nope"):
            response = c.get(path)
            assert response.status_code == 401, path
            assert "MP-2024" not in response.text
        assert c.post("/api/check", content=json.dumps(live())).status_code == 401
        assert c.get("/", headers={"authorization": "Bearer wrong-token-000000"}
                     ).status_code == 401
        assert c.get("/?token=wrong").status_code == 401
        bearer = {"authorization": f"Bearer {token}"}
        assert c.get("/api/board", headers=bearer).status_code == 200
        # A browser opens the page once with ?token=: a cookie, and an address without it.
        response = c.get(f"/record/MP-2024-771030?token={token}&x=1", follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == "/record/MP-2024-771030?x=1"
        assert "HttpOnly" in response.headers["set-cookie"]
        assert "SameSite=Strict" in response.headers["set-cookie"]
        response = c.get(f"/record/a%0D%0ASet-Cookie:%20x=1?token={token}",
                         follow_redirects=False)
        assert response.headers["location"] == "/record/a%0D%0ASet-Cookie%3A%20x%3D1"
        assert c.get("/").status_code == 200  # the cookie now goes with every request
        assert c.get("/static/serve.js").status_code == 200


def test_no_record_content_in_the_log(client: TestClient, caplog: pytest.LogCaptureFixture
                                      ) -> None:
    with caplog.at_level(logging.DEBUG):
        client.post("/api/check", content=json.dumps(with_note(live())))
        client.post("/check", data={"record": json.dumps(with_note(live()))})
        client.get("/record/MP-2024-772200")
        client.get("/explain/RV-01/MP-2024-772200")
        client.post("/api/check", content=b'{"record_id": "MP-SECRET-1", "events": 5}')
        client.get("/static/serve.css")
        client.get("/MP-SECRET-1")
    # Everything the server side logged (the test client logs its own requests).
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records
                        if not r.name.startswith(("httpx", "httpcore")))
    assert "POST /api/check 200" in logged
    assert "GET /record/{record_id:path} 200" in logged
    assert "GET /static 200" in logged
    assert "GET (no route) 404" in logged
    for secret in ("NOTE-7F3A", "MP-2024-772200", "MP-2024-771030", "MP-SECRET-1", "Lambeth"):
        assert secret not in logged


def _html_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace(
        "'", "&#39;").replace('"', "&#34;")



class _FailingChecker:
    """A Checker whose engine fails, or which has a bug, quoting the record as it does."""

    def __init__(self, error: Exception):
        self.error = error

    def check(self, *args: object, **kwargs: object) -> None:
        raise self.error


def _failing_client(error: Exception, folder: Path) -> TestClient:
    from custody_rules.server.app import ServerSettings, create_app
    from custody_rules.server.board import Judge, RecordFolder

    settings = ServerSettings(folder=RecordFolder([folder]),
                              judge=Judge(_FailingChecker(error)))  # type: ignore[arg-type]
    return TestClient(create_app(settings), base_url=BASE)


def test_an_engine_failure_is_500_with_its_line_and_the_board_stays_up(folder: Path) -> None:
    from custody_rules.errors import EngineError

    with _failing_client(EngineError("MP-2024-771030", "the C core said no"), folder) as c:
        response = c.post("/api/check", content=json.dumps(live()))
        assert response.status_code == 500
        assert response.json() == {"problems": [
            "record MP-2024-771030: rule engine failed: the C core said no"]}
        board = c.get("/api/board").json()
        assert board["held"] == 0
        assert all(not row["readable"] and row["problems"] for row in board["records"])
        assert c.get("/").status_code == 200


def test_a_bug_is_500_without_its_text_anywhere(folder: Path,
                                                caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG), \
            _failing_client(RuntimeError("NOTE-7F3A in the message"), folder) as c:
        response = c.post("/api/check", content=json.dumps(live()))
        assert response.status_code == 500
        assert response.json() == {"problems": ["internal error (RuntimeError)"]}
        board = c.get("/api/board").json()  # one record's bug is its row, not the board's
        assert board["records"][-1]["problems"] == [
            "record MP-2024-772200: internal error (RuntimeError)"]
        assert c.get("/record/MP-2024-771030").status_code == 500
    server_side = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    assert any("internal error on POST /api/check: RuntimeError" in r.getMessage()
               for r in server_side)
    assert all("NOTE-7F3A" not in r.getMessage() and not r.exc_info for r in server_side)
