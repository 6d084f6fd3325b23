"""The examples beside each rule: building their records and judging them.

An example is a fragment completed from a base record: a 15-year-old boy who arrived at
16:40 on 6 September 2022 (event `a1`) and whose detention was authorised at 16:55 (`a2`) by a
custody sergeant. An example adds events, and may replace the person, the offences or, with
`base_events: false`, the base events themselves.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from attrs import frozen

from custody_rules.checker import Checker
from custody_rules.convert import parse_time
from custody_rules.findings import Finding, RecordResult
from custody_rules.rulebook import Example, RuleSpec
from custody_rules.validate import validate_record

BASE_PERSON: dict[str, Any] = {
    "date_of_birth": "2007-02-11", "sex": "male", "looked_after": False,
    "home_local_authority": "Cambridgeshire",
}
BASE_EVENTS: list[dict[str, Any]] = [
    {"id": "a1", "type": "arrival", "at": "2022-09-06T16:40:00+01:00"},
    {"id": "a2", "type": "detention_authorised", "at": "2022-09-06T16:55:00+01:00",
     "by": {"id": "PS 1432", "rank": "sergeant", "role": "custody_officer"}},
]


def example_record(rule: RuleSpec, example: Example) -> dict[str, Any]:
    """The whole record an example stands for."""
    fragment: Mapping[str, Any] = example.record
    person = {**BASE_PERSON, **fragment.get("person", {})}
    events = [] if fragment.get("base_events") is False else copy.deepcopy(BASE_EVENTS)
    events += copy.deepcopy(list(fragment.get("events", [])))
    record: dict[str, Any] = {
        "record_id": fragment.get("record_id", f"{rule.id}/{example.name}"),
        "force": "Example", "station": "Example",
        "person": person,
        "offences": fragment.get("offences", []),
        "events": events,
    }
    if "closed_at" in fragment:
        record["closed_at"] = fragment["closed_at"]
    return record


@frozen
class ExampleOutcome:
    rule: RuleSpec
    example: Example
    findings: tuple[Finding, ...]  # this rule's findings only
    applied: bool
    problems: tuple[str, ...]  # why it failed; empty when it passed
    result: RecordResult  # the whole record's result, for coverage across all examples

    @property
    def passed(self) -> bool:
        return not self.problems


def run_example(checker: Checker, rule: RuleSpec, example: Example) -> ExampleOutcome:
    raw = example_record(rule, example)
    validated = validate_record(raw)
    as_of: datetime | None = parse_time(example.as_of) if example.as_of else None
    # An example without as_of and without a leaving event is judged at a fixed moment,
    # never at the real clock, so that examples mean the same thing every day.
    now = parse_time("2022-09-08T12:00:00+01:00")
    result = checker.check(validated.record, as_of=as_of, now=now)
    mine = tuple(f for f in result.findings if f.rule == rule.id)
    return ExampleOutcome(rule, example, mine, rule.id in result.applied,
                          tuple(_problems(example, mine)), result)


def _problems(example: Example, findings: tuple[Finding, ...]) -> Iterator[str]:
    expected = list(example.expect)
    got = list(findings)
    for wanted in expected:
        match = next((f for f in got if f.status is wanted.status and
                      (wanted.events is None or set(wanted.events) <= set(f.events))), None)
        if match is None:
            events = f" pointing at {', '.join(wanted.events)}" if wanted.events else ""
            yield f"expected a {wanted.status.value} finding{events}"
        else:
            got.remove(match)
    for extra in got:
        yield f"unexpected {extra.status.value} finding: {extra.message}"


def run_all_examples(checker: Checker) -> list[ExampleOutcome]:
    return [run_example(checker, rule, example)
            for rule in checker.rulebook for example in rule.examples]


@frozen
class Coverage:
    """How often a rule fired, applied without firing, or did not apply, over all examples."""

    rule: str
    fired: int
    not_fired: int
    not_applicable: int


def coverage(outcomes: list[ExampleOutcome], rule_ids: list[str]) -> list[Coverage]:
    table = []
    for rule_id in rule_ids:
        fired = not_fired = not_applicable = 0
        for outcome in outcomes:
            result = outcome.result
            if any(f.rule == rule_id for f in result.findings):
                fired += 1
            elif rule_id in result.applied:
                not_fired += 1
            else:
                not_applicable += 1
        table.append(Coverage(rule_id, fired, not_fired, not_applicable))
    return table
