"""The walk through a scenario's record, event by event, as data for the formatters.

`walk` judges the record as it stood at each event's time and compares each judgement with the
one before: a new pending finding became due, a pending or violated one that went away was met
(or stopped being due when the child left), a new violated one became violated. The last step
judges the whole record as closed; its findings are what the scenario's `expected.json` must
equal. `walk_end` is that comparison as a view: the final findings, each with the library's
dispute of it if any, and what differs from the expected findings.

Formatters take these views (and the scenario itself, re-exported here) and nothing else.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from collections.abc import Set as AbstractSet
from datetime import datetime
from typing import Protocol

from attrs import frozen

from custody_rules.findings import Finding, RecordResult
from custody_rules.record import LEAVES_DETENTION, CustodyRecord, Event
from custody_rules.rulebook import Status
from custody_rules.training import ExpectedFinding, Scenario, differences, disputed_match
from custody_rules.views.narrative import clock_time, describe_event

__all__ = [
    "Change", "ExpectedFinding", "FinalFinding", "Judge", "Scenario", "Step", "StepChange",
    "Walk", "WalkEnd", "steps", "walk", "walk_end",
]


class Change(str, enum.Enum):
    BECAME_DUE = "became due"
    BECAME_VIOLATED = "became violated"
    NEEDS_JUDGEMENT = "needs judgement"
    SATISFIED = "satisfied"
    NO_LONGER_DUE = "no longer due"  # the child left police detention before the deadline
    NO_LONGER_FOUND = "no longer found"  # a violation or question the later record answers
    DUE_NOW = "due now"  # owed at once: the next event meets it (so it is not shown violated)
    STILL_DUE = "still due"  # an event changed what a rule requires, but something is still due
    STILL_VIOLATED = "still violated"  # a rule's breach, now seen another way (e.g. at closing)


@frozen
class StepChange:
    change: Change
    finding: Finding
    reason: str


@frozen
class Step:
    at: datetime
    events: tuple[Event, ...]  # empty for the final, closing step
    changes: tuple[StepChange, ...]
    result: RecordResult
    final: bool = False


@frozen
class Walk:
    record_id: str
    steps: tuple[Step, ...]

    @property
    def final(self) -> RecordResult:
        return self.steps[-1].result


class Judge(Protocol):
    """What the walk needs of a Checker (kept as a protocol: scenarios and their formatters
    never load the engine themselves)."""

    def check(self, record: CustodyRecord, as_of: datetime | None = None,
              now: datetime | None = None, warnings: tuple[str, ...] = ()) -> RecordResult:
        ...


def walk(checker: Judge, record: CustodyRecord) -> Walk:
    """Judge the record at each event's time, then as closed, and say what changed at each."""
    return Walk(record.record_id, tuple(steps(checker, record)))


def steps(checker: Judge, record: CustodyRecord) -> Iterator[Step]:
    """The walk one step at a time, so that a trainer's screen can stop between events.

    Each step is judged with the next one in view: an obligation owed at once (a girl's woman
    carer, "as it stands" at the moment detention is authorised) that the very next event meets
    is shown as due now and then met, not as violated and cleared minutes later."""
    ordered = sorted(record.events, key=lambda event: (event.at, event.id))
    if not ordered:
        return
    # A record with no leaving event and no closed_at is judged as it stood at its last event,
    # never at the real clock, so that a scenario plays the same every day.
    last = ordered[-1].at
    times = sorted({event.at for event in ordered})
    judged = [(moment, checker.check(record, as_of=moment, now=last)) for moment in times[:1]]
    before: tuple[Finding, ...] = ()
    owed: set[tuple[str, str, tuple[str, ...]]] = set()  # shown as due now, not violated
    for number, moment in enumerate(times):
        if number + 1 < len(times):
            judged.append((times[number + 1],
                           checker.check(record, as_of=times[number + 1], now=last)))
            after = judged[-1][1]
        else:
            after = checker.check(record, now=last)
        result = judged[number][1]
        happened = tuple(e for e in ordered if e.at == moment)
        changes = list(_changes(before, result, happened, owed))
        gone = {_identity(f, after) for f in after.findings}
        for index, change in enumerate(changes):
            key = _identity(change.finding, result)
            if change.change is Change.BECAME_VIOLATED and key not in gone \
                    and not change.reason.startswith("deadline "):
                owed.add(key)
                changes[index] = StepChange(Change.DUE_NOW, change.finding,
                                            f"owed at once: {change.finding.title}.")
        yield Step(moment, happened, tuple(_merge_due(changes)), result)
        before = result.findings
        owed &= {_identity(f, result) for f in result.findings}
    final = checker.check(record, now=last)
    yield Step(final.as_of, (), tuple(_merge_due(list(_changes(before, final, (), owed)))),
               final, final=True)


