"""`explain`: why one rule fired, did not fire, or did not apply to one record.

The engine reports only what matched. To say why something did *not* match, this module reads
the rule's own patterns back against the timeline's facts with the condition language's Python
evaluator (`rulebook.evaluate`, which tests/test_parity.py holds to the engine's answers), with
the facts the engine bound as the starting point: which trigger pattern found nothing (and the
nearest facts that failed, on which condition), which event met an obligation, or why a deadline
was never reached. It reuses the rule's prose (applies_when, each check's describe, remedy,
exceptions) and states the policy thresholds and the deadlines it computed. It never decides a
finding itself: the findings are the checker's, and where its reading of the patterns cannot
account for the engine's answer it says so rather than guess.
"""

from __future__ import annotations

import enum
import functools
import itertools
import typing
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, timezone

import attrs
from attrs import frozen

from custody_rules.engine import Hit
from custody_rules.findings import Finding, RecordResult
from custody_rules.population import day_text, in_force_words
from custody_rules.record import EVENT_TYPES, RANK_LEVEL
from custody_rules.rulebook import (
    APPLIES,
    DEADLINE,
    END_ALIAS,
    TIME_FIELDS,
    Check,
    Condition,
    Expr,
    Pattern,
    Rulebook,
    RuleSpec,
    Status,
    evaluate,
)
from custody_rules.timeline import Fact, Timeline, uk_date
from custody_rules.views.narrative import clock_time, describe_event, words
from custody_rules.views.vocabulary import (
    ENTRIES,
    FIELD_NAMES,
    FLAG_WORDS,
    MOMENTS,
    NOUN_MOMENTS,
    VALUE_WORDS,
    duration_words,
    left_by_words,
    type_noun,
)

# Enough combinations to explain any real record; a runaway product is cut, never hung on.
MAX_COMBINATIONS = 500
# The nearest facts that failed a pattern, shown to say what the record has instead.
MAX_NEAR_MISSES = 4


class Verdict(str, enum.Enum):
    FIRED = "fired"  # at least one violated or needs_review finding
    PENDING = "pending"  # only obligations still falling due
    MET = "met"  # the rule applied and every check was met
    NOT_APPLICABLE = "not_applicable"  # the trigger found nothing in the record
    NOT_IN_FORCE = "not_in_force"  # the rule did not exist on the day the child arrived


class Outcome(str, enum.Enum):
    VIOLATED = "violated"
    PENDING = "pending"
    NEEDS_REVIEW = "needs_review"
    MET = "met"  # an event the check looks for is in the record
    NOT_DUE = "not_due"  # the child left before the deadline, so nothing fell due
    NOT_REACHED = "not_reached"  # the situation the check is about did not arise
    UNEXPLAINED = "unexplained"  # the patterns do not account for the engine's answer


@frozen
class FactUse:
    """A fact a rule bound or found, as a reader knows it."""

    alias: str
    type: str
    event_ids: tuple[str, ...]
    at: datetime
    summary: str


@frozen
class CheckVerdict:
    check: Check
    outcome: Outcome
    reason: str
    deadline: datetime | None
    deadline_rule: str | None  # the expression, e.g. "refused.at + 1h"
    thresholds: tuple[str, ...]  # "certificate_within = 1h: <meaning>"
    used: tuple[FactUse, ...]  # facts bound beyond the trigger (match patterns, end)
    met_by: tuple[FactUse, ...]  # events that met the check's absences
    would_satisfy: tuple[str, ...]  # the absences in words: any one of them meets the check
    findings: tuple[Finding, ...]
    deadline_words: str | None = None  # the expression in words, "1 hour after bail was refused"


@frozen
class TriggerInstance:
    """One way the rule's trigger matched (e.g. one review deadline, one bail refusal)."""

    used: tuple[FactUse, ...]
    checks: tuple[CheckVerdict, ...]


@frozen
class Explanation:
    rule: RuleSpec
    record_id: str
    as_of: datetime
    still_held: bool
    verdict: Verdict
    summary: str
    trigger: tuple[str, ...]  # the trigger's patterns in words
    not_applicable: tuple[str, ...]  # why the trigger found nothing, with near misses
    instances: tuple[TriggerInstance, ...]
    findings: tuple[Finding, ...]
    timeline: Timeline
    law_applied: tuple[str, ...] = ()  # the dates in force and the population, for this record


