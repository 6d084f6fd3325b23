"""The bad-input corpus (tests/bad_input/): every case gives exactly its expected outcome.

`check` exits 2 with one line per problem naming the record (or the file, when the record has
no usable id) and the field, and never a traceback; a record it can judge carries exactly the
expected warnings. The cases are data: one input file each (or a builder, for inputs too large
to keep) and one expectations file, `tests/bad_input/expected.yaml`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from custody_rules.cli import main
from custody_rules.read import MAX_RECORD_BYTES
from tests.helpers import invoke

CORPUS = Path(__file__).resolve().parent / "bad_input"
EXPECTED: dict[str, dict[str, Any]] = yaml.safe_load(
    (CORPUS / "expected.yaml").read_text(encoding="utf-8")
)


def _base() -> dict[str, Any]:
    raw: dict[str, Any] = json.loads((CORPUS / "valid_base.json").read_text(encoding="utf-8"))
    return raw


def _note_10mb() -> bytes:
    raw = _base()
    raw["events"][2]["note"] = "x" * (10 * 1024 * 1024)
    return json.dumps(raw).encode()


def _nested_10000_deep() -> bytes:
    return b'{"record_id": "BAD-1", "events": ' + b"[" * 10_000 + b"]" * 10_000 + b"}"


def _file_over_32_mib() -> bytes:
    raw = json.dumps(_base()).encode()
    return raw + b" " * (MAX_RECORD_BYTES + 1 - len(raw))


BUILDERS: dict[str, Callable[[], bytes]] = {
    "note_10mb": _note_10mb,
    "nested_10000_deep": _nested_10000_deep,
    "file_over_32_mib": _file_over_32_mib,
}


def case_input(name: str) -> tuple[str, bytes]:
    """(file name, bytes) of one case."""
    case = EXPECTED[name]
    if "build" in case:
        return f"{name}.json", BUILDERS[case["build"]]()
    return case["file"], (CORPUS / case["file"]).read_bytes()


def test_the_corpus_is_large_and_every_file_has_an_expectation() -> None:
    files = {path.name for path in CORPUS.iterdir() if path.suffix in (".json", ".bin")}
    named = {case["file"] for case in EXPECTED.values() if "file" in case}
    assert files == named
    assert {case["build"] for case in EXPECTED.values() if "build" in case} == set(BUILDERS)
    assert len(EXPECTED) >= 40
    for name, case in EXPECTED.items():
        assert ("stderr" in case) != ("warnings" in case), name
        assert ("stderr" in case) == (case.get("exit") == 2), name


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_check_gives_exactly_the_expected_outcome(name: str, tmp_path: Path) -> None:
    case = EXPECTED[name]
    file_name, data = case_input(name)
    path = tmp_path / file_name
    path.write_bytes(data)
    if "stderr" in case:
        result = invoke(["check", str(path), "--format", "json"], exit_code=2)
        assert result.stdout == ""
        assert result.stderr.splitlines() == [
            line.replace("{path}", str(path)) for line in case["stderr"]
        ]
        assert "Traceback" not in result.stderr
        # Nothing of the input is echoed at length: the lines stay short whatever came in.
        assert all(len(line) < 300 + len(str(path)) for line in result.stderr.splitlines())
    else:
        result = CliRunner().invoke(main, ["check", str(path), "--format", "json"])
        if not isinstance(result.exception, SystemExit | None):
            raise result.exception
        output = json.loads(result.stdout)
        assert output["warnings"] == case["warnings"]
        violated = any(f["status"] == "violated" for f in output["findings"])
        assert result.exit_code == (1 if violated else 0)
        assert result.stderr == ""


# `audit` over the same corpus: one record file per case in one directory. The size limit is
# `check`'s limit on one record file; an audit reads its inputs item by item with its own.
NOT_FOR_AUDIT = {"file_over_32_mib"}


def test_audit_rejects_each_bad_record_counts_it_and_goes_on(tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    names = sorted(name for name in EXPECTED if name not in NOT_FOR_AUDIT)
    for name in names:
        (folder / f"{name}.json").write_bytes(case_input(name)[1])
    rejects = tmp_path / "rejects.jsonl"
    result = CliRunner().invoke(main, ["audit", str(folder), "--format", "json", "--jobs", "2",
                                       "--rejects", str(rejects), "--quiet"])
    if not isinstance(result.exception, SystemExit | None):
        raise result.exception
    assert result.exit_code == 1, result.stderr
    report = json.loads(result.stdout)
    bad = [name for name in names if "stderr" in EXPECTED[name]]
    good = [name for name in names if "warnings" in EXPECTED[name]]
    summary = report["summary"]
    assert (summary["records_read"], summary["rejected"], summary["checked"],
            summary["failed"]) == (len(names), len(bad), len(good), 0)
    not_checked = [json.loads(line) for line in rejects.read_text().splitlines()]
    assert not_checked == report["not_checked"]
    for name, entry in zip(bad, not_checked, strict=True):
        path = str(folder / f"{name}.json")
        lines = [line.replace("{path}", path) for line in EXPECTED[name]["stderr"]]
        where, _, _ = lines[0].partition(" > ")
        assert entry["status"] == "rejected"
        assert entry["source"] == path
        assert entry["problems"] == [line.partition(" > ")[2] for line in lines], name
        if where.startswith("record "):
            assert entry["record_id"] == where.removeprefix("record "), name
    assert [record["warnings"] for record in report["records"]] == [
        EXPECTED[name]["warnings"] for name in good]
