"""Pseudonymised output: who and what a record names, replaced by stable keyed hashes.

`--pseudonymise` (on `check` and `audit`) runs this step on the results, before any formatter
renders them, so that every output (text, JSON, CSV, HTML, error lines) is built from values
that no longer hold the record id, officers' ids or the record's free text: notes, reason
texts, rationales, remote reasons, local authority names, offence descriptions and the fields
of unknown event types. Each becomes `<kind>-<12 hex>`, the first 48 bits of
HMAC-SHA256(key, kind + NUL + value): the same value gives the same pseudonym in every run with
the same key (an auditor can still follow one record or one officer across reports), and
without the key no pseudonym can be turned back, even for guessable values like record ids.

There is no default key: a default would be guessable, and with it every record id could be
recovered by hashing candidates. The key comes from `--pseudonymise-key` or the environment
variable CUSTODY_RULES_PSEUDONYMISE_KEY and is never written to any output.

What is kept: event ids (findings point at events by id; they are the system's numbering),
times, enum values, force and station (an audit groups by them), and everything the rules
wrote. The type of an event this version does not know is the sender's text, and is hidden.

What still links records across keys: times (an arrest at 16:10 on 6 September is the same
event in any report), event ids, force and station, and in an audit the source file and line
of each record. `audit --pseudonymise --withhold-source` leaves the source and line out.

Finding messages are rendered from templates that can quote times, durations, numbers
and enum values only (the rulebook refuses a placeholder naming free text).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from typing import Any

import attrs

from custody_rules.errors import CustodyRulesError, EngineError, InputError
from custody_rules.findings import RecordResult
from custody_rules.record import CustodyRecord, Event, Offence, Officer, Person
from custody_rules.timeline import FREE_TEXT_FIELDS, Fact

KEY_ENV = "CUSTODY_RULES_PSEUDONYMISE_KEY"
MIN_KEY_CHARS = 16
HEX_CHARS = 12

RECORD, OFFICER, TEXT, AUTHORITY, DATE = "rec", "officer", "text", "la", "date"
# Event fields holding text that is kept as text, and the kind of pseudonym each becomes;
# every other text field of an event (notes, reasons, rationales) is free text.
_EVENT_TEXT_KIND = {"local_authority": AUTHORITY}
# An unknown event's `declared_type` is the sender's text like any other: it is hidden too.
_KEPT_EVENT_FIELDS = frozenset({"id"})
# In error lines and warnings: anything the input said, quoted (Python repr quoting), and dates.
_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")
_ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


class KeyProblem(CustodyRulesError):
    """No usable pseudonymisation key."""


def make_pseudonymiser(key: str | None) -> Pseudonymiser:
    """A Pseudonymiser for `key`; refuses a missing or short key rather than guess one."""
    if not key:
        raise KeyProblem(
            f"--pseudonymise needs a key: give --pseudonymise-key or set {KEY_ENV} "
            "(there is no default key: a guessable key would let anyone undo the pseudonyms)")
    if len(key) < MIN_KEY_CHARS:
        raise KeyProblem(
            f"the pseudonymisation key must have at least {MIN_KEY_CHARS} characters: a short "
            "key can be guessed, and with it every pseudonym undone")
    return Pseudonymiser(key.encode("utf-8", "surrogatepass"))


@attrs.frozen(repr=False)
class Pseudonymiser:
    """Replaces a record's identifying values with keyed hashes. repr hides the key."""

    key: bytes

    def token(self, kind: str, value: str) -> str:
        message = kind.encode() + b"\0" + value.encode("utf-8", "surrogatepass")
        digest = hmac.new(self.key, message, hashlib.sha256).hexdigest()
        return f"{kind}-{digest[:HEX_CHARS]}"

    def __repr__(self) -> str:
        return "Pseudonymiser(key=<hidden>)"

    # ------------------------------------------------------------------ results

    def result(self, result: RecordResult) -> RecordResult:
        """The same result with every identifying value replaced, wherever it sits (the record,
        its events in the timeline, the facts, warnings), so that formatters cannot leak it."""
        walker = _Walker(self)
        changed: RecordResult = walker.walk(result)
        return attrs.evolve(
            changed,
            record_id=self.token(RECORD, result.record_id),
            warnings=tuple(self.line(warning) for warning in result.warnings),
        )

    # ------------------------------------------------------------------ error lines

    def line(self, text: str) -> str:
        """A warning or problem with every quoted input value and every date pseudonymised."""
        text = _QUOTED.sub(lambda match: repr(self.token(TEXT, match.group(0)[1:-1])), text)
        return _ISO_DATE.sub(lambda match: self.token(DATE, match.group(0)), text)

    def input_error_lines(self, error: InputError) -> list[str]:
        record_id = self.token(RECORD, error.record_id) if error.record_id else None
        problems = [self.line(problem) for problem in error.problems]
        return InputError(record_id, problems, error.source).lines()

    def engine_error(self, error: EngineError) -> str:
        return str(EngineError(self.token(RECORD, error.record_id), self.line(error.reason)))


