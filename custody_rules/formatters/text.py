"""Text for a person at a terminal, as rich Text: the check report (violations by severity,
then time, one rule's findings together; then what falls due; then what needs a person's
judgement), the sergeant's handover, `explain`, and the training scenarios.

Every function takes the width to wrap at (the terminal's, from the console) and returns one
rich Text: styles are spans, so the console decides whether a stream shows them (never on a
stream that is not a terminal, nor with NO_COLOR or TERM=dumb), and text from a record is never
read as markup. Times are UK time (`custody_rules.uktime`).
"""

from __future__ import annotations

import functools
import textwrap
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from rich.text import Text

from custody_rules.findings import Finding
from custody_rules.rulebook import Severity, Status
from custody_rules.textsafe import scrub
from custody_rules.timeline import Timeline
from custody_rules.uktime import as_of_words, format_duration, time_left
from custody_rules.views.narrative import clock_time, describe_event
from custody_rules.views.report import CheckReport, RuleFindings

if TYPE_CHECKING:
    # `explain` and `scenario` are imported by what renders them (below): `check` renders
    # neither, and importing them is a good part of its start.
    from custody_rules.views.explain import (
        CheckVerdict,
        Explanation,
        FactUse,
        NotChecked,
        Outcome,
        Verdict,
    )
    from custody_rules.views.handover import Handover, Obligation, PaceClock
    from custody_rules.views.scenario import Change, ExpectedFinding, Scenario, Step, WalkEnd

SEVERITY_LABEL = {
    Severity.STATUTE: "Statute",
    Severity.CODE: "PACE Code",
    Severity.GUIDANCE: "Guidance",
    Severity.POLICY: "Force policy threshold",
    Severity.GOOD_PRACTICE: "Good practice",
}
STATUS_COLOUR = {Status.VIOLATED: "red", Status.PENDING: "yellow", Status.NEEDS_REVIEW: "cyan"}
WIDTH = 80  # when no console says otherwise

Line = Text | str


def style(text: str, fg: str | None = None, bold: bool = False, dim: bool = False) -> Text:
    """`text` with a style span (not a base style: appending to it adds plain text)."""
    out = Text(text)
    names = [name for name, on in ((fg or "", bool(fg)), ("bold", bold), ("dim", dim)) if on]
    if names and text:
        out.stylize(" ".join(names))
    return out


def _cat(*parts: Line) -> Text:
    out = Text()
    for part in parts:
        out.append(part)
    return out


def _text(lines: Iterable[Line]) -> Text:
    """The lines as one Text, ending with a newline."""
    out = Text()
    for line in lines:
        out.append(line)
        out.append("\n")
    return out


class _Wrap:
    """Wrapping at one width, with an indent for the first line and one for the rest."""

    def __init__(self, width: int):
        self.width = max(40, width)

    def __call__(self, text: str, indent: str, hang: str | None = None) -> list[str]:
        return textwrap.wrap(text, width=self.width, initial_indent=indent,
                             subsequent_indent=indent if hang is None else hang,
                             break_on_hyphens=False) or [indent]


def _lead(wrap: _Wrap, lead: Text, rest: str, indent: str, hang: str) -> list[Line]:
    """`indent` + `lead` (styled) + `rest`, wrapped, with the style kept on the lead."""
    lines = wrap(lead.plain + rest, indent, hang)
    return [_cat(indent, lead, lines[0][len(indent) + len(lead.plain):]), *lines[1:]]


def plural(count: int, one: str, many: str | None = None) -> str:
    """`1 expected finding`, `3 expected findings`."""
    return f"{count} {one if count == 1 else (many or one + 's')}"


# --------------------------------------------------------------------------- check

