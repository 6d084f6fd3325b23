"""Every record accounted for, whatever the input (issue 9, point 2): bounded reads, gzip
bombs, workers that die while reading, CSV rows that are broken in every way, paths that are
no files, duplicated ids, and the project's own examples. Records read = checked + rejected +
failed, always."""

from __future__ import annotations

import gzip
import io
import json
import os
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custody_rules.audit import sources
from custody_rules.audit.sources import MAX_LINE_BYTES, bounded_lines, csv_rows
from tests.audit_data import AS_OF, EXPORT, PROFILE, records, write_jsonl
from tests.conftest import ROOT
from tests.faults import kill_workers_on
from tests.helpers import invoke


def assert_empty_input(path: str) -> None:
    from click.testing import CliRunner

    from custody_rules.cli import main

    result = CliRunner().invoke(main, ["audit", "--jobs", "1", path, "--format", "json"])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == "audit: no records found in the input\n"


def audit(*args: str, exit_code: int | None = None) -> dict[str, Any]:
    from click.testing import CliRunner

    from custody_rules.cli import main

    result = CliRunner().invoke(main, ["audit", "--jobs", "1", *args, "--format", "json",
                                       "--as-of", AS_OF, "--quiet"])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    if exit_code is not None:
        assert result.exit_code == exit_code, result.stderr
    output: dict[str, Any] = json.loads(result.stdout)
    summary = output["summary"]
    assert summary["records_read"] == (summary["checked"] + summary["rejected"]
                                       + summary["failed"])
    assert len(output["records"]) == summary["checked"]
    assert len(output["not_checked"]) == summary["rejected"] + summary["failed"]
    return output


@pytest.fixture(scope="module")
def generated() -> list[dict[str, Any]]:
    return records(6, seed=21)


# --------------------------------------------------------------------------- bounded reads

def test_a_long_line_is_never_held_whole() -> None:
    limit = 64 * 1024
    data = io.BytesIO(b'{"a": 1}\n' + b"x" * (200 * limit) + b"\n" + b'{"b": 2}\n')
    tracemalloc.start()
    try:
        lines = list(bounded_lines(data, limit))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [(n, line, size) for n, line, size in lines] == [
        (1, b'{"a": 1}\n', 9), (2, None, 200 * limit + 1), (3, b'{"b": 2}\n', 9)]
    assert peak < 8 * limit + (1 << 21)  # the limit and a skipping buffer, never the line


