"""Text for a person at a terminal: violations by severity, then what falls due, then what
needs a person's judgement. Times are shown in the record's own UTC offset.

`render_handover` is the one-screen view of a child still held, for the sergeant taking over.
"""

from __future__ import annotations

import textwrap

from custody_rules.findings import Finding, RecordResult, format_duration
from custody_rules.formatters import local_iso
from custody_rules.formatters.style import style
from custody_rules.rulebook import Severity, Status
from custody_rules.textsafe import scrub
from custody_rules.timeline import Timeline
from custody_rules.views.explain import CheckVerdict, Explanation, FactUse, Outcome, Verdict
from custody_rules.views.handover import Handover, Obligation, PaceClock
from custody_rules.views.narrative import clock_time, describe_event
from custody_rules.views.scenario import Change, ExpectedFinding, Scenario, Step, WalkEnd

SEVERITY_LABEL = {
    Severity.STATUTE: "Statute",
    Severity.CODE: "PACE Code",
    Severity.GUIDANCE: "Guidance",
    Severity.POLICY: "Force policy threshold",
    Severity.GOOD_PRACTICE: "Good practice",
}
STATUS_COLOUR = {Status.VIOLATED: "red", Status.PENDING: "yellow", Status.NEEDS_REVIEW: "cyan"}
WIDTH = 100


def render(result: RecordResult) -> str:
    """The whole report as text with ANSI styles (the CLI strips them off a terminal)."""
    result = scrub(result)
    lines: list[str] = []
    held = "still held" if result.timeline.still_held else "left police detention"
    as_of = local_iso(result.as_of, result.timeline).replace("T", " ")
    lines.append(style(f"Record {result.record_id}", bold=True)
                 + f"  (as of {as_of}; {held})")
    violated = [f for f in result.findings if f.status is Status.VIOLATED]
    pending = [f for f in result.findings if f.status is Status.PENDING]
    review = [f for f in result.findings if f.status is Status.NEEDS_REVIEW]
    if not result.findings:
        lines.append(style("No findings: every rule that applied was met.", fg="green"))
    if violated:
        lines.append("")
        lines.append(style(f"Violations ({len(violated)})", fg="red", bold=True))
        for severity in Severity:
            group = [f for f in violated if f.severity is severity]
            if group:
                lines.append(style(f"  {SEVERITY_LABEL[severity]}", bold=True))
                lines.extend(line for f in group for line in _finding(f, result))
    if pending:
        lines.append("")
        lines.append(style(f"Falling due ({len(pending)})", fg="yellow", bold=True))
        for finding in sorted(pending, key=lambda f: (f.due is None, f.due)):
            lines.extend(_finding(finding, result))
    if review:
        lines.append("")
        lines.append(style(f"Needs a person's judgement ({len(review)})", fg="cyan",
                                 bold=True))
        lines.extend(line for f in review for line in _finding(f, result))
    for warning in result.warnings:
        lines.append(style(f"warning: {warning}", fg="magenta"))
    lines.append("")
    lines.append(f"{len(result.applied)} of {len(result.in_force)} rules applied; ruleset "
                 f"{result.ruleset_version} ({result.ruleset_digest}).")
    return "\n".join(lines) + "\n"


def _finding(finding: Finding, result: RecordResult) -> list[str]:
    colour = STATUS_COLOUR[finding.status]
    head = style(f"    {finding.rule}", fg=colour, bold=True) + f"  {finding.title}"
    if finding.status is Status.PENDING and finding.due is not None:
        left = format_duration(finding.due - result.as_of)
        due = local_iso(finding.due, result.timeline)[11:16]
        head += style(f"  [due {due}, in {left}]", fg=colour)
    out = [head]
    wrap = textwrap.TextWrapper(width=WIDTH, initial_indent="      ", subsequent_indent="      ")
    out.extend(wrap.wrap(finding.message))
    if finding.question:
        out.extend(wrap.wrap(f"Question: {finding.question}"))
    details = f"{'; '.join(finding.citations)}. Events: {', '.join(finding.events) or '-'}"
    if finding.thresholds:
        details += f". Policy: {', '.join(finding.thresholds)}"
    out.extend(style(line, dim=True) for line in wrap.wrap(details))
    return out