def render(report: CheckReport, width: int = WIDTH) -> Text:
    """The whole report of one checked record."""
    report = scrub(report)
    wrap = _Wrap(width)
    result = report.result
    held = "still held" if result.timeline.still_held else "left police detention"
    title = f"Record {result.record_id}"
    head = wrap(f"{title}  (as of {as_of_words(result.as_of)}; {held})", "", "  ")
    lines: list[Line] = [_cat(style(title, bold=True), head[0][len(title):]), *head[1:]]
    if report.no_child_rule:
        lines.extend(wrap(report.no_child_rule, ""))
    if not result.findings and result.applied:
        lines.append(style("No findings: every rule that applied was met.", fg="green"))
    if report.violated:
        count = sum(len(group.findings) for group in report.violated)
        lines.append("")
        lines.append(style(f"Violations ({count})", fg="red", bold=True))
        for severity in Severity:
            groups = [g for g in report.violated if g.severity is severity]
            if groups:
                lines.append(style(f"  {SEVERITY_LABEL[severity]}", bold=True))
                lines.extend(line for g in groups for line in _rule_group(g, report, wrap))
    if report.falling_due:
        lines.append("")
        lines.append(style(f"Falling due ({len(report.falling_due)})", fg="yellow", bold=True))
        for finding in report.falling_due:
            group = RuleFindings(finding.rule, finding.title, finding.severity, (finding,))
            lines.extend(_rule_group(group, report, wrap))
    if report.needs_judgement:
        count = sum(len(group.findings) for group in report.needs_judgement)
        lines.append("")
        lines.append(style(f"Needs a person's judgement ({count})", fg="cyan", bold=True))
        lines.extend(line for g in report.needs_judgement for line in _rule_group(g, report, wrap))
    for warning in result.warnings:
        lines.extend(style(line, fg="magenta") for line in wrap(f"warning: {warning}", "", "  "))
    lines.append("")
    lines.extend(wrap(f"{len(result.applied)} of {len(result.in_force)} rules applied; ruleset "
                      f"{result.ruleset_version} ({result.ruleset_digest}).", ""))
    return _text(lines)


def _rule_group(group: RuleFindings, report: CheckReport, wrap: _Wrap) -> list[Line]:
    """`    PC-09  <title>`, then each finding of the rule under it."""
    result = report.result
    first = group.findings[0]
    colour = STATUS_COLOUR[first.status]
    due = ""
    if first.status is Status.PENDING and first.due is not None:
        left = format_duration(time_left(first.due, result.as_of))
        due = f"  [due {clock_time(first.due, result.timeline)}, in {left}]"
    head = wrap(f"{group.rule}  {group.title}{due}", "    ", " " * (6 + len(group.rule)))
    out: list[Line] = [_cat(style(f"    {group.rule}", fg=colour, bold=True),
                            head[0][4 + len(group.rule):]), *head[1:]]
    several = len(group.findings) > 1
    for number, finding in enumerate(group.findings, 1):
        if several:
            out.extend(wrap(finding.message, f"      {number}. ", " " * (8 + len(str(number)))))
        else:
            out.extend(wrap(finding.message, "      "))
        if finding.question:
            out.extend(wrap(f"Question: {finding.question}", "      "))
        details = f"{'; '.join(finding.citations)}. Events: {', '.join(finding.events) or '-'}"
        if finding.thresholds:
            details += f". Policy: {', '.join(finding.thresholds)}"
        out.extend(style(line, dim=True) for line in wrap(details, "      "))
    return out


# --------------------------------------------------------------------------- handover

