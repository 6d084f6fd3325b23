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

from collections.abc import Sequence

from custody_rules.engine import Hit
from custody_rules.engine.compile import EngineRule
from custody_rules.rulebook import APPLIES, END_ALIAS, Rulebook
from custody_rules.rulebook.evaluate import combinations
from custody_rules.timeline import Fact


class Triggers:
    """The rulebook's triggers, prepared once: for each rule, the fact types its trigger names
    (its patterns only ever look at facts of those types)."""

    def __init__(self, rulebook: Rulebook):
        self._rules = [
            (rule, EngineRule(rule.id, -1, APPLIES),
             tuple(dict.fromkeys(pattern.type for pattern in rule.trigger)))
            for rule in rulebook.rules
        ]

    def hits(self, facts: Sequence[Fact], every: bool = False) -> list[Hit]:
        """An APPLIES hit for each rule whose trigger matches `facts` (with the `end` fact,
        as the engine's trigger rules had it): the first match of each, or with `every`,
        every match, as `explain` shows them."""
        by_type: dict[str, list[Fact]] = {}
        for fact in facts:
            by_type.setdefault(fact.type, []).append(fact)
        ends = by_type.get(END_ALIAS, [])
        if not ends:
            return []
        hits: list[Hit] = []
        for rule, meaning, types in self._rules:
            relevant = [fact for fact_type in types for fact in by_type.get(fact_type, ())]
            matches = combinations(relevant, rule.trigger, {})
            if every:
                hits += [Hit(meaning, {**match, END_ALIAS: end})
                         for match in matches for end in ends]
            else:
                first = next(matches, None)
                if first is not None:
                    hits.append(Hit(meaning, {**first, END_ALIAS: ends[0]}))
        return hits