# --------------------------------------------------------------------------- handover

def render_handover(handover: Handover) -> str:
    """One terminal screen: the child, the PACE clock, what is violated, what falls due when,
    and the latest entries of the log."""
    handover = scrub(handover)
    timeline = handover.timeline
    as_of = handover.as_of
    when = f"{as_of:%H:%M} on {as_of:%a} {as_of.day} {as_of:%b %Y}"
    place = ", ".join(p for p in (handover.station, handover.force) if p)
    lines = [style(f"HANDOVER  {handover.record_id}", bold=True)
             + (f"  {place}" if place else "") + f"  as of {when}"]
    offences = "; ".join(handover.offences) or "no offence recorded"
    lines.extend(_wrap(f"Child {handover.child}. Offence: {offences}.", ""))
    status = []
    if handover.arrived_at is not None and handover.held_for is not None:
        status.append(f"Arrived {clock_time(handover.arrived_at, timeline)}, "
                      f"held {format_duration(handover.held_for)}")
    if handover.charged_at is not None:
        status.append(f"charged {clock_time(handover.charged_at, timeline)}")
    if handover.bail_refused_at is not None:
        status.append(f"bail refused {clock_time(handover.bail_refused_at, timeline)}")
    status.append("still held" if handover.still_held else "no longer in police detention")
    lines.extend(_wrap("; ".join(status) + ".", ""))

    lines.append("")
    lines.append(style("PACE clock", bold=True))
    lines.extend(_clock_lines(handover))

    lines.append("")
    lines.extend(_section("Violated", "red",
                          [_brief(f, f.message) for _, f in handover.violated]))
    lines.append("")
    widths = (max((len(clock_time(o.due, timeline)) for o in handover.falling_due), default=5),
              max((len(format_duration(o.time_left)) + 3 for o in handover.falling_due),
                  default=8))
    lines.extend(_section("Falling due", "yellow",
                          [_obligation(o, handover, widths) for o in handover.falling_due]))
    if handover.needs_judgement:
        lines.append("")
        lines.extend(_section("Needs a person's judgement", "cyan", [
            _brief(f, f.question or f.message) for _, f in handover.needs_judgement]))

    lines.append("")
    shown = len(handover.log)
    total = shown + handover.earlier_events
    latest = f", latest {shown} shown" if handover.earlier_events else ""
    lines.append(style(f"Record so far ({total} events{latest})", bold=True))
    time_width = max((len(clock_time(e.at, timeline)) for e in handover.log), default=5)
    id_width = max((len(e.event_id) for e in handover.log), default=3)
    for entry in handover.log:
        lines.append(f"  {clock_time(entry.at, timeline):<{time_width}}  "
                     f"{entry.event_id:<{id_width}}  {entry.summary}")
    return "\n".join(lines) + "\n"


