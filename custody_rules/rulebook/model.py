"""The rule model: what a rule file becomes once read (frozen values, no behaviour of note).

Every later stage imports `Severity` and `Status` from here; the condition language's parts
(`Pattern`, `Condition`, `Expr`) are what the parser builds, the compiler turns into
durable-rules JSON and the evaluator (`rulebook.evaluate`) reads in plain Python.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from datetime import date
from typing import Any

from attrs import frozen

from custody_rules.policy import Policy
from custody_rules.population import Population


class Severity(str, enum.Enum):
    STATUTE = "statute"
    CODE = "code"
    GUIDANCE = "guidance"
    # Only a force policy threshold passed (issue 11): the finding names it; the law's own
    # condition, where met, is reported at the law's severity by another check.
    POLICY = "policy"
    GOOD_PRACTICE = "good_practice"

    @property
    def rank(self) -> int:
        return list(Severity).index(self)


class Status(str, enum.Enum):
    VIOLATED = "violated"
    PENDING = "pending"
    NEEDS_REVIEW = "needs_review"


OPERATORS = ("eq", "ne", "lt", "lte", "gt", "gte", "in", "not_in", "matches")
END_ALIAS = "end"
DEADLINE = "deadline"
APPLIES = "applies"  # the outcome of a rule's trigger matching, beside each check's statuses
# Fields holding epoch seconds: shown as times in messages.
TIME_FIELDS = frozenset({"at", "until", "limit_at", "counted_from_at", "judged_at"})
RESERVED_FIELDS = frozenset({"id", "sid"})  # joins on these corrupt memory (docs/engine.md, B3)

Scalar = int | str


@frozen
class Expr:
    """`alias.field + offset` (alias None: a constant). Offsets are seconds."""

    alias: str | None
    field: str | None
    offset: int = 0
    policy: tuple[str, ...] = ()

    def describe(self) -> str:
        base = f"{self.alias}.{self.field}" if self.alias else ""
        if not self.offset:
            return base or "0"
        sign = "+" if self.offset > 0 else "-"
        amount = _format_seconds(abs(self.offset))
        return f"{base} {sign} {amount}" if base else f"{sign if self.offset < 0 else ''}{amount}"


@frozen
class Condition:
    field: str
    op: str
    value: Scalar | Expr | tuple[Scalar, ...]


@frozen
class Pattern:
    alias: str
    type: str
    conditions: tuple[Condition, ...]


@frozen
class Check:
    name: str
    status: Status
    severity: Severity | None
    describe: str
    match: tuple[Pattern, ...]
    end: tuple[Condition, ...]
    deadline: Expr | None
    absent: tuple[Pattern, ...]
    message: str
    question: str | None
    pending: str | None = None
    # A check may protect a narrower population than its rule (bound to its first match
    # pattern), and may have its own dates; None: the rule's.
    population: Population | None = None
    effective_from: date | None = None
    effective_to: date | None = None

    def in_force_on(self, day: date) -> bool:
        return _in_force(self.effective_from, self.effective_to, day)

    @property
    def thresholds(self) -> tuple[str, ...]:
        """The policy thresholds this check rests on, in order of first use."""
        names: list[str] = []
        exprs = [self.deadline] if self.deadline else []
        for pattern in (*self.match, *self.absent):
            exprs += [c.value for c in pattern.conditions if isinstance(c.value, Expr)]
        exprs += [c.value for c in self.end if isinstance(c.value, Expr)]
        for expr in exprs:
            names += [name for name in expr.policy if name not in names]
        return tuple(names)


@frozen
class ExpectedFinding:
    status: Status
    events: tuple[str, ...] | None = None


@frozen
class Example:
    name: str
    fires: bool
    expect: tuple[ExpectedFinding, ...]
    record: Mapping[str, Any]
    as_of: str | None = None


@frozen
class RuleSpec:
    id: str
    title: str
    severity: Severity
    confidence: str
    party: str
    citations: tuple[str, ...]
    obligation: str
    applies_when: str
    rationale: str
    exceptions: str | None
    remedy: str
    effective_from: date | None
    effective_to: date | None
    trigger: tuple[Pattern, ...]
    checks: tuple[Check, ...]
    examples: tuple[Example, ...]
    path: str
    group: str
    line: int = 1
    population: Population = Population.EVERY_DETAINEE
    population_at: str = ""  # the trigger alias whose moment decides the population

    def in_force_on(self, day: date) -> bool:
        return _in_force(self.effective_from, self.effective_to, day)

    def population_of(self, check: Check) -> Population:
        """Whom the check protects: its own population, else the rule's."""
        return check.population or self.population


def _in_force(start: date | None, end: date | None, day: date) -> bool:
    if start is not None and day < start:
        return False
    return end is None or day <= end


@frozen
class Rulebook:
    rules: tuple[RuleSpec, ...]
    policy: Policy
    version: str
    digest: str

    def rule(self, rule_id: str) -> RuleSpec:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    def __iter__(self) -> Iterator[RuleSpec]:
        return iter(self.rules)


def _format_seconds(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes = rest // 60
    if hours and minutes:
        return f"{hours}h{minutes:02d}m"
    return f"{hours}h" if hours else f"{minutes}m"
