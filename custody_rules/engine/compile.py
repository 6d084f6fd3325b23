"""Compile rule specs into durable-rules JSON, refusing every shape measured to be unsafe.

docs/engine.md records what durable-rules 2.0.28 gets wrong; this module is where each of
those findings becomes a rule of construction:

* every absence (`$not`) sits after the `end` fact, or it is judged too early;
* no condition or join touches `id` or `sid` (bug B3, use-after-free);
* no nested `$and`/`$or` group holds a join (bug B6, later expressions skipped);
* no `any` gate (extra combined activations with facts);
* every `$and` with a join ends with an always-true join (bug B2, heap over-read);
* a housekeeping rule fires on `end` in every session (bug B1, free of garbage on delete);
* no fact may reach more than 64 entry points (error 303), so busy types are sharded into slots.

The output is plain data; only `engine.durable` hands it to the C engine.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

import attrs
from attrs import frozen

from custody_rules.errors import RuleFileError
from custody_rules.rulebook import (
    APPLIES,
    DEADLINE,
    END_ALIAS,
    Condition,
    Expr,
    Pattern,
    Rulebook,
    RuleSpec,
    Status,
)
from custody_rules.rulebook.operators import durable_condition

HOUSEKEEPING = "~housekeeping"
# Error 303 comes past 64 entry points; the housekeeping rule adds one on `end`. Slots are
# recomputed for every rule set, so no spare is needed (fewer copies: measured 7% faster).
SLOT_CAPACITY = 56
# Subtracted from a bound fact's time, this gives a comparison that is always true (bug B2).
ALWAYS_TRUE_MARGIN = 10**12
__all__ = ["APPLIES", "HOUSEKEEPING", "CompiledRuleset", "EngineRule", "compile_rulebook"]


@frozen
class EngineRule:
    """What one durable rule stands for: a rule's trigger ("applies") or one check's outcome."""

    rule_id: str
    check: int  # index into RuleSpec.checks; -1 for the trigger
    outcome: str  # "applies", or a Status value


@frozen
class CompiledRuleset:
    definitions: dict[str, dict[str, Any]]
    meaning: dict[str, EngineRule]
    fact_types: frozenset[str]
    fields: frozenset[str]  # every field some rule reads
    slots: dict[str, int]  # fact type -> number of copies to assert (absent: one, no slot field)
    # Fact type -> the fields some pattern or join reads on facts of that type (`type`, `at`
    # and, when sharded, `slot` included): each fact carries nothing else to the engine.
    fields_by_type: dict[str, frozenset[str]] = attrs.field(factory=dict)


def compile_rulebook(rulebook: Rulebook) -> CompiledRuleset:
    """Turn every rule of the book into durable rules, with the meaning of each kept beside it."""
    definitions: dict[str, dict[str, Any]] = {}
    meaning: dict[str, EngineRule] = {}
    for rule in rulebook:
        for name, definition, engine_rule in _compile_rule(rule):
            _refuse_unsafe(rule, name, definition)
            definitions[name] = definition
            meaning[name] = engine_rule
    definitions[HOUSEKEEPING] = {"all": [{END_ALIAS: {"type": "end"}}]}
    slots = _shard(definitions)
    fact_types = frozenset(
        _pattern_type(body) for definition in definitions.values()
        for condition in definition["all"] for body in condition.values()
    )
    return CompiledRuleset(definitions, meaning, fact_types, _fields_read(definitions), slots,
                           _fields_by_type(definitions, slots))


def _fields_by_type(definitions: dict[str, dict[str, Any]], slots: dict[str, int]
                    ) -> dict[str, frozenset[str]]:
    """For each fact type, the fields read on its facts: named in a pattern of that type, or
    joined (`{alias: field}`) from any pattern to an alias of that type. The engine parses,
    stores and hands back every field of every fact: the fewer, the faster."""
    read: dict[str, set[str]] = defaultdict(lambda: {"type", "at"})
    for definition in definitions.values():
        types = {}
        for condition in definition["all"]:
            for key, body in condition.items():
                types[key.partition("$")[0]] = _pattern_type(body)
        for condition in definition["all"]:
            for key, body in condition.items():
                own = read[types[key.partition("$")[0]]]
                for field, joined in _named(body):
                    if joined is None:
                        own.add(field)
                    else:
                        read[types[joined]].add(field)
    for fact_type in slots:
        read[fact_type].add("slot")
    return {fact_type: frozenset(fields) for fact_type, fields in read.items()}


def _named(condition: dict[str, Any]) -> list[tuple[str, str | None]]:
    """(field, None) for each field a condition names on its own fact, (field, alias) for each
    field it reads from another alias' fact, walking durable's grammar as `_joins` does."""
    found: list[tuple[str, str | None]] = []
    for key, body in condition.items():
        if key in ("$and", "$or"):
            for inner in body:
                found += _named(inner)
        elif key.startswith("$"):
            for field, value in body.items():
                found.append((field, None))
                found += [(joined_field, alias) for alias, joined_field in _value_joins(value)]
        else:
            found.append((key, None))
            found += [(joined_field, alias) for alias, joined_field in _value_joins(body)]
    return found


def _fields_read(definitions: dict[str, dict[str, Any]]) -> frozenset[str]:
    """Field names compared anywhere, on either side: the engine parses, stores and returns
    every field of every fact, so sending only these is most of its speed."""
    names: set[str] = {"type", "at", "slot"}

    def walk_condition(condition: dict[str, Any]) -> None:
        for key, body in condition.items():
            if key in ("$and", "$or"):
                for inner in body:
                    walk_condition(inner)
            elif key.startswith("$"):
                for field, value in body.items():
                    names.add(field)
                    names.update(joined for _, joined in _value_joins(value))
            else:
                names.add(key)
                names.update(joined for _, joined in _value_joins(body))

    for definition in definitions.values():
        for condition in definition["all"]:
            for body in condition.values():
                walk_condition(body)
    return frozenset(names)


def _compile_rule(rule: RuleSpec) -> list[tuple[str, dict[str, Any], EngineRule]]:
    trigger = [_pattern(p, negated=False, first=rule.trigger[0].alias) for p in rule.trigger]
    first = rule.trigger[0].alias
    # Whether the rule applies (its trigger alone) is decided in Python: engine.triggers.
    compiled: list[tuple[str, dict[str, Any], EngineRule]] = []
    for index, check in enumerate(rule.checks):
        match = [_pattern(p, negated=False, first=first) for p in check.match]
        absent = [_pattern(p, negated=True, first=first, deadline=check.deadline)
                  for p in check.absent]
        end = [{"type": "end"}] + [_condition(c, check.deadline) for c in check.end]
        variants: list[tuple[str, list[dict[str, Any]]]]
        if check.deadline is None:
            variants = [(check.status.value, end)]
        else:
            deadline = _value(check.deadline, None)
            variants = [
                (check.status.value, [*end, {"$gt": {"at": deadline}}]),
                (Status.PENDING.value, [*end, {"$lte": {"at": deadline}}, {"open": 1}]),
            ]
        for outcome, end_conditions in variants:
            end_pattern = {END_ALIAS: _and(_harden(end_conditions, first))}
            compiled.append((
                f"{rule.id}#{check.name}#{outcome}",
                {"all": [*trigger, *match, end_pattern, *absent]},
                EngineRule(rule.id, index, outcome),
            ))
    return compiled


def _pattern(
    pattern: Pattern, negated: bool, first: str, deadline: Expr | None = None
) -> dict[str, Any]:
    conditions = [{"type": pattern.type}] + [_condition(c, deadline) for c in pattern.conditions]
    key = f"{pattern.alias}$not" if negated else pattern.alias
    return {key: _and(_harden(conditions, first))}


def _and(conditions: list[dict[str, Any]]) -> dict[str, Any]:
    return conditions[0] if len(conditions) == 1 else {"$and": conditions}


def _harden(conditions: list[dict[str, Any]], first: str) -> list[dict[str, Any]]:
    """Bug B2: an `$and` whose last join is false over-reads the heap; end it with a true join."""
    if any(_has_join(c) for c in conditions):
        always_true = {"$sub": {"$l": {first: "at"}, "$r": ALWAYS_TRUE_MARGIN}}
        return [*conditions, {"$gte": {"at": always_true}}]
    return conditions


def _condition(condition: Condition, deadline: Expr | None) -> dict[str, Any]:
    """One condition in durable-rules' JSON; what each operator becomes is in
    `rulebook.operators`, beside its meaning in Python."""
    op, value = condition.op, condition.value
    operand = value if op in ("in", "not_in", "matches") else _value(value, deadline)
    return durable_condition(condition.field, op, operand)


def _value(value: object, deadline: Expr | None) -> Any:
    if not isinstance(value, Expr):
        return value
    if value.alias == DEADLINE:
        assert deadline is not None
        value = Expr(deadline.alias, deadline.field, deadline.offset + value.offset,
                     deadline.policy + value.policy)
    if value.alias is None:
        return value.offset
    reference = {value.alias: value.field}
    if value.offset == 0:
        return reference
    op = "$add" if value.offset > 0 else "$sub"
    return {op: {"$l": reference, "$r": abs(value.offset)}}


# --------------------------------------------------------------------------- safety

_COMPARISONS = ("$lt", "$lte", "$gt", "$gte", "$neq")
_ARITHMETIC = ("$add", "$sub", "$mul", "$div")


def _joins(condition: dict[str, Any]) -> list[tuple[str, str]]:
    """Every `(alias, field)` a condition compares against, walking durable's grammar:
    a condition is a group, a comparison, a regex or an equality; a value is a literal,
    a reference `{alias: field}` or arithmetic on values."""
    found: list[tuple[str, str]] = []
    for key, body in condition.items():
        if key in ("$and", "$or"):
            for inner in body:
                found += _joins(inner)
        elif key in ("$imt", "$mt"):
            continue
        elif key in _COMPARISONS:
            for value in body.values():
                found += _value_joins(value)
        else:
            found += _value_joins(body)
    return found


def _value_joins(value: Any) -> list[tuple[str, str]]:
    if not isinstance(value, dict):
        return []
    (key, body), = value.items()
    if key in _ARITHMETIC:
        return [join for side in body.values() for join in _value_joins(side)]
    return [(key, str(body))]


def _has_join(condition: dict[str, Any]) -> bool:
    return bool(_joins(condition))


def _refuse_unsafe(rule: RuleSpec, name: str, definition: dict[str, Any]) -> None:
    """The last line of defence: check the compiled JSON itself, whatever produced it."""
    def refuse(problem: str) -> RuleFileError:
        return RuleFileError(f"{rule.path}:{rule.line}", f"{name}: {problem}", rule.id)

    if set(definition) != {"all"}:
        raise refuse("only `all` rules are safe (an `any` gate fires combined activations)")
    aliases: list[str] = []
    end_seen = False
    for condition in definition["all"]:
        if len(condition) != 1:
            raise refuse("each condition binds exactly one alias")
        (key, body), = condition.items()
        alias, _, suffix = key.partition("$")
        if suffix not in ("", "not"):
            raise refuse(f"nested gate {key!r} is not allowed")
        if suffix == "not" and not end_seen:
            raise refuse(f"absence {alias!r} before the end fact is judged too early")
        for joined, field in _joins(body):
            if field in ("id", "sid"):
                raise refuse("joins on id or sid corrupt memory (bug B3)")
            if joined not in aliases:
                raise refuse(f"join on {joined!r}, which is not bound before it")
        members = body.get("$and", [body])
        for member in members:
            if any(field in ("id", "sid") for field in member if not field.startswith("$")):
                raise refuse("conditions may not use id or sid (bug B3)")
            for group in ("$and", "$or"):
                if group in member and _has_join(member):
                    raise refuse("a nested group holding a join skips later conditions (bug B6)")
        if alias == END_ALIAS:
            end_seen = True
        if not suffix:
            aliases.append(alias)


# --------------------------------------------------------------------------- sharding

def _pattern_type(body: dict[str, Any]) -> str:
    conditions = body.get("$and", [body])
    return str(conditions[0]["type"])


def _shard(definitions: dict[str, dict[str, Any]]) -> dict[str, int]:
    """Error 303: a fact reaching over 64 entry points fails. A type used by more patterns
    than SLOT_CAPACITY is asserted once per slot, and each rule matches one slot's copy;
    all patterns of that type within one rule share the slot, so a fact never meets itself."""
    uses: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for name, definition in definitions.items():
        counts: dict[str, int] = defaultdict(int)
        for condition in definition["all"]:
            for body in condition.values():
                counts[_pattern_type(body)] += 1
        for fact_type, count in counts.items():
            uses[fact_type].append((name, count))
    slots: dict[str, int] = {}
    for fact_type, users in uses.items():
        total = sum(count for _, count in users)
        if total <= SLOT_CAPACITY:
            continue
        slot_count = math.ceil(total / SLOT_CAPACITY)
        load = [0] * slot_count
        for name, count in users:
            slot = min(range(slot_count), key=lambda s: load[s])
            load[slot] += count
            # A rule's trigger patterns are the same dicts in each of its definitions: build new
            # ones, or every definition's slot would be stacked onto the shared pattern.
            definitions[name]["all"] = [
                {key: _with_slot(body, slot) if _pattern_type(body) == fact_type else body
                 for key, body in condition.items()}
                for condition in definitions[name]["all"]
            ]
        slots[fact_type] = slot_count
    return slots


def _with_slot(body: dict[str, Any], slot: int) -> dict[str, Any]:
    conditions = list(body.get("$and", [body]))
    return {"$and": [conditions[0], {"slot": slot}, *conditions[1:]]}