def _clock_lines(handover: Handover) -> list[str]:
    clock: PaceClock | None = handover.clock
    timeline = handover.timeline
    out: list[str] = []
    if clock is None:
        out.append("  No arrival recorded: the PACE clock cannot be computed.")
    else:
        limit = f"{clock.limit_hours}-hour limit {clock_time(clock.limit, timeline)}"
        if clock.extension is not None:
            by = clock.extension.by.id if clock.extension.by and clock.extension.by.id else None
            limit += (f" (extended at {clock_time(clock.extension.at, timeline)}"
                      + (f" by {by})" if by else ")"))
        head = (f"Relevant time {clock_time(clock.relevant_time, timeline)} "
                f"({clock.counted_from}); {limit}")
        if clock.stopped_at_charge is not None:
            used = format_duration(clock.stopped_at_charge - clock.relevant_time)
            out.extend(_wrap(
                f"{head}. Charged {clock_time(clock.stopped_at_charge, timeline)}, {used} in: "
                "the pre-charge limit no longer runs; court at its first sitting (PACE s.46).",
                "  "))
        else:
            left = clock.limit - handover.as_of
            state = (f"in {format_duration(left)}" if left.total_seconds() >= 0
                     else f"PASSED {format_duration(-left)} ago")
            out.extend(_wrap(f"{head}, {state}.", "  "))
    review = handover.next_review
    if review is None:
        if handover.still_held:
            out.append("  Next review: none scheduled (no authorisation of detention recorded).")
        return out
    left = review.due - handover.as_of
    timing = (f"in {format_duration(left)}" if left.total_seconds() >= 0
              else f"OVERDUE by {format_duration(-left)}")
    # PACE s.40(1): an inspector reviews before charge, the custody officer after.
    reviewer = ("the custody officer (charged)" if review.after_charge
                else "an inspector not involved in the investigation")
    out.extend(_wrap(f"Next review: review {review.number} due "
                     f"{clock_time(review.due, timeline)}, {timing}, by {reviewer}.", "  "))
    return out


def _section(title: str, colour: str, items: list[list[str]]) -> list[str]:
    if not items:
        return [style(f"{title}: none", fg=colour, bold=True)]
    return [style(f"{title} ({len(items)})", fg=colour, bold=True),
            *(line for item in items for line in item)]


def _brief(finding: Finding, text: str) -> list[str]:
    """`  PC-09  <text>`, wrapped under the text."""
    indent = " " * (4 + len(finding.rule))
    wrapped = textwrap.wrap(text, width=WIDTH, initial_indent=indent,
                            subsequent_indent=indent) or [indent]
    head = style(f"  {finding.rule}", fg=STATUS_COLOUR[finding.status], bold=True)
    return [head + wrapped[0][len(finding.rule) + 2:], *wrapped[1:]]


def _obligation(obligation: Obligation, handover: Handover,
                widths: tuple[int, int]) -> list[str]:
    """`  20:10  in 1h10m   RV-01  first review of detention (authorised at 14:10).`"""
    finding = obligation.finding
    # The due time and the time left have columns of their own: only the obligation is repeated.
    what = finding.obligation or finding.message
    due = clock_time(obligation.due, handover.timeline)
    left = f"in {format_duration(obligation.time_left)}"
    columns = f"  {due:<{widths[0]}}  {left:<{widths[1]}}  "
    indent = " " * (len(columns) + len(finding.rule) + 2)
    wrapped = textwrap.wrap(what, width=WIDTH, initial_indent=indent,
                            subsequent_indent=indent) or [indent]
    head = columns + style(finding.rule, fg="yellow", bold=True) + "  "
    return [head + wrapped[0][len(indent):], *wrapped[1:]]


def _wrap(text: str, indent: str, hang: str | None = None) -> list[str]:
    return textwrap.wrap(text, width=WIDTH, initial_indent=indent,
                         subsequent_indent=indent if hang is None else hang,
                         break_on_hyphens=False) or [indent]


# --------------------------------------------------------------------------- explain

VERDICT_COLOUR = {Verdict.FIRED: "red", Verdict.PENDING: "yellow", Verdict.MET: "green",
                  Verdict.NOT_APPLICABLE: "blue", Verdict.NOT_IN_FORCE: "blue"}
OUTCOME_COLOUR = {Outcome.VIOLATED: "red", Outcome.PENDING: "yellow", Outcome.NEEDS_REVIEW: "cyan",
                  Outcome.MET: "green", Outcome.NOT_DUE: "green", Outcome.NOT_REACHED: "blue",
                  Outcome.UNEXPLAINED: "magenta"}


