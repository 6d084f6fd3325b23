"""`custody-rules explain RECORD RULE-ID`: a rule that fired, one that did not, one that did not
apply, and one not in force."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from custody_rules.checker import Checker
from custody_rules.formatters.text import render_explanation
from custody_rules.validate import validate_record
from custody_rules.views.explain import Outcome, Verdict, explain
from tests.conftest import ROOT
from tests.helpers import invoke

EXAMPLES = ROOT / "examples"
LIVE = str(EXAMPLES / "live.json")


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_fired_names_the_events_the_deadline_the_policy_and_the_remedy() -> None:
    out = invoke(["explain", LIVE, "PC-02", "--as-of", "2024-06-12T20:00:00+01:00"],
                 exit_code=0).stdout
    flat = _flat(out)
    assert "Verdict: fired" in out
    assert "refused l12 18:10 bail refused (further offence) by PS 2210" in flat
    # Still held past the force's hour: the `policy` check (the statute one needs the child gone).
    assert "Check not_certified_yet [violated]" in out
    assert "Deadline: 19:10 (1 hour after bail was refused)" in out
    assert "Policy: certificate_within = 1h" in out
    assert "the deadline 19:10 passed with the child still held at 20:00" in flat
    assert "Would be met by any one of: - a detention certificate (in detention; " \
           "limb is impracticable; reason is extreme weather" in flat
    assert "Remedy: " in out


def test_the_same_rule_an_hour_earlier_is_only_falling_due() -> None:
    out = invoke(["explain", LIVE, "PC-02", "--as-of", "2024-06-12T19:00:00+01:00"],
                 exit_code=0).stdout
    assert "Verdict: pending" in out
    assert "Check not_certified_yet [pending]" in out
    assert "Falling due by 19:10" in out


def test_not_fired_says_which_event_met_the_obligation() -> None:
    out = invoke(["explain", str(EXAMPLES / "compliant.json"), "RV-01"], exit_code=0).stdout
    flat = _flat(out)
    assert "Verdict: met" in out
    assert "Check first_review_missed [met]" in out
    # The first review at 19:20 met the 19:40 deadline (detention authorised 13:40 + 6h).
    assert "Met: the record has c11 at 19:20, review 1 in person by Insp 45" in flat
    assert "Deadline: 19:40 (when the review was due)" in out


def test_not_applicable_shows_the_trigger_and_the_nearest_miss() -> None:
    out = invoke(["explain", str(EXAMPLES / "compliant.json"), "PC-02"], exit_code=0).stdout
    flat = _flat(out)
    assert "Verdict: not applicable" in out
    assert "The record has no bail decision (outcome is refused" in flat
    assert "c13 at 22:00: bailed by PS 310; fails: outcome is refused" in flat


def test_json_answers_the_same(tmp_path: Path) -> None:
    out = invoke(["explain", LIVE, "RV-01", "--as-of", "2024-06-12T19:00:00+01:00",
                  "--format", "json"], exit_code=0).stdout
    data = json.loads(out)
    assert data["rule"] == "RV-01" and data["verdict"] == "pending"
    check = next(c for i in data["instances"] for c in i["checks"]
                 if c["check"] == "first_review_missed")
    assert check["outcome"] == "pending"
    assert check["deadline"] == "2024-06-12T20:10:00+01:00"
    assert check["findings"] and "in 1h10m" in check["findings"][0]


def test_unknown_rule_exits_2() -> None:
    result = invoke(["explain", LIVE, "XX-99"], exit_code=2)
    assert "unknown rule 'XX-99'" in result.stderr


def test_rule_not_in_force_on_the_arrival_date(tmp_path: Path) -> None:
    rules = tmp_path / "rules" / "reviews"
    rules.mkdir(parents=True)
    text = (ROOT / "rules" / "reviews" / "RV-01.yaml").read_text()
    later = "party: review officer\neffective_from: 2030-01-01\n"
    rules.joinpath("RV-01.yaml").write_text(text.replace("party: review officer\n", later, 1))
    checker = Checker(rules_dir=tmp_path / "rules")
    record = validate_record(json.loads((EXAMPLES / "compliant.json").read_text())).record
    result, hits = checker.explain_hits(record)
    explanation = explain("RV-01", result, hits, checker.rulebook)
    assert explanation.verdict is Verdict.NOT_IN_FORCE
    assert "in force from 2030-01-01" in explanation.summary


def test_every_check_of_a_fired_rule_has_an_outcome(checker: Checker) -> None:
    record = validate_record(json.loads((EXAMPLES / "cambridgeshire.json").read_text())).record
    result, hits = checker.explain_hits(record)
    explanation = explain("RV-05", result, hits, checker.rulebook)
    assert explanation.verdict is Verdict.FIRED
    outcomes = {v.check.name: v.outcome for i in explanation.instances for v in i.checks}
    assert outcomes["remote_review_after_charge"] is Outcome.VIOLATED
    assert outcomes["telephone_review_reason_not_recorded"] is Outcome.NEEDS_REVIEW
    used = {e for i in explanation.instances for v in i.checks for u in v.used
            for e in u.event_ids}
    assert {"e11", "e12", "e16"} <= used  # the two telephone reviews and the charge
    assert all(v.outcome is not Outcome.UNEXPLAINED for i in explanation.instances
               for v in i.checks)


# Phrases that show the rule language leaking into the sentences: an article before an
# ordinal after "no", a field name where a state belongs, an enum value as written in the
# record format, a rule's alias and field, a condition on a review's number.
_GARBLED = [
    (re.compile(r"\bno the "), "an article after 'no'"),
    (re.compile(r"\bto have (not )?(open|judged at)\b|\bleft by is\b"), "a field of the end fact"),
    (re.compile(r"\bis (not )?transfer[ _]to[ _]la\b|\btransfer to la\b"), "an enum value"),
    (re.compile(r"\b[a-z][a-z_]*\.(at|k|seq|limit_at)\b"), "an alias and a field"),
    (re.compile(r"\b(k|nth|seq) (is|at least|at most|more than|less than)\b"), "a counter"),
    (re.compile(r"\ban? (aa|la)\b|\ba [aeiou]"), "a wrong article or an abbreviation"),
]


@pytest.mark.parametrize("name", ["cambridgeshire", "gateshead", "compliant"])
def test_every_explanation_reads_as_english(checker: Checker, name: str) -> None:
    """Every rule on every example record: no sentence in the rule language."""
    record = validate_record(json.loads((EXAMPLES / f"{name}.json").read_text())).record
    result, hits = checker.explain_hits(record)
    garbled = []
    for rule in checker.rulebook:
        text = _flat(render_explanation(explain(rule.id, result, hits, checker.rulebook)).plain)
        garbled += [f"{rule.id}: {why}: ...{text[max(0, m.start() - 40):m.end() + 20]}..."
                    for pattern, why in _GARBLED for m in pattern.finditer(text)]
    assert not garbled, "\n".join(garbled[:20]) + f"\n({len(garbled)} in all)"