@frozen
class NotChecked:
    """A rule of the catalogue that the record format cannot express: it exists in law, but
    no record can show whether it was kept, so the tool does not check it."""

    rule_id: str
    title: str
    citations: tuple[str, ...]
    why: str


def not_checked(rule_id: str, catalogue: Mapping[str, Mapping[str, object]]) -> NotChecked | None:
    """The entry of `catalogue` (the rule files' list of rules not expressible) for a rule id
    (`CR-02`, or `DC-02` for `DC-02 (live link)`), if it has one."""
    for key, entry in catalogue.items():
        if key.split()[0] == rule_id:
            citations = entry.get("citations") or ()
            return NotChecked(
                rule_id=key, title=str(entry.get("title", "")),
                citations=tuple(str(c) for c in citations) if isinstance(citations, list)
                else (), why=" ".join(str(entry.get("missing", "")).split()))
    return None


def explain(
    rule_id: str, result: RecordResult, hits: Sequence[Hit], rulebook: Rulebook
) -> Explanation:
    """Explain one rule of `rulebook` for one judged record (`Checker.explain_hits`)."""
    rule = rulebook.rule(rule_id)
    timeline = result.timeline
    reader = _Reader(timeline, rulebook, rule)
    mine = tuple(f for f in result.findings if f.rule == rule.id)
    trigger_words = tuple(reader.pattern_words(p, {}, None) for p in rule.trigger)
    applied_hits = [h for h in hits if h.engine_rule.rule_id == rule.id
                    and h.engine_rule.outcome == APPLIES]
    base = Explanation(
        rule=rule, record_id=result.record_id, as_of=result.as_of,
        still_held=timeline.still_held, verdict=Verdict.NOT_APPLICABLE, summary="",
        trigger=trigger_words, not_applicable=(), instances=(), findings=mine, timeline=timeline,
        law_applied=_law_applied(rule, timeline, applied_hits),
    )
    if rule.id not in result.in_force:
        since = f" (in force from {rule.effective_from})" if rule.effective_from else ""
        until = f" (in force until {rule.effective_to})" if rule.effective_to else ""
        return attrs.evolve(
            base, verdict=Verdict.NOT_IN_FORCE,
            summary=f"{rule.id} was not in force on the day the child arrived{since}{until}; "
                    "a record is judged by the rules in force then.",
        )
    mine_hits = [h for h in hits if h.engine_rule.rule_id == rule.id]
    applied = [h for h in mine_hits if h.engine_rule.outcome == APPLIES]
    if not applied:
        return attrs.evolve(
            base, verdict=Verdict.NOT_APPLICABLE,
            summary=f"{rule.id} did not apply. It applies when: {rule.applies_when}",
            not_applicable=tuple(reader.why_no_trigger(rule)),
        )
    instances = tuple(
        reader.instance(rule, hit.bindings, [h for h in mine_hits if h.engine_rule.check >= 0
                                             and _same_trigger(rule, h.bindings, hit.bindings)],
                        mine)
        for hit in _distinct_triggers(rule, applied)
    )
    statuses = {f.status for f in mine}
    if statuses & {Status.VIOLATED, Status.NEEDS_REVIEW}:
        verdict, summary = Verdict.FIRED, _fired_summary(rule, mine)
    elif statuses:
        verdict = Verdict.PENDING
        due = "an obligation" if len(mine) == 1 else f"{len(mine)} obligations"
        summary = f"{rule.id} applies and has {due} still falling due; nothing is violated yet."
    else:
        verdict = Verdict.MET
        summary = f"{rule.id} applied and did not fire: every check was met or did not arise."
    return attrs.evolve(base, verdict=verdict, summary=summary, instances=instances)