def render_explanation(explanation: Explanation) -> str:
    """Why a rule fired, did not fire, or did not apply: the facts it used, the deadlines it
    computed, the policy it applied and what would have met it."""
    explanation = scrub(explanation)
    rule = explanation.rule
    timeline = explanation.timeline
    held = "still held" if explanation.still_held else "left police detention"
    lines = [style(f"{rule.id}  {rule.title}", bold=True),
             f"Record {explanation.record_id}, as of "
             f"{local_iso(explanation.as_of, timeline).replace('T', ' ')} ({held})",
             style(f"Verdict: {explanation.verdict.value.replace('_', ' ')}",
                         fg=VERDICT_COLOUR[explanation.verdict], bold=True)]
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
        lines.extend(_use(use, timeline, "  ") for use in instance.used)
        for verdict in instance.checks:
            lines.extend(_check_verdict(verdict, timeline))
    lines.append("")
    lines.extend(_wrap(f"Remedy: {rule.remedy}", "", "  "))
    if rule.exceptions:
        lines.extend(_wrap(f"Exceptions: {rule.exceptions}", "", "  "))
    return "\n".join(lines) + "\n"


def _use(use: FactUse, timeline: Timeline, indent: str) -> str:
    ids = ", ".join(use.event_ids) or "-"
    return f"{indent}{use.alias:<12} {ids:<6} {clock_time(use.at, timeline):<6}  {use.summary}"


def _check_verdict(verdict: CheckVerdict, timeline: Timeline) -> list[str]:
    check = verdict.check
    label = style(f"[{verdict.outcome.value.replace('_', ' ')}]",
                        fg=OUTCOME_COLOUR[verdict.outcome], bold=True)
    lines = [f"  Check {check.name} {label}"]
    lines.extend(_wrap(f"Breach when: {check.describe}", "    ", "      "))
    lines.extend(_wrap(verdict.reason, "    ", "      "))
    if verdict.deadline is not None:
        lines.append(f"    Deadline: {clock_time(verdict.deadline, timeline)} "
                     f"({verdict.deadline_rule})")
    elif verdict.deadline_rule:
        lines.append(f"    Deadline: {verdict.deadline_rule}")
    for threshold in verdict.thresholds:
        lines.extend(_wrap(f"Policy: {threshold}", "    ", "      "))
    if verdict.used:
        lines.append("    Facts used:")
        lines.extend(_use(use, timeline, "      ") for use in verdict.used)
    if verdict.met_by:
        lines.append("    Met by:")
        lines.extend(_use(use, timeline, "      ") for use in verdict.met_by)
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

CHANGE_MARK = {
    Change.BECAME_DUE: ("+ due", "yellow"),
    Change.BECAME_VIOLATED: ("! violated", "red"),
    Change.NEEDS_JUDGEMENT: ("? judgement", "cyan"),
    Change.SATISFIED: ("= met", "green"),
    Change.NO_LONGER_DUE: ("= not due", "green"),
    Change.NO_LONGER_FOUND: ("- cleared", "green"),
}
_MARK_WIDTH = max(len(mark) for mark, _ in CHANGE_MARK.values())
_TIME_WIDTH = len("10:00 on 17 Sep")  # the longest time `clock_time` writes


def render_scenario_list(scenarios: list[Scenario]) -> str:
    scenarios = scrub(scenarios)
    width = max((len(s.name) for s in scenarios), default=4)
    lines = [f"{s.name:<{width}}  {s.title}" for s in scenarios]
    return "\n".join(lines) + "\n" if lines else "No scenarios in the library.\n"


def render_scenario_header(scenario: Scenario) -> str:
    scenario = scrub(scenario)
    lines = [style(f"Scenario {scenario.name}: {scenario.title}", bold=True)]
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
    return "\n".join(lines) + "\n"


