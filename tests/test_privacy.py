"""`--pseudonymise`: no record id, officer id or free text of the record reaches any output.

The record under test has a distinctive secret in every field that names a person or holds free
text (every text field the record format allows on each event, the officers' ids, the person's
local authority, the offences), so that a leak through any formatter, the handover screen or
an error line is caught by a plain substring search.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
import typing
from pathlib import Path
from typing import Any

import attrs
import pytest
from click.testing import CliRunner, Result

from custody_rules.cli import main
from custody_rules.errors import EngineError, InputError
from custody_rules.privacy import KEY_ENV, Pseudonymiser, make_pseudonymiser
from custody_rules.record import EVENT_TYPES
from tests.conftest import ROOT

KEY = "correct horse battery staple"
TOKEN = re.compile(r"(rec|officer|text|la|date)-[0-9a-f]{12}")
EXAMPLES = ROOT / "examples"


def _text_fields(event_type: str) -> list[str]:
    """The event's own text fields (note included), from the record model itself."""
    cls = EVENT_TYPES[event_type]
    hints = typing.get_type_hints(cls)
    return [field.name for field in attrs.fields(cls)
            if field.name != "id" and str in typing.get_args(hints[field.name])]


def secret_record(source: str = "cambridgeshire.json") -> tuple[dict[str, Any], list[str]]:
    """An example record with a secret in every private field, and the list of secrets."""
    raw = json.loads((EXAMPLES / source).read_text())
    raw["record_id"] = "SECRET-RECORD-Jane-Doe"
    raw["person"]["home_local_authority"] = "SECRET-LA-Home"
    raw["offences"] = [{"description": "SECRET-OFFENCE-text", "violent": True}]
    for index, event in enumerate(raw["events"]):
        for name in _text_fields(event["type"]):
            event[name] = f"SECRET-{name}-{index} <b>typed by</b> 'PC Smith'"
        event["by"] = {**event.get("by", {}), "id": f"SECRET-OFFICER-{index}"}
    raw["events"].append({"id": "u1", "type": "meal_given", "at": raw["events"][-1]["at"],
                          "menu": ["SECRET-EXTRA-soup", {"drink": "SECRET-EXTRA-tea"}]})
    secrets = ["SECRET", "Jane", "PC Smith", "typed by"]
    return raw, secrets


def run(args: list[str], env: dict[str, str] | None = None) -> Result:
    result = CliRunner().invoke(main, args, env=env)
    if not isinstance(result.exception, SystemExit | None):
        raise result.exception
    return result


def write(tmp_path: Path, raw: dict[str, Any]) -> Path:
    path = tmp_path / "record.json"
    path.write_text(json.dumps(raw))
    return path


def assert_no_leak(text: str, secrets: list[str]) -> None:
    for secret in [*secrets, KEY]:
        assert secret not in text


@pytest.mark.parametrize(("source", "args"), [
    ("cambridgeshire.json", ["--format", "json"]),
    ("cambridgeshire.json", ["--format", "text"]),
    ("live.json", ["--format", "json", "--as-of", "2024-06-12T21:00:00+01:00"]),
    ("live.json", ["--format", "text", "--as-of", "2024-06-12T21:00:00+01:00"]),
    ("live.json", ["--format", "text", "--full", "--as-of", "2024-06-12T21:00:00+01:00"]),
    ("gateshead.json", ["--format", "text"]),
])
def test_no_secret_reaches_check_output(tmp_path: Path, source: str, args: list[str]) -> None:
    raw, secrets = secret_record(source)
    path = write(tmp_path, raw)
    plain = run(["check", str(path), *args])
    assert "SECRET" in plain.stdout  # the record does carry its secrets into plain output
    hidden = run(["check", str(path), "--pseudonymise", *args], env={KEY_ENV: KEY})
    assert hidden.exit_code == plain.exit_code
    assert_no_leak(hidden.stdout + hidden.stderr, secrets)
    assert TOKEN.search(hidden.stdout)


