"""Differential test: the engine against the reference statements, on generated records.

Each generated record (realistic and chaos, some judged "as of" a moment in the middle of the
custody so that pending findings appear) goes through the whole pipeline (validate, timeline,
compiled YAML rules in durable-rules, findings) and, independently, through the plain-Python
reference statements in tests/reference, given the same timeline. For every rule that has a
reference, the two must agree exactly on each record: the same (rule, status, events, due).

Run one rule: `python -m pytest tests/test_differential.py -k RV-01`. A failure prints, for a
few of the records that disagree, the record id, what only the engine found, what only the
reference found, the "as of" time and the record JSON; `generate_record(seed, index, variety=...)`
in custody_rules.generate rebuilds any one of them from its id.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from attrs import frozen

from custody_rules.checker import Checker
from custody_rules.generate import generate_records
from custody_rules.record import LEAVES_DETENTION, CustodyRecord
from custody_rules.validate import ValidatedRecord, validate_record
from tests import reference
from tests.conftest import builtin_rulebook
from tests.reference import expected_findings, load_all

SEED = 20240229  # the last day of the year of the Cambridgeshire custody figures
REALISTIC_RECORDS = 4000
CHAOS_RECORDS = 3000
# Share of records judged a second time, "as of" a moment inside the custody.
AS_OF_SHARE = 0.4
# Records still open are judged as they stand at this moment, never at the wall clock.
FIXED_NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)
SHOW = 3  # disagreeing records printed in full per rule

RULES = [rule.id for rule in builtin_rulebook()]
REFERENCES = load_all()

Finding = tuple[str, str, frozenset[str], datetime | None]


@frozen
class Case:
    """One check of one record: as closed (or as it stands), or as of a moment inside it."""

    record: dict[str, Any]
    validated: ValidatedRecord
    as_of: datetime | None

    @property
    def label(self) -> str:
        when = f" as of {self.as_of.isoformat()}" if self.as_of else ""
        return f"{self.record['record_id']}{when}"


@frozen
class Outcome:
    case: Case
    engine: frozenset[Finding]  # the engine's findings, for rules with a reference
    expected: dict[str, frozenset[Finding] | str]  # per rule in force: findings, or an error
    applied: tuple[str, ...]
    engine_error: str | None = None


def _cases() -> Iterator[Case]:
    chooser = random.Random(SEED)
    records = [*generate_records(REALISTIC_RECORDS, SEED),
               *generate_records(CHAOS_RECORDS, SEED, variety="chaos")]
    for raw in records:
        validated = validate_record(raw)
        yield Case(raw, validated, None)
        if chooser.random() < AS_OF_SHARE:
            yield Case(raw, validated, _inside(chooser, validated.record))


def _inside(chooser: random.Random, record: CustodyRecord) -> datetime:
    """A moment inside the custody, often exactly on an event or on a rule's boundary."""
    times = sorted(event.at for event in record.events)
    arrival = min(event.at for event in record.events if event.type == "arrival")
    left = min((event.at for event in record.events if event.type in LEAVES_DETENTION),
               default=times[-1])
    end = max(left, arrival + timedelta(minutes=1))
    roll = chooser.random()
    if roll < 0.2:
        return chooser.choice(times)  # on an event: it counts as done at that moment
    if roll < 0.45:
        # On a deadline, or a second either side: the policy thresholds (30 min to 24 h) and
        # the review clock (6 h, then 9 h) counted from some event of the record.
        minutes = chooser.choice((30, 60, 120, 360, 540, 1440))
        return chooser.choice(times) + timedelta(minutes=minutes,
                                                 seconds=chooser.choice((-1, 0, 1)))
    span = int((end - arrival).total_seconds())
    return arrival + timedelta(seconds=chooser.randrange(max(span, 1)))


def _findings(result_findings: Iterable[Any]) -> frozenset[Finding]:
    return frozenset(
        (f.rule, f.status.value, frozenset(f.events), f.due)
        for f in result_findings if f.rule in REFERENCES
    )


@pytest.fixture(scope="module")
def outcomes(checker: Checker) -> Iterator[list[Outcome]]:
    # `expected_findings` looks every rule up through `load_all`, which walks the package
    # each time (most of the run); the references are all loaded, so hand it the loaded map.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(reference, "load_all", lambda: REFERENCES)
        yield _outcomes(checker)


def _outcomes(checker: Checker) -> list[Outcome]:
    policy = checker.rulebook.policy
    found = []
    for case in _cases():
        validated = case.validated
        try:
            result = checker.check(validated.record, as_of=case.as_of, now=FIXED_NOW,
                                   warnings=validated.warnings)
        except Exception as exc:  # reported by test_engine_judges_every_generated_record
            found.append(Outcome(case, frozenset(), {}, (), f"{type(exc).__name__}: {exc}"))
            continue
        expected: dict[str, frozenset[Finding] | str] = {}
        for rule_id in result.in_force:
            if rule_id not in REFERENCES:
                continue
            try:
                expected[rule_id] = frozenset(
                    expected_findings(result.timeline, policy, [rule_id]))
            except Exception as exc:  # reported as this rule's disagreement
                expected[rule_id] = f"the reference raised {type(exc).__name__}: {exc}"
        found.append(Outcome(case, _findings(result.findings), expected, result.applied))
    return found