def test_a_gzip_bomb_is_one_rejected_line_and_the_rest_is_read(
        tmp_path: Path, generated: list[dict[str, Any]]) -> None:
    bomb = tmp_path / "bomb.jsonl.gz"
    with gzip.open(bomb, "wb", compresslevel=1) as handle:
        handle.write(json.dumps(generated[0]).encode() + b"\n")
        chunk = b"[" * (1 << 20)
        for _ in range(MAX_LINE_BYTES // len(chunk) + 4):  # 20 MiB in one line
            handle.write(chunk)
        handle.write(b"\n" + json.dumps(generated[1]).encode() + b"\n")
    assert bomb.stat().st_size < 200_000
    output = audit(str(bomb))
    summary = output["summary"]
    assert (summary["records_read"], summary["checked"], summary["rejected"]) == (3, 2, 1)
    rejected = output["not_checked"][0]
    assert rejected["line"] == 2
    assert rejected["problems"][0].startswith("line of 20971521 bytes")
    assert f"more than {MAX_LINE_BYTES}" in rejected["problems"][0]


@pytest.mark.slow  # worker deaths
def test_a_worker_that_dies_while_reading_ends_its_share_failed_without_a_loop(
        tmp_path: Path, generated: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
        ) -> None:
    source = write_jsonl(tmp_path / "poison.jsonl", generated)
    kill_workers_on(2, monkeypatch)  # item 2 kills whoever reads it
    output = audit(str(source), "--jobs", "2")
    summary = output["summary"]
    assert summary["records_read"] == 6
    assert summary["worker_restarts"] == 2  # the first death, and its replacement's
    failed = {r["line"]: r["reason"] for r in output["not_checked"]}
    assert sorted(failed) == [3, 5]  # item 2 and the rest of its share (items 2 and 4)
    assert all("died while reading the input" in reason for reason in failed.values())
    assert summary["checked"] == 4


# --------------------------------------------------------------------------- CSV exports

def _export(copies: int) -> tuple[str, list[str]]:
    """The sample export, its records repeated under new custody numbers."""
    text = EXPORT.read_text(encoding="utf-8-sig")
    header, *rows = text.splitlines()
    out = []
    for copy in range(copies):
        out += [row.replace("CUS/", f"C{copy}/", 1) for row in rows]
    return header, out


def _write(path: Path, header: str, rows: list[str], raw: dict[int, bytes] | None = None
           ) -> Path:
    lines = [header.encode()] + [row.encode() for row in rows]
    for number, data in (raw or {}).items():
        lines[number - 1] = data
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def _numbers(rows: list[str]) -> set[str]:
    return {row.split(",", 1)[0] for row in rows}


def _ids(output: dict[str, Any]) -> set[str]:
    return ({r["record_id"] for r in output["records"]}
            | {r["record_id"] for r in output["not_checked"] if r["record_id"]})


def _csv_audit(path: Path) -> dict[str, Any]:
    return audit(str(path), "--profile", str(PROFILE))


@pytest.mark.parametrize("breakage", ["unterminated quote", "invalid byte", "long cell",
                                      "long line"])
def test_a_bad_csv_row_is_rejected_at_its_line_and_every_later_row_is_read(
        tmp_path: Path, breakage: str) -> None:
    header, rows = _export(7)  # 301 rows
    line = 138  # row 137: the middle of custody number C3/22/0093
    bad = rows[line - 2]
    number = bad.split(",", 1)[0]
    cells = bad.split(",")
    station = cells[2]
    replaced = {
        "unterminated quote": '"' + station,
        "invalid byte": station + "\xff",
        "long cell": "P" * 200_000,
        "long line": station + " " * 1_100_000,
    }[breakage]
    broken = ",".join([*cells[:2], replaced, *cells[3:]])
    raw = {line: broken.encode("latin-1" if breakage == "invalid byte" else "utf-8")}
    source = _write(tmp_path / "export.csv", header, rows, raw)
    output = _csv_audit(source)
    rejected_rows = [r for r in output["not_checked"] if r["line"] == line]
    assert len(rejected_rows) == 1, output["not_checked"]
    assert rejected_rows[0]["record_id"] is None
    assert output["summary"]["records_read"] == 7 * 4 + 1  # every record, and the bad row
    assert _ids(output) == _numbers(rows)  # none lost, the broken row's record included
    # The record the row sat in is not checked without it: it is rejected, naming the line.
    held_back = [r for r in output["not_checked"] if r["record_id"] == number]
    assert [r["problems"] for r in held_back] == [[
        f"the row at line {line}, among or next to this record's rows, could not be read; the "
        "record is not checked without it"]]
    clean = _csv_audit(_write(tmp_path / "clean.csv", header, rows))
    assert ({r["record_id"] for r in clean["records"]} - {r["record_id"] for r in output["records"]}
            == {number})


def test_a_bad_row_between_two_records_holds_back_both(tmp_path: Path) -> None:
    """A row that cannot be read where one custody number ends and the next begins may belong
    to either record: neither is checked without it; the others are."""
    header, rows = _export(1)
    clean = _csv_audit(_write(tmp_path / "clean.csv", header, rows))
    checked = {r["record_id"] for r in clean["records"]}
    rows.sort(key=lambda row: row.split(",", 1)[0] not in checked)  # two checked ones first
    numbers = [row.split(",", 1)[0] for row in rows]
    boundary = next(i for i in range(1, len(rows)) if numbers[i] != numbers[i - 1])
    before, after = numbers[boundary - 1], numbers[boundary]
    line = boundary + 2  # the header is line 1
    source = _write(tmp_path / "export.csv", header, rows, {line: b"\xff\xfe not a row"})
    output = _csv_audit(source)
    assert {before, after} <= checked  # both would be checked but for the bad row
    assert {r["record_id"] for r in output["records"]} == checked - {before, after}
    assert output["summary"]["records_read"] == len(set(numbers)) + 1


def test_an_unterminated_quote_no_longer_swallows_the_records_after_it(tmp_path: Path) -> None:
    header, rows = _export(1)
    cells = rows[2].split(",")
    rows[2] = ",".join([*cells[:2], '"' + cells[2], *cells[3:]])  # line 4, record 1
    output = _csv_audit(_write(tmp_path / "export.csv", header, rows))
    assert output["summary"]["records_read"] == 5  # 4 records and the bad row (not 1)
    bad = [r for r in output["not_checked"] if r["line"] == 4]
    assert bad[0]["problems"] == ["a quoted cell never ends (unterminated quote)"]
    assert _ids(output) == _numbers(rows)


def test_duplicate_header_names_are_refused(tmp_path: Path) -> None:
    header, rows = _export(1)
    header = header.replace("Force", "Custody Suite")
    output = _csv_audit(_write(tmp_path / "export.csv", header, rows))
    assert output["summary"]["records_read"] == 1
    assert output["not_checked"][0]["problems"] == [
        "columns named more than once, so which one is meant cannot be told: Custody Suite"]


def test_an_unreadable_rest_of_a_file_is_counted_where_it_stops() -> None:
    class Failing(io.BytesIO):
        def readline(self, size: int | None = -1) -> bytes:
            if self.tell() > 40:
                raise OSError(5, "Input/output error")
            return super().readline(size)

    rows = list(csv_rows(Failing(b"a,b\n1,2\n3,4\n5,6\n7,8\n9,10\n"), "utf-8", ","))
    assert rows[:2] == [(1, ["a", "b"], None), (2, ["1", "2"], None)]
    # The OSError reaches _raw_items, which turns it into one rejected item where it stopped.
    with pytest.raises(OSError):
        list(csv_rows(Failing(b"a,b\n" + b"1,2\n" * 40), "utf-8", ","))


# --------------------------------------------------------------------------- paths

def test_fifos_dangling_links_and_unlistable_directories_are_one_line_each(
        tmp_path: Path, generated: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
        ) -> None:
    folder = tmp_path / "in"
    (folder / "locked").mkdir(parents=True)
    write_jsonl(folder / "a.jsonl", generated[:2])
    write_jsonl(folder / "locked" / "b.jsonl", generated[2:3])
    os.mkfifo(folder / "pipe.jsonl")
    (folder / "gone.json").symlink_to(folder / "nowhere.json")
    (folder / "loop").symlink_to(folder)
    real_scandir = os.scandir

    def scandir(path: Any = ".") -> Any:
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)  # root may read anything: deny it here
    rejects = tmp_path / "rejects.jsonl"
    output = audit(str(folder), "--rejects", str(rejects))
    problems = {Path(r["source"]).name: r["problems"][0] for r in output["not_checked"]}
    assert problems == {
        "gone.json": "cannot be read: No such file or directory",
        "locked": "directory cannot be read: Permission denied",
        "loop": "a symbolic link to a directory is not followed; name its target instead",
        "pipe.jsonl": "not a regular file (a FIFO or device)",
    }
    assert output["summary"]["checked"] == 2
    assert len(rejects.read_text().splitlines()) == 4