def _law_applied(rule: RuleSpec, timeline: Timeline, applied: Sequence[Hit]) -> tuple[str, ...]:
    """Which dates and which population applied to this record: the law of the UK day the
    person arrived, and the age line at the moment of the fact the population binds to."""
    arrival = next((e for e in timeline.events if e.type == "arrival"), None)
    day = uk_date(arrival.at if arrival else timeline.judged_at)
    status = "in force" if rule.in_force_on(day) else "not in force"
    lines = [f"In force {in_force_words(rule.effective_from, rule.effective_to)}; the person "
             f"arrived on {day_text(day)}, when it was {status}."]
    bound = next((h.bindings[rule.population_at] for h in applied
                  if rule.population_at in h.bindings), None)
    if bound is not None:
        moment = datetime.fromtimestamp(bound.at, tz=timezone.utc)
        where = f"at the {rule.population_at} fact ({clock_time(moment, timeline)})"
    else:
        moment = arrival.at if arrival else timeline.judged_at
        where = "on arrival"
    lines.append(f"Protects: {rule.population.applied(uk_date(moment), timeline.age_at(moment))}"
                 f", {where}.")
    for check in rule.checks:
        own = check.population if check.population not in (None, rule.population) else None
        dated = check.effective_from or check.effective_to
        if own is None and not dated:
            continue
        parts = []
        if own is not None:
            parts.append(f"protects {own.describe()}")
        if dated:
            state = "in force" if check.in_force_on(day) else "not in force"
            parts.append(f"in force {in_force_words(check.effective_from, check.effective_to)} "
                         f"({state} on {day_text(day)})")
        lines.append(f"Check {check.name}: {'; '.join(parts)}.")
    return tuple(lines)


def _fired_summary(rule: RuleSpec, findings: tuple[Finding, ...]) -> str:
    counts = {s: sum(1 for f in findings if f.status is s) for s in Status}
    parts = [f"{n} {s.value.replace('_', ' ')}" for s, n in counts.items() if n]
    return f"{rule.id} fired: {', '.join(parts)}."


def _trigger_key(rule: RuleSpec, bindings: Mapping[str, Fact]) -> tuple[Fact | None, ...]:
    return tuple(bindings.get(p.alias) for p in rule.trigger)


def _same_trigger(rule: RuleSpec, one: Mapping[str, Fact], other: Mapping[str, Fact]) -> bool:
    return _trigger_key(rule, one) == _trigger_key(rule, other)


def _distinct_triggers(rule: RuleSpec, applied: list[Hit]) -> list[Hit]:
    seen: list[tuple[Fact | None, ...]] = []
    out: list[Hit] = []
    for hit in applied:
        key = _trigger_key(rule, hit.bindings)
        if key not in seen:
            seen.append(key)
            out.append(hit)
    return sorted(out, key=lambda h: [f.at if f else 0 for f in _trigger_key(rule, h.bindings)])


@functools.cache
def boolean_fields() -> frozenset[str]:
    """Fields that hold 0/1 for no/yes, so that conditions on them read as words (worked out
    at first use, not at import: resolving the event classes' type hints is slow, and `check`
    imports this module without explaining anything)."""
    names = {"juvenile", "code_c_juvenile", "under_18", "charged", "refused", "in_detention",
             "aa_on_site", "open", "left",
             "female", "looked_after", "violent_offence", "sexual_offence", "violent_or_sexual",
             "indictable", "has_note"}
    for cls in EVENT_TYPES.values():
        hints = typing.get_type_hints(cls)
        for attribute in attrs.fields(cls):
            declared = hints[attribute.name]
            if bool in typing.get_args(declared) or declared is bool:
                names.add(attribute.name)
    return frozenset(names)


_TIME_WORDS = {"lt": "is before", "lte": "is at or before", "gt": "is after",
               "gte": "is at or after", "eq": "is", "ne": "is not"}
_NUMBER_WORDS = {"lt": "is less than", "lte": "is at most", "gt": "is more than",
                 "gte": "is at least", "eq": "is", "ne": "is not"}
_LATE_WORDS = {"lt": "less than", "lte": "at most", "gt": "more than", "gte": "at least"}
_ORDER_WORDS = {"lt": "logged before", "lte": "logged no later than", "gt": "logged after",
                "gte": "logged no earlier than", "eq": "logged in the same entry as"}
_AGE_WORDS = {"lt": "aged under {}", "lte": "aged {} or under", "gt": "aged over {}",
              "gte": "aged {} or over", "eq": "aged {}"}
_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth",
             "ninth", "tenth")


def _ordinal(number: int) -> str:
    return _ORDINALS[number - 1] if number <= len(_ORDINALS) else f"{number}th"


