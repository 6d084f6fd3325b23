"""The rule file reader and the condition language's parser: YAML values to the rule model.

Every problem raises RuleFileError naming the file, the rule, the path inside the rule and the
line. Condition language, one pattern per alias::

    refused: {type: bail_decision, outcome: refused, at: {gte: charge.at}}

A field maps to a literal (equality) or to operators: eq, ne, lt, lte, gt, gte (a literal or
an expression), in / not_in (lists of literals), matches (a regular expression, case
insensitive). An expression is `alias.field`, optionally plus or minus durations (`6h`, `30m`)
and policy thresholds (`policy.aa_request_within`); `deadline` stands for the check's deadline.
What each operator means is in `rulebook.operators`.
"""

from __future__ import annotations

import enum
import re
from datetime import date
from pathlib import Path
from typing import Any

from custody_rules.errors import RuleFileError
from custody_rules.policy import Policy
from custody_rules.population import Population
from custody_rules.rulebook.model import (
    DEADLINE,
    END_ALIAS,
    OPERATORS,
    RESERVED_FIELDS,
    Check,
    Condition,
    Example,
    ExpectedFinding,
    Expr,
    Pattern,
    RuleSpec,
    Scalar,
    Severity,
    Status,
)
from custody_rules.safe_yaml import Lines, YamlProblem, load_with_lines
from custody_rules.timeline import FREE_TEXT_FIELDS, fact_fields

