"""An independent, plain-Python statement of every rule, written only for the tests.

The differential test runs generated records through the engine (YAML -> compiler -> durable
rules) and through these functions and requires identical findings: that is how we know the
compiler and the adapter are right despite durable-rules' sharp edges.

Each rule has one function registered with `@reference("PC-09")`, taking the Timeline (the
same derived facts the engine sees) and the Policy, and yielding `Expected` findings. Functions
are written from the catalogue's semantics, not by reading the YAML conditions, and use no code
of `custody_rules.engine`.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable
from datetime import datetime

from attrs import frozen

from custody_rules.policy import Policy
from custody_rules.timeline import Timeline


@frozen
class Expected:
    rule: str
    status: str  # "violated" | "pending" | "needs_review"
    events: frozenset[str]  # every event id the finding points at
    due: datetime | None = None  # for pending only


Reference = Callable[[Timeline, Policy], Iterable[Expected]]
REFERENCES: dict[str, Reference] = {}


def reference(rule_id: str) -> Callable[[Reference], Reference]:
    def register(function: Reference) -> Reference:
        assert rule_id not in REFERENCES, f"two references for {rule_id}"
        REFERENCES[rule_id] = function
        return function

    return register


_LOADED: list[bool] = []


def load_all() -> dict[str, Reference]:
    """Import every reference module once (walking the package per call was most of the
    differential test's time)."""
    if not _LOADED:
        for module in pkgutil.iter_modules(__path__):
            importlib.import_module(f"{__name__}.{module.name}")
        _LOADED.append(True)
    return REFERENCES


def expected_findings(
    timeline: Timeline, policy: Policy, in_force: Iterable[str]
) -> set[tuple[str, str, frozenset[str], datetime | None]]:
    """What the reference says the record's findings are, as comparable tuples."""
    found = set()
    references = load_all()
    for rule_id in in_force:
        function = references.get(rule_id)
        if function is None:
            continue
        for item in function(timeline, policy):
            found.add((item.rule, item.status, item.events, item.due))
    return found
