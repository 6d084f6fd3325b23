"""Parity: the condition language's Python evaluator against durable-rules.

`rulebook.evaluate.outcomes` says, in plain Python, every match a compiled rule has on a
timeline's facts: the trigger ("applies") and each check's violated, pending or needs_review,
with the facts bound to each alias. durable-rules says the same through the compiled JSON. On
every rule example and on a few thousand generated records (realistic and chaos, some judged
as of a moment inside the custody, when deadlines are still pending), the two must report
exactly the same matches, binding the same facts. `explain` and the applicability test read
rules with the evaluator, so a disagreement here is a wrong explanation there.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta, timezone

import pytest

from custody_rules.checker import Checker
from custody_rules.examples import example_record
from custody_rules.generate import generate_records
from custody_rules.record import LEAVES_DETENTION, CustodyRecord
from custody_rules.rulebook import Rulebook, evaluate
from custody_rules.timeline import Fact, build_timeline
from custody_rules.validate import validate_record

SEED = 4711
REALISTIC_RECORDS = 1500
CHAOS_RECORDS = 1000
AS_OF_SHARE = 0.3
FIXED_NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)
# As examples.run_example judges them.
EXAMPLE_NOW = datetime.fromisoformat("2022-09-08T12:00:00+01:00")

# (rule id, check index or -1, outcome, the bound facts as (alias, index in the facts))
Match = tuple[str, int, str, frozenset[tuple[str, int]]]


def _engine_matches(checker: Checker, record_id: str, facts: Sequence[Fact]) -> Counter[Match]:
    index = {id(fact): n for n, fact in enumerate(facts)}
    return Counter(
        (hit.engine_rule.rule_id, hit.engine_rule.check, hit.engine_rule.outcome,
         frozenset((alias, index[id(fact)]) for alias, fact in hit.bindings.items()))
        # The engine reports the checks; whether a rule applies is decided in Python
        # (engine.triggers, every match of its trigger, as the engine's own rules reported).
        for hit in [*checker.engine.hits(record_id, facts),
                    *checker.triggers.hits(facts, every=True)]
    )


def _python_matches(rulebook: Rulebook, facts: Sequence[Fact]) -> Counter[Match]:
    index = {id(fact): n for n, fact in enumerate(facts)}
    return Counter(
        (rule.id, found.check, found.outcome,
         frozenset((alias, index[id(fact)]) for alias, fact in found.bindings.items()))
        for rule in rulebook for found in evaluate.outcomes(rule, facts)
    )


def _disagreement(checker: Checker, label: str, facts: Sequence[Fact]) -> str | None:
    engine = _engine_matches(checker, label, facts)
    python = _python_matches(checker.rulebook, facts)
    if engine == python:
        return None
    only_engine = sorted(map(repr, (engine - python).elements()))[:5]
    only_python = sorted(map(repr, (python - engine).elements()))[:5]
    return f"{label}: only durable-rules {only_engine}; only the evaluator {only_python}"


def _example_facts(checker: Checker) -> Iterator[tuple[str, tuple[Fact, ...]]]:
    for rule in checker.rulebook:
        for example in rule.examples:
            record = validate_record(example_record(rule, example)).record
            as_of = datetime.fromisoformat(example.as_of) if example.as_of else None
            yield (f"{rule.id}/{example.name}",
                   build_timeline(record, as_of, EXAMPLE_NOW).facts)


def _inside(chooser: random.Random, record: CustodyRecord) -> datetime:
    """A moment inside the custody: on an event, a deadline's second either side, or any."""
    times = sorted(event.at for event in record.events)
    arrival = min(event.at for event in record.events if event.type == "arrival")
    left = min((e.at for e in record.events if e.type in LEAVES_DETENTION), default=times[-1])
    roll = chooser.random()
    if roll < 0.3:
        return chooser.choice(times)
    if roll < 0.6:
        minutes = chooser.choice((30, 60, 120, 360, 540, 1440))
        return chooser.choice(times) + timedelta(minutes=minutes,
                                                 seconds=chooser.choice((-1, 0, 1)))
    span = int((max(left, arrival + timedelta(minutes=1)) - arrival).total_seconds())
    return arrival + timedelta(seconds=chooser.randrange(span))


def _generated_facts() -> Iterator[tuple[str, tuple[Fact, ...]]]:
    chooser = random.Random(SEED)
    for raw in [*generate_records(REALISTIC_RECORDS, SEED),
                *generate_records(CHAOS_RECORDS, SEED, variety="chaos")]:
        record = validate_record(raw).record
        yield record.record_id, build_timeline(record, None, FIXED_NOW).facts
        if chooser.random() < AS_OF_SHARE:
            as_of = _inside(chooser, record)
            yield (f"{record.record_id} as of {as_of.isoformat()}",
                   build_timeline(record, as_of, FIXED_NOW).facts)


def test_the_evaluator_and_the_engine_agree_on_every_rule_example(checker: Checker) -> None:
    problems = [problem for label, facts in _example_facts(checker)
                if (problem := _disagreement(checker, label, facts))]
    assert not problems, "\n".join(problems[:10])


@pytest.mark.slow
def test_the_evaluator_and_the_engine_agree_on_generated_records(checker: Checker) -> None:
    compared = outcomes = 0
    problems = []
    for label, facts in _generated_facts():
        compared += 1
        outcomes += sum(_engine_matches(checker, label, facts).values())
        problem = _disagreement(checker, label, facts)
        if problem:
            problems.append(problem)
    assert not problems, f"{len(problems)} of {compared} disagree:\n" + "\n".join(problems[:10])
    # The comparison means something only if the rules matched, many times.
    assert compared > REALISTIC_RECORDS + CHAOS_RECORDS
    assert outcomes > 20 * compared


def test_applies_is_the_checker_applying_the_rule(checker: Checker) -> None:
    """`evaluate.applies` over all the facts, and the checker's triggers over only the facts
    of the types each trigger names, say the same rules apply."""
    for label, facts in _example_facts(checker):
        applied = {hit.engine_rule.rule_id for hit in checker.triggers.hits(facts)
                   if hit.engine_rule.check == -1}
        assert {rule.id for rule in checker.rulebook if evaluate.applies(rule, facts)} == \
            applied, label