def render_handover(handover: Handover, width: int = WIDTH) -> Text:
    """One terminal screen: the child, the PACE clock, what is violated, what falls due when,
    and the latest entries of the log."""
    handover = scrub(handover)
    wrap = _Wrap(width)
    timeline = handover.timeline
    place = ", ".join(p for p in (handover.station, handover.force) if p)
    title = f"HANDOVER  {handover.record_id}"
    head = wrap(f"{title}{f'  {place}' if place else ''}  as of {as_of_words(handover.as_of)}",
                "", "  ")
    lines: list[Line] = [_cat(style(title, bold=True), head[0][len(title):]), *head[1:]]
    offences = "; ".join(handover.offences) or "no offence recorded"
    who = "Person" if handover.adult else "Child"
    lines.extend(wrap(f"{who} {handover.child}. Offence: {offences}.", ""))
    if handover.no_child_rule:
        lines.extend(wrap(handover.no_child_rule, ""))
    status = []
    if handover.arrived_at is not None and handover.held_for is not None:
        status.append(f"Arrived {clock_time(handover.arrived_at, timeline)}, "
                      f"held {format_duration(handover.held_for)}")
    if handover.charged_at is not None:
        status.append(f"charged {clock_time(handover.charged_at, timeline)}")
    if handover.bail_refused_at is not None:
        status.append(f"bail refused {clock_time(handover.bail_refused_at, timeline)}")
    status.append("still held" if handover.still_held else "no longer in police detention")
    lines.extend(wrap("; ".join(status) + ".", ""))

    lines.append("")
    lines.append(style("PACE clock", bold=True))
    lines.extend(_clock_lines(handover, wrap))

    lines.append("")
    lines.extend(_section("Violated", "red",
                          _briefs([f for _, f in handover.violated], wrap, question=False),
                          len(handover.violated)))
    lines.append("")
    widths = (max((len(clock_time(o.due, timeline)) for o in handover.falling_due), default=5),
              max((len(format_duration(o.time_left)) + 3 for o in handover.falling_due),
                  default=8))
    lines.extend(_section("Falling due", "yellow",
                          [_obligation(o, handover, widths, wrap)
                           for o in handover.falling_due]))
    if handover.needs_judgement:
        lines.append("")
        lines.extend(_section("Needs a person's judgement", "cyan",
                              _briefs([f for _, f in handover.needs_judgement], wrap,
                                      question=True), len(handover.needs_judgement)))

    lines.append("")
    shown = len(handover.log)
    total = shown + handover.earlier_events
    latest = f", latest {shown} shown" if handover.earlier_events else ""
    lines.append(style(f"Record so far ({plural(total, 'event')}{latest})", bold=True))
    time_width = max((len(clock_time(e.at, timeline)) for e in handover.log), default=5)
    id_width = max((len(e.event_id) for e in handover.log), default=3)
    for entry in handover.log:
        at = clock_time(entry.at, timeline)
        columns = f"  {at:<{time_width}}  {entry.event_id:<{id_width}}  "
        lines.extend(wrap(entry.summary, columns, " " * len(columns)))
    return _text(lines)


def _clock_lines(handover: Handover, wrap: _Wrap) -> list[Line]:
    clock: PaceClock | None = handover.clock
    timeline = handover.timeline
    out: list[Line] = []
    if clock is None:
        out.extend(wrap("No arrival recorded: the PACE clock cannot be computed.", "  "))
    else:
        limit = f"{clock.limit_hours}-hour limit {clock_time(clock.limit, timeline)}"
        if clock.extension is not None:
            by = clock.extension.by.id if clock.extension.by and clock.extension.by.id else None
            limit += (f" (extended at {clock_time(clock.extension.at, timeline)}"
                      + (f" by {by})" if by else ")"))
        head = (f"Relevant time {clock_time(clock.relevant_time, timeline)} "
                f"({clock.counted_from}); {limit}")
        if clock.stopped_at_charge is not None or clock.time_left is None:
            charged = clock.stopped_at_charge or clock.relevant_time
            used = format_duration(charged - clock.relevant_time)
            out.extend(wrap(
                f"{head}. Charged {clock_time(charged, timeline)}, {used} in: "
                "the pre-charge limit no longer runs; court at its first sitting (PACE s.46).",
                "  ", "    "))
        else:
            left = clock.time_left
            state = (f"in {format_duration(left)}" if left.total_seconds() >= 0
                     else f"PASSED {format_duration(-left)} ago")
            out.extend(wrap(f"{head}, {state}.", "  ", "    "))
    review = handover.next_review
    if review is None:
        if handover.still_held:
            out.extend(wrap("Next review: none scheduled (no authorisation of detention "
                            "recorded).", "  ", "    "))
        return out
    left = review.time_left
    timing = (f"in {format_duration(left)}" if left.total_seconds() >= 0
              else f"OVERDUE by {format_duration(-left)}")
    # PACE s.40(1): an inspector reviews before charge, the custody officer after.
    reviewer = ("the custody officer (charged)" if review.after_charge
                else "an inspector not involved in the investigation")
    out.extend(wrap(f"Next review: review {review.number} due "
                    f"{clock_time(review.due, timeline)}, {timing}, by {reviewer}.",
                    "  ", "    "))
    return out


