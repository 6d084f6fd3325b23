"""The durable-rules adapter: the only module that imports the C engine.

How it is driven follows docs/engine.md (what durable-rules gets wrong, and the workarounds):

* one ruleset per process, built once (handles are never freed, and each stock Host starts
  threads that never stop, so we call the C functions directly and start none);
* facts, not events (events are consumed by the first rule that matches them);
* one record = one session: all its facts in one `assert_facts`, then the `end` fact(s) in a
  second call, so that every absence is judged with the whole record present; then the session
  is deleted in `finally` (more than 1024 live sessions corrupt the ruleset, bug B4; two live
  sessions whose ids hash alike share facts, bug B7);
* a housekeeping rule fires on `end` so that no session is deleted before any action ran (B1);
* no wall-clock timers: all time logic is arithmetic on event times.
"""

from __future__ import annotations

import contextlib
import itertools
import json
from collections.abc import Sequence
from typing import Any

import durable_rules_engine
import orjson

from custody_rules.engine import Hit
from custody_rules.engine.compile import HOUSEKEEPING, CompiledRuleset
from custody_rules.errors import EngineError
from custody_rules.timeline import Fact

# assert_* return (code, state handle): 0 handled, 1 matched no rule (harmless), 2 "already
# observed" (a duplicate id: never expected, since ids are our own numbering), 3 queued.
_OBSERVED = 2
_names = itertools.count(1)


def _dumps(batch: list[dict[str, Any]]) -> str:
    """The facts as durable-rules reads them. orjson (several times the standard encoder's
    speed) writes the same JSON text, compact, when every string is ASCII, as the engine's
    strings are (notes reach it as printable ASCII); otherwise the standard encoder, whose
    `\\u` escapes are what durable's regular expressions and length limit have been
    measured on."""
    data = orjson.dumps(batch)
    return data.decode("ascii") if data.isascii() else json.dumps(batch)


class DurableEngine:
    """One compiled ruleset loaded into durable-rules, evaluating one record at a time."""

    def __init__(self, ruleset: CompiledRuleset):
        self._ruleset = ruleset
        self._sessions = itertools.count(1)
        self._load()

    def _load(self) -> None:
        """Create the C ruleset (a new one after a failure: a session left half-run by an
        exception must not be the state the next record meets)."""
        self._name = f"custody_{next(_names)}"
        try:
            self._handle = durable_rules_engine.create_ruleset(
                self._name, json.dumps(self._ruleset.definitions)
            )
        except durable_rules_engine.error as exc:
            raise EngineError("-", f"durable-rules refused the compiled ruleset: {exc}") from None
        # Run one empty session at start-up, so that the first real record does not meet a
        # fresh state pool (bug B1 showed only once slots were reused).
        self.hits("start-up", [Fact("end", 0, {"open": 0, "left": 0, "left_by": "none",
                                                "judged_at": 0}, (), derived=True)])

    def hits(self, record_id: str, facts: Sequence[Fact]) -> list[Hit]:
        """Evaluate one record; an engine failure raises EngineError, never a silent pass."""
        sid = f"s{next(self._sessions)}"
        wanted = self._ruleset.fact_types
        fields_read = self._ruleset.fields_by_type  # each type carries only what is read on it
        record_facts: list[dict[str, Any]] = []
        end_facts: list[dict[str, Any]] = []
        for index, fact in enumerate(facts):
            if fact.type not in wanted:
                continue
            read = fields_read[fact.type]
            body = {name: value for name, value in fact.fields.items() if name in read}
            body.update(sid=sid, id=str(index), type=fact.type, at=fact.at)
            copies = self._ruleset.slots.get(fact.type, 0)
            target = end_facts if fact.type == "end" else record_facts
            if copies:
                target.extend({**body, "id": f"{index}/{slot}", "slot": slot}
                              for slot in range(copies))
            else:
                target.append(body)
        hits: list[Hit] = []
        failure: str | None = None
        try:
            if record_facts:
                self._assert(sid, record_facts, facts, hits)
            self._assert(sid, end_facts, facts, hits)
        except durable_rules_engine.error as exc:
            failure = str(exc)
        except Exception as exc:  # an action that raises fails this record only
            failure = f"{type(exc).__name__}: {exc}"
        finally:
            # An error here means nothing was stored for this session.
            with contextlib.suppress(durable_rules_engine.error):
                durable_rules_engine.delete_state(self._handle, sid)
        if failure is not None:
            # The action loop may have stopped half-way: never reuse that ruleset's state.
            try:
                self._load()
            except EngineError as reload:
                failure += f"; and the engine could not be reloaded: {reload.reason}"
            raise EngineError(record_id, failure)
        return hits

    def _assert(
        self, sid: str, batch: list[dict[str, Any]], facts: Sequence[Fact], hits: list[Hit]
    ) -> None:
        code, state = durable_rules_engine.assert_facts(self._handle, _dumps(batch))
        if code == _OBSERVED:
            raise durable_rules_engine.error("a fact was reported as already observed")
        started = durable_rules_engine.start_action_for_state(self._handle, state)
        message = started[1] if started else None
        while message:
            for name, bound in orjson.loads(message).items():
                if name != HOUSEKEEPING:
                    hits.append(self._hit(name, bound, facts))
            message = durable_rules_engine.complete_and_start_action(self._handle, state)

    def _hit(self, name: str, bound: dict[str, Any], facts: Sequence[Fact]) -> Hit:
        # Fact ids are our own numbering: "<index>" or "<index>/<slot>" for a sharded copy.
        bindings = {alias: facts[int(str(fact["id"]).split("/")[0])]
                    for alias, fact in bound.items()}
        return Hit(self._ruleset.meaning[name], bindings)
