"""Step 5, findings: engine hits become findings a person can read, with the law they rest on.

One function, `findings_for`, builds every Finding: it fills the rule's message template from
the facts the engine bound, computes the due time of pending obligations, and names the policy
thresholds a finding rests on. It knows the rule specs, never the engine's internals.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta, timezone

from attrs import frozen

from custody_rules.engine import Hit
from custody_rules.rulebook import (
    APPLIES,
    DEADLINE,
    TIME_FIELDS,
    Check,
    Expr,
    Rulebook,
    RuleSpec,
    Severity,
    Status,
)
from custody_rules.timeline import Fact, Timeline, uk_date
from custody_rules.uktime import as_of_day, clock_time, format_duration, time_left

STATUS_ORDER = {Status.VIOLATED: 0, Status.PENDING: 1, Status.NEEDS_REVIEW: 2}
SEVERITY_ORDER = {severity: severity.rank for severity in Severity}


@frozen
class Finding:
    rule: str
    status: Status
    severity: Severity
    title: str
    message: str
    events: tuple[str, ...]
    citations: tuple[str, ...]
    check: str
    due: datetime | None = None
    question: str | None = None
    thresholds: tuple[str, ...] = ()
    # A pending finding's message is "Due by <time> (in <time left>): <obligation>"; the parts
    # are kept apart (`due` and this) so that no reader has to parse the message back.
    obligation: str | None = None


@frozen
class RecordResult:
    """Everything `check` knows about one record: its findings and which rules applied."""

    record_id: str
    as_of: datetime
    findings: tuple[Finding, ...]
    applied: tuple[str, ...]
    in_force: tuple[str, ...]
    warnings: tuple[str, ...]
    timeline: Timeline
    ruleset_version: str = ""
    ruleset_digest: str = ""

    @property
    def violated(self) -> bool:
        return any(f.status is Status.VIOLATED for f in self.findings)


def findings_for(hits: Iterable[Hit], timeline: Timeline, rulebook: Rulebook) -> tuple[
    tuple[Finding, ...], tuple[str, ...], tuple[str, ...]
]:
    """(findings, ids of rules that applied, ids of rules in force) for one record."""
    day = _judged_day(timeline)
    book = _derived(rulebook)
    in_force = book.in_force(day)
    applied: set[str] = set()
    found: dict[tuple[str, str, Status, tuple[str, ...]], Finding] = {}
    for hit in hits:
        rule_id = hit.engine_rule.rule_id
        if rule_id not in in_force:
            continue
        applied.add(rule_id)
        if hit.engine_rule.outcome == APPLIES:
            continue
        rule = in_force[rule_id]
        if not rule.checks[hit.engine_rule.check].in_force_on(day):
            continue
        check = rule.checks[hit.engine_rule.check]
        finding = _finding(rule, check, Status(hit.engine_rule.outcome), hit.bindings,
                           timeline, rulebook, book.thresholds(check))
        # Two checks of one rule are two findings even on the same events (a review without
        # the child's views and without an appropriate adult is two failings).
        # Several activations can give one finding (the same events bound in other roles);
        # which one the engine reports first is its business, so the choice must not be: the
        # earliest due, then the first message in text order.
        key = (finding.rule, finding.check, finding.status, finding.events)
        if key not in found or _preference(finding) < _preference(found[key]):
            found[key] = finding
    order = {event.id: index for index, event in enumerate(timeline.events)}
    rule_order = book.rule_order
    findings = sorted(found.values(), key=lambda f: (
        STATUS_ORDER[f.status], SEVERITY_ORDER[f.severity], rule_order[f.rule],
        [order.get(event, -1) for event in f.events], f.check,
    ))
    ids = tuple(rule.id for rule in rulebook.rules if rule.id in applied)
    return tuple(findings), ids, tuple(in_force)


class _Derived:
    """What findings need of a rulebook, worked out once for it rather than for every record:
    the rules' order and each check's policy thresholds as the finding states them."""

    def __init__(self, rulebook: Rulebook):
        self.rulebook = rulebook
        self.rule_order = {rule.id: index for index, rule in enumerate(rulebook.rules)}
        self._thresholds: dict[int, tuple[Check, tuple[str, ...]]] = {}
        self._in_force: dict[date, dict[str, RuleSpec]] = {}

    def in_force(self, day: date) -> dict[str, RuleSpec]:
        """The rules in force on a day, by id, in rulebook order (kept for the last DAYS_KEPT
        days asked: an audit's records fall on a few hundred days). Not to be changed."""
        known = self._in_force.get(day)
        if known is None:
            if len(self._in_force) >= DAYS_KEPT:
                self._in_force.clear()
            known = self._in_force[day] = {rule.id: rule for rule in self.rulebook.rules
                                           if rule.in_force_on(day)}
        return known

    def thresholds(self, check: Check) -> tuple[str, ...]:
        known = self._thresholds.get(id(check))
        if known is None or known[0] is not check:
            known = (check, tuple(self.rulebook.policy[name].describe()
                                  for name in check.thresholds))
            self._thresholds[id(check)] = known
        return known[1]


DAYS_KEPT = 4096
_DERIVED: list[_Derived] = []  # for the last rulebook used (a process judges by one)


def _derived(rulebook: Rulebook) -> _Derived:
    if not _DERIVED or _DERIVED[0].rulebook is not rulebook:
        _DERIVED[:] = [_Derived(rulebook)]
    return _DERIVED[0]


def _preference(finding: Finding) -> tuple[float, str, str]:
    due = finding.due.timestamp() if finding.due is not None else float("inf")
    return due, finding.message, finding.question or ""


def _judged_day(timeline: Timeline) -> date:
    """The UK legal day the child arrived (else the day judged): the law of that day applies."""
    arrival = next((e for e in timeline.events if e.type == "arrival"), None)
    return uk_date(arrival.at if arrival else timeline.judged_at)


def _finding(
    rule: RuleSpec, check: Check, status: Status, bindings: Mapping[str, Fact],
    timeline: Timeline, rulebook: Rulebook, thresholds: tuple[str, ...],
) -> Finding:
    due = _instant(check.deadline, bindings) if check.deadline else None
    render = _Renderer(bindings, timeline, rulebook, due)
    events: list[str] = []
    for fact in bindings.values():
        events.extend(event for event in fact.event_ids if event not in events)
    obligation = None
    if status is Status.PENDING and due is not None:
        left = format_duration(time_left(due, timeline.judged_at))
        obligation = render(check.pending) if check.pending else f"{rule.title}."
        message = f"Due by {render.time(due)} (in {left}): {obligation}"
    else:
        message = render(check.message)
    return Finding(
        rule=rule.id,
        status=status,
        severity=check.severity or rule.severity,
        title=rule.title,
        message=message,
        events=tuple(events),
        citations=rule.citations,
        check=check.name,
        due=due if status is Status.PENDING else None,
        question=render(check.question) if check.question else None,
        thresholds=thresholds,
        obligation=obligation,
    )


def _instant(expr: Expr, bindings: Mapping[str, Fact]) -> datetime:
    assert expr.alias is not None and expr.field is not None
    fact = bindings[expr.alias]
    seconds = fact.at if expr.field == "at" else int(fact.fields[expr.field])
    return datetime.fromtimestamp(seconds + expr.offset, tz=timezone.utc)


@functools.lru_cache(maxsize=4096)
def _parts(template: str) -> tuple[tuple[str, str | None], ...]:
    """A message template as (text, placeholder name) pairs, the last name None: split once per
    template (the rules have a few hundred), not for every finding."""
    parts: list[tuple[str, str | None]] = []
    rest = template
    while "{" in rest:
        before, _, after = rest.partition("{")
        name, _, rest = after.partition("}")
        parts.append((before, name.strip()))
    parts.append((rest, None))
    return tuple(parts)


class _Renderer:
    """Fills `{alias.field}`, `{a.at..b.at}` (a duration), `{deadline}` and `{policy.name}`."""

    def __init__(self, bindings: Mapping[str, Fact], timeline: Timeline, rulebook: Rulebook,
                 due: datetime | None):
        self.bindings = bindings
        self.timeline = timeline
        self.rulebook = rulebook
        self.due = due
        self.today = as_of_day(timeline.judged_at)

    def __call__(self, template: str) -> str:
        out: list[str] = []
        for text, name in _parts(template):
            out.append(text)
            if name is not None:
                out.append(self.placeholder(name))
        return "".join(out)

    def placeholder(self, name: str) -> str:
        if ".." in name:
            start, end = (self.value_at(part.strip()) for part in name.split("..", 1))
            return format_duration(end - start)
        if name == DEADLINE and self.due is not None:
            return self.time(self.due)
        alias, _, field = name.partition(".")
        if alias == "policy":
            threshold = self.rulebook.policy[field]
            return f"{threshold.minutes} min" if threshold.minutes < 120 else \
                format_duration(timedelta(minutes=threshold.minutes))
        fact = self.bindings[alias]
        if field in TIME_FIELDS:
            return self.time(self.value_at(name))
        value = fact.fields.get(field, "")
        return str(value).replace("_", " ")

    def value_at(self, name: str) -> datetime:
        if name == DEADLINE and self.due is not None:
            return self.due
        alias, _, field = name.partition(".")
        fact = self.bindings[alias]
        seconds = fact.at if field == "at" else int(fact.fields[field])
        return datetime.fromtimestamp(seconds, tz=timezone.utc)

    def time(self, moment: datetime) -> str:
        """UK time, with the date when it is not the as-of day."""
        return clock_time(moment, self.today)