def _section(title: str, colour: str, items: Sequence[list[Line]],
             count: int | None = None) -> list[Line]:
    if not items:
        return [style(f"{title}: none", fg=colour, bold=True)]
    return [style(f"{title} ({len(items) if count is None else count})", fg=colour, bold=True),
            *(line for item in items for line in item)]


def _briefs(findings: list[Finding], wrap: _Wrap, question: bool) -> list[list[Line]]:
    """`  PC-09  <text>` per finding, wrapped under the text; a rule's second finding in a row
    is shown under the first without repeating its id."""
    out: list[list[Line]] = []
    previous = None
    for finding in findings:
        text = (finding.question or finding.message) if question else finding.message
        indent = " " * (4 + len(finding.rule))
        wrapped = wrap(text, indent)
        if finding.rule == previous:
            out[-1].extend(wrapped)
            continue
        head = style(f"  {finding.rule}", fg=STATUS_COLOUR[finding.status], bold=True)
        out.append([_cat(head, wrapped[0][len(finding.rule) + 2:]), *wrapped[1:]])
        previous = finding.rule
    return out


def _obligation(obligation: Obligation, handover: Handover,
                widths: tuple[int, int], wrap: _Wrap) -> list[Line]:
    """`  20:10  in 1h10m   RV-01  first review of detention (authorised at 14:10).`"""
    finding = obligation.finding
    # The due time and the time left have columns of their own: only the obligation is repeated.
    what = finding.obligation or finding.message
    due = clock_time(obligation.due, handover.timeline)
    left = f"in {format_duration(obligation.time_left)}"
    columns = f"  {due:<{widths[0]}}  {left:<{widths[1]}}  "
    indent = " " * (len(columns) + len(finding.rule) + 2)
    wrapped = wrap(what, indent)
    head = _cat(columns, style(finding.rule, fg="yellow", bold=True), "  ")
    return [_cat(head, wrapped[0][len(indent):]), *wrapped[1:]]


# --------------------------------------------------------------------------- explain

@functools.cache
def verdict_colours() -> tuple[dict[Verdict, str], dict[Outcome, str]]:
    """The colour of each verdict of `explain`, and of each check's outcome."""
    from custody_rules.views.explain import Outcome, Verdict

    return ({Verdict.FIRED: "red", Verdict.PENDING: "yellow", Verdict.MET: "green",
             Verdict.NOT_APPLICABLE: "blue", Verdict.NOT_IN_FORCE: "blue"},
            {Outcome.VIOLATED: "red", Outcome.PENDING: "yellow", Outcome.NEEDS_REVIEW: "cyan",
             Outcome.MET: "green", Outcome.NOT_DUE: "green", Outcome.NOT_REACHED: "blue",
             Outcome.UNEXPLAINED: "magenta"})


