"""The durable-rules adapter: the only module that imports the C engine.

How it is driven follows docs/engine.md (what durable-rules gets wrong, and the workarounds);
the reused session and its run under AddressSanitizer: docs/engine-sanitizer.md.

* one ruleset per process, built once (handles are never freed, and each stock Host starts
  threads that never stop, so we call the C functions directly and start none);
* facts, not events (events are consumed by the first rule that matches them);
* one record at a time: all its facts in one `assert_facts`, then the `end` fact(s) in a
  second call, so that every absence is judged with the whole record present;
* one live session, reused for every record: creating a session clears megabytes of hash
  indexes, about half of the engine's time per record. After a record is judged, all its facts
  are retracted in one call, `end` first: every absence sits after `end` (compile.py), so once
  `end` is gone no absence can re-open and fire. The session must then hold no fact and no
  pending activation; if it does, or anything failed, it is deleted and the ruleset reloaded;
* fact ids are unique within a session (a counter), because durable finds a fact by a 32-bit
  FNV-1a hash of its id alone: see ID_LIMIT;
* only one session ever lives (more than 1024 corrupt the ruleset, bug B4; two whose ids hash
  alike share facts, bug B7);
* a housekeeping rule fires on `end`, so that an action has run in a session before it is
  deleted; one in which none ran (a failure before any) is never deleted (bug B1);
* no wall-clock timers: all time logic is arithmetic on event times.

The former way, a fresh session per record deleted afterwards, is kept (`reuse_session=False`)
as the reference the reused session is tested against, and for a record too large for the id
guarantee.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
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

# The reused session's id. Its state fact, which durable keeps in the session's fact index, is
# "sid-record"; no decimal fact id below ID_LIMIT has the same hash (checked exhaustively).
SESSION = "record"
# Fact ids in the reused session are the decimal numbers 0, 1, 2 ... in assertion order. A
# record's ids are consecutive; checked exhaustively: no two decimal numbers below ID_LIMIT and
# less than ID_WINDOW apart share an FNV-1a 32-bit hash. So within one record no two facts are
# confused, and a record with more facts than ID_WINDOW is judged in a fresh session. When the
# numbering would pass ID_LIMIT the session is deleted and a new one starts from 0.
ID_LIMIT = 10**8
ID_WINDOW = 1 << 16


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

    def __init__(self, ruleset: CompiledRuleset, reuse_session: bool = True):
        self._ruleset = ruleset
        self._reuse = reuse_session
        self._sessions = itertools.count(1)
        self._owners: dict[str, int] = {}
        self._names: dict[str, tuple[str, ...]] = {}  # fact type -> fields read (_read_names)
        self.reloads = 0  # times the ruleset was rebuilt after a failure or an unclean session
        self._starting = False
        self._state: int | None = None  # the reused session's state handle, once it exists
        self._acted = False  # whether an action has run in the live session (bug B1)
        # One record at a time: two threads judging at once would share the reused session.
        # Re-entrant, because a reload judges the start-up record from inside `hits`.
        self._lock = threading.RLock()
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
        self._next_id = 0
        self._state = None
        self._acted = False
        # Run one empty record at start-up, so that the first real record does not meet a
        # fresh state pool (bug B1 showed only once slots were reused), and so that an action
        # has run in the reused session before it could ever be deleted.
        self._starting = True
        try:
            self.hits("start-up", [Fact("end", 0, {"open": 0, "left": 0, "left_by": "none",
                                                    "judged_at": 0}, (), derived=True)])
        finally:
            self._starting = False

    def hits(self, record_id: str, facts: Sequence[Fact]) -> list[Hit]:
        """Evaluate one record; an engine failure raises EngineError, never a silent pass."""
        record_facts, end_facts, owners = self._engine_facts(facts)
        with self._lock:
            if self._reuse and len(owners) <= ID_WINDOW:
                return self._judge_in_session(record_id, record_facts, end_facts, owners, facts)
            if self._reuse:  # too many facts for the id guarantee: alone, with no other session
                self._end_session()
            return self._judge_alone(record_id, record_facts, end_facts, owners, facts)

    def _engine_facts(
        self, facts: Sequence[Fact]
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[int]]:
        """The engine's copies of the facts some rule reads, without sid and id yet: the record
        facts, the `end` facts, and the index in `facts` of each (record facts first)."""
        wanted = self._ruleset.fact_types
        slots = self._ruleset.slots
        record_facts: list[dict[str, Any]] = []
        end_facts: list[dict[str, Any]] = []
        record_owners: list[int] = []
        end_owners: list[int] = []
        for index, fact in enumerate(facts):
            if fact.type not in wanted:
                continue
            fields = fact.fields
            names = self._names.get(fact.type)
            if names is None:
                names = self._read_names(fact)
            body = {name: fields[name] for name in names if name in fields}
            body.update(type=fact.type, at=fact.at)
            copies = slots.get(fact.type, 0)
            if fact.type == "end":
                target, owners = end_facts, end_owners
            else:
                target, owners = record_facts, record_owners
            if copies:
                target.extend({**body, "slot": slot} for slot in range(copies))
                owners.extend(itertools.repeat(index, copies))
            else:
                target.append(body)
                owners.append(index)
        return record_facts, end_facts, record_owners + end_owners

    def _read_names(self, fact: Fact) -> tuple[str, ...]:
        """The fields of this fact's type that some rule reads (each type carries only
        those), in the order the fact has them: worked out from the first fact of the type, so
        that a record's facts are not each sifted field by field."""
        read = self._ruleset.fields_by_type[fact.type]
        names = tuple(name for name in fact.fields if name in read)
        # Any other field read on the type, should a later fact carry it.
        names += tuple(sorted(read.difference(names, ("type", "at"))))
        self._names[fact.type] = names
        return names

    def _name_facts(self, sid: str, ids: list[str], record_facts: list[dict[str, Any]],
                    end_facts: list[dict[str, Any]], owners: list[int]) -> None:
        for body, fact_id in zip(itertools.chain(record_facts, end_facts), ids, strict=True):
            body["sid"] = sid
            body["id"] = fact_id
        self._owners = dict(zip(ids, owners, strict=True))

    def _judge_in_session(
        self, record_id: str, record_facts: list[dict[str, Any]],
        end_facts: list[dict[str, Any]], owners: list[int], facts: Sequence[Fact],
    ) -> list[Hit]:
        if self._next_id + len(owners) > ID_LIMIT:
            self._end_session()
        first = self._next_id
        self._next_id += len(owners)
        ids = [str(number) for number in range(first, self._next_id)]
        self._name_facts(SESSION, ids, record_facts, end_facts, owners)
        hits: list[Hit] = []
        failure = self._judge(SESSION, record_facts, end_facts, facts, hits)
        if failure is not None:
            self._recover(record_id, failure)
        # The record is judged; now leave the session as it was before it. `end` goes first,
        # so that no absence re-opens when the fact that satisfied it is retracted.
        split = len(record_facts)
        try:
            leftover = self._retract(ids[split:] + ids[:split])
        except Exception as exc:  # the hits are complete; only the session is in doubt
            leftover = f"{type(exc).__name__}: {exc}"
        if leftover is not None:
            self._recover(record_id, None)
        return hits

    def _judge(self, sid: str, record_facts: list[dict[str, Any]],
               end_facts: list[dict[str, Any]], facts: Sequence[Fact],
               hits: list[Hit]) -> str | None:
        """Assert the record's facts, then its `end` facts, running every activation; what
        failed, or None."""
        try:
            self._assert(sid, record_facts, facts, hits)
            self._assert(sid, end_facts, facts, hits)
        except durable_rules_engine.error as exc:
            return str(exc)
        except Exception as exc:  # an action that raises fails this record only
            return f"{type(exc).__name__}: {exc}"
        return None

    def _retract(self, ids: list[str]) -> str | None:
        """Retract these facts from the reused session; what is left in it, or None if it is
        now empty: no fact and no pending activation."""
        if ids:
            batch = ",".join(f'{{"sid":"{SESSION}","id":"{fact_id}"}}' for fact_id in ids)
            _, self._state = durable_rules_engine.retract_facts(self._handle, f"[{batch}]")
        return self.leftover()

    def leftover(self) -> str | None:
        """What the reused session still holds between records (facts, or an activation that
        is pending), or None if it holds nothing. Cheap: one walk of a 512-slot index and one
        of the rules' action slots. (Looking for an activation starts it: a session that had
        one is not reused.)"""
        remaining = durable_rules_engine.get_facts(self._handle, SESSION)
        if remaining != "[]":
            return f"facts left in the session: {remaining[:200]}"
        if self._state is not None and durable_rules_engine.start_action_for_state(
                self._handle, self._state) is not None:
            self._acted = True
            return "an activation left pending in the session"
        return None

    def _end_session(self) -> None:
        """Delete the reused session; the next record starts a new one, numbering its facts
        from 0 again."""
        self._delete(SESSION)
        self._next_id = 0
        self._state = None

    def _delete(self, sid: str) -> None:
        """Delete a session, but only one in which an action has run: deleting any other frees
        pointers durable never set (bug B1), which aborts the process. Such a session is left
        where it is; only a failure leaves one, and a failure reloads the ruleset anyway."""
        if self._acted:
            # An error here means there was no such session.
            with contextlib.suppress(durable_rules_engine.error):
                durable_rules_engine.delete_state(self._handle, sid)
        self._acted = False

    def _recover(self, record_id: str, failure: str | None) -> None:
        """After a failure (or an unclean session, failure None): never reuse that state.
        Delete the session, load the ruleset afresh; raise EngineError for a failure."""
        if self._reuse:
            self._end_session()
        if self._starting:  # the start-up record failed: reloading would fail the same way
            raise EngineError("-", f"durable-rules failed its start-up record: "
                                   f"{failure or 'the session was not left empty'}")
        self.reloads += 1
        try:
            self._load()
        except EngineError as reload:
            failure = ((failure + "; and the engine" if failure else "the engine")
                       + f" could not be reloaded: {reload.reason}")
        if failure is not None:
            raise EngineError(record_id, failure)

    def _judge_alone(
        self, record_id: str, record_facts: list[dict[str, Any]],
        end_facts: list[dict[str, Any]], owners: list[int], facts: Sequence[Fact],
    ) -> list[Hit]:
        """The former way: a session of its own, deleted afterwards; ids "<index>" or
        "<index>/<slot>" for a sharded copy."""
        sid = f"s{next(self._sessions)}"
        ids = [str(index) if "slot" not in body else f"{index}/{body['slot']}"
               for body, index in zip(itertools.chain(record_facts, end_facts), owners,
                                      strict=True)]
        self._name_facts(sid, ids, record_facts, end_facts, owners)
        hits: list[Hit] = []
        self._acted = False
        try:
            failure = self._judge(sid, record_facts, end_facts, facts, hits)
        finally:
            self._delete(sid)
        if failure is not None:
            # The action loop may have stopped half-way: never reuse that ruleset's state.
            self._recover(record_id, failure)
        return hits

    def _assert(
        self, sid: str, batch: list[dict[str, Any]], facts: Sequence[Fact], hits: list[Hit]
    ) -> None:
        if not batch:  # an empty batch reports no session, and its state would be garbage
            return
        code, state = durable_rules_engine.assert_facts(self._handle, _dumps(batch))
        if code == _OBSERVED:
            raise durable_rules_engine.error("a fact was reported as already observed")
        started = durable_rules_engine.start_action_for_state(self._handle, state)
        message = started[1] if started else None
        if message:
            self._acted = True
        while message:
            for name, bound in orjson.loads(message).items():
                if name != HOUSEKEEPING:
                    hits.append(self._hit(name, bound, facts))
            message = durable_rules_engine.complete_and_start_action(self._handle, state)

    def _hit(self, name: str, bound: dict[str, Any], facts: Sequence[Fact]) -> Hit:
        # Each fact's id names the fact it copies (several ids for a sharded type).
        bindings = {alias: facts[self._owners[str(fact["id"])]] for alias, fact in bound.items()}
        return Hit(self._ruleset.meaning[name], bindings)
