"""The command line as an auditor's tools meet it: standard input, one line for an empty
input, a summary on stderr when the report goes to a file, JSON Lines and the per-record CSV,
-o everywhere, exit codes in every --help, shell completion of rule ids and scenario names,
and `explain` of a rule the format cannot express."""

from __future__ import annotations

import csv
import gzip
import io
import json
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.shell_completion import ShellComplete
from click.testing import CliRunner

from custody_rules.cli import COMMANDS, main
from tests.conftest import ROOT
from tests.helpers import invoke

EXAMPLES = ROOT / "examples"


def _generated(count: int) -> bytes:
    return invoke(["generate", "--records", str(count), "--seed", "1"], 0).stdout_bytes


def test_generate_piped_into_audit_reads_standard_input() -> None:
    result = CliRunner().invoke(main, ["audit", "-", "--format", "json", "--jobs", "1"],
                                input=_generated(30))
    assert result.exit_code == 1, result.output  # generated records have violations
    report = json.loads(result.stdout)
    assert report["summary"]["records_read"] == 30
    assert report["records"][0]["source"] == "<stdin>"
    assert report["records"][0]["line"] == 1


def test_audit_reads_gzip_on_standard_input() -> None:
    result = CliRunner().invoke(main, ["audit", "-", "--format", "jsonl", "--jobs", "1"],
                                input=gzip.compress(_generated(3), mtime=0))
    lines = result.stdout.splitlines()
    assert len(lines) == 4 and "summary" in json.loads(lines[-1])


def test_check_reads_standard_input() -> None:
    record = (EXAMPLES / "compliant.json").read_bytes()
    result = CliRunner().invoke(main, ["check", "-", "--format", "json"], input=record)
    assert result.exit_code == 0
    assert json.loads(result.stdout)["record_id"] == json.loads(record)["record_id"]
    empty = CliRunner().invoke(main, ["check", "-"], input=b"")
    assert empty.exit_code == 2
    assert empty.stderr == "<stdin> > empty: no JSON record\n"


# Two audits a format: the fast suite keeps the text report's.
@pytest.mark.parametrize("output_format", [
    "text", *(pytest.param(name, marks=pytest.mark.slow) for name in ("json", "jsonl", "csv",
                                                                      "html"))])
def test_empty_input_prints_one_line_exits_2_and_writes_no_report(
        tmp_path: Path, output_format: str) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    report = tmp_path / "report.out"
    result = invoke(["audit", str(empty), "--format", output_format, "-o", str(report)], 2)
    assert result.stdout == ""
    assert result.stderr == "audit: no records found in the input\n"
    assert not report.exists()
    result = invoke(["audit", str(empty), "--format", output_format], 2)
    assert result.stdout == ""