def render_explanation(explanation: Explanation, width: int = WIDTH) -> Text:
    """Why a rule fired, did not fire, or did not apply: the facts it used, the deadlines it
    computed, the policy it applied and what would have met it."""
    explanation = scrub(explanation)
    _wrap = _Wrap(width)
    rule = explanation.rule
    timeline = explanation.timeline
    held = "still held" if explanation.still_held else "left police detention"
    lines: list[Line] = [style(f"{rule.id}  {rule.title}", bold=True)]
    lines.extend(_wrap(f"Record {explanation.record_id}, as of "
                       f"{as_of_words(explanation.as_of)} ({held})", ""))
    lines.append(style(f"Verdict: {explanation.verdict.value.replace('_', ' ')}",
                       fg=verdict_colours()[0][explanation.verdict], bold=True))
    lines.extend(_wrap(explanation.summary, ""))
    lines.append("")
    lines.extend(_wrap(f"Law: {'; '.join(rule.citations)}. Severity {rule.severity.value}; "
                       f"party {rule.party}; confidence {rule.confidence}.", ""))
    for line in explanation.law_applied:
        lines.extend(_wrap(line, "", "  "))
    lines.extend(_wrap(f"Obligation: {rule.obligation}", "", "  "))
    lines.extend(_wrap(f"Applies when: {rule.applies_when}", "", "  "))
    lines.extend(_wrap(f"Trigger: {' and '.join(explanation.trigger)}", "", "  "))
    if explanation.not_applicable:
        lines.append("")
        lines.append(style("Why it did not apply", bold=True))
        for line in explanation.not_applicable:
            indent = "  " + " " * (len(line) - len(line.lstrip()))
            lines.extend(_wrap(line.strip(), indent, indent + "  "))
    for number, instance in enumerate(explanation.instances, 1):
        lines.append("")
        title = "Trigger matched" if len(explanation.instances) == 1 else \
            f"Trigger match {number} of {len(explanation.instances)}"
        lines.append(style(title, bold=True))
        lines.extend(line for use in instance.used for line in _use(use, timeline, "  ", _wrap))
        for verdict in instance.checks:
            lines.extend(_check_verdict(verdict, timeline, _wrap))
    lines.append("")
    lines.extend(_wrap(f"Remedy: {rule.remedy}", "", "  "))
    if rule.exceptions:
        lines.extend(_wrap(f"Exceptions: {rule.exceptions}", "", "  "))
    return _text(lines)


def render_not_checked(rule: NotChecked, width: int = WIDTH) -> Text:
    """A rule of the law that this tool does not check, and why."""
    wrap = _Wrap(width)
    lines: list[Line] = [style(f"{rule.rule_id}  {rule.title}", bold=True)]
    lines.append(style("Not checked: the record format cannot show it", fg="blue", bold=True))
    lines.extend(wrap(rule.why, ""))
    lines.append("")
    lines.extend(wrap(f"Law: {'; '.join(rule.citations)}.", "", "  "))
    lines.extend(wrap("The rule exists in law, but whether a record kept it must be judged by "
                      "a person (`custody-rules rules list` names the rules this tool checks).",
                      ""))
    return _text(lines)


def _use(use: FactUse, timeline: Timeline, indent: str, wrap: _Wrap) -> list[str]:
    ids = ", ".join(use.event_ids) or "-"
    columns = f"{indent}{use.alias:<12} {ids:<6} {clock_time(use.at, timeline):<6}  "
    return wrap(use.summary, columns, " " * len(columns))


def _check_verdict(verdict: CheckVerdict, timeline: Timeline, _wrap: _Wrap) -> list[Line]:
    from custody_rules.views.explain import Outcome

    check = verdict.check
    label = style(f"[{verdict.outcome.value.replace('_', ' ')}]",
                  fg=verdict_colours()[1][verdict.outcome], bold=True)
    lines: list[Line] = [_cat(f"  Check {check.name} ", label)]
    lines.extend(_wrap(f"Breach when: {check.describe}", "    ", "      "))
    lines.extend(_wrap(verdict.reason, "    ", "      "))
    if verdict.deadline is not None:
        lines.extend(_wrap(f"Deadline: {clock_time(verdict.deadline, timeline)} "
                           f"({verdict.deadline_words})", "    ", "      "))
    elif verdict.deadline_words:
        lines.extend(_wrap(f"Deadline: {verdict.deadline_words}", "    ", "      "))
    for threshold in verdict.thresholds:
        lines.extend(_wrap(f"Policy: {threshold}", "    ", "      "))
    if verdict.used:
        lines.append("    Facts used:")
        lines.extend(line for use in verdict.used for line in _use(use, timeline, "      ", _wrap))
    if verdict.met_by:
        lines.append("    Met by:")
        lines.extend(line for use in verdict.met_by
                     for line in _use(use, timeline, "      ", _wrap))
    if verdict.would_satisfy and verdict.outcome is not Outcome.MET:
        lines.append("    Would be met by any one of:")
        for item in verdict.would_satisfy:
            lines.extend(_wrap(f"- {item}", "      ", "        "))
    for finding in verdict.findings:
        lines.extend(_wrap(f"Finding: {finding.message}", "    ", "      "))
        if finding.question:
            lines.extend(_wrap(f"Question: {finding.question}", "    ", "      "))
    return lines