def test_json_output_keeps_its_shape_with_stable_pseudonyms(tmp_path: Path) -> None:
    raw, _ = secret_record()
    path = write(tmp_path, raw)
    plain = json.loads(run(["check", str(path), "--format", "json"]).stdout)
    first = run(["check", str(path), "--format", "json", "--pseudonymise"], env={KEY_ENV: KEY})
    again = run(["check", str(path), "--format", "json", "--pseudonymise-key", KEY])
    other = run(["check", str(path), "--format", "json", "--pseudonymise"],
                env={KEY_ENV: KEY + "!"})
    hidden = json.loads(first.stdout)
    expected_id = make_pseudonymiser(KEY).token("rec", "SECRET-RECORD-Jane-Doe")
    assert hidden["record_id"] == expected_id
    assert re.fullmatch(r"rec-[0-9a-f]{12}", expected_id)
    assert again.stdout == first.stdout  # a key on the command line implies --pseudonymise
    assert json.loads(other.stdout)["record_id"] != expected_id
    # Only the identifying values changed: the findings are the same findings.
    assert [(f["rule"], f["status"], f["events"], f["message"]) for f in hidden["findings"]] == [
        (f["rule"], f["status"], f["events"], f["message"]) for f in plain["findings"]]
    assert hidden["warnings"] == [
        "events[17].type: unknown event type "
        f"'{make_pseudonymiser(KEY).token('text', 'meal_given')}' kept and ignored"]


@pytest.mark.parametrize(("args", "env", "message"), [
    ([], {}, f"--pseudonymise needs a key: give --pseudonymise-key or set {KEY_ENV} (there is "
             "no default key: a guessable key would let anyone undo the pseudonyms)"),
    ([], {KEY_ENV: ""}, f"--pseudonymise needs a key: give --pseudonymise-key or set {KEY_ENV}"
                        " (there is no default key: a guessable key would let anyone undo the "
                        "pseudonyms)"),
    (["--pseudonymise-key", "short"], {}, "the pseudonymisation key must have at least 16 "
     "characters: a short key can be guessed, and with it every pseudonym undone"),
])
def test_without_a_usable_key_check_refuses(tmp_path: Path, args: list[str],
                                            env: dict[str, str], message: str,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)
    path = write(tmp_path, secret_record()[0])
    result = run(["check", str(path), "--pseudonymise", *args], env=env)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == message + "\n"


def test_the_environment_key_alone_does_not_pseudonymise(tmp_path: Path) -> None:
    path = write(tmp_path, secret_record()[0])
    result = run(["check", str(path), "--format", "json"], env={KEY_ENV: KEY})
    assert json.loads(result.stdout)["record_id"] == "SECRET-RECORD-Jane-Doe"


def test_input_error_lines_quote_nothing_of_the_record(tmp_path: Path) -> None:
    raw, secrets = secret_record()
    raw["person"]["sex"] = "SECRET Jane's brother"
    raw["person"]["date_of_birth"] = "2023-01-01"
    raw["events"][0]["SECRET-field"] = 1
    raw["events"][1]["at"] = "SECRET-time"
    raw["events"][2]["id"] = raw["events"][3]["id"]
    path = write(tmp_path, raw)
    plain = run(["check", str(path)])
    assert plain.exit_code == 2 and "SECRET" in plain.stderr
    hidden = run(["check", str(path), "--pseudonymise"], env={KEY_ENV: KEY})
    assert hidden.exit_code == 2
    assert_no_leak(hidden.stderr, [*secrets, "2023-01-01", "brother"])
    lines = hidden.stderr.splitlines()
    assert len(lines) == len(plain.stderr.splitlines())
    p = make_pseudonymiser(KEY)
    assert all(line.startswith(f"record {p.token('rec', 'SECRET-RECORD-Jane-Doe')} > ")
               for line in lines)
    assert f"events[0][{p.token('text', 'SECRET-field')!r}]: unknown field" in hidden.stderr


def test_engine_errors_are_pseudonymised() -> None:
    p = make_pseudonymiser(KEY)
    error = EngineError("SECRET-RECORD", "KeyError: 'SECRET'")
    assert p.engine_error(error) == (
        f"record {p.token('rec', 'SECRET-RECORD')}: rule engine failed: "
        f"KeyError: '{p.token('text', 'SECRET')}'")


def test_input_errors_without_a_record_id_name_the_source() -> None:
    p = make_pseudonymiser(KEY)
    error = InputError(None, ["not JSON: Expecting ',' delimiter at line 1 column 5"], "in.json")
    assert p.input_error_lines(error) == [
        f"in.json > not JSON: Expecting '{p.token('text', ',')}' delimiter at line 1 column 5"]


