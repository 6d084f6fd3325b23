"""The reused durable session (engine/durable.py): empty between records, and judging exactly as a
fresh session per record does.

A Checker keeps one durable session for all its records: each record's facts are asserted, its
activations run, and then every fact is retracted again, `end` first. These tests look inside
the C engine: the session must hold no fact and no pending activation after each record, and
every record (rule examples, the example records, generated realistic and chaos records, some
judged as of a moment inside the custody) must give the same hits and findings as the former
way, a session of its own per record (`reuse_session=False`).
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import durable_rules_engine
import pytest

from custody_rules.checker import Checker
from custody_rules.engine import durable
from custody_rules.engine.durable import SESSION, DurableEngine
from custody_rules.errors import EngineError
from custody_rules.examples import example_record
from custody_rules.generate import generate_records
from custody_rules.record import CustodyRecord
from custody_rules.timeline import Fact
from custody_rules.validate import validate_record
from tests.conftest import ROOT
from tests.test_differential import _inside

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)
SEED = 1212
GENERATED = 1000  # of each variety, for the comparison with the fresh session
WATCHED = 200  # of each variety, looked into after each record
AS_OF_SHARE = 0.4

Judgement = tuple[Any, ...]


def _record(raw: dict[str, Any]) -> CustodyRecord:
    return validate_record(raw).record


def _example_files() -> list[Path]:
    return sorted(path for path in (ROOT / "examples").glob("*.json")
                  if not path.name.endswith(".expected.json"))


def _judgement(checker: Checker, record: CustodyRecord, as_of: datetime | None) -> Judgement:
    """What a check produced: the findings, the rules that applied, and every hit as the rule
    and check it stands for with the timeline positions of the facts it bound (a sorted list:
    the order in which the engine reports hits is its business)."""
    try:
        result, hits = checker.explain_hits(record, as_of=as_of, now=NOW)
    except EngineError as exc:
        return ("failed", str(exc))
    position = {id(fact): index for index, fact in enumerate(result.timeline.facts)}
    bound = sorted(
        (hit.engine_rule.rule_id, hit.engine_rule.check, hit.engine_rule.outcome,
         tuple(sorted((alias, position[id(fact)]) for alias, fact in hit.bindings.items())))
        for hit in hits)
    return result.findings, result.applied, bound


@pytest.fixture(scope="module")
def fresh(checker: Checker) -> Checker:
    """A Checker on the former path: a fresh durable session per record, deleted after it."""
    other = Checker(rulebook=checker.rulebook)
    other.engine = DurableEngine(other.compiled, reuse_session=False)
    return other


def _engine(checker: Checker) -> DurableEngine:
    assert isinstance(checker.engine, DurableEngine)
    return checker.engine


def _cases(generated: int) -> Iterator[tuple[str, CustodyRecord, datetime | None]]:
    """Every example record, then generated records (realistic and chaos), some of them also
    judged as of a moment inside the custody."""
    for path in _example_files():
        yield path.name, _record(json.loads(path.read_text())), None
    chooser = random.Random(SEED)
    for variety in ("realistic", "chaos"):
        for raw in generate_records(generated, SEED, variety=variety):
            record = _record(raw)
            yield record.record_id, record, None
            if chooser.random() < AS_OF_SHARE:
                yield record.record_id, record, _inside(chooser, record)


@pytest.mark.slow  # 400 generated records and the examples, looked into after each
def test_the_reused_session_is_empty_after_every_record(checker: Checker) -> None:
    """No fact and no pending activation is left in the session after a record, with no reload
    needed: a retraction that was skipped, or left anything behind, fails this test."""
    engine = _engine(checker)
    reloads, handle = engine.reloads, engine._handle
    numbered = engine._next_id
    for _, record, as_of in _cases(WATCHED):
        checker.check(record, as_of=as_of, now=NOW)
        assert durable_rules_engine.get_facts(engine._handle, SESSION) == "[]"
        assert durable_rules_engine.start_action_for_state(engine._handle, engine._state) is None
        assert engine.leftover() is None
    assert (engine.reloads, engine._handle) == (reloads, handle)
    # The same session took every record, its fact ids still counting up.
    assert engine._next_id > numbered + 2 * WATCHED


@pytest.mark.slow  # differential: 2,000 generated records, each judged twice
def test_reused_and_fresh_sessions_judge_every_record_alike(checker: Checker,
                                                           fresh: Checker) -> None:
    judged = 0
    for label, record, as_of in _cases(GENERATED):
        assert _judgement(checker, record, as_of) == _judgement(fresh, record, as_of), (
            f"{label} as of {as_of}")
        judged += 1
    assert judged > 2 * GENERATED
    assert _engine(checker).leftover() is None


@pytest.mark.slow  # differential: every rule example, a fresh durable session each
def test_reused_and_fresh_sessions_agree_on_every_rule_example(checker: Checker,
                                                              fresh: Checker) -> None:
    for rule in checker.rulebook:
        for example in rule.examples:
            record = _record(example_record(rule, example))
            as_of = (datetime.fromisoformat(example.as_of) if example.as_of else None)
            assert _judgement(checker, record, as_of) == _judgement(fresh, record, as_of), (
                f"{rule.id}::{example.name}")


def test_facts_left_behind_are_found_and_the_engine_reloaded(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """If retraction left facts in the session, the record's findings still stand (they were
    complete), and the next record meets a new, empty session."""
    checker = Checker()
    engine = _engine(checker)
    record = _record(json.loads((ROOT / "examples" / "cambridgeshire.json").read_text()))
    before = checker.check(record)
    handle = engine._handle

    real_retract = durable_rules_engine.retract_facts
    calls = iter(range(1000))

    def retract_but_the_first(handle: int, batch: str) -> tuple[int, int]:
        if next(calls) == 0:
            return 0, engine._state or 0
        return real_retract(handle, batch)

    monkeypatch.setattr(durable_rules_engine, "retract_facts", retract_but_the_first)
    with monkeypatch.context() as inside:
        leftovers: list[str | None] = []
        real = DurableEngine.leftover

        def spy(self: DurableEngine) -> str | None:
            found = real(self)
            leftovers.append(found)
            return found

        inside.setattr(DurableEngine, "leftover", spy)
        assert checker.check(record).findings == before.findings
    assert leftovers and leftovers[0] is not None and leftovers[0].startswith(
        "facts left in the session: [")
    assert engine.reloads == 1 and engine._handle != handle
    monkeypatch.undo()
    assert engine.leftover() is None
    assert checker.check(record).findings == before.findings
    assert engine.leftover() is None and engine.reloads == 1


def test_a_pending_activation_counts_as_left_behind(monkeypatch: pytest.MonkeyPatch) -> None:
    """An `end` fact asserted behind the engine's back, its activations not run."""
    engine = _engine(Checker())
    end = Fact("end", 0, {"open": 0, "left": 0, "left_by": "none", "judged_at": 0}, ())
    _, copies, _ = engine._engine_facts([end])
    for number, copy in enumerate(copies):
        copy.update(sid=SESSION, id=f"pending-{number}")
    durable_rules_engine.assert_facts(engine._handle, json.dumps(copies))
    assert str(engine.leftover()).startswith("facts left in the session: [")
    monkeypatch.setattr(durable_rules_engine, "get_facts", lambda handle, sid: "[]")
    assert engine.leftover() == "an activation left pending in the session"