class _Walker:
    """Rebuilds a value with each record, event, officer, person, offence and fact in it
    pseudonymised; an object met twice (the timeline shares the record's events) is rebuilt
    once, so that identity is kept."""

    def __init__(self, pseudonymiser: Pseudonymiser):
        self.p = pseudonymiser
        self.memo: dict[int, tuple[Any, Any]] = {}

    def walk(self, value: Any) -> Any:
        if value is None or isinstance(value, str | int | float):
            return value
        seen = self.memo.get(id(value))
        if seen is not None:
            return seen[1]
        new = self._rebuild(value)
        self.memo[id(value)] = (value, new)  # the original is kept alive: ids stay unique
        return new

    def _rebuild(self, value: Any) -> Any:
        token = self.p.token
        if isinstance(value, CustodyRecord):
            return self._attrs(value, record_id=token(RECORD, value.record_id))
        if isinstance(value, Officer):
            return attrs.evolve(value, id=token(OFFICER, value.id)) if value.id else value
        if isinstance(value, Person):
            authority = value.home_local_authority
            return attrs.evolve(value, home_local_authority=token(AUTHORITY, authority)
                                ) if authority else value
        if isinstance(value, Offence):
            return attrs.evolve(value, description=token(TEXT, value.description)
                                ) if value.description else value
        if isinstance(value, Event):
            changes = {
                field.name: token(_EVENT_TEXT_KIND.get(field.name, TEXT), text)
                for field in attrs.fields(type(value))
                if field.name not in _KEPT_EVENT_FIELDS
                and type(text := getattr(value, field.name)) is str  # not a str enum
            }
            return self._attrs(value, **changes)
        if isinstance(value, Fact):
            fields = {name: token(TEXT, item) if name in FREE_TEXT_FIELDS
                      and isinstance(item, str) and item else item
                      for name, item in value.fields.items()}
            return attrs.evolve(value, fields=fields)
        if attrs.has(type(value)):
            return self._attrs(value)
        if isinstance(value, tuple | list):
            items = [self.walk(item) for item in value]
            return type(value)(items)
        if isinstance(value, Mapping):
            # The fields of an unknown event type: every text in them is the sender's.
            return self._sender_json(value)
        return value  # datetimes, dates, enums, time zones

    def _sender_json(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.p.token(TEXT, value)
        if isinstance(value, Mapping):
            return {key: self._sender_json(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [self._sender_json(item) for item in value]
        return value

    def _attrs(self, value: Any, **fixed: Any) -> Any:
        changes = dict(fixed)
        for field in attrs.fields(type(value)):
            if field.name in changes or not field.init:
                continue
            old = getattr(value, field.name)
            new = self.walk(old)
            if new is not old:
                changes[field.name] = new
        return attrs.evolve(value, **changes) if changes else value