def _no_article(phrase: str) -> str:
    """`a review (...)` -> `review (...)`, `the first review` -> `first review`: after "no"."""
    for article in ("a ", "an ", "the "):
        if phrase.startswith(article):
            return phrase[len(article):]
    return phrase


def _with_article(noun: str) -> str:
    return f"{'an' if noun[:1] in 'aeiou' else 'a'} {noun}"


class _Reader:
    """Reads a rule's patterns against one timeline's facts."""

    def __init__(self, timeline: Timeline, rulebook: Rulebook, rule: RuleSpec | None = None):
        self.timeline = timeline
        self.rulebook = rulebook
        self.facts = timeline.facts
        self.end = next(f for f in timeline.facts if f.type == END_ALIAS)
        # Which event type each alias stands for, to name it in words: the trigger's here, a
        # check's own while that check is read (two checks may bind one alias to two types).
        self.alias_types = _alias_types(rule.trigger if rule else ())

    # ------------------------------------------------------------------ evaluation

    def value(self, value: object, bindings: Mapping[str, Fact],
              deadline: int | None) -> int | str | tuple[int | str, ...] | None:
        return evaluate.operand(value, bindings, deadline)

    def holds(self, condition: Condition, fact: Fact, bindings: Mapping[str, Fact],
              deadline: int | None) -> bool:
        return evaluate.holds(condition, fact, bindings, deadline)

    def candidates(self, pattern: Pattern, bindings: Mapping[str, Fact],
                   deadline: int | None) -> list[Fact]:
        return evaluate.candidates(self.facts, pattern, bindings, deadline)

    def combinations(self, patterns: Sequence[Pattern], bindings: Mapping[str, Fact],
                     deadline: int | None = None) -> Iterator[dict[str, Fact]]:
        """Every way the patterns match in order, each joined to those before it."""
        return itertools.islice(evaluate.combinations(self.facts, patterns, bindings, deadline),
                                MAX_COMBINATIONS)

    # ------------------------------------------------------------------ words

    def time(self, epoch_seconds: int) -> str:
        return clock_time(datetime.fromtimestamp(epoch_seconds, tz=timezone.utc), self.timeline)

    def value_words(self, condition: Condition, bindings: Mapping[str, Fact],
                    deadline: int | None) -> str:
        value = condition.value
        if isinstance(value, tuple):
            return _list_words([_literal_words(condition.field, v) for v in value])
        if isinstance(value, Expr):
            computed = self.value(value, bindings, deadline)
            expression = self.expr_words(value, bindings)
            if isinstance(computed, int) and _is_time(condition.field, value):
                return f"{self.time(computed)} ({expression})"
            if computed is not None:
                return f"{computed} ({expression})"
            # Not bound here: the moment itself, "the time bail was refused".
            return f"the time {expression.removeprefix('when ')}" \
                if expression.startswith("when ") else expression
        return _literal_words(condition.field, value)

    def moment(self, alias: str, bindings: Mapping[str, Fact]) -> str:
        """The moment an alias's fact stands for, as a clause: `bail was refused`."""
        if alias == DEADLINE:
            return "the deadline"
        fact = bindings.get(alias)
        kind = fact.type if fact is not None else self.alias_types.get(alias, alias)
        if kind == END_ALIAS:
            if fact is not None and fact.fields.get("open"):
                return "the time judged, with the child still held"
            if fact is not None:
                return "the child left police detention"
            return "the child left police detention (or the time judged, if still held)"
        if kind == "bail_decision":
            refused = fact is None or fact.fields.get("outcome") == "refused"
            return "bail was refused" if refused else "the bail decision"
        return MOMENTS.get(kind, f"the {type_noun(kind)} was recorded")

    def expr_words(self, expr: Expr, bindings: Mapping[str, Fact]) -> str:
        """`refused.at + 1h` -> `1 hour after bail was refused`; `clock.limit_at` -> `the
        detention limit`: a rule's expression named by the event its alias stands for."""
        if expr.alias is None:
            return duration_words(expr.offset)
        kind = self.alias_types.get(expr.alias, expr.alias)
        if expr.field == "limit_at":
            base = "the detention limit"
        elif expr.field == "k":
            base = "the number of the review due"
        elif expr.field == "seq":
            base = ENTRIES.get(kind, f"the {type_noun(kind)}")
        elif expr.field in ("at", None):
            base = self.moment(expr.alias, bindings)
        else:
            base = f"the {words(expr.field)} of the {type_noun(kind)}"
        if not expr.offset:
            if expr.field in ("at", None) and base not in NOUN_MOMENTS:
                return f"when {base}"
            return base
        after = "after" if expr.offset > 0 else "before"
        return f"{duration_words(expr.offset)} {after} {base}"

    def condition_words(self, condition: Condition, bindings: Mapping[str, Fact],
                        deadline: int | None) -> str:
        field, op = condition.field, condition.op
        value = self.value_words(condition, bindings, deadline)
        if op == "matches":
            said = _regex_words(str(condition.value))
            return f"{_field_words(field)} mentions {said}" if said \
                else f"{_field_words(field)} matches /{condition.value}/"
        if field == "seq" and isinstance(condition.value, Expr) and op in _ORDER_WORDS:
            return f"{_ORDER_WORDS[op]} {self.expr_words(condition.value, bindings)}"
        if field == "k" and isinstance(condition.value, int) and op in ("gt", "gte"):
            first = condition.value + (1 if op == "gt" else 0)
            return f"the {_ordinal(first)} or a later one"
        if field == "left_by" and op in ("eq", "ne") and isinstance(condition.value, str):
            if condition.value == "none":
                return "still held" if op == "eq" else "left police detention"
            how = left_by_words(condition.value)
            return f"left by {how}" if op == "eq" else f"not left by {how}"
        if op == "in":
            return f"{_field_words(field)} is {value}"
        if op == "not_in" and isinstance(condition.value, tuple):
            names = [_literal_words(field, v) for v in condition.value]
            none_of = f"neither {names[0]} nor {names[1]}" if len(names) == 2 \
                else f"none of {_list_words(names)}"
            return f"{_field_words(field)} is {none_of}"
        if op == "not_in":
            return f"{_field_words(field)} is not {value}"
        if _is_time(field, condition.value):
            name = "time" if field == "at" else _field_words(field)
            late = condition.value
            if isinstance(late, Expr) and late.offset > 0 and op in _LATE_WORDS \
                    and late.alias not in bindings and late.alias != DEADLINE:
                # "time is after 1 hour after bail was refused": say "more than 1 hour after".
                return f"{name} is {_LATE_WORDS[op]} {value}"
            return f"{name} {_TIME_WORDS[op]} {value}"
        if (field in boolean_fields() or field in FLAG_WORDS) and op in ("eq", "ne") \
                and condition.value in (0, 1) and not isinstance(condition.value, Expr):
            positive = (condition.value == 1) == (op == "eq")
            yes, no = FLAG_WORDS.get(field, (words(field), f"not {words(field)}"))
            return yes if positive else no
        if field == "age" and isinstance(condition.value, int) and op in _AGE_WORDS:
            return _AGE_WORDS[op].format(condition.value)
        if op in ("eq", "ne") and isinstance(condition.value, str):
            return f"{_field_words(field)} {'is' if op == 'eq' else 'is not'} {value}"
        return f"{_field_words(field)} {_NUMBER_WORDS[op]} {value}"

    def pattern_words(self, pattern: Pattern, bindings: Mapping[str, Fact],
                      deadline: int | None) -> str:
        """`the first detention authorised (aged under 18)`, `a child (female)`: the
        pattern as a custody officer would say it, not in the rule language."""
        noun = type_noun(pattern.type)
        head, conditions = _with_article(noun), []
        for condition in pattern.conditions:
            number = condition.value if not isinstance(condition.value, Expr) else \
                self.value(condition.value, bindings, deadline) \
                if condition.value.alias in bindings else None
            if condition.field in ("nth", "k") and condition.op == "eq" \
                    and isinstance(number, int) and not isinstance(number, bool) and number > 0:
                head = f"the {_ordinal(number)} {noun}"
            elif condition.field == "nth" and condition.op == "eq" \
                    and isinstance(condition.value, Expr) and condition.value.field == "k":
                head = f"the {noun} of the same number as the review due"
            else:
                conditions.append(self.condition_words(condition, bindings, deadline))
        return f"{head} ({'; '.join(conditions)})" if conditions else head

    def end_words(self, condition: Condition, bindings: Mapping[str, Fact],
                  deadline: int | None) -> str:
        """A condition on the `end` fact, as what it needs of the child: `the child to be still
        held`, `the child to have left by transfer to local authority accommodation`."""
        field, op, value = condition.field, condition.op, condition.value
        yes = (value == 1) == (op == "eq") if op in ("eq", "ne") else None
        if field == "open" and yes is not None:
            return "the child to be still held" if yes \
                else "the child to have left police detention (or the record to be closed)"
        if field == "left" and yes is not None:
            return "the child to have left police detention" if yes \
                else "the child not to have left police detention"
        if field == "left_by" and op in ("eq", "ne") and isinstance(value, str):
            if value == "none":
                return "the child to be still held" if op == "eq" \
                    else "the child to have left police detention"
            how = left_by_words(value)
            return f"the child to have left by {how}" if op == "eq" \
                else f"the child not to have left by {how}"
        if field in ("at", "judged_at") and op in _TIME_WORDS:
            when = self.value_words(condition, bindings, deadline)
            what = "police detention (or the record, if still held) to end" if field == "at" \
                else "the record to be judged"
            return f"{what} {_TIME_WORDS[op].removeprefix('is ')} {when}"
        return f"the record's end to show {self.condition_words(condition, bindings, deadline)}"

    def use(self, alias: str, fact: Fact) -> FactUse:
        at = datetime.fromtimestamp(fact.at, tz=timezone.utc)
        return FactUse(alias, fact.type, fact.event_ids, at, self.fact_summary(fact))

    def fact_summary(self, fact: Fact) -> str:
        if not fact.derived:
            event = self.timeline.event(fact.event_ids[0]) if fact.event_ids else None
            return describe_event(event, self.timeline) if event else words(fact.type)
        fields = fact.fields
        if fact.type == "review_due":
            return (f"review {fields['k']} due by {self.time(fact.at)} (counted from "
                    f"{self.time(int(fields['counted_from_at']))})")
        if fact.type == "detention_clock":
            return (f"PACE clock: relevant time {self.time(fact.at)}, limit "
                    f"{self.time(int(fields['limit_at']))} ({fields['limit_hours']} hours)")
        if fact.type == "child":
            juvenile = "an arrested juvenile" if fields.get("juvenile") else "not a juvenile"
            return f"the child: aged {fields.get('age')} on arrival, {juvenile}"
        if fact.type == END_ALIAS:
            if fields.get("open"):
                return f"still held at {self.time(fact.at)} (the time judged)"
            left_by = str(fields.get("left_by", "none"))
            how = f" by {left_by_words(left_by)}" if left_by != "none" else " (record closed)"
            return f"left police detention{how} at {self.time(fact.at)}"
        return words(fact.type)

    # ------------------------------------------------------------------ not applicable

    def why_no_trigger(self, rule: RuleSpec) -> Iterator[str]:
        """Which trigger pattern found nothing, and the nearest facts, failing on what."""
        bound: list[dict[str, Fact]] = [{}]
        for pattern in rule.trigger:
            found = [combo for b in bound for combo in self.combinations([pattern], b)]
            if not found:
                what = _no_article(self.pattern_words(pattern, bound[0], None))
                yield f"The record has no {what}."
                yield from self.near_misses(pattern, bound[0], None)
                return
            bound = found
        # Every pattern matched somewhere but the engine did not apply the rule: say so.
        yield ("The trigger's patterns each match, yet the engine did not apply the rule; "
               "this explanation cannot account for that.")

    def near_misses(self, pattern: Pattern, bindings: Mapping[str, Fact],
                    deadline: int | None) -> Iterator[str]:
        same_type = [f for f in self.facts if f.type == pattern.type]
        if not same_type:
            yield f"  No {type_noun(pattern.type)} at all in the record."
            return
        for fact in same_type[:MAX_NEAR_MISSES]:
            failed = [self.condition_words(c, bindings, deadline) for c in pattern.conditions
                      if not self.holds(c, fact, bindings, deadline)]
            ids = ", ".join(fact.event_ids)
            label = f"{ids} at {self.time(fact.at)}" if ids else self.time(fact.at)
            yield (f"  {label}: {self.fact_summary(fact)}; fails: " + "; ".join(failed))
        if len(same_type) > MAX_NEAR_MISSES:
            yield f"  ... and {len(same_type) - MAX_NEAR_MISSES} more: {type_noun(pattern.type)}."

    # ------------------------------------------------------------------ one trigger match

    def instance(self, rule: RuleSpec, trigger: Mapping[str, Fact], hits: list[Hit],
                 findings: tuple[Finding, ...]) -> TriggerInstance:
        trigger_bound = {p.alias: trigger[p.alias] for p in rule.trigger if p.alias in trigger}
        used = tuple(self.use(alias, fact) for alias, fact in trigger_bound.items())
        verdicts = tuple(
            self.check_verdict(rule, index, check, trigger_bound,
                               [h for h in hits if h.engine_rule.check == index], findings)
            for index, check in enumerate(rule.checks)
        )
        return TriggerInstance(used, verdicts)

    def check_verdict(self, rule: RuleSpec, index: int, check: Check,
                      trigger: Mapping[str, Fact], hits: list[Hit],
                      findings: tuple[Finding, ...]) -> CheckVerdict:
        self.alias_types = _alias_types((*rule.trigger, *check.match, *check.absent))
        thresholds = tuple(
            f"{self.rulebook.policy[name].describe()}: {self.rulebook.policy[name].meaning}"
            for name in check.thresholds)
        deadline_rule = check.deadline.describe() if check.deadline else None
        common = CheckVerdict(
            check=check, outcome=Outcome.UNEXPLAINED, reason="", deadline=None,
            deadline_rule=deadline_rule, thresholds=thresholds, used=(), met_by=(),
            would_satisfy=(), findings=(),
            deadline_words=self.deadline_words(check, trigger),
        )
        if hits:
            return self.fired(check, trigger, hits, findings, common)
        combos = list(self.combinations(check.match, trigger))
        if not combos:
            missing = next((p for p in check.match
                            if not any(True for _ in self.combinations([p], trigger))),
                           check.match[0] if check.match else None)
            reason = "The situation this check is about did not arise"
            if missing is not None:
                what = _no_article(self.pattern_words(missing, trigger, None))
                reason += f": the record has no {what}"
            deadline = self.deadline(check, trigger)
            due = datetime.fromtimestamp(deadline, tz=timezone.utc) if deadline else None
            return attrs.evolve(common, outcome=Outcome.NOT_REACHED, reason=reason + ".",
                                deadline=due)
        # Explain the first way the check could have been reached; the others read alike.
        bindings = {**combos[0], END_ALIAS: self.end}
        deadline = self.deadline(check, bindings)
        used = tuple(self.use(a, f) for a, f in bindings.items() if a not in trigger)
        would = tuple(self.pattern_words(p, bindings, deadline) for p in check.absent)
        due = datetime.fromtimestamp(deadline, tz=timezone.utc) if deadline is not None else None
        shared = attrs.evolve(common, deadline=due, used=used, would_satisfy=would,
                              deadline_words=self.deadline_words(check, bindings))
        failed_end = [c for c in check.end if not self.holds(c, self.end, bindings, deadline)]
        if failed_end:
            wanted = " and ".join(self.end_words(c, bindings, deadline) for c in failed_end)
            return attrs.evolve(
                shared, outcome=Outcome.NOT_REACHED,
                reason=f"Not reached: the check needs {wanted}, "
                       f"and the child {self.fact_summary(self.end)}.")
        if deadline is not None and self.end.at <= deadline and not self.end.fields.get("open"):
            return attrs.evolve(
                shared, outcome=Outcome.NOT_DUE,
                reason=f"Nothing fell due: the deadline was {self.time(deadline)} and the child "
                       f"{self.fact_summary(self.end)}.")
        met = [(p, f) for p in check.absent for f in self.candidates(p, bindings, deadline)]
        if met:
            met_by = tuple(self.use(p.alias, f) for p, f in met)
            first = met_by[0]
            ids = ", ".join(first.event_ids)
            return attrs.evolve(
                shared, outcome=Outcome.MET, met_by=met_by,
                reason=f"Met: the record has {ids} at {clock_time(first.at, self.timeline)}, "
                       f"{first.summary} ({self.pattern_words(met[0][0], bindings, deadline)}).")
        return attrs.evolve(
            shared, outcome=Outcome.UNEXPLAINED,
            reason="The engine did not fire this check, and reading its patterns back does not "
                   "show why; treat the answer with care and report it.")

    def fired(self, check: Check, trigger: Mapping[str, Fact], hits: list[Hit],
              findings: tuple[Finding, ...], common: CheckVerdict) -> CheckVerdict:
        hit = hits[0]
        outcome = Outcome(hit.engine_rule.outcome)
        deadline = self.deadline(check, hit.bindings)
        # Every fact any of the check's activations bound, once, in time order.
        bound = {(a, f.type, f.at, f.event_ids): (a, f) for h in hits
                 for a, f in h.bindings.items() if a not in trigger}
        used = tuple(self.use(a, f) for a, f in sorted(bound.values(), key=lambda b: b[1].at))
        events = {e for h in hits for f in h.bindings.values() for e in f.event_ids}
        mine = tuple(f for f in findings if f.check == check.name and set(f.events) <= events)
        would = tuple(self.pattern_words(p, hit.bindings, deadline) for p in check.absent)
        due = datetime.fromtimestamp(deadline, tz=timezone.utc) if deadline is not None else None
        end = hit.bindings.get(END_ALIAS, self.end)
        if outcome is Outcome.PENDING and deadline is not None:
            reason = (f"Falling due by {self.time(deadline)}: the child is still held and nothing "
                      "that would meet it is in the record yet.")
        else:
            state = outcome.value.replace("_", " ").capitalize()
            reason = f"{state}: the record matches this check"
            if deadline is not None:
                where = (f"still held at {self.time(end.at)}" if end.fields.get("open")
                         else f"in police detention until {self.time(end.at)}")
                reason += f"; the deadline {self.time(deadline)} passed with the child {where}"
            if check.absent:
                reason += "; none of the events that would meet it is in the record"
            reason += "."
        return attrs.evolve(common, outcome=outcome, reason=reason, deadline=due, used=used,
                            would_satisfy=would, findings=mine,
                            deadline_words=self.deadline_words(check, hit.bindings))

    def deadline(self, check: Check, bindings: Mapping[str, Fact]) -> int | None:
        return evaluate.check_deadline(check, bindings)

    def deadline_words(self, check: Check, bindings: Mapping[str, Fact]) -> str | None:
        return self.expr_words(check.deadline, bindings) if check.deadline else None