def _disagreement(outcome: Outcome, rule_id: str) -> str | None:
    """Why the engine and the reference disagree on this rule for this record, or None."""
    engine = {f for f in outcome.engine if f[0] == rule_id}
    expected = outcome.expected.get(rule_id, frozenset())
    if isinstance(expected, str):
        return expected
    if engine == expected:
        return None
    lines = [f"  engine only:    {_show(f)}" for f in sorted(engine - expected, key=repr)]
    lines += [f"  reference only: {_show(f)}" for f in sorted(expected - engine, key=repr)]
    return "\n".join(lines)


def _show(finding: Finding) -> str:
    rule, status, events, due = finding
    when = f" due {due.astimezone(timezone.utc).isoformat()}" if due else ""
    return f"{rule} {status} events={sorted(events)}{when}"


def test_every_rule_has_a_reference() -> None:
    missing = [rule_id for rule_id in RULES if rule_id not in REFERENCES]
    assert not missing, (
        f"{len(missing)} of {len(RULES)} rules have no reference statement in tests/reference "
        f"(so the differential test cannot check them): {', '.join(missing)}"
    )


def test_every_reference_is_for_a_rule_of_the_rulebook() -> None:
    stale = sorted(set(REFERENCES) - set(RULES))
    assert not stale, f"references for rules that are not in the rulebook: {', '.join(stale)}"


@pytest.mark.slow
def test_engine_judges_every_generated_record(outcomes: list[Outcome]) -> None:
    failed = [o for o in outcomes if o.engine_error is not None]
    assert not failed, "\n".join(
        [f"the engine failed on {len(failed)} of {len(outcomes)} checks"]
        + [f"{o.case.label}: {o.engine_error}\n{json.dumps(o.case.record)}" for o in failed[:SHOW]]
    )


@pytest.mark.slow
@pytest.mark.parametrize("rule_id", RULES)
def test_engine_matches_reference(outcomes: list[Outcome], rule_id: str) -> None:
    if rule_id not in REFERENCES:
        pytest.skip(f"{rule_id} has no reference yet (test_every_rule_has_a_reference fails)")
    judged = [o for o in outcomes if rule_id in o.expected]
    assert judged, f"{rule_id} was in force for none of the {len(outcomes)} generated checks"
    bad = [(o, why) for o in judged if (why := _disagreement(o, rule_id)) is not None]
    if bad:
        report = [f"{rule_id}: engine and reference disagree on {len(bad)} of {len(judged)} "
                  f"checks ({len({o.case.record['record_id'] for o, _ in bad})} records)"]
        for outcome, why in sorted(bad, key=lambda item: len(json.dumps(item[0].case.record)))[
                :SHOW]:
            report += ["", f"record {outcome.case.label}", why,
                       json.dumps(outcome.case.record, separators=(",", ":"))]
        pytest.fail("\n".join(report), pytrace=False)


@pytest.mark.slow
@pytest.mark.parametrize("rule_id", RULES)
def test_generated_records_exercise_the_rule(outcomes: list[Outcome], rule_id: str) -> None:
    """A rule the generated records never trigger, or never make fire, is not being compared."""
    if rule_id not in REFERENCES:
        pytest.skip(f"{rule_id} has no reference yet")
    applied = sum(rule_id in o.applied for o in outcomes)
    fired = sum(any(f[0] == rule_id for f in o.engine) for o in outcomes)
    assert applied, f"{rule_id} applied to none of {len(outcomes)} generated checks"
    assert fired, f"{rule_id} applied {applied} times but never produced a finding"


@pytest.mark.slow
def test_harness_compares_pending_and_violated_findings(outcomes: list[Outcome]) -> None:
    """The harness itself: every record was judged, a share of them as of a moment inside
    the custody; those give pending findings (with a due time, and only they), closed records
    give violations, and RV-01, the first rule written, gives both."""
    assert len({o.case.record["record_id"] for o in outcomes}) == \
        REALISTIC_RECORDS + CHAOS_RECORDS
    as_of_checks = sum(o.case.as_of is not None for o in outcomes)
    assert as_of_checks > 0.3 * (REALISTIC_RECORDS + CHAOS_RECORDS)
    for outcome in outcomes:
        for rule, status, _events, due in outcome.engine:
            assert (status == "pending") == (due is not None), (outcome.case.label, rule)
    assert any(f[1] == "pending" for o in outcomes if o.case.as_of for f in o.engine)
    assert any(f[1] == "violated" for o in outcomes if not o.case.as_of for f in o.engine)
    rv01 = Counter(f[1] for o in outcomes for f in o.engine if f[0] == "RV-01")
    assert rv01["violated"] > 0 and rv01["pending"] > 0, rv01


@pytest.mark.slow
def test_comparison_detects_a_difference(outcomes: list[Outcome]) -> None:
    """A finding dropped, or its events or due time changed, is a disagreement."""
    outcome = next(o for o in outcomes if any(f[0] == "RV-01" and f[1] == "pending"
                                              for f in o.engine))
    pending = next(f for f in outcome.engine if f[0] == "RV-01" and f[1] == "pending")
    assert _disagreement(outcome, "RV-01") is None
    assert pending[3] is not None
    variants = [
        outcome.engine - {pending},
        (outcome.engine - {pending}) | {(*pending[:3], pending[3] + timedelta(seconds=1))},
        (outcome.engine - {pending}) | {(pending[0], pending[1], pending[2] | {"x"}, pending[3])},
        (outcome.engine - {pending}) | {("RV-01", "violated", pending[2], None)},
    ]
    for engine in variants:
        changed = Outcome(outcome.case, frozenset(engine), outcome.expected, outcome.applied)
        assert _disagreement(changed, "RV-01") is not None
