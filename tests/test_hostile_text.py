"""Hostile text stays text (issue 9, point 4): no terminal control or bidi character from a
record reaches any text output; YAML bombs are refused in one short line; pseudonymised
output hides unknown event types and can leave source and line out; memory does not grow
with the number of distinct station names."""

from __future__ import annotations

import copy
import json
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from custody_rules.audit.summary import (
    CHECKED,
    OTHER_STATIONS,
    STATIONS_KEPT,
    RecordDigest,
    SummaryBuilder,
)
from custody_rules.cli import main
from custody_rules.textsafe import cell, printable, scrub
from tests.audit_data import EXPORT, PROFILE
from tests.conftest import ROOT, builtin_rulebook
from tests.helpers import invoke

CAMBRIDGESHIRE = json.loads((ROOT / "examples" / "cambridgeshire.json").read_text())
LIVE = json.loads((ROOT / "examples" / "live.json").read_text())
FORGED = "\x1b[2J\x1b[32mViolated: none\x1b[0m\x1b]0;owned\x07\u202eevil\u2066\x9b"
RAW = ("\x1b", "\x07", "\u202e", "\u2066", "\x9b")
KEY = "0123456789abcdef-test-key"


def _hostile(record: dict[str, Any]) -> dict[str, Any]:
    bad = copy.deepcopy(record)
    bad["station"] = "Parkside" + FORGED
    bad["force"] = "Cambs" + FORGED
    bad["person"]["home_local_authority"] = "LA" + FORGED
    bad["offences"][0]["description"] = "Theft" + FORGED
    for event in bad["events"]:
        if "note" in event or event["type"] in ("arrest", "arrival"):
            event["note"] = "note" + FORGED
        if "local_authority" in event:
            event["local_authority"] = "LA" + FORGED
    return bad


def test_the_handover_shows_hostile_names_escaped(tmp_path: Path) -> None:
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(_hostile(LIVE)), encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(path), "--as-of",
                                       "2024-06-12T19:00:00+01:00"])
    flat = " ".join(result.stdout.split())  # lines wrap at the terminal's width
    assert "Parkside\\x1b[2J\\x1b[32mViolated: none" in flat  # shown, not obeyed
    _assert_clean(result.stdout)


def _assert_clean(text: str) -> None:
    for char in RAW:
        assert char not in text, (char, text[:2000])


@pytest.mark.parametrize("record", [CAMBRIDGESHIRE, LIVE], ids=["closed", "live"])
@pytest.mark.parametrize("extra", [[], ["--full"], ["--as-of", "2024-06-12T19:00:00+01:00"]])
def test_no_control_or_bidi_character_reaches_the_check_text(
        tmp_path: Path, record: dict[str, Any], extra: list[str]) -> None:
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(_hostile(record)), encoding="utf-8")
    if "--as-of" in extra and record is CAMBRIDGESHIRE:
        extra = ["--as-of", "2022-09-07T00:00:00+01:00"]
    result = CliRunner().invoke(main, ["check", str(path), *extra])
    assert result.exit_code in (0, 1) and isinstance(result.exception, SystemExit | None)
    _assert_clean(result.stdout + result.stderr)


@pytest.mark.slow  # three audits
def test_no_control_or_bidi_character_reaches_an_audit_report_or_stderr(
        tmp_path: Path) -> None:
    path = tmp_path / "hostile.jsonl"
    path.write_text(json.dumps(_hostile(CAMBRIDGESHIRE)) + "\n", encoding="utf-8")
    for output_format in ("text", "csv", "html"):
        out = tmp_path / f"report.{output_format}"
        result = invoke(["audit", str(path), "--format", output_format, "--output", str(out)], 1)
        _assert_clean(out.read_text(encoding="utf-8"))
        _assert_clean(result.stderr)


def test_csv_column_names_and_values_are_shown_not_obeyed(tmp_path: Path) -> None:
    text = EXPORT.read_text(encoding="utf-8-sig")
    header, rest = text.split("\n", 1)
    path = tmp_path / "export.csv"
    path.write_text(header + ",Extra" + FORGED + "\n" + rest, encoding="utf-8")
    result = invoke(["audit", str(path), "--profile", str(PROFILE)], 1)
    _assert_clean(result.stdout + result.stderr)
    assert "Extra\\x1b[2J" in result.stderr  # the mapping report names the column, escaped


def test_a_hostile_file_name_in_an_error_is_shown_not_obeyed(tmp_path: Path) -> None:
    path = tmp_path / ("record" + "\x1b]0;owned\x07" + ".json")
    path.write_text("{not json", encoding="utf-8")
    result = invoke(["check", str(path)], 2)
    _assert_clean(result.stderr)


@given(st.text())
def test_printable_output_has_no_control_or_bidi_character(text: str) -> None:
    shown = printable(text)
    assert all(char.isprintable() or char == " " for char in shown)
    assert text == shown or "\\" in shown
    assert len(cell(text)) <= 48


def test_scrub_returns_clean_values_as_they_are() -> None:
    summary = builtin_rulebook()
    assert scrub(summary) is summary


# --------------------------------------------------------------------------- YAML

BILLION_LAUGHS = """a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
aa_request_within: [*g,*g,*g,*g,*g,*g,*g,*g,*g]
"""


