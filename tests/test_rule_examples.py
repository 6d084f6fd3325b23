"""Every example beside every rule: must-fire cases fire (pointing at the events they name),
must-not-fire cases stay silent. Ids are RULE::example, so `pytest -k PC-09` picks one rule."""

from __future__ import annotations

import pytest

from custody_rules.checker import Checker
from custody_rules.examples import run_example
from tests.conftest import builtin_rulebook

RULEBOOK = builtin_rulebook()
CASES = [(rule, example) for rule in RULEBOOK for example in rule.examples]


@pytest.mark.parametrize(
    ("rule", "example"), CASES, ids=[f"{rule.id}::{example.name}" for rule, example in CASES]
)
def test_rule_example(checker: Checker, rule, example) -> None:  # type: ignore[no-untyped-def]
    outcome = run_example(checker, rule, example)
    assert outcome.passed, "\n".join(outcome.problems)


@pytest.mark.parametrize("rule", list(RULEBOOK), ids=[rule.id for rule in RULEBOOK])
def test_rule_has_firing_and_silent_examples(rule) -> None:  # type: ignore[no-untyped-def]
    assert any(example.fires for example in rule.examples), f"{rule.id}: no example that fires"
    assert any(not example.fires for example in rule.examples), f"{rule.id}: no silent example"