def _merge_due(changes: list[StepChange]) -> list[StepChange]:
    """One rule that is met and due again at one step (an event met one of its checks and
    made another due) is shown once, as still due, never as both due and met; one that is
    violated anew as its earlier breach goes (the closed record states the breach another
    way) is shown once, as still violated, never as violated and cleared."""
    def rules(*kinds: Change) -> set[str]:
        return {c.finding.rule for c in changes if c.change in kinds}

    due_again = rules(Change.SATISFIED) & rules(Change.BECAME_DUE)
    violated_again = rules(Change.NO_LONGER_FOUND) & rules(Change.BECAME_VIOLATED)
    out = []
    for change in changes:
        rule = change.finding.rule
        if (rule in due_again and change.change is Change.SATISFIED) or (
                rule in violated_again and change.change is Change.NO_LONGER_FOUND):
            continue
        if rule in due_again and change.change is Change.BECAME_DUE:
            change = StepChange(Change.STILL_DUE, change.finding, change.reason)
        if rule in violated_again and change.change is Change.BECAME_VIOLATED:
            change = StepChange(Change.STILL_VIOLATED, change.finding, change.reason)
        out.append(change)
    return out


def _identity(finding: Finding, result: RecordResult) -> tuple[str, str, tuple[str, ...]]:
    """Which obligation a finding is about, across steps: its rule, check and events, without
    the event by which the child left (bound only once the record has ended)."""
    left = result.timeline.left_by.id if result.timeline.left_by else None
    return finding.rule, finding.check, tuple(e for e in finding.events if e != left)


def _changes(before: tuple[Finding, ...], result: RecordResult,
             happened: tuple[Event, ...],
             owed: AbstractSet[tuple[str, str, tuple[str, ...]]] = frozenset()
             ) -> Iterator[StepChange]:
    old = {_identity(f, result): f for f in before}
    new = {_identity(f, result): f for f in result.findings}
    timeline = result.timeline
    cause = "; ".join(f"{e.id} {describe_event(e, timeline)}" for e in happened)
    leaving = next((e for e in happened if e.type in LEAVES_DETENTION), None)
    for key, finding in new.items():
        previous = old.get(key)
        if previous is not None and previous.status is finding.status:
            continue
        if finding.status is Status.PENDING:
            yield StepChange(Change.BECAME_DUE, finding, finding.message)
        elif finding.status is Status.VIOLATED:
            # Judged only at events, a deadline that fell between two of them shows at the
            # second: say when it actually passed.
            lapsed = (f"deadline {clock_time(previous.due, timeline)} passed: "
                      if previous is not None and previous.due is not None else "")
            yield StepChange(Change.BECAME_VIOLATED, finding, lapsed + finding.message)
        else:
            yield StepChange(Change.NEEDS_JUDGEMENT, finding, finding.question or finding.message)
    for key, finding in old.items():
        if key in new:
            continue
        if finding.status is Status.PENDING and leaving is not None:
            yield StepChange(Change.NO_LONGER_DUE, finding,
                             f"the child left police detention: {leaving.id} "
                             f"{describe_event(leaving, timeline)}")
        elif finding.status is Status.PENDING or key in owed:
            how = f"met by {cause}" if cause else "met by the record as closed"
            yield StepChange(Change.SATISFIED, finding, how)
        else:
            how = f"after {cause}" if cause else "once the record is judged as closed"
            yield StepChange(Change.NO_LONGER_FOUND, finding, how)


@frozen
class FinalFinding:
    """A finding the whole record ends with, and the library's dispute of it, if any."""

    finding: Finding
    dispute: ExpectedFinding | None


@frozen
class WalkEnd:
    """The findings the whole record ends with, and whether they are the scenario's."""

    final: RecordResult
    findings: tuple[FinalFinding, ...]
    expected: tuple[ExpectedFinding, ...] | None  # None: no scenario, or none recorded yet
    problems: tuple[str, ...]  # what differs from the expected findings; empty when equal

    @property
    def matches(self) -> bool:
        return not self.problems


def walk_end(walk: Walk, scenario: Scenario | None) -> WalkEnd:
    final = walk.final
    expected = scenario.expected if scenario is not None else None
    return WalkEnd(
        final=final,
        findings=tuple(FinalFinding(f, disputed_match(scenario, f) if scenario else None)
                       for f in final.findings),
        expected=expected,
        problems=tuple(differences(expected, final.findings)) if expected is not None else (),
    )
