"""`custody-rules audit`: every record accounted for, the same report for any --jobs, the
summary figures, exit codes and the report formats."""

from __future__ import annotations

import csv
import gzip
import io
import json
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from custody_rules.checker import Checker
from custody_rules.cli import audit as audit_cli
from custody_rules.convert import parse_time
from custody_rules.formatters.json import result_to_dict
from custody_rules.validate import validate_record
from tests.audit_data import AS_OF, records, write_jsonl
from tests.conftest import ROOT, builtin_rulebook
from tests.faults import kill_workers_after
from tests.helpers import invoke


@pytest.fixture(scope="module")
def generated() -> list[dict[str, Any]]:
    return records(40)


@pytest.fixture
def jsonl(tmp_path: Path, generated: list[dict[str, Any]]) -> Path:
    return write_jsonl(tmp_path / "records.jsonl", generated)


def audit_json(*args: str, exit_code: int = 1) -> dict[str, Any]:
    result = invoke(["audit", *args, "--format", "json", "--as-of", AS_OF, "--quiet"], exit_code)
    output: dict[str, Any] = json.loads(result.stdout)
    return output


def test_counts_add_up_and_bad_lines_are_rejected_with_where_and_why(
        tmp_path: Path, generated: list[dict[str, Any]]) -> None:
    naive = json.loads(json.dumps(generated[3]))
    naive["record_id"] = "NAIVE-1"
    naive["events"][0]["at"] = naive["events"][0]["at"][:19]  # no UTC offset
    no_events = {"record_id": "EMPTY-1", "person": {"apparent_age": 15}, "events": []}
    lines: list[dict[str, Any] | str] = [*generated[:10], "{not json", naive, "",
                                         no_events, *generated[10:20]]
    source = write_jsonl(tmp_path / "mixed.jsonl", lines)
    rejects = tmp_path / "rejects.jsonl"
    output = audit_json(str(source), "--rejects", str(rejects), "--jobs", "2")
    summary = output["summary"]
    assert summary["records_read"] == 23  # the blank line is no record
    assert (summary["checked"], summary["rejected"], summary["failed"]) == (20, 3, 0)
    assert summary["checked"] + summary["rejected"] + summary["failed"] == summary["records_read"]
    assert len(output["records"]) == 20
    lost = [json.loads(line) for line in rejects.read_text().splitlines()]
    assert [(r["status"], r["line"], r["record_id"]) for r in lost] == [
        ("rejected", 11, None), ("rejected", 12, "NAIVE-1"), ("rejected", 14, "EMPTY-1")]
    assert all(r["source"] == str(source) and r["problems"] for r in lost)
    assert "not JSON" in lost[0]["problems"][0]
    assert any("UTC offset" in p for p in lost[1]["problems"])
    assert output["not_checked"] == lost


@pytest.mark.slow  # nine audits, up to three workers each
@pytest.mark.parametrize(("output_format", "jobs"), [
    ("json", ("1", "2", "3")), ("html", ("1", "2")), ("csv", ("1", "2")), ("text", ("1", "3")),
])
def test_any_jobs_give_byte_identical_reports(jsonl: Path, output_format: str,
                                              jobs: tuple[str, ...]) -> None:
    outputs = [
        invoke(["audit", str(jsonl), "--jobs", n, "--format", output_format, "--as-of", AS_OF,
                "--quiet"], 1).stdout_bytes
        for n in jobs
    ]
    assert outputs[0] and all(output == outputs[0] for output in outputs)


def test_each_record_is_the_findings_json_of_check(jsonl: Path,
                                                   generated: list[dict[str, Any]],
                                                   checker: Checker) -> None:
    output = audit_json(str(jsonl), "--jobs", "2")
    as_of = parse_time(AS_OF)
    for line, (raw, record) in enumerate(zip(generated, output["records"], strict=True), start=1):
        validated = validate_record(raw)
        expected = result_to_dict(checker.check(validated.record, as_of=as_of,
                                                warnings=validated.warnings))
        assert list(record)[:len(expected)] == list(expected)
        assert {key: record[key] for key in expected} == expected
        assert (record["source"], record["line"]) == (str(jsonl), line)