def test_the_result_side_step_pseudonymises_everything_the_formatters_read(
        checker: Any) -> None:
    from custody_rules.validate import validate_record

    raw, secrets = secret_record("live.json")
    validated = validate_record(copy.deepcopy(raw))
    result = checker.check(validated.record, warnings=validated.warnings)
    hidden = make_pseudonymiser(KEY).result(result)
    # Every value reachable from the result, however deep, is free of the secrets.
    seen: list[str] = []

    def collect(value: Any, depth: int = 0) -> None:
        assert depth < 20
        if isinstance(value, str):
            seen.append(value)
        elif attrs.has(type(value)):
            for field in attrs.fields(type(value)):
                collect(getattr(value, field.name), depth + 1)
        elif isinstance(value, dict):
            for key, item in value.items():
                collect(key, depth + 1)
                collect(item, depth + 1)
        elif isinstance(value, tuple | list):
            for item in value:
                collect(item, depth + 1)

    collect(hidden)
    assert_no_leak("\n".join(seen), secrets)
    # The timeline still shares its events with the record (one object per event).
    timeline = hidden.timeline
    assert {id(e) for e in timeline.events} == {id(e) for e in timeline.record.events}
    assert timeline.left_by is None or id(timeline.left_by) in {id(e) for e in timeline.events}
    assert [e.id for e in timeline.events] == [e.id for e in result.timeline.events]
    assert hidden.findings == result.findings


def test_the_key_never_shows_in_a_repr() -> None:
    assert repr(make_pseudonymiser(KEY)) == "Pseudonymiser(key=<hidden>)"
    assert KEY not in repr(Pseudonymiser(KEY.encode()))


# --------------------------------------------------------------------------- audit

@pytest.fixture(scope="module")
def audit_input(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    folder = tmp_path_factory.mktemp("audit")
    raw, secrets = secret_record()
    rejected, _ = secret_record("compliant.json")
    rejected["person"]["sex"] = "SECRET Jane's brother"
    lines = [json.dumps(raw), json.dumps(secret_record("live.json")[0]), json.dumps(rejected),
             '{"record_id": "SECRET-RECORD-broken", "person": ']
    source = folder / "records.jsonl"
    source.write_text("\n".join(lines) + "\n")
    return source, secrets


# Two audits a format: the fast suite keeps the JSON report's.
@pytest.mark.parametrize("output_format", [
    "json", *(pytest.param(name, marks=pytest.mark.slow) for name in ("csv", "html", "text"))])
def test_no_secret_reaches_any_audit_output(audit_input: tuple[Path, list[str]],
                                            tmp_path: Path, output_format: str) -> None:
    source, secrets = audit_input
    rejects = tmp_path / "rejects.jsonl"
    args = ["audit", str(source), "--format", output_format, "--jobs", "2", "--as-of",
            "2026-01-01T00:00:00+00:00", "--rejects", str(rejects)]
    plain = run(args)
    assert "SECRET" in plain.stdout + rejects.read_text()
    hidden = run([*args, "--pseudonymise"], env={KEY_ENV: KEY})
    assert hidden.exit_code == plain.exit_code == 1
    assert_no_leak(hidden.stdout + hidden.stderr + rejects.read_text(), secrets)
    assert TOKEN.search(hidden.stdout + rejects.read_text())


def test_audit_refuses_to_pseudonymise_without_a_key(audit_input: tuple[Path, list[str]],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)
    result = run(["audit", str(audit_input[0]), "--pseudonymise"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("--pseudonymise needs a key")


def _browser() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(_browser() is None, reason="headless Chromium is not installed (Debian: "
                    "apt-get install -y chromium); .ci/run installs it")
@pytest.mark.slow  # a browser
def test_a_script_in_a_note_is_shown_as_text_and_runs_nothing(tmp_path: Path) -> None:
    """The HTML audit report, opened in headless Chromium: the note's <script> is text on the
    page, and the script did not run (it would have marked the page)."""
    raw = json.loads((EXAMPLES / "cambridgeshire.json").read_text())
    script = "<script>document.documentElement.setAttribute('data-owned', 'yes')</script>"
    raw["events"][0]["note"] = f"Said {script} at the desk"
    raw["record_id"] = "CB-<script>document.title='owned'</script>"
    source = tmp_path / "records.jsonl"
    source.write_text(json.dumps(raw) + "\n")
    report = tmp_path / "audit.html"
    run(["audit", str(source), "--format", "html", "--output", str(report), "--jobs", "1"])
    browser = _browser()
    assert browser is not None
    done = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", report.as_uri()],
        capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    dom = done.stdout
    assert 'data-owned="yes"' not in dom  # the attribute the script would have set
    assert "<title>owned</title>" not in dom
    assert "Said &lt;script&gt;document.documentElement.setAttribute('data-owned', 'yes')" \
           "&lt;/script&gt; at the desk" in dom
    assert "<script" not in dom