def test_a_fifo_named_on_the_command_line_is_a_usage_error(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.jsonl")
    result = invoke(["audit", str(tmp_path / "pipe.jsonl")], 2)
    assert "not a regular file" in result.stderr


def test_a_file_that_vanishes_before_it_is_read_is_rejected(tmp_path: Path,
                                                             generated: list[dict[str, Any]]
                                                             ) -> None:
    (tmp_path / "one.json").write_text(json.dumps(generated[0]))
    found = sources.discover([tmp_path], with_csv=False)
    (tmp_path / "one.json").unlink()
    items = list(sources.iter_items(found.sources, None))
    assert [item.error for item in items] == ["cannot read file: No such file or directory"]


@pytest.mark.slow  # an audit of hundreds of records
def test_duplicated_record_ids_are_counted_per_occurrence_and_listed(
        tmp_path: Path, generated: list[dict[str, Any]]) -> None:
    source = write_jsonl(tmp_path / "dup.jsonl",
                         [generated[0], generated[1], generated[0], generated[0], generated[2]])
    summary = audit(str(source))["summary"]
    duplicates = summary["duplicate_record_ids"]
    assert duplicates == {"records": 3, "ids": [{
        "record_id": generated[0]["record_id"], "occurrences": 3,
        "where": [f"{source}:1", f"{source}:3", f"{source}:4"]}]}
    text = invoke(["audit", str(source), "--as-of", AS_OF, "--quiet"], 1).stdout
    assert "3 records carry an id that another record also carries" in text
    html = invoke(["audit", str(source), "--as-of", AS_OF, "--quiet", "--format", "html"],
                  1).stdout
    assert "3 checked records carry an id that another record also carries" in html
    assert f"{source}:3, {source}:4" in html


@pytest.mark.slow  # an audit of every example
def test_the_projects_own_examples_audit_with_nothing_rejected() -> None:
    output = audit(str(ROOT / "examples"))
    summary = output["summary"]
    assert summary["rejected"] == 0 and summary["failed"] == 0
    assert summary["checked"] >= 4
    why = {Path(entry["source"]).name: entry["reason"] for entry in summary["not_records"]}
    assert why["cambridgeshire.expected.json"] == "expected findings, not a record"
    assert why["custodian.csv"] == "a CSV export: give --profile to read it"
    assert why["scenario.yaml"].startswith("not a record file")
    assert sum(reason.startswith("expected") for reason in why.values()) >= 4
    html = invoke(["audit", str(ROOT / "examples"), "--format", "html", "--quiet"], 1).stdout
    assert "<h2>Not records</h2>" in html and "cambridgeshire.expected.json" in html


def test_a_file_named_twice_is_read_once_and_nothing_in_a_folder_is_skipped_silently(
        tmp_path: Path, generated: list[dict[str, Any]]) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    one = folder / "one.json"
    one.write_text(json.dumps(generated[0]), encoding="utf-8")
    (folder / "two.jsonl").write_text(json.dumps(generated[1]) + "\n", encoding="utf-8")
    (folder / "export.csv").write_text("Custody Number\nC1\n", encoding="utf-8")
    (folder / "readme.txt").write_text("notes\n", encoding="utf-8")
    output = audit(str(one), str(folder))
    assert output["summary"]["records_read"] == 2  # one.json named, and found in the folder
    assert output["summary"]["duplicate_record_ids"]["records"] == 0
    assert {(Path(e["source"]).name, e["reason"]) for e in output["summary"]["not_records"]} == {
        ("export.csv", "a CSV export: give --profile to read it"),
        ("readme.txt", "not a record file (.json, .jsonl, .ndjson, .jsonl.gz, or .csv with "
                       "--profile)")}
    text = invoke(["audit", str(folder), "--as-of", AS_OF, "--quiet"], 1).stdout
    assert ("not records, passed over: 1 CSV export(s) (give --profile to read them), 1 other "
            "file(s)") in " ".join(text.split())


# --------------------------------------------------------------------------- the corpus

_GOOD = "good"
_KINDS = st.sampled_from([_GOOD, "junk", "not an object", "invalid utf-8", "blank",
                          "long line", "bad record", "deep"])


def _line(kind: str, record: dict[str, Any]) -> bytes:
    return {
        _GOOD: json.dumps(record).encode(),
        "junk": b"{not json",
        "not an object": b"[1, 2]",
        "invalid utf-8": b'{"record_id": "\xff"}',
        "blank": b"   ",
        "long line": b"x" * (MAX_LINE_BYTES + 10),
        "bad record": json.dumps({**record, "events": "none"}).encode(),
        "deep": b"[" * 100_000 + b"]" * 100_000,
    }[kind]


@pytest.mark.slow  # a property test: an audit per example
@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(kinds=st.lists(_KINDS, min_size=1, max_size=8), gz=st.booleans())
def test_any_mixture_of_hostile_lines_is_accounted_for(
        tmp_path_factory: pytest.TempPathFactory, generated: list[dict[str, Any]],
        kinds: list[str], gz: bool) -> None:
    folder = tmp_path_factory.mktemp("corpus")
    data = b"\n".join(_line(kind, generated[n % len(generated)])
                      for n, kind in enumerate(kinds)) + b"\n"
    path = folder / ("in.jsonl.gz" if gz else "in.jsonl")
    path.write_bytes(gzip.compress(data, compresslevel=1) if gz else data)
    if all(kind == "blank" for kind in kinds):
        # No record at all: one line and exit 2, no report of zeros (issue 13).
        assert_empty_input(str(path))
        return
    output = audit(str(path))
    summary = output["summary"]
    assert summary["records_read"] == sum(kind != "blank" for kind in kinds)
    assert summary["checked"] == kinds.count(_GOOD)


_CSV_BREAKS = st.sampled_from(["none", "quote", "byte", "cell", "nul", "cr"])


@pytest.mark.slow  # a property test: an audit per example
@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(breaks=st.lists(st.tuples(st.integers(0, 42), _CSV_BREAKS), max_size=4))
def test_any_broken_csv_export_loses_no_record(tmp_path_factory: pytest.TempPathFactory,
                                               breaks: list[tuple[int, str]]) -> None:
    header, rows = _export(1)
    raw: dict[int, bytes] = {}
    for row, how in breaks:
        text = rows[row]
        raw[row + 2] = {
            "none": text.encode(),
            "quote": text.replace(",", ',"', 3).encode(),
            "byte": text.encode() + b"\xfe",
            "cell": text.replace(",", "," + "c" * 140_000, 1).encode(),
            "nul": text.replace(",", ",\x00", 1).encode(),
            "cr": text.replace(",", ",\r", 1).encode(),
        }[how]
    path = _write(tmp_path_factory.mktemp("csv") / "export.csv", header, rows, raw)
    output = _csv_audit(path)  # (asserts the counts add up)
    numbers = _numbers(rows)
    intact = {rows[n].split(",", 1)[0] for n in range(len(rows))
              if n + 2 not in raw or raw[n + 2] == rows[n].encode()}
    assert intact <= _ids(output) <= numbers