def _judged_alike(checker: Checker, fresh: Checker, count: int) -> None:
    for raw in generate_records(count, SEED, variety="chaos"):
        record = _record(raw)
        assert _judgement(checker, record, None) == _judgement(fresh, record, None)


def test_fact_numbering_starts_a_new_session_before_its_limit(
        monkeypatch: pytest.MonkeyPatch, fresh: Checker) -> None:
    checker = Checker()
    engine = _engine(checker)
    monkeypatch.setattr(durable, "ID_LIMIT", 400)
    _judged_alike(checker, fresh, 30)
    assert 0 < engine._next_id <= 400
    assert engine.reloads == 0 and engine.leftover() is None


def test_a_record_with_more_facts_than_the_id_window_is_judged_alone(
        monkeypatch: pytest.MonkeyPatch, fresh: Checker) -> None:
    checker = Checker()
    engine = _engine(checker)
    monkeypatch.setattr(durable, "ID_WINDOW", 0)
    _judged_alike(checker, fresh, 10)
    assert engine.reloads == 0
    # Judged alone, each record left no session behind; the next one opens the reused session.
    with pytest.raises(durable_rules_engine.error):
        durable_rules_engine.get_facts(engine._handle, SESSION)
    assert engine._next_id == 0
    monkeypatch.setattr(durable, "ID_WINDOW", 1 << 16)
    _judged_alike(checker, fresh, 3)
    assert engine._next_id > 0 and engine.leftover() is None


def test_a_start_up_record_that_fails_is_an_engine_error(
        monkeypatch: pytest.MonkeyPatch, checker: Checker) -> None:
    def refuse(handle: int, state: int) -> None:
        raise durable_rules_engine.error("Could not start action, error code: 999")

    monkeypatch.setattr(durable_rules_engine, "start_action_for_state", refuse)
    with pytest.raises(EngineError) as caught:
        DurableEngine(checker.compiled)
    assert str(caught.value) == (
        "record -: rule engine failed: durable-rules failed its start-up record: Could not "
        "start action, error code: 999")


def test_threads_sharing_a_checker_judge_one_record_at_a_time(checker: Checker) -> None:
    """The server's threads may share one Checker: the session is used by one record at a
    time, so every record is judged as it is alone."""
    records = [_record(raw) for raw in generate_records(60, SEED, variety="chaos")]
    alone = [_judgement(checker, record, None) for record in records]
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(lambda record: _judgement(checker, record, None), records))
    assert together == alone
    assert _engine(checker).leftover() is None
