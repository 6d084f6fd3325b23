"""The report of one checked record, as a person reads it.

Violations come most severe first, then earliest first, and the findings of one rule stay
together under it; what falls due comes soonest first. A record of an adult says plainly that no
child rule applied, and why, instead of describing a "child" aged 25.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from attrs import frozen

from custody_rules.findings import Finding, RecordResult
from custody_rules.rulebook import Severity, Status
from custody_rules.timeline import Timeline

ADULT_FROM = 18  # the rules here are about children: under 18 (Code C 1.5, CYPA 1933 s.107)


@frozen
class RuleFindings:
    """The findings of one rule, in time order."""

    rule: str
    title: str
    severity: Severity
    findings: tuple[Finding, ...]


@frozen
class CheckReport:
    result: RecordResult
    violated: tuple[RuleFindings, ...]  # most severe first, then earliest
    falling_due: tuple[Finding, ...]  # soonest first
    needs_judgement: tuple[RuleFindings, ...]
    no_child_rule: str | None  # why no rule applied, when none did


def check_report(result: RecordResult) -> CheckReport:
    timeline = result.timeline
    pending = [f for f in result.findings if f.status is Status.PENDING]
    return CheckReport(
        result=result,
        violated=by_rule(timeline, (f for f in result.findings
                                    if f.status is Status.VIOLATED)),
        falling_due=tuple(sorted(pending, key=lambda f: (f.due is None, f.due or result.as_of))),
        needs_judgement=by_rule(timeline, (f for f in result.findings
                                           if f.status is Status.NEEDS_REVIEW)),
        no_child_rule=no_child_rule(result),
    )


def finding_time(finding: Finding, timeline: Timeline) -> datetime:
    """When a finding is about: its earliest event (else its due time, else the as-of)."""
    times = [event.at for event in timeline.events if event.id in finding.events]
    if times:
        return min(times)
    return finding.due or timeline.judged_at


def by_rule(timeline: Timeline, findings: Iterable[Finding]) -> tuple[RuleFindings, ...]:
    """Findings grouped by rule: the most severe rule first, then the one found earliest."""
    groups: dict[str, list[Finding]] = {}
    for finding in findings:
        groups.setdefault(finding.rule, []).append(finding)
    out = []
    for rule, items in groups.items():
        items.sort(key=lambda f: finding_time(f, timeline))
        severity = min((f.severity for f in items), key=lambda s: s.rank)
        out.append(RuleFindings(rule, items[0].title, severity, tuple(items)))
    out.sort(key=lambda g: (g.severity.rank, finding_time(g.findings[0], timeline), g.rule))
    return tuple(out)


def no_child_rule(result: RecordResult) -> str | None:
    """Why no child rule applied to the record, said plainly: an adult's record (the rules
    owed to every detainee, such as reviews and the detention clock, still apply), or a record
    to which no rule applied at all. None for a child's record."""
    timeline = result.timeline
    arrival = next((e for e in timeline.events if e.type == "arrival"), None)
    age = timeline.age_at(arrival.at if arrival else timeline.judged_at)
    person = timeline.record.person
    if age is not None and age >= ADULT_FROM:
        how = "apparent age" if person.date_of_birth is None else "age"
        when = "on arrival" if arrival else "at the time judged"
        checked = (f"Only the rules owed to every detainee (reviews, the detention clock) "
                   f"were checked: {len(result.applied)} applied."
                   if result.applied else "No rule applied.")
        return (f"No child rule applied: this is a record of an adult ({how} {age} {when}); "
                f"the rules for children protect those under {ADULT_FROM}. {checked}")
    if result.applied:
        return None
    if age is None:
        return ("No rule applied: the record gives neither a date of birth nor an apparent "
                "age, so it cannot be told whether the person is a child.")
    return "No rule applied: nothing in the record is what any rule is about."