_NAME = re.compile(r"[a-z_][a-z0-9_]*\Z")
_REF = re.compile(r"([a-z_][a-z0-9_]*)\.([a-z_][a-z0-9_]*)\Z")
_DURATION = re.compile(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?\Z")
_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


class _Reader:
    """Reads one rule file's values, raising errors that name the file, rule, path and line."""

    def __init__(self, path: str, lines: Lines, rule_id: str | None):
        self.path = path
        self.lines = lines.of
        self.key_lines = lines.of_keys
        self.rule_id = rule_id
        self.vocabulary = fact_fields()
        self.alias_types: dict[str, str] = {END_ALIAS: "end"}

    def fail(
        self, where: str, problem: str, near: object = None, key: object = None
    ) -> RuleFileError:
        """An error at the line of `key` in the mapping `near`, or of the mapping itself."""
        line = None
        if near is not None:
            if key is None:  # `checks[0].status`: the key is the path's last name
                key = re.sub(r"\[\d+\]$", "", where).rpartition(".")[2]
            keys = self.key_lines.get(id(near), {})
            line = keys.get(key) if isinstance(key, str | int) else None
            line = line or self.lines.get(id(near))
        location = f"{self.path}:{line}" if line else self.path
        return RuleFileError(location, f"{where}: {problem}" if where else problem, self.rule_id)

    def known_field(
        self, alias: str, field_name: str, where: str, near: object, key: object = None
    ) -> None:
        """Refuse `alias.field` when the fact bound to `alias` has no such field."""
        fact_type = self.alias_types.get(alias)
        if fact_type is not None and field_name not in self.vocabulary[fact_type]:
            raise self.fail(where, f"{alias}.{field_name}: {fact_type} facts have no field "
                            f"{field_name!r}", near, key)

    def mapping(
        self, value: Any, where: str, near: object = None, key: object = None
    ) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(where, "expected a mapping", near, key)
        return value

    def text(self, value: Any, where: str, near: object, required: bool = True) -> str | None:
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.fail(where, "expected text", near)
        return " ".join(value.split())

    def keys(
        self, value: dict[str, Any], allowed: set[str], required: set[str], where: str
    ) -> None:
        unknown = sorted(set(value) - allowed, key=str)
        if unknown:
            raise self.fail(where, f"unknown key {unknown[0]!r}", value, unknown[0])
        missing = sorted(required - set(value))
        if missing:
            raise self.fail(where, f"missing key {missing[0]!r}", value)


_RULE_KEYS = {
    "id", "title", "severity", "confidence", "party", "citations", "obligation", "applies_when",
    "rationale", "exceptions", "remedy", "effective_from", "effective_to", "trigger", "checks",
    "examples", "population", "population_at",
}
_RULE_REQUIRED = {
    "id", "title", "severity", "confidence", "party", "citations", "obligation", "applies_when",
    "rationale", "remedy", "trigger", "checks", "examples", "population",
}
_CHECK_KEYS = {"name", "status", "severity", "describe", "match", "end", "deadline", "absent",
               "message", "pending", "question", "population", "effective_from", "effective_to"}
# The age lines the populations draw (17, 18) come from `population`, never from a condition:
# a rule writing `age: {lt: 18}` would apply today's line to every date.
_POPULATION_AGES = frozenset({17, 18})
_EXAMPLE_KEYS = {"name", "expect", "person", "offences", "events", "closed_at", "as_of",
                 "base_events", "record_id"}


def parse_rule_file(text: str, path: str, policy: Policy) -> RuleSpec:
    try:
        raw, lines = load_with_lines(text)
    except YamlProblem as exc:
        where = f"{path}:{exc.line}" if exc.line is not None else path
        raise RuleFileError(where, f"not valid YAML: {exc.problem}") from None
    rule_id = raw.get("id") if isinstance(raw, dict) and isinstance(raw.get("id"), str) else None
    reader = _Reader(path, lines, rule_id)
    raw = reader.mapping(raw, "", raw)
    reader.keys(raw, _RULE_KEYS, _RULE_REQUIRED, "")
    if not isinstance(rule_id, str) or not re.fullmatch(r"[A-Z]{2}-\d{2}", rule_id):
        raise reader.fail("id", "expected a catalogue id such as PC-09", raw, "id")
    stem = Path(path).name.removesuffix(".yaml")
    if stem != rule_id:
        raise reader.fail("id", f"file is named {stem}.yaml but holds {rule_id}", raw, "id")
    citations = raw["citations"]
    if not isinstance(citations, list) or not citations:
        raise reader.fail("citations", "expected a non-empty list", raw, "citations")
    bound: list[str] = []
    trigger = _patterns(reader, raw["trigger"], "trigger", bound, policy, absent=False)
    if not trigger:
        raise reader.fail("trigger", "needs at least one pattern", raw, "trigger")
    population = _enum(reader, Population, raw["population"], "population", raw)
    anchor = raw.get("population_at", trigger[0].alias)
    if anchor not in [pattern.alias for pattern in trigger]:
        raise reader.fail("population_at", f"{anchor!r} is not an alias of the trigger", raw)
    trigger = _bind_population(reader, trigger, population, "trigger", raw, anchor)
    checks_raw = raw["checks"]
    if not isinstance(checks_raw, list) or not checks_raw:
        raise reader.fail("checks", "expected a non-empty list", raw, "checks")
    checks = tuple(
        _check(reader, reader.mapping(item, f"checks[{index}]", checks_raw, index),
               f"checks[{index}]", list(bound), policy, population)
        for index, item in enumerate(checks_raw)
    )
    names = [check.name for check in checks]
    if len(set(names)) != len(names):
        raise reader.fail("checks", "check names must be unique", raw)
    examples_raw = raw["examples"]
    if not isinstance(examples_raw, list):
        raise reader.fail("examples", "expected a list", raw)
    examples = tuple(
        _example(reader, reader.mapping(item, f"examples[{index}]", examples_raw, index),
                 f"examples[{index}]")
        for index, item in enumerate(examples_raw)
    )
    return RuleSpec(
        id=rule_id,
        title=_required_text(reader, raw, "title"),
        severity=_enum(reader, Severity, raw["severity"], "severity", raw),
        confidence=_required_text(reader, raw, "confidence"),
        party=_required_text(reader, raw, "party"),
        citations=tuple(_required_text(reader, {"c": c}, "c") for c in citations),
        obligation=_required_text(reader, raw, "obligation"),
        applies_when=_required_text(reader, raw, "applies_when"),
        rationale=_required_text(reader, raw, "rationale"),
        exceptions=reader.text(raw.get("exceptions"), "exceptions", raw, required=False),
        remedy=_required_text(reader, raw, "remedy"),
        effective_from=_date(reader, raw.get("effective_from"), "effective_from", raw),
        effective_to=_date(reader, raw.get("effective_to"), "effective_to", raw),
        trigger=trigger,
        checks=checks,
        examples=examples,
        path=path,
        group=path.split("/")[0] if "/" in path else "",
        line=lines.of.get(id(raw), 1),
        population=population,
        population_at=anchor,
    )


def _bind_population(
    reader: _Reader, patterns: tuple[Pattern, ...], population: Population, where: str,
    near: object, anchor: str | None = None,
) -> tuple[Pattern, ...]:
    """Bind the population to one pattern (`anchor`, default the first): `<field>: 1` at that
    fact's moment, i.e. the person's age then and the law on that day. Every detainee needs no
    condition."""
    field = population.field
    if field is None:
        return patterns
    index = next((i for i, p in enumerate(patterns) if p.alias == anchor), 0)
    pattern = patterns[index]
    if field not in reader.vocabulary[pattern.type]:
        raise reader.fail(where, f"population {population.value} is bound to {pattern.alias}, "
                          f"but {pattern.type} facts carry no {field!r}", near)
    written = [c for c in pattern.conditions if c.field == field]
    if any((c.op, c.value) != ("eq", 1) for c in written):
        raise reader.fail(f"{where}.{pattern.alias}.{field}", f"population {population.value} "
                          f"binds {field} to 1 here; a rule cannot say otherwise", near)
    if written:
        return patterns
    bound = Pattern(pattern.alias, pattern.type, (*pattern.conditions, Condition(field, "eq", 1)))
    return (*patterns[:index], bound, *patterns[index + 1:])


def _required_text(reader: _Reader, raw: dict[str, Any], key: str) -> str:
    value = reader.text(raw.get(key), key, raw)
    assert value is not None
    return value


def _enum(reader: _Reader, enum_type: type[enum.Enum], value: Any, where: str, near: object) -> Any:
    allowed = [member.value for member in enum_type]
    if value not in allowed:
        raise reader.fail(where, f"{value!r} is not one of: {', '.join(allowed)}", near)
    return enum_type(value)


def _date(reader: _Reader, value: Any, where: str, near: object) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise reader.fail(where, "expected a date YYYY-MM-DD", near) from None


def _check(
    reader: _Reader, raw: Any, where: str, bound: list[str], policy: Policy,
    rule_population: Population,
) -> Check:
    raw = reader.mapping(raw, where, raw)
    reader.keys(raw, _CHECK_KEYS, {"name", "status", "describe", "message"}, where)
    name = raw["name"]
    if not isinstance(name, str) or not _NAME.match(name):
        raise reader.fail(f"{where}.name", "expected a snake_case name", raw)
    status = _enum(reader, Status, raw["status"], f"{where}.status", raw)
    if status is Status.PENDING:
        raise reader.fail(f"{where}.status", "pending comes from a deadline, not a status", raw)
    match = _patterns(reader, raw.get("match", {}), f"{where}.match", bound, policy, absent=False)
    bound.append(END_ALIAS)
    deadline: Expr | None = None
    if raw.get("deadline") is not None:
        parsed = _expr(reader, raw["deadline"], f"{where}.deadline", bound, policy, raw)
        if not isinstance(parsed, Expr) or parsed.alias is None:
            raise reader.fail(f"{where}.deadline", "expected alias.field plus a duration", raw)
        deadline = parsed
        if deadline.alias == END_ALIAS:
            raise reader.fail(f"{where}.deadline", "a deadline cannot count from the end", raw)
        bound.append(DEADLINE)
    end_conditions = _conditions(
        reader, raw.get("end", {}), f"{where}.end", bound, policy, allow_type=False
    )
    for condition in end_conditions:
        reader.known_field(END_ALIAS, condition.field, f"{where}.end", raw.get("end"),
                           condition.field)
    absent = _patterns(reader, raw.get("absent", {}), f"{where}.absent", bound, policy, absent=True)
    message = _required_text(reader, raw, "message")
    question = reader.text(raw.get("question"), f"{where}.question", raw, required=False)
    pending = reader.text(raw.get("pending"), f"{where}.pending", raw, required=False)
    if pending is not None and deadline is None:
        raise reader.fail(f"{where}.pending", "only a check with a deadline can be pending", raw)
    if status is Status.NEEDS_REVIEW and question is None:
        raise reader.fail(f"{where}.question", "a needs_review check must ask its question", raw)
    severity = raw.get("severity")
    own = raw.get("population")
    population = _enum(reader, Population, own, f"{where}.population", raw) if own else None
    if population is not None and population is not rule_population:
        if rule_population is not Population.EVERY_DETAINEE:
            raise reader.fail(f"{where}.population", "only a rule for every detainee can have "
                              "checks for a narrower population (the populations are not "
                              "nested: 17-year-olds were Code C juveniles from 2013 but PACE "
                              "arrested juveniles only from 2015)", raw)
        if not match:
            raise reader.fail(f"{where}.population", "a check with its own population binds it "
                              "to its first match pattern, and has none", raw)
        match = _bind_population(reader, match, population, f"{where}.match", raw)
    check = Check(
        name=name,
        status=status,
        severity=_enum(reader, Severity, severity, f"{where}.severity", raw) if severity else None,
        describe=_required_text(reader, raw, "describe"),
        match=match,
        end=end_conditions,
        deadline=deadline,
        absent=absent,
        message=message,
        question=question,
        pending=pending,
        population=population,
        effective_from=_date(reader, raw.get("effective_from"), f"{where}.effective_from", raw),
        effective_to=_date(reader, raw.get("effective_to"), f"{where}.effective_to", raw),
    )
    _check_placeholders(reader, check, where, [a for a in bound if a != DEADLINE], policy, raw)
    return check


def _check_placeholders(
    reader: _Reader, check: Check, where: str, bound: list[str], policy: Policy, near: object
) -> None:
    for text in (check.message, check.question or "", check.pending or ""):
        for placeholder in _PLACEHOLDER.findall(text):
            for part in placeholder.split(".."):
                token = part.strip()
                if token == DEADLINE and check.deadline is not None:
                    continue
                match = _REF.match(token)
                if match and match.group(1) == "policy":
                    if match.group(2) not in policy:
                        raise reader.fail(f"{where}.message",
                                          f"placeholder {{{placeholder}}}: unknown policy "
                                          f"threshold {match.group(2)!r}", near)
                    continue
                if not match or match.group(1) not in bound:
                    raise reader.fail(
                        f"{where}.message", f"placeholder {{{placeholder}}} names nothing bound",
                        near,
                    )
                alias, field_name = match.groups()
                reader.known_field(alias, field_name, f"{where}.message", near)
                if field_name in FREE_TEXT_FIELDS:
                    # Messages are rendered into every output, pseudonymised ones included.
                    raise reader.fail(f"{where}.message", f"placeholder {{{placeholder}}} would "
                                      "quote the record's free text", near)


def _patterns(
    reader: _Reader, raw: Any, where: str, bound: list[str], policy: Policy, absent: bool
) -> tuple[Pattern, ...]:
    raw = reader.mapping(raw, where, raw)
    patterns = []
    for alias, body in raw.items():
        if not isinstance(alias, str) or not _NAME.match(alias):
            raise reader.fail(where, f"alias {alias!r} must be a snake_case name", raw)
        if alias in bound or alias in (END_ALIAS, DEADLINE, "policy"):
            raise reader.fail(f"{where}.{alias}", "alias already used", raw)
        body = reader.mapping(body, f"{where}.{alias}", raw)
        conditions = _conditions(reader, body, f"{where}.{alias}", bound, policy, allow_type=True)
        type_conditions = [c for c in conditions if c.field == "type"]
        if len(type_conditions) != 1 or type_conditions[0].op != "eq":
            raise reader.fail(f"{where}.{alias}", "every pattern names exactly one type", body)
        event_type = type_conditions[0].value
        if not isinstance(event_type, str) or event_type not in reader.vocabulary:
            raise reader.fail(f"{where}.{alias}.type", f"no fact has the type {event_type!r} "
                              "(the event types of the record format, and note, child, "
                              "review_due, detention_clock, end)", body, "type")
        others = tuple(c for c in conditions if c.field != "type")
        for condition in others:
            if condition.field not in reader.vocabulary[event_type]:
                raise reader.fail(f"{where}.{alias}.{condition.field}",
                                  f"{event_type} facts have no field {condition.field!r}", body)
        patterns.append(Pattern(alias, event_type, others))
        if not absent:
            bound.append(alias)
            reader.alias_types[alias] = event_type
    return tuple(patterns)


def _conditions(
    reader: _Reader, raw: Any, where: str, bound: list[str], policy: Policy, allow_type: bool
) -> tuple[Condition, ...]:
    raw = reader.mapping(raw, where, raw)
    conditions = []
    for field_name, spec in raw.items():
        place = f"{where}.{field_name}"
        if not isinstance(field_name, str) or not _NAME.match(field_name):
            raise reader.fail(where, f"field {field_name!r} must be a snake_case name", raw)
        if field_name in RESERVED_FIELDS:
            raise reader.fail(place, "conditions may not use id or sid (engine bug B3)", raw)
        if field_name == "type" and not allow_type:
            raise reader.fail(place, "the end fact's type is fixed", raw)
        if isinstance(spec, dict):
            if not spec:
                raise reader.fail(place, "empty condition", raw)
            for op, value in spec.items():
                conditions.append(
                    _condition(reader, field_name, op, value, place, bound, policy, spec, op)
                )
        else:
            conditions.append(
                _condition(reader, field_name, "eq", spec, place, bound, policy, raw, field_name)
            )
    return tuple(conditions)


def _condition(
    reader: _Reader, field_name: str, op: Any, value: Any, where: str, bound: list[str],
    policy: Policy, near: object, key: object,
) -> Condition:
    """One `field: {op: value}`; `near` and `key` place errors on the operator's line."""
    if op not in OPERATORS:
        raise reader.fail(where, f"unknown operator {op!r} (known: {', '.join(OPERATORS)})",
                          near, key)
    if field_name == "age" and op in ("lt", "lte", "gt", "gte", "eq") \
            and value in _POPULATION_AGES:
        raise reader.fail(where, f"age {op} {value}: the 17 and 18 lines moved over the years; "
                          "declare `population` (code_c_juvenile, pace_juvenile) instead",
                          near, key)
    if op in ("in", "not_in"):
        if not isinstance(value, list) or not value:
            raise reader.fail(where, f"{op} takes a non-empty list of values", near, key)
        return Condition(field_name, op,
                         tuple(_literal(reader, v, where, near, key) for v in value))
    if op == "matches":
        if not isinstance(value, str):
            raise reader.fail(where, "matches takes a regular expression", near, key)
        try:
            re.compile(value)
        except re.error as exc:
            raise reader.fail(where, f"bad regular expression: {exc}", near, key) from None
        return Condition(field_name, op, value)
    return Condition(field_name, op, _expr(reader, value, where, bound, policy, near, key))


def _literal(reader: _Reader, value: Any, where: str, near: object, key: object = None) -> Scalar:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | str):
        return value
    raise reader.fail(where, f"expected a number, text or true/false, got {value!r}", near, key)