def test_summary_figures_agree_with_the_records(jsonl: Path) -> None:
    output = audit_json(str(jsonl))
    applied: Counter[str] = Counter()
    violated: Counter[str] = Counter()
    review: Counter[str] = Counter()
    policy_only: Counter[str] = Counter()
    by_station: Counter[tuple[str, str]] = Counter()
    compliance = []
    for record in output["records"]:
        broken = {f["rule"] for f in record["findings"] if f["status"] == "violated"}
        applied.update(record["rules_applied"])
        violated.update(broken)
        review.update({f["rule"] for f in record["findings"] if f["status"] == "needs_review"})
        at_law = {f["rule"] for f in record["findings"]
                  if f["status"] == "violated" and f["severity"] != "policy"}
        policy_only.update(broken - at_law)
        if record["rules_applied"]:
            share = 1 - len(broken) / len(record["rules_applied"])
            assert record["compliance"] == round(share, 4)
            compliance.append(share)
    raw = {r["record_id"]: r for r in records(40)}
    for record in output["records"]:
        station = raw[record["record_id"]].get("station") or "(no station)"
        for rule in {f["rule"] for f in record["findings"] if f["status"] == "violated"}:
            by_station[rule, station] += 1
    summary = output["summary"]
    assert summary["records_with_violations"] == sum(
        1 for r in output["records"] if any(f["status"] == "violated" for f in r["findings"]))
    for rule in summary["rules"]:
        rule_id = rule["rule"]
        assert rule["applicable"] == applied[rule_id]
        assert rule["violations"] == violated[rule_id]
        assert rule["needs_review"] == review[rule_id]
        assert rule["violations_policy_only"] == policy_only[rule_id] <= rule["violations"]
        if applied[rule_id]:
            assert rule["rate_per_100"] == round(100 * violated[rule_id] / applied[rule_id], 1)
        for station, tally in rule["by_station"].items():
            assert tally["violations"] == by_station[rule_id, station]
        assert sum(t["applicable"] for t in rule["by_month"].values()) == applied[rule_id]
    assert summary["compliance"]["mean"] == round(sum(compliance) / len(compliance), 4)
    assert sum(b["records"] for b in summary["compliance"]["distribution"]) == len(compliance)
    worst = [w["compliance"] for w in summary["worst_records"]]
    assert worst == sorted(worst) and worst[0] == round(min(compliance), 4)


@pytest.mark.slow  # two audits
def test_directories_and_gzip_read_like_plain_json_lines(
        tmp_path: Path, jsonl: Path, generated: list[dict[str, Any]]) -> None:
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    with gzip.open(folder / "a.jsonl.gz", "wt", encoding="utf-8") as handle:
        handle.write("".join(json.dumps(r) + "\n" for r in generated[:30]))
    write_jsonl(folder / "sub" / "b.jsonl", generated[30:39])
    (folder / "sub" / "c.json").write_text(json.dumps(generated[39], indent=2))
    (folder / "notes.txt").write_text("not a record file")
    from_folder = audit_json(str(folder), "--jobs", "2")
    plain = audit_json(str(jsonl))
    strip = ("source", "line")
    assert [{k: v for k, v in r.items() if k not in strip} for r in from_folder["records"]] == \
        [{k: v for k, v in r.items() if k not in strip} for r in plain["records"]]
    assert from_folder["records"][-1]["source"].endswith("c.json")
    assert from_folder["records"][-1]["line"] is None
    assert from_folder["summary"]["records_read"] == 40


