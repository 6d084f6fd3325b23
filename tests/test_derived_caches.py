"""What the audit works out once and shares (issue 12, point 5) is what it would work out each
time: the triggers grouped by rule, the rules in force per day."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from custody_rules import findings
from custody_rules.convert import parse_time
from custody_rules.engine import Hit
from custody_rules.engine.compile import EngineRule
from custody_rules.engine.triggers import Triggers
from custody_rules.policy import default_policy
from custody_rules.rulebook import APPLIES, END_ALIAS, Rulebook, load_rulebook
from custody_rules.rulebook.evaluate import combinations
from custody_rules.timeline import Fact, build_timeline
from custody_rules.validate import validate_record
from tests.audit_data import AS_OF, records


@pytest.fixture(scope="module")
def rulebook() -> Rulebook:
    return load_rulebook(default_policy())


def _each_rule_alone(rulebook: Rulebook, facts: tuple[Fact, ...], every: bool) -> list[Hit]:
    """The triggers as they were evaluated before they were grouped: rule by rule, each through
    `combinations` over the facts of the types it names."""
    ends = [fact for fact in facts if fact.type == END_ALIAS]
    if not ends:
        return []
    hits = []
    for rule in rulebook.rules:
        meaning = EngineRule(rule.id, -1, APPLIES)
        types = {pattern.type for pattern in rule.trigger}
        matches = combinations([f for f in facts if f.type in types], rule.trigger, {})
        if every:
            hits += [Hit(meaning, {**match, END_ALIAS: end}) for match in matches for end in ends]
        else:
            first = next(matches, None)
            if first is not None:
                hits.append(Hit(meaning, {**first, END_ALIAS: ends[0]}))
    return hits


def _key(hits: list[Hit]) -> list[tuple[str, list[tuple[str, int]]]]:
    return [(hit.engine_rule.rule_id, sorted((alias, id(fact))
                                             for alias, fact in hit.bindings.items()))
            for hit in hits]


def test_grouped_triggers_give_the_hits_of_each_rule_alone(rulebook: Rulebook) -> None:
    triggers = Triggers(rulebook)
    # Several rules share a trigger, and some triggers join two facts: both kinds are tested.
    assert len({rule.trigger for rule in rulebook.rules}) < len(rulebook.rules)
    as_of, now = parse_time(AS_OF), datetime.now(timezone.utc)
    compared = 0
    for raw in records(150, seed=21):
        timeline = build_timeline(validate_record(raw).record, as_of, now)
        for every in (False, True):
            assert _key(triggers.hits(timeline.facts, every=every)) == _key(
                _each_rule_alone(rulebook, timeline.facts, every))
            compared += 1
    assert compared == 300
    assert triggers.hits(()) == []


def test_the_rules_in_force_per_day_are_the_rules_asked_one_by_one(
        rulebook: Rulebook, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(findings, "DAYS_KEPT", 3)  # evicted and worked out again, often
    derived = findings._Derived(rulebook)
    starts = sorted({rule.effective_from for rule in rulebook.rules if rule.effective_from})
    assert starts  # some rules came into force on a day of their own
    days = [day + timedelta(days=shift) for day in starts for shift in (-1, 0, 1)]
    days += [date(1990, 1, 1), date(2040, 1, 1)]
    for day in days + days[::-1]:
        expected = {rule.id: rule for rule in rulebook.rules if rule.in_force_on(day)}
        got = derived.in_force(day)
        assert list(got) == list(expected) and got == expected
    assert len(derived._in_force) <= 3