def _expr(
    reader: _Reader, value: Any, where: str, bound: list[str], policy: Policy, near: object,
    key: object = None,
) -> Scalar | Expr:
    """A literal, or `alias.field [+|- duration|policy.name]...` when it reads as one."""
    if not isinstance(value, str):
        return _literal(reader, value, where, near, key)
    tokens = re.split(r"\s*([+-])\s*", value.strip())
    first = tokens[0]
    if not (_REF.match(first) or first == DEADLINE or (_DURATION.match(first) and first)):
        return value  # plain text: an enum value such as `refused`
    alias = field = None
    offset = 0
    policies: list[str] = []
    sign = 1
    for index, token in enumerate(tokens):
        if index % 2 == 1:
            sign = 1 if token == "+" else -1
            continue
        ref = _REF.match(token)
        duration = _DURATION.match(token)
        if ref and ref.group(1) == "policy":
            name = ref.group(2)
            if name not in policy:
                raise reader.fail(where, f"unknown policy threshold {name!r}", near, key)
            offset += sign * policy[name].seconds
            policies.append(name)
        elif token == DEADLINE or ref:
            if alias is not None or index != 0:
                raise reader.fail(where, f"{value!r}: only one alias.field, first", near, key)
            alias, field = ("deadline", "at") if ref is None else (ref.group(1), ref.group(2))
            if alias not in bound:
                raise reader.fail(where, f"{value!r}: {alias} is not bound before this",
                                  near, key)
            if field in RESERVED_FIELDS:
                raise reader.fail(where, "joins on id or sid corrupt the engine (bug B3)",
                                  near, key)
            if alias != DEADLINE:
                reader.known_field(alias, field, where, near, key)
        elif token and duration:
            hours, minutes, seconds = (int(g) if g else 0 for g in duration.groups())
            offset += sign * (hours * 3600 + minutes * 60 + seconds)
        elif token.isdigit():
            offset += sign * int(token)
        else:
            raise reader.fail(where, f"{value!r}: cannot read {token!r}", near, key)
    if alias is None and not policies:
        return offset
    return Expr(alias, field, offset, tuple(policies))


