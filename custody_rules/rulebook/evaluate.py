"""The condition language evaluated in plain Python: which facts a rule's patterns match.

This is the meaning of a rule file, read without the engine: `applies` says whether a rule's
trigger matches a timeline's facts, `combinations` lists every way some patterns match, and
`outcomes` lists every (check, outcome, facts) the compiled rule reports through durable-rules.
`explain` reads rules back with it; `tests/test_parity.py` runs it against durable-rules over
every rule example and thousands of generated records and requires identical matches. What each
operator means is in `rulebook.operators`, beside its durable-rules spelling.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from attrs import frozen

from custody_rules.rulebook.model import (
    APPLIES,
    DEADLINE,
    END_ALIAS,
    Check,
    Condition,
    Expr,
    Pattern,
    RuleSpec,
    Status,
)
from custody_rules.rulebook.operators import FieldValue, Wanted
from custody_rules.rulebook.operators import holds as operator_holds
from custody_rules.timeline import Fact

Bindings = Mapping[str, Fact]


@frozen
class Outcome:
    """One match of a compiled rule: its trigger ("applies", check -1) or one check's
    violated / pending / needs_review, with the facts bound to each alias."""

    check: int  # index into RuleSpec.checks; -1 for the trigger
    outcome: str  # "applies", or a Status value
    bindings: Mapping[str, Fact]


def field_value(fact: Fact, name: str) -> FieldValue | None:
    """A fact's field as rules see it (`at` included); None when the fact has no such field."""
    if name == "at":
        return fact.at
    return fact.fields.get(name)


def operand(value: object, bindings: Bindings, deadline: int | None) -> Wanted | None:
    """The value a condition compares with: a literal, a list, or an expression computed from
    the facts bound so far (None when a bound fact lacks the field, or nothing is bound)."""
    if isinstance(value, tuple):
        return value
    if not isinstance(value, Expr):
        return value if isinstance(value, int | str) else None
    if value.alias is None:
        return value.offset
    if value.alias == DEADLINE:
        return None if deadline is None else deadline + value.offset
    fact = bindings.get(value.alias)
    base = field_value(fact, value.field or "at") if fact is not None else None
    return base + value.offset if isinstance(base, int) else None


def holds(condition: Condition, fact: Fact, bindings: Bindings, deadline: int | None) -> bool:
    """Whether `fact` meets one condition, joined to the facts bound before it."""
    value = condition.value
    wanted = value if condition.op == "matches" and isinstance(value, str) else operand(
        value, bindings, deadline)
    return operator_holds(condition.op, field_value(fact, condition.field), wanted)


def candidates(facts: Sequence[Fact], pattern: Pattern, bindings: Bindings,
               deadline: int | None) -> list[Fact]:
    """The facts one pattern matches, given the facts bound before it."""
    return [fact for fact in facts if fact.type == pattern.type and all(
        holds(c, fact, bindings, deadline) for c in pattern.conditions)]


def joins(pattern: Pattern) -> bool:
    """Whether a pattern compares with a bound fact or a deadline (its matches then depend on
    what is bound before it); a pattern that does not matches the same facts whatever is."""
    return any(isinstance(condition.value, Expr) and condition.value.alias is not None
               for condition in pattern.conditions)


def combinations(facts: Sequence[Fact], patterns: Sequence[Pattern], bindings: Bindings,
                 deadline: int | None = None) -> Iterator[dict[str, Fact]]:
    """Every way the patterns match in order, each joined to those before it (lazily: take
    what you need)."""
    def walk(index: int, bound: dict[str, Fact]) -> Iterator[dict[str, Fact]]:
        if index == len(patterns):
            yield dict(bound)
            return
        pattern = patterns[index]
        for fact in candidates(facts, pattern, bound, deadline):
            yield from walk(index + 1, {**bound, pattern.alias: fact})
    return walk(0, dict(bindings))


def check_deadline(check: Check, bindings: Bindings) -> int | None:
    """A check's deadline (epoch seconds) for these bound facts, or None."""
    if check.deadline is None:
        return None
    value = operand(check.deadline, bindings, None)
    return value if isinstance(value, int) else None


def applies(rule: RuleSpec, facts: Sequence[Fact]) -> bool:
    """Whether the rule's trigger matches these facts (a timeline's facts, `end` among them):
    exactly when the engine would report the rule as applying."""
    if not any(fact.type == END_ALIAS for fact in facts):
        return False
    return next(combinations(facts, rule.trigger, {}), None) is not None


def outcomes(rule: RuleSpec, facts: Sequence[Fact]) -> list[Outcome]:
    """Every match the compiled rule has on these facts, as durable-rules reports them: the
    trigger with the end fact, and for each check its trigger, match and end facts when no
    absent pattern matches (a check with a deadline is violated once the end is past it, and
    pending while the child is still held and it is not)."""
    ends = [fact for fact in facts if fact.type == END_ALIAS]
    found: list[Outcome] = []
    for trigger in combinations(facts, rule.trigger, {}):
        found += [Outcome(-1, APPLIES, {**trigger, END_ALIAS: end}) for end in ends]
        for index, check in enumerate(rule.checks):
            for bound in combinations(facts, check.match, trigger):
                deadline = check_deadline(check, bound)
                if check.deadline is not None and deadline is None:
                    continue
                for end in ends:
                    outcome = _check_outcome(check, end, bound, deadline)
                    if outcome is None:
                        continue
                    with_end = {**bound, END_ALIAS: end}
                    if any(candidates(facts, pattern, with_end, deadline)
                           for pattern in check.absent):
                        continue
                    found.append(Outcome(index, outcome, with_end))
    return found


def _check_outcome(check: Check, end: Fact, bound: Bindings, deadline: int | None
                   ) -> str | None:
    if not all(holds(c, end, bound, deadline) for c in check.end):
        return None
    if deadline is None:
        return check.status.value
    if end.at > deadline:
        return check.status.value
    if field_value(end, "open") == 1:
        return Status.PENDING.value
    return None