@pytest.mark.parametrize(("text", "message"), [
    (BILLION_LAUGHS, "anchors and aliases are not allowed"),
    ("a:" + " [" * 5000 + " ]" * 5000, "nested"),
    ("aa_request_within:\n" + "".join("  " * i + "x:\n" for i in range(1, 300)), "nested"),
    ("aa_request_within: {minutes: 60, minuts: 30}\n", "unknown key 'minuts'"),
    ("aa_request_within: " + json.dumps(["x" * 1000] * 1000) + "\n",
     "expected whole minutes, got ['xxxx"),
    ("x" * 1000 + ": 5\n", "unknown threshold 'xxxx"),
    ("aa_request_within: !!python/object/apply:os.system ['true']\n", "constructor"),
])
@pytest.mark.parametrize("command", ["check", "audit"])
def test_hostile_policy_files_are_refused_in_one_short_line(
        tmp_path: Path, text: str, message: str, command: str) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(text, encoding="utf-8")
    result = invoke([command, str(ROOT / "examples" / "cambridgeshire.json"), "--policy",
                     str(policy)], 2)
    assert message in result.stderr
    assert len(result.stderr.splitlines()) == 1 and len(result.stderr) < 700, result.stderr


@pytest.mark.parametrize("text", [BILLION_LAUGHS.replace("aa_request_within", "name"),
                                  "name:" + " [" * 5000 + " ]" * 5000,
                                  "name: x\ncsv: {encoding: " + "y" * 5000 + "}\n"])
def test_hostile_profiles_are_refused_in_one_short_line(tmp_path: Path, text: str) -> None:
    profile = tmp_path / "profile.yaml"
    profile.write_text(text, encoding="utf-8")
    result = invoke(["audit", str(EXPORT), "--profile", str(profile)], 2)
    assert len(result.stderr.splitlines()) == 1 and len(result.stderr) < 700, result.stderr


# --------------------------------------------------------------------------- pseudonyms

def _with_unknown_event(tmp_path: Path, record: dict[str, Any]) -> Path:
    changed = copy.deepcopy(record)
    changed["events"].append({"id": "u1", "type": "meeting_with_informant_smith",
                              "at": changed["events"][-1]["at"], "where": "Smith's flat"})
    path = tmp_path / "unknown.json"
    path.write_text(json.dumps(changed), encoding="utf-8")
    return path


# Two checks a format: the fast suite keeps JSON.
@pytest.mark.parametrize("args", [
    ["--format", "json"], *(pytest.param(args, marks=pytest.mark.slow) for args in [[],
                                                                                  ["--full"]])])
def test_an_unknown_event_type_is_hidden_like_other_free_text(
        tmp_path: Path, args: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    path = _with_unknown_event(tmp_path, LIVE)
    monkeypatch.setenv("CUSTODY_RULES_PSEUDONYMISE_KEY", KEY)
    plain = invoke(["check", str(path), "--as-of", "2024-06-12T19:00:00+01:00", *args], 0)
    assert "informant" in plain.stdout + plain.stderr  # (shown without --pseudonymise)
    hidden = invoke(["check", str(path), "--as-of", "2024-06-12T19:00:00+01:00",
                     "--pseudonymise", *args], 0)
    assert "informant" not in hidden.stdout + hidden.stderr
    assert "Smith" not in hidden.stdout + hidden.stderr


@pytest.mark.slow  # two audits
def test_audit_html_hides_unknown_event_types_and_can_withhold_source_and_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _with_unknown_event(tmp_path, CAMBRIDGESHIRE)
    monkeypatch.setenv("CUSTODY_RULES_PSEUDONYMISE_KEY", KEY)
    for output_format in ("html", "json"):
        out = tmp_path / f"report.{output_format}"
        invoke(["audit", str(path), "--pseudonymise", "--withhold-source", "--format",
                output_format, "--output", str(out)], 1)
        text = out.read_text(encoding="utf-8")
        assert "informant" not in text and "Smith" not in text
        assert str(tmp_path) not in text and "unknown.json" not in text
    records = json.loads((tmp_path / "report.json").read_text())["records"]
    assert records[0]["source"] == "(source withheld)" and records[0]["line"] is None


# --------------------------------------------------------------------------- memory

def _peak(stations: int, records: int) -> tuple[int, int]:
    rulebook = builtin_rulebook()
    rules = tuple(rule.id for rule in rulebook.rules)
    builder = SummaryBuilder(rulebook)
    tracemalloc.start()
    try:
        for index in range(records):
            name = f"Station {index % stations:06d} " + "x" * 400  # long names too
            builder.add(RecordDigest(index, CHECKED, "in.jsonl", index + 1, f"R{index}",
                                     station=name, month="2024-06", applied=rules,
                                     violated=rules[:3], review=rules[3:4], violations=3))
        summary = builder.build()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, len(summary.stations)


@pytest.mark.slow  # 40,000 digests under tracemalloc
def test_summary_memory_is_flat_in_the_number_of_distinct_station_names() -> None:
    few_peak, few_rows = _peak(stations=20, records=20_000)
    many_peak, many_rows = _peak(stations=20_000, records=20_000)
    assert few_rows == 20
    assert many_rows == STATIONS_KEPT + 1  # the top stations and "(other stations)"
    # 20,000 names of 400 characters are 8 MB; what is kept must stay well below.
    assert many_peak < few_peak + 6_000_000, (few_peak, many_peak)


def test_other_stations_add_up(tmp_path: Path) -> None:
    rulebook = builtin_rulebook()
    builder = SummaryBuilder(rulebook)
    for index in range(STATIONS_KEPT + 10):
        for _ in range(2 if index < STATIONS_KEPT else 1):
            builder.add(RecordDigest(index, CHECKED, "x", 1, f"R{index}", station=f"S{index}",
                                     applied=("AA-01",), violated=("AA-01",)))
    summary = builder.build()
    other = next(g for g in summary.stations if g.name == OTHER_STATIONS)
    assert other.records == 10
    assert sum(g.records for g in summary.stations) == summary.checked
