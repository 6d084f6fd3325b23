"""Which rules apply to a record: their triggers evaluated in Python, not by the engine.

A rule applies to a record when its trigger matches the record's facts. Each trigger used to be
compiled into an engine rule of its own (`<id>#applies`) that fired once per match: a fifth of
the engine's rules and most of the activations the driver decoded, only to learn that a rule
applied. The triggers are evaluated instead by `rulebook.evaluate`, the one evaluator of the
condition language (`explain` reads rules with it, and tests/test_parity.py holds it to the
engine's own matches), over only the facts of the types each trigger names. What comes out
takes the place of those activations: hits with the outcome APPLIES, read by `findings` and
`explain` as before.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from custody_rules.engine import Hit
from custody_rules.engine.compile import EngineRule
from custody_rules.rulebook import APPLIES, END_ALIAS, Condition, Pattern, Rulebook
from custody_rules.rulebook.evaluate import candidates, combinations, joins
from custody_rules.timeline import Fact


class Triggers:
    """The rulebook's triggers, prepared once: rules with the same trigger in one group (a
    dozen rules open on the first detention authorised for a juvenile), each group with the
    fact types its trigger names (its patterns only ever look at facts of those types) and,
    when no pattern of it joins another, the number of each pattern among the distinct
    patterns of all triggers, so that what each matches is worked out once per record."""

    def __init__(self, rulebook: Rulebook):
        self._order = [rule.id for rule in rulebook.rules]
        groups: dict[tuple[Pattern, ...], list[EngineRule]] = {}
        for rule in rulebook.rules:
            groups.setdefault(rule.trigger, []).append(EngineRule(rule.id, -1, APPLIES))
        numbers: dict[tuple[str, tuple[Condition, ...]], int] = {}
        self._groups: list[tuple[tuple[Pattern, ...], tuple[EngineRule, ...],
                                 tuple[str, ...], tuple[int, ...] | None]] = []
        for trigger, meanings in groups.items():
            plan = None
            if not any(joins(pattern) for pattern in trigger):
                plan = tuple(numbers.setdefault((pattern.type, pattern.conditions), len(numbers))
                             for pattern in trigger)
            self._groups.append((trigger, tuple(meanings),
                                 tuple(dict.fromkeys(pattern.type for pattern in trigger)), plan))
        self._patterns = len(numbers)

    def hits(self, facts: Sequence[Fact], every: bool = False) -> list[Hit]:
        """An APPLIES hit for each rule whose trigger matches `facts` (with the `end` fact,
        as the engine's trigger rules had it): the first match of each, or with `every`,
        every match, as `explain` shows them; in rulebook order."""
        by_type: dict[str, list[Fact]] = {}
        for fact in facts:
            by_type.setdefault(fact.type, []).append(fact)
        ends = by_type.get(END_ALIAS, [])
        if not ends:
            return []
        found: dict[str, list[Hit]] = {}
        matched: list[list[Fact] | None] = [None] * self._patterns
        for trigger, meanings, types, plan in self._groups:
            if plan is None:  # a join: every way the patterns match in order
                relevant = [fact for fact_type in types for fact in by_type.get(fact_type, ())]
                matches = combinations(relevant, trigger, {})
            else:  # no join: each pattern's matches, shared, combined in the same order
                lists = []
                for pattern, number in zip(trigger, plan, strict=True):
                    facts_matched = matched[number]
                    if facts_matched is None:
                        facts_matched = matched[number] = candidates(
                            by_type.get(pattern.type, ()), pattern, {}, None)
                    lists.append(facts_matched)
                aliases = [pattern.alias for pattern in trigger]
                matches = (dict(zip(aliases, combination, strict=True))
                           for combination in itertools.product(*lists))
            if every:
                bound = [{**match, END_ALIAS: end} for match in matches for end in ends]
            else:
                first = next(matches, None)
                bound = [] if first is None else [{**first, END_ALIAS: ends[0]}]
            for meaning in meanings:
                found[meaning.rule_id] = [Hit(meaning, bindings) for bindings in bound]
        return [hit for rule_id in self._order for hit in found[rule_id]]
