"""The pipeline for one record: validated record -> timeline -> engine -> findings.

A Checker loads and compiles the rules once and owns one engine; reuse it for every record of
a process (durable-rules never frees a ruleset).
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from custody_rules.engine import Engine, Hit
from custody_rules.engine.cache import compiled_rulebook, rulebook_for_policy_file
from custody_rules.engine.compile import CompiledRuleset, compile_rulebook
from custody_rules.engine.durable import DurableEngine
from custody_rules.engine.triggers import Triggers
from custody_rules.errors import EngineError
from custody_rules.findings import RecordResult, findings_for
from custody_rules.policy import Policy, default_policy
from custody_rules.record import CustodyRecord
from custody_rules.rulebook import Rulebook
from custody_rules.timeline import build_timeline


class Checker:
    def __init__(
        self,
        policy: Policy | None = None,
        rules_dir: Path | None = None,
        rulebook: Rulebook | None = None,
        compiled: CompiledRuleset | None = None,
    ):
        self.compiled: CompiledRuleset
        if rulebook is None:
            # The rule files as compiled by an earlier run, when they have not changed.
            self.rulebook, self.compiled = compiled_rulebook(policy or default_policy(),
                                                             rules_dir)
        else:  # `compiled`: the rulebook's own compiled rules, when the caller has them
            self.rulebook, self.compiled = rulebook, compiled or compile_rulebook(rulebook)
        self.engine: Engine = DurableEngine(self.compiled)
        self.triggers = Triggers(self.rulebook)

    @classmethod
    def for_policy_file(cls, policy_path: Path | None) -> Checker:
        """A Checker for the default policy overridden by `policy_path`: from the compiled
        rulebook cache without reading the policy, when an entry for its files is there."""
        rulebook, compiled = rulebook_for_policy_file(policy_path)
        return cls(rulebook=rulebook, compiled=compiled)

    def check(
        self,
        record: CustodyRecord,
        as_of: datetime | None = None,
        now: datetime | None = None,
        warnings: tuple[str, ...] = (),
    ) -> RecordResult:
        """Judge one record as it stood at `as_of` (default: as closed, or now if still open)."""
        return self._judge(record, as_of, now, warnings, every_trigger=False)[0]

    def explain_hits(
        self,
        record: CustodyRecord,
        as_of: datetime | None = None,
        now: datetime | None = None,
        warnings: tuple[str, ...] = (),
    ) -> tuple[RecordResult, tuple[Hit, ...]]:
        """`check`, plus the engine hits behind it (which facts each rule bound), for `explain`:
        every match of each rule's trigger among them."""
        return self._judge(record, as_of, now, warnings, every_trigger=True)

    def _judge(
        self,
        record: CustodyRecord,
        as_of: datetime | None,
        now: datetime | None,
        warnings: tuple[str, ...],
        every_trigger: bool,
    ) -> tuple[RecordResult, tuple[Hit, ...]]:
        timeline = build_timeline(record, as_of, now or datetime.now(timezone.utc))
        hits = self.engine.hits(record.record_id, timeline.facts)
        try:
            hits += self.triggers.hits(timeline.facts, every=every_trigger)
        except Exception as exc:  # like an engine failure: this record only, never a pass
            raise EngineError(record.record_id, f"{type(exc).__name__}: {exc}") from exc
        try:
            findings, applied, in_force = findings_for(hits, timeline, self.rulebook)
        except Exception as exc:  # a rule the engine matched but cannot be reported: no result
            raise EngineError(record.record_id, f"{type(exc).__name__}: {exc}") from exc
        return RecordResult(
            record_id=record.record_id,
            as_of=timeline.judged_at,
            findings=findings,
            applied=applied,
            in_force=in_force,
            warnings=warnings,
            timeline=timeline,
            ruleset_version=self.rulebook.version,
            ruleset_digest=self.rulebook.digest,
        ), tuple(hits)
