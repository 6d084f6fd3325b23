"""The compiler's output, checked against the engine itself."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

from custody_rules.checker import Checker
from custody_rules.engine.compile import SLOT_CAPACITY, compile_rulebook
from custody_rules.policy import default_policy
from custody_rules.rulebook import load_rulebook
from custody_rules.validate import validate_record
from tests.conftest import ROOT, builtin_rulebook

RULE = """\
id: XX-{n:02d}
title: Review number {n}
severity: code
confidence: high
party: review officer
population: every_detainee
citations: [test]
obligation: x
applies_when: x
rationale: x
remedy: x
trigger:
  review: {{type: review, nth: 1}}
checks:
  - name: first
    status: violated
    describe: x
    match:
      later: {{type: review, at: {{gt: review.at}}}}
    absent:
      other: {{type: review, at: {{gt: later.at}}}}
    message: Review at {{review.at}}.
  - name: second
    status: violated
    describe: x
    absent:
      none: {{type: review, nth: 9}}
    message: Review at {{review.at}}.
examples: []
"""


def test_a_busy_fact_type_is_sharded_and_every_rule_still_fires(tmp_path: Path) -> None:
    """Past 64 entry points a fact fails (error 303): the compiler shards busy types into
    slots. Every rule's patterns of that type must share one slot: a regression once left
    patterns shared between a rule's checks carrying every slot at once, matching nothing."""
    for n in range(60):
        (tmp_path / f"XX-{n:02d}.yaml").write_text(RULE.format(n=n))
    rulebook = load_rulebook(default_policy(), tmp_path)
    compiled = compile_rulebook(rulebook)
    assert compiled.slots["review"] >= 60 * 5 // SLOT_CAPACITY
    for name, definition in compiled.definitions.items():
        slots = {json.dumps(c) for condition in definition["all"] for c in condition.values()
                 if '"slot"' in json.dumps(c)}
        per_pattern = [json.dumps(c).count('"slot"') for condition in definition["all"]
                       for c in condition.values()]
        assert max(per_pattern) <= 1, name
        assert slots or name == "~housekeeping"
    record = json.loads((ROOT / "examples" / "compliant.json").read_text())
    record["events"] += [
        {"id": "r2", "type": "review", "at": "2023-03-14T20:00:00+00:00", "mode": "in_person"}]
    result = Checker(rulebook=rulebook).check(
        validate_record(record).record, now=datetime(2024, 1, 1, tzinfo=timezone.utc))
    fired = {(f.rule, f.check) for f in result.findings}
    assert fired == {(f"XX-{n:02d}", check) for n in range(60) for check in ("first", "second")}


def test_the_shipped_catalogue_compiles_within_the_engine_limits() -> None:
    compiled = compile_rulebook(builtin_rulebook())
    for fact_type, copies in compiled.slots.items():
        assert copies >= 2, fact_type
    assert "id" not in compiled.fields and "sid" not in compiled.fields


def test_each_fact_type_carries_only_the_fields_read_on_it() -> None:
    compiled = compile_rulebook(builtin_rulebook())
    by_type = compiled.fields_by_type
    assert set(by_type) == set(compiled.fact_types)
    assert compiled.slots and set().union(*by_type.values()) == compiled.fields
    for fact_type, fields in by_type.items():
        assert {"type", "at"} <= fields
        assert ("slot" in fields) == (fact_type in compiled.slots)
        assert not fields & {"id", "sid"}
    # Named in a pattern of the type, and read through a join from another pattern (RV-01's
    # `late.at > due.at` reads `at` of review_due; DC-01 joins the clock's limit_at).
    assert "postponed_reason" in by_type["review"] and "postponed_reason" not in by_type["charge"]
    assert "limit_at" in by_type["detention_clock"]
    text = json.dumps(compiled.definitions)
    for fact_type, fields in by_type.items():
        for field in fields - {"type", "at", "slot"}:
            assert f'"{field}"' in text, (fact_type, field)