def _example(reader: _Reader, raw: Any, where: str) -> Example:
    raw = reader.mapping(raw, where, raw)
    reader.keys(raw, _EXAMPLE_KEYS, {"name", "expect"}, where)
    name = raw["name"]
    if not isinstance(name, str) or not _NAME.match(name):
        raise reader.fail(f"{where}.name", "expected a snake_case name", raw)
    expect_raw = raw["expect"]
    if not isinstance(expect_raw, list):
        raise reader.fail(f"{where}.expect", "expected a list ([] when it must not fire)", raw)
    expected = []
    for item in expect_raw:
        item = reader.mapping(item, f"{where}.expect", raw)
        reader.keys(item, {"status", "events"}, {"status"}, f"{where}.expect")
        events = item.get("events")
        listed = isinstance(events, list) and all(isinstance(e, str) for e in events)
        if events is not None and not listed:
            raise reader.fail(f"{where}.expect.events", "expected a list of event ids", raw)
        expected.append(ExpectedFinding(
            _enum(reader, Status, item["status"], f"{where}.expect.status", raw),
            tuple(events) if events is not None else None,
        ))
    record = {key: value for key, value in raw.items() if key not in ("name", "expect", "as_of")}
    as_of = raw.get("as_of")
    return Example(name, bool(expected), tuple(expected), record,
                   str(as_of) if as_of is not None else None)