# --------------------------------------------------------------------------- scenarios

@functools.cache
def change_marks() -> dict[Change, tuple[str, str]]:
    """The mark and colour of each change a scenario's step makes."""
    from custody_rules.views.scenario import Change

    return {
        Change.BECAME_DUE: ("+ due", "yellow"),
        Change.BECAME_VIOLATED: ("! violated", "red"),
        Change.NEEDS_JUDGEMENT: ("? judgement", "cyan"),
        Change.SATISFIED: ("= met", "green"),
        Change.NO_LONGER_DUE: ("= not due", "green"),
        Change.NO_LONGER_FOUND: ("- cleared", "green"),
        Change.DUE_NOW: ("+ due now", "yellow"),
        Change.STILL_DUE: ("~ still due", "yellow"),
        Change.STILL_VIOLATED: ("! still", "red"),
    }
_TIME_WIDTH = len("01:30 BST")  # a step's events are on its own day: no date


def render_scenario_list(scenarios: list[Scenario], width: int = WIDTH) -> Text:
    scenarios = scrub(scenarios)
    wrap = _Wrap(width)
    name_width = max((len(s.name) for s in scenarios), default=4)
    lines: list[Line] = [line for s in scenarios for line in
                         wrap(s.title, f"{s.name:<{name_width}}  ", " " * (name_width + 2))]
    return _text(lines or ["No scenarios in the library."])


def render_scenario_header(scenario: Scenario, width: int = WIDTH) -> Text:
    scenario = scrub(scenario)
    _wrap = _Wrap(width)
    lines: list[Line] = [style(line, bold=True) for line in
                         _wrap(f"Scenario {scenario.name}: {scenario.title}", "", "  ")]
    lines.extend(_wrap(f"Source: {scenario.citation}", "", "  "))
    if scenario.source_finding:
        lines.extend(_wrap(f"What it found: {scenario.source_finding}", "", "  "))
    if scenario.url:
        lines.append(f"  {scenario.url}")
    lines.extend(_wrap(f"Teaches: {scenario.teaches}", "", "  "))
    if scenario.covers:
        lines.extend(_wrap("HMICFRS 2022 failures shown: "
                           + ", ".join(c.replace("_", " ") for c in scenario.covers), "", "  "))
    for assumed in scenario.assumed:
        lines.extend(_wrap(f"Assumed: {assumed}", "", "  "))
    return _text(lines)


def render_scenario_show(scenario: Scenario, timeline: Timeline, width: int = WIDTH) -> Text:
    """The header, the record's events in words, and the findings it must end with."""
    scenario, timeline = scrub(scenario), scrub(timeline)
    _wrap = _Wrap(width)
    out = render_scenario_header(scenario, width)
    lines: list[Line] = [""]
    person = scenario.record.person
    lines.append(_cat(style(f"Record {scenario.record.record_id}", bold=True),
                      f"  ({plural(len(timeline.events), 'event')}; "
                      f"born {person.date_of_birth or '?'})"))
    time_width = max((len(clock_time(e.at, timeline)) for e in timeline.events), default=5)
    for event in timeline.events:
        columns = f"  {clock_time(event.at, timeline):<{time_width}}  {event.id:<5} "
        lines.extend(_wrap(describe_event(event, timeline), columns, " " * len(columns)))
    lines.append("")
    if scenario.expected is None:
        lines.append("No expected findings recorded yet.")
    else:
        agreed = [e for e in scenario.expected if not e.disputed]
        if agreed:
            lines.append(style(f"Expected findings ({len(agreed)})", bold=True))
            lines.extend(line for item in agreed for line in _expected_item(item, _wrap))
        else:
            lines.append(style("Expected findings: none (good practice)", bold=True))
        if scenario.disputed:
            lines.append("")
            lines.append(style(
                f"Disputed ({len(scenario.disputed)}): the rules produce these; the law does "
                "not support them", fg="magenta", bold=True))
            lines.extend(line for item in scenario.disputed for line in _expected_item(item, _wrap))
        if scenario.not_found:
            lines.append("")
            lines.append(style(
                f"Not found ({len(scenario.not_found)}): the law would find these; the rules "
                "do not", fg="magenta", bold=True))
            for rule, why in scenario.not_found:
                lines.extend(_wrap(f"{rule}: {why}", "  ", "      "))
    out.append_text(_text(lines))
    return out