@pytest.mark.slow  # four audits
def test_exit_codes(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n\n")
    result = invoke(["audit", str(empty), "--quiet"], 2)
    assert "no records found" in result.stderr
    garbage = write_jsonl(tmp_path / "garbage.jsonl", ["[1, 2]", "nope"])
    result = invoke(["audit", str(garbage), "--quiet"], 2)
    assert "no record could be read" in result.stderr
    compliant = ROOT / "examples" / "compliant.json"
    invoke(["check", str(compliant)], 0)
    invoke(["audit", str(compliant), "--quiet"], 0)
    invoke(["audit", str(tmp_path / "missing.jsonl")], 2)


def test_csv_summary_opens_cleanly_in_a_spreadsheet(tmp_path: Path,
                                                    generated: list[dict[str, Any]]) -> None:
    hostile = json.loads(json.dumps(generated[0]))
    hostile["station"] = "=HYPERLINK(\"http://x\",\"y\")"
    source = write_jsonl(tmp_path / "h.jsonl", [hostile, *generated[1:6]])
    result = invoke(["audit", str(source), "--format", "csv", "--as-of", AS_OF, "--quiet"], 1)
    data = result.stdout_bytes
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert header[:2] == ["level", "rule"] and body
    assert all(len(row) == len(header) for row in body)
    assert sum(1 for row in rows if row[0] == "level") == 1
    stations = {row[header.index("station")] for row in body if row[0] == "rule_station"}
    assert "'=HYPERLINK(\"http://x\",\"y\")" in stations
    for row in body:
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row)


@pytest.mark.slow  # an audit of 40 records (the text report: tests/test_horizon.py)
def test_text_summary_of_one_record_says_record() -> None:
    text = invoke(["audit", str(ROOT / "examples" / "compliant.json"), "--quiet"], 0).stdout
    assert text.startswith("Audit of 1 record (ruleset ")


def test_text_summary_and_output_file(tmp_path: Path, jsonl: Path) -> None:
    out = tmp_path / "report.txt"
    result = invoke(["audit", str(jsonl), "--output", str(out), "--as-of", AS_OF, "--quiet"], 1)
    assert result.stdout == ""
    text = out.read_text()
    assert "Audit of 40 records" in text and "checked 40   rejected 0   failed 0" in text
    assert "By station" in text and "By month" in text and "Worst records" in text