def test_a_report_to_a_file_says_what_was_read_and_where_it_went(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_bytes(_generated(12) + b"not json\n")
    report = tmp_path / "report.html"
    rejects = tmp_path / "rejects.jsonl"
    result = invoke(["audit", str(source), "--format", "html", "-o", str(report), "--jobs", "1",
                     "--rejects", str(rejects), "--as-of", "2030-01-01T00:00:00Z"], 1)
    assert result.stdout == ""
    assert result.stderr.splitlines()[-1] == (
        "audit: 13 records read: 12 checked, 1 rejected, 0 failed; open records judged as of "
        f"00:00 GMT on Tue 1 Jan 2030 (--as-of); html report written to {report}; "
        "rejected and failed "
        f"records in {rejects}")
    assert report.read_text().startswith("<!DOCTYPE html>")
    quiet = invoke(["audit", str(source), "-o", str(report), "--quiet", "--jobs", "1"], 1)
    assert quiet.stderr == ""


@pytest.mark.slow  # two audits
def test_jsonl_has_one_line_per_record_in_input_order_then_the_summary(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_bytes(_generated(5) + b"{}\n")
    out = invoke(["audit", str(source), "--format", "jsonl", "--jobs", "2"], 1).stdout
    lines = [json.loads(line) for line in out.splitlines()]
    assert len(lines) == 7
    assert [line.get("line") for line in lines[:6]] == [1, 2, 3, 4, 5, 6]
    assert lines[5]["status"] == "rejected"
    assert lines[6]["summary"]["records_read"] == 6
    whole = json.loads(invoke(["audit", str(source), "--format", "json", "--jobs", "1"],
                              1).stdout)
    assert lines[:5] == whole["records"]


@pytest.mark.slow  # three audits
def test_csv_per_record_table_with_each_rules_status(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_bytes(_generated(6))
    out = invoke(["audit", str(source), "--format", "csv", "--level", "record", "--jobs", "1"],
                 1).stdout_bytes
    assert out.startswith(b"\xef\xbb\xbf")  # the byte order mark Excel needs
    rows = list(csv.DictReader(io.StringIO(out.decode("utf-8-sig"))))
    assert len(rows) == 6
    assert list(rows[0])[:6] == ["record", "station", "month", "compliance", "status", "where"]
    assert {"AA-01", "RV-01", "PC-09"} <= set(rows[0])
    statuses = {value for row in rows for key, value in row.items() if "-" in key}
    assert statuses <= {"violated", "needs_review", "met", ""} and "violated" in statuses
    json_report = json.loads(invoke(["audit", str(source), "--format", "json", "--jobs", "1"],
                                    1).stdout)
    for row, record in zip(rows, json_report["records"], strict=True):
        violated = {f["rule"] for f in record["findings"] if f["status"] == "violated"}
        assert {k for k, v in row.items() if v == "violated"} == violated
        assert float(row["compliance"]) == pytest.approx(record["compliance"])
    bad = invoke(["audit", str(source), "--level", "record"], 2)
    assert "--level record goes with --format csv" in bad.stderr


def _commands() -> list[tuple[str, click.Command]]:
    found = []
    for name in COMMANDS:
        command = main.get_command(click.Context(main), name)
        assert command is not None
        if isinstance(command, click.Group):
            found += [(f"{name} {sub}", command.commands[sub]) for sub in command.commands]
        else:
            found.append((name, command))
    return found


@pytest.mark.parametrize(("name", "command"), _commands(), ids=lambda v: str(v))
def test_every_help_lists_its_exit_codes_and_o_means_output(
        name: str, command: click.Command) -> None:
    text = invoke([*name.split(), "--help"], 0).stdout
    assert "Exit codes:" in text
    codes = {line.split()[0] for line in text.split("Exit codes:")[1].splitlines()
             if line.strip()[:1].isdigit()}
    assert {"0", "2"} <= codes
    if name in ("check", "audit", "explain", "scenario play", "rules test"):
        assert "3" in codes
    output = [p for p in command.params if p.name == "output"]
    if output:
        assert "-o" in output[0].opts


def _complete(args: list[str], incomplete: str) -> list[str]:
    completer = ShellComplete(main, {}, "custody-rules", "_CUSTODY_RULES_COMPLETE")
    return [item.value for item in completer.get_completions(args, incomplete)]


def test_shell_completion_offers_rule_ids_and_scenario_names() -> None:
    assert _complete(["explain", "record.json"], "RV-0")[:2] == ["RV-01", "RV-02"]
    assert "CR-02" in _complete(["explain", "record.json"], "cr")
    assert "PC-09" in _complete(["rules", "show"], "PC")
    assert _complete(["scenario", "play"], "gates") == ["gateshead-2004"]
    assert "northamptonshire-2021" in _complete(["scenario", "show"], "")


def test_explain_of_a_rule_the_format_cannot_express_says_so_and_why() -> None:
    record = str(EXAMPLES / "gateshead.json")
    text = " ".join(invoke(["explain", record, "CR-02"], 0).stdout.split())
    assert "CR-02 No cell-sharing or association with adult detainees" in text
    assert "Not checked: the record format cannot show it" in text
    assert "records no cell occupancy" in text
    data = json.loads(invoke(["explain", record, "cr-02", "--format", "json"], 0).stdout)
    assert data["verdict"] == "not_checked" and data["why"]
    unknown = invoke(["explain", record, "XX-99"], 2)
    assert "unknown rule 'XX-99'" in unknown.stderr


@pytest.mark.parametrize("args", [["rules", "show", "PC-02"], ["generate", "--records", "20"]])
def test_a_reader_that_stops_reading_ends_the_command_silently(args: list[str]) -> None:
    """`custody-rules ... | head`: no "Broken pipe" line, no exit 2 (which says the input could
    not be read), but 141, as for any program that meets a closed pipe."""
    process = subprocess.Popen([sys.executable, "-m", "custody_rules", *args], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None
    process.stdout.close()  # gone before the command writes its first line
    _, stderr = process.communicate(timeout=120)
    assert (process.returncode, stderr) == (141, b"")


HELP_PAGES = [["check"], ["explain"], ["audit"], ["generate"], ["docs"], ["serve"],
              ["rules", "list"], ["rules", "show"], ["rules", "test"],
              ["scenario", "list"], ["scenario", "show"], ["scenario", "play"]]


@pytest.mark.parametrize("args", HELP_PAGES, ids=" ".join)
def test_every_help_page_fits_an_80_column_terminal(
        args: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    text = invoke([*args, "--help"], exit_code=0).stdout
    assert "Exit codes:" in text
    assert [line for line in text.splitlines() if len(line) > 80] == []
