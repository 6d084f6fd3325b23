"""Engine isolation: an engine failure can never silently drop a record.

durable-rules is a C extension with known memory bugs (shared/research/durable-rules.md, 8):
an action that raises, an engine error or a worker killed mid-audit must each end with the
affected record reported as failed, the rest judged as usual, and a non-zero exit.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import durable_rules_engine
import pytest

from custody_rules.checker import Checker
from custody_rules.engine import Hit
from custody_rules.engine.durable import DurableEngine
from custody_rules.errors import EngineError
from custody_rules.record import CustodyRecord
from custody_rules.timeline import Fact
from custody_rules.validate import validate_record
from tests.audit_data import AS_OF, records, run_cli, write_jsonl
from tests.conftest import ROOT
from tests.helpers import invoke

COMPLIANT = ROOT / "examples" / "compliant.json"
CAMBRIDGESHIRE = ROOT / "examples" / "cambridgeshire.json"


def _record(path: Path) -> CustodyRecord:
    return validate_record(json.loads(path.read_text())).record


def _raise_for_marked_records(monkeypatch: pytest.MonkeyPatch) -> None:
    """The hit handler inside `DurableEngine._assert` raises for records whose event ids start
    with `boom`, as an action with a bug would."""
    real = DurableEngine._hit

    def hit(self: DurableEngine, name: str, bound: dict[str, Any],
            facts: Sequence[Fact]) -> Hit:
        if any(event.startswith("boom") for fact in facts for event in fact.event_ids):
            raise RuntimeError("action blew up")
        return real(self, name, bound, facts)

    monkeypatch.setattr(DurableEngine, "_hit", hit)


def _marked(raw: dict[str, Any]) -> dict[str, Any]:
    for event in raw["events"]:
        event["id"] = f"boom-{event['id']}"
    return raw


def test_an_action_that_raises_fails_that_record_and_the_engine_recovers(
        monkeypatch: pytest.MonkeyPatch) -> None:
    checker = Checker()
    good = _record(CAMBRIDGESHIRE)
    before = checker.check(good)
    assert before.findings
    _raise_for_marked_records(monkeypatch)
    # A record the engine has findings for: its actions run (a compliant record's need not,
    # now that whether a rule applies is decided in Python).
    bad = validate_record(_marked(json.loads(CAMBRIDGESHIRE.read_text()))).record
    with pytest.raises(EngineError) as caught:
        checker.check(bad)
    assert caught.value.record_id == "CB-2022-004711"
    assert str(caught.value) == (
        "record CB-2022-004711: rule engine failed: RuntimeError: action blew up")
    # The next record meets a reloaded engine and is judged exactly as before.
    assert checker.check(good).findings == before.findings


def test_an_engine_error_names_the_record(monkeypatch: pytest.MonkeyPatch,
                                          checker: Checker) -> None:
    real = durable_rules_engine.assert_facts
    calls = iter(range(1000))

    def assert_facts(handle: int, batch: str) -> Any:
        if next(calls) == 0:
            raise durable_rules_engine.error("Could not assert fact, error code: 311")
        return real(handle, batch)

    monkeypatch.setattr(durable_rules_engine, "assert_facts", assert_facts)
    record = _record(CAMBRIDGESHIRE)
    with pytest.raises(EngineError) as caught:
        checker.check(record)
    assert str(caught.value) == (
        "record CB-2022-004711: rule engine failed: Could not assert fact, error code: 311")
    monkeypatch.undo()
    assert checker.check(record).violated


def test_a_finding_that_cannot_be_built_is_an_engine_error(monkeypatch: pytest.MonkeyPatch,
                                                          checker: Checker) -> None:
    def broken(*args: object) -> None:
        raise KeyError("due")

    monkeypatch.setattr("custody_rules.checker.findings_for", broken)
    with pytest.raises(EngineError) as caught:
        checker.check(_record(CAMBRIDGESHIRE))
    assert str(caught.value) == "record CB-2022-004711: rule engine failed: KeyError: 'due'"


def test_check_exits_3_naming_the_record(monkeypatch: pytest.MonkeyPatch,
                                         tmp_path: Path) -> None:
    _raise_for_marked_records(monkeypatch)
    path = tmp_path / "r.json"
    path.write_text(json.dumps(_marked(json.loads(CAMBRIDGESHIRE.read_text()))))
    result = invoke(["check", str(path)], exit_code=3)
    assert result.stdout == ""
    assert result.stderr == (
        "Error: record CB-2022-004711: rule engine failed: RuntimeError: action blew up\n")


def _audit(source: Path, *args: str) -> tuple[int, dict[str, Any]]:
    result = invoke(["audit", str(source), "--format", "json", "--as-of", AS_OF, "--quiet",
                     *args], exit_code=1)
    return result.exit_code, json.loads(result.stdout)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_audit_reports_the_record_whose_action_raised_as_failed(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, jobs: str) -> None:
    # Worker processes are forked from this one, so they inherit the raising handler.
    _raise_for_marked_records(monkeypatch)
    lines: list[dict[str, Any]] = records(6)
    lines.insert(3, _marked(json.loads(CAMBRIDGESHIRE.read_text())))
    source = write_jsonl(tmp_path / "in.jsonl", lines)
    _, output = _audit(source, "--jobs", jobs)
    assert output["not_checked"] == [{
        "status": "failed", "source": str(source), "line": 4, "record_id": "CB-2022-004711",
        "reason": "EngineError: record CB-2022-004711: rule engine failed: RuntimeError: "
                  "action blew up",
    }]
    assert [r["record_id"] for r in output["records"]] == [
        line["record_id"] for index, line in enumerate(lines) if index != 3]
    summary = output["summary"]
    assert (summary["records_read"], summary["checked"], summary["failed"]) == (7, 6, 1)


@pytest.mark.slow  # workers killed in a CLI process
def test_audit_survives_workers_killed_mid_audit(tmp_path: Path) -> None:
    """Each worker is killed by SIGKILL before its third record (tests/faults.py, as a C crash
    would): those records are failed with the signal named, every other record is
    audited, and the exit is non-zero."""
    lines = records(10)
    source = write_jsonl(tmp_path / "in.jsonl", lines)
    done = run_cli(["audit", str(source), "--format", "json", "--jobs", "2", "--as-of", AS_OF,
                    "--quiet"], kill_workers_after=2)
    assert done.returncode == 1, done.stderr
    output = json.loads(done.stdout)
    # Shard 0 holds items 0, 2, 4, 6, 8: checks 0 and 2, dies on 4; its replacement reports 4
    # failed, checks 6 and 8. Shard 1 likewise with 1, 3, 5, 7, 9.
    failed = {entry["line"]: entry for entry in output["not_checked"]}
    assert sorted(failed) == [5, 6]
    for line, entry in failed.items():
        assert entry["status"] == "failed"
        assert entry["record_id"] == lines[line - 1]["record_id"]
        assert entry["reason"] == ("the worker process was killed by SIGKILL while checking "
                                   "this record")
    checked = [record["record_id"] for record in output["records"]]
    assert checked == [line["record_id"] for index, line in enumerate(lines) if index not in (4, 5)]
    summary = output["summary"]
    assert (summary["records_read"], summary["checked"], summary["failed"]) == (10, 8, 2)
    assert summary["worker_restarts"] == 2


def test_a_bug_while_checking_one_record_fails_only_that_record(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """An exception escaping a worker's handling of a record (here: building its report
    message) must not kill the worker, which would die again on the same record in every
    replacement: the record is failed and the audit goes on."""
    from custody_rules.audit import worker

    real = worker._Worker.check

    def check(self: Any, item: Any, profile: Any, checker: Checker) -> Any:
        if item.index == 2:
            raise UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed")
        return real(self, item, profile, checker)

    monkeypatch.setattr(worker._Worker, "check", check)
    lines = records(5)
    source = write_jsonl(tmp_path / "in.jsonl", lines)
    _, output = _audit(source, "--jobs", "2")
    assert output["not_checked"] == [{
        "status": "failed", "source": str(source), "line": 3, "record_id": None,
        "reason": "internal error: UnicodeEncodeError: 'utf-8' codec can't encode character "
                  "'\\\\ud800' in position 0: surrogates not allowed",
    }]
    assert output["summary"]["checked"] == 4
    assert output["summary"]["worker_restarts"] == 0


def test_the_engine_refusing_the_compiled_rules_is_an_engine_error() -> None:
    from custody_rules.engine.compile import CompiledRuleset

    bogus = CompiledRuleset(definitions={"bad": {"all": [{"a": {"$nope": {"at": 1}}}]}},
                            meaning={}, fact_types=frozenset({"end"}),
                            fields=frozenset({"at"}), slots={})
    with pytest.raises(EngineError) as caught:
        DurableEngine(bogus)
    assert str(caught.value).startswith(
        "record -: rule engine failed: durable-rules refused the compiled ruleset: ")


def test_a_fact_reported_as_already_observed_fails_the_record(
        monkeypatch: pytest.MonkeyPatch, checker: Checker) -> None:
    """durable-rules' false "already observed" (upstream issue #376) would silently drop a
    fact: the record fails instead of being judged without it."""
    real = durable_rules_engine.assert_facts
    calls = iter(range(1000))

    def assert_facts(handle: int, batch: str) -> Any:
        code, state = real(handle, batch)
        return (2, state) if next(calls) == 0 else (code, state)

    monkeypatch.setattr(durable_rules_engine, "assert_facts", assert_facts)
    with pytest.raises(EngineError) as caught:
        checker.check(_record(CAMBRIDGESHIRE))
    assert str(caught.value) == ("record CB-2022-004711: rule engine failed: a fact was "
                                 "reported as already observed")


def test_an_engine_that_cannot_be_reloaded_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    checker = Checker()
    _raise_for_marked_records(monkeypatch)

    def refuse(name: str, definitions: str) -> int:
        raise durable_rules_engine.error("Could not create ruleset, error code: 202")

    monkeypatch.setattr(durable_rules_engine, "create_ruleset", refuse)
    bad = validate_record(_marked(json.loads(CAMBRIDGESHIRE.read_text()))).record
    with pytest.raises(EngineError) as caught:
        checker.check(bad)
    assert str(caught.value) == (
        "record CB-2022-004711: rule engine failed: RuntimeError: action blew up; and the "
        "engine could not be reloaded: durable-rules refused the compiled ruleset: Could not "
        "create ruleset, error code: 202")