@pytest.mark.slow  # four audits
def test_progress_bar_only_on_a_terminal_and_not_when_quiet(
        jsonl: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(audit_cli, "PROGRESS_FROM", 10)
    plain = invoke(["audit", str(jsonl), "--as-of", AS_OF], 1)
    assert "Auditing" not in plain.stderr  # stderr is no terminal here
    monkeypatch.setattr(audit_cli, "_is_terminal", lambda stream: True)
    shown = invoke(["audit", str(jsonl), "--as-of", AS_OF], 1)
    assert "Auditing" in shown.stderr
    quiet = invoke(["audit", str(jsonl), "--as-of", AS_OF, "--quiet"], 1)
    assert "Auditing" not in quiet.stderr
    monkeypatch.setattr(audit_cli, "PROGRESS_FROM", 41)
    small = invoke(["audit", str(jsonl), "--as-of", AS_OF], 1)
    assert "Auditing" not in small.stderr


def test_workers_that_keep_dying_leave_their_share_failed_not_lost(
        tmp_path: Path, generated: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch) -> None:
    from custody_rules.audit import runner

    monkeypatch.setattr(runner, "MAX_RESTARTS", 2)
    kill_workers_after(0, monkeypatch)  # every worker dies at once
    source = write_jsonl(tmp_path / "few.jsonl", generated[:6])
    output = audit_json(str(source), "--jobs", "1")
    summary = output["summary"]
    assert (summary["records_read"], summary["failed"], summary["checked"]) == (6, 6, 0)
    reasons = [r["reason"] for r in output["not_checked"]]
    assert all("SIGKILL" in reason for reason in reasons)
    assert reasons[0].endswith("while checking this record")
    assert all(reason.startswith("not checked") for reason in reasons[2:])
    assert summary["worker_restarts"] == 3


def test_unknown_input_paths_and_csv_without_profile_are_usage_errors(tmp_path: Path) -> None:
    export = tmp_path / "x.csv"
    shutil.copy(ROOT / "examples" / "exports" / "custodian.csv", export)
    result = invoke(["audit", str(export)], 2)
    assert "needs --profile" in result.stderr


def test_workers_that_cannot_start_stop_the_audit_instead_of_looping(
        jsonl: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os
    import signal

    from custody_rules.audit import worker

    def crash(*args: object, **kwargs: object) -> None:
        os.kill(os.getpid(), signal.SIGKILL)

    monkeypatch.setattr(worker, "Checker", crash)  # inherited by the forked workers
    result = invoke(["audit", str(jsonl), "--jobs", "2", "--quiet"], 3)
    assert "worker processes cannot start" in result.stderr and "SIGKILL" in result.stderr


@pytest.mark.slow  # an audit of 320 records
def test_a_truncated_gzip_file_counts_what_it_held_and_one_unreadable_rest(
        tmp_path: Path, generated: list[dict[str, Any]]) -> None:
    many = generated * 8  # several of gzip's read buffers
    whole = gzip.compress("".join(json.dumps(r) + "\n" for r in many).encode())
    source = tmp_path / "cut.jsonl.gz"
    source.write_bytes(whole[: len(whole) * 3 // 4])
    output = audit_json(str(source), "--jobs", "2")
    summary = output["summary"]
    assert summary["rejected"] == 1 and 0 < summary["checked"] < len(many)
    assert summary["checked"] + summary["rejected"] == summary["records_read"]
    (lost,) = output["not_checked"]
    assert lost["source"] == str(source) and lost["problems"][0].startswith("cannot read further")


def test_a_summary_whose_records_do_not_add_up_is_refused() -> None:
    """Every record read is checked, rejected or failed: a digest that is none of them (a bug
    in a worker) stops the audit rather than publish counts that do not add up."""
    from custody_rules.audit.summary import CHECKED, RecordDigest, SummaryBuilder
    from custody_rules.errors import AuditAborted

    builder = SummaryBuilder(builtin_rulebook())
    builder.add(RecordDigest(0, CHECKED, "in.jsonl", 1, "A"))
    assert builder.build().records_read == 1
    builder.add(RecordDigest(1, "lost", "in.jsonl", 2, "B"))
    with pytest.raises(AuditAborted, match="2 records read, but 1 checked, 0 rejected and 0 "
                                           "failed"):
        builder.build()


# An audit a width: the fast suite keeps one of each layout (title column, title under the
# counts, a paragraph a rule).
@pytest.mark.parametrize("columns", [
    pytest.param(120, marks=pytest.mark.slow), 100, 80, pytest.param(60, marks=pytest.mark.slow),
    44])
def test_text_summary_fits_the_page_and_keeps_every_title_whole(
        jsonl: Path, columns: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """On a wide page a rule's title is a column; on an 80-column terminal it goes under the
    rule's counts; narrower still, a paragraph per rule. Never cut into slivers of letters."""
    monkeypatch.setenv("COLUMNS", str(columns))
    text = invoke(["audit", str(jsonl), "--as-of", AS_OF, "--quiet", "--jobs", "1"], 1).stdout
    rules_part = text.split("By station")[0]
    assert all(len(line) <= columns for line in rules_part.splitlines()), rules_part
    flowing = " ".join(rules_part.split())
    for rule in builtin_rulebook().rules:
        assert rule.title in flowing, (rule.id, columns)
    if columns >= 100:  # room for a title column beside the counts
        assert any(line.split()[-1:] == ["title"] for line in rules_part.splitlines())
    assert all(len(line) <= columns for line in text.splitlines())
    worst = " ".join(text.split("Worst records")[1].split())
    report = audit_json(str(jsonl), "--as-of", AS_OF, "--jobs", "1")
    for record in report["summary"]["worst_records"]:
        assert record["record_id"] in worst
        if columns < 100:  # under their row: each list whole, in one piece
            assert " ".join(record["rules_violated"]) in worst