def render_scenario_show(scenario: Scenario, timeline: Timeline) -> str:
    """The header, the record's events in words, and the findings it must end with."""
    scenario, timeline = scrub(scenario), scrub(timeline)
    lines = [render_scenario_header(scenario).rstrip("\n"), ""]
    person = scenario.record.person
    lines.append(style(f"Record {scenario.record.record_id}", bold=True)
                 + f"  ({len(timeline.events)} events; born {person.date_of_birth or '?'})")
    for event in timeline.events:
        lines.append(f"  {clock_time(event.at, timeline):<{_TIME_WIDTH}}  {event.id:<5} "
                     f"{describe_event(event, timeline)}")
    lines.append("")
    if scenario.expected is None:
        lines.append("No expected findings recorded yet.")
    else:
        agreed = [e for e in scenario.expected if not e.disputed]
        if agreed:
            lines.append(style(f"Expected findings ({len(agreed)})", bold=True))
            lines.extend(line for item in agreed for line in _expected_item(item))
        else:
            lines.append(style("Expected findings: none (good practice)", bold=True))
        if scenario.disputed:
            lines.append("")
            lines.append(style(
                f"Disputed ({len(scenario.disputed)}): the rules produce these; the law does "
                "not support them", fg="magenta", bold=True))
            lines.extend(line for item in scenario.disputed for line in _expected_item(item))
        if scenario.not_found:
            lines.append("")
            lines.append(style(
                f"Not found ({len(scenario.not_found)}): the law would find these; the rules "
                "do not", fg="magenta", bold=True))
            for rule, why in scenario.not_found:
                lines.extend(_wrap(f"{rule}: {why}", "  ", "      "))
    return "\n".join(lines) + "\n"


def _expected_item(item: ExpectedFinding) -> list[str]:
    colour = STATUS_COLOUR[item.status]
    head = ("  " + style(f"{item.rule} {item.status.value}", fg=colour, bold=True)
            + f" ({item.severity.value}) {item.check} on {', '.join(item.events)}")
    return [head, *(_wrap(item.why, "      ") if item.why else [])]


def render_step(step: Step) -> str:
    """One step of `scenario play`: the event(s) at that time and what changed with them."""
    step = scrub(step)
    timeline = step.result.timeline
    lines: list[str] = []
    if step.final:
        lines.append(style(
            f"Record closed: judged as of {clock_time(step.at, timeline)}", bold=True))
    for index, event in enumerate(step.events):
        when = clock_time(event.at, timeline) if index == 0 else ""
        lines.append(style(f"{when:<{_TIME_WIDTH}}", bold=True)
                     + f" {event.id:<5} {describe_event(event, timeline)}")
    indent = " " * (_TIME_WIDTH + 7)
    hang = " " * (len(indent) + _MARK_WIDTH + 1)
    for change in step.changes:
        mark, colour = CHANGE_MARK[change.change]
        body = _wrap(f"{change.finding.rule}  {change.reason}", hang)
        head = indent + style(f"{mark:<{_MARK_WIDTH}}", fg=colour, bold=True) + " "
        lines.append(head + body[0][len(hang):])
        lines.extend(body[1:])
    return "\n".join(lines) + "\n"


def render_walk_end(end: WalkEnd) -> str:
    """The findings the whole record ends with, and whether they are the scenario's."""
    end = scrub(end)
    final = end.final
    counts = {s: sum(1 for f in final.findings if f.status is s) for s in Status}
    summary = ", ".join(f"{n} {s.value.replace('_', ' ')}" for s, n in counts.items() if n)
    lines = ["", style(f"Final findings ({summary or 'none'})", bold=True)]
    for item in end.findings:
        finding = item.finding
        colour = STATUS_COLOUR[finding.status]
        lines.append("  " + style(f"{finding.rule} {finding.status.value}", fg=colour,
                                  bold=True)
                     + f" ({finding.severity.value}) {finding.check}")
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
            lines.append(style(
                f"As expected: the record ends with the scenario's {len(end.expected)} "
                "expected findings.", fg="green"))
    return "\n".join(lines) + "\n"