def _expected_item(item: ExpectedFinding, wrap: _Wrap) -> list[Line]:
    colour = STATUS_COLOUR[item.status]
    head = _lead(wrap, style(f"{item.rule} {item.status.value}", fg=colour, bold=True),
                 f" ({item.severity.value}) {item.check} on {', '.join(item.events)}",
                 "  ", "      ")
    return [*head, *(wrap(item.why, "      ") if item.why else [])]


def render_step(step: Step, width: int = WIDTH) -> Text:
    """One step of `scenario play`: the event(s) at that time and what changed with them."""
    step = scrub(step)
    _wrap = _Wrap(width)
    timeline = step.result.timeline
    lines: list[Line] = []
    if step.final:
        lines.append(style(f"Record closed: judged as of {as_of_words(step.at)}", bold=True))
    for index, event in enumerate(step.events):
        when = clock_time(event.at, timeline) if index == 0 else ""
        columns = f"{when:<{_TIME_WIDTH}} {event.id:<5} "
        body = _wrap(describe_event(event, timeline), columns, " " * len(columns))
        lines.append(_cat(style(columns[:_TIME_WIDTH], bold=True), body[0][_TIME_WIDTH:]))
        lines.extend(body[1:])
    indent = " " * (_TIME_WIDTH + 7)
    marks = change_marks()
    mark_width = max(len(mark) for mark, _ in marks.values())
    hang = " " * (len(indent) + mark_width + 1)
    for change in step.changes:
        mark, colour = marks[change.change]
        body = _wrap(f"{change.finding.rule}  {change.reason}", hang)
        head = _cat(indent, style(f"{mark:<{mark_width}}", fg=colour, bold=True), " ")
        lines.append(_cat(head, body[0][len(hang):]))
        lines.extend(body[1:])
    return _text(lines)


def render_walk_end(end: WalkEnd, width: int = WIDTH) -> Text:
    """The findings the whole record ends with, and whether they are the scenario's."""
    end = scrub(end)
    _wrap = _Wrap(width)
    final = end.final
    counts = {s: sum(1 for f in final.findings if f.status is s) for s in Status}
    summary = ", ".join(f"{n} {s.value.replace('_', ' ')}" for s, n in counts.items() if n)
    lines: list[Line] = ["", style(f"Final findings ({summary or 'none'})", bold=True)]
    for item in end.findings:
        finding = item.finding
        colour = STATUS_COLOUR[finding.status]
        lines.extend(_lead(_wrap, style(f"{finding.rule} {finding.status.value}", fg=colour,
                                        bold=True),
                           f" ({finding.severity.value}) {finding.check}", "  ", "      "))
        lines.extend(_wrap(finding.message, "      "))
        if item.dispute is not None:
            lines.extend(style(line, fg="magenta") for line in
                         _wrap(f"Disputed: {item.dispute.why}", "      ", "        "))
    if end.expected is not None:
        lines.append("")
        if end.problems:
            lines.append(style("The findings differ from the scenario's expected ones:",
                               fg="red", bold=True))
            lines.extend(line for p in end.problems for line in _wrap(p, "  ", "    "))
        else:
            lines.extend(style(line, fg="green") for line in _wrap(
                "As expected: the record ends with the scenario's "
                f"{plural(len(end.expected), 'expected finding')}.", ""))
    return _text(lines)
