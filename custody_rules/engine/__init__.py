"""Step 4, evaluate: match the timeline's facts against the compiled rules.

`compile` turns rule specs into engine definitions (pure data); `durable` is the only module
that imports durable-rules. Both speak in `Hit`s: which engine rule matched which facts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from attrs import frozen

from custody_rules.engine.compile import EngineRule
from custody_rules.timeline import Fact


@frozen
class Hit:
    """One activation: an engine rule and the facts bound to its aliases."""

    engine_rule: EngineRule
    bindings: Mapping[str, Fact]


class Engine(Protocol):
    def hits(self, record_id: str, facts: Sequence[Fact]) -> list[Hit]:
        """All activations for one record's facts (the `end` fact among them)."""
        ...