def _list_words(items: Sequence[str], last: str = "or") -> str:
    """`a, b or c`."""
    return f"{', '.join(items[:-1])} {last} {items[-1]}" if len(items) > 1 else "".join(items)


def _regex_words(pattern: str) -> str | None:
    """`.*(sleep|slept).*` -> `"sleep" or "slept"`; None for a pattern that is not a list of
    words looked for anywhere in the text."""
    core = pattern.removeprefix(".*").removesuffix(".*")
    core = core[1:-1] if core.startswith("(") and core.endswith(")") else core
    found = core.split("|")
    if not all(w and all(c.isalnum() or c == " " for c in w) for w in found):
        return None
    return _list_words([f'"{w}"' for w in found])


def _field_words(field: str) -> str:
    return FIELD_NAMES.get(field, words(field))


def _alias_types(patterns: Sequence[Pattern]) -> dict[str, str]:
    return {END_ALIAS: END_ALIAS, **{p.alias: p.type for p in reversed(patterns)}}


def _is_time(field: str, value: object) -> bool:
    if field in TIME_FIELDS:
        return True
    return isinstance(value, Expr) and (value.field in TIME_FIELDS or value.alias == DEADLINE)


def _literal_words(field: str, value: object) -> str:
    if field in boolean_fields() and value in (0, 1):
        return "yes" if value == 1 else "no"
    if value == "none" or (field == "by_rank_level" and value == -1):
        return "not recorded"
    if field == "by_rank_level" and isinstance(value, int):
        return next((words(rank.value) for rank, level in RANK_LEVEL.items() if level == value),
                    str(value))
    return VALUE_WORDS.get(str(value), words(str(value)))
