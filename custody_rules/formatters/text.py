"""Text for a person at a terminal: violations by severity, then what falls due, then what
needs a person's judgement. Times are shown in the record's own UTC offset."""

from __future__ import annotations

import textwrap

import click

from custody_rules.findings import Finding, RecordResult, format_duration
from custody_rules.formatters import local_iso
from custody_rules.rulebook import Severity, Status

SEVERITY_LABEL = {
    Severity.STATUTE: "Statute",
    Severity.CODE: "PACE Code",
    Severity.GUIDANCE: "Guidance",
    Severity.GOOD_PRACTICE: "Good practice",
}
STATUS_COLOUR = {Status.VIOLATED: "red", Status.PENDING: "yellow", Status.NEEDS_REVIEW: "cyan"}
WIDTH = 100


def render(result: RecordResult) -> str:
    """The whole report as text with ANSI styles; click.echo strips them off a terminal."""
    lines: list[str] = []
    held = "still held" if result.timeline.still_held else "left police detention"
    as_of = local_iso(result.as_of, result.timeline).replace("T", " ")
    lines.append(click.style(f"Record {result.record_id}", bold=True)
                 + f"  (as of {as_of}; {held})")
    violated = [f for f in result.findings if f.status is Status.VIOLATED]
    pending = [f for f in result.findings if f.status is Status.PENDING]
    review = [f for f in result.findings if f.status is Status.NEEDS_REVIEW]
    if not result.findings:
        lines.append(click.style("No findings: every rule that applied was met.", fg="green"))
    if violated:
        lines.append("")
        lines.append(click.style(f"Violations ({len(violated)})", fg="red", bold=True))
        for severity in Severity:
            group = [f for f in violated if f.severity is severity]
            if group:
                lines.append(click.style(f"  {SEVERITY_LABEL[severity]}", bold=True))
                lines.extend(line for f in group for line in _finding(f, result))
    if pending:
        lines.append("")
        lines.append(click.style(f"Falling due ({len(pending)})", fg="yellow", bold=True))
        for finding in sorted(pending, key=lambda f: (f.due is None, f.due)):
            lines.extend(_finding(finding, result))
    if review:
        lines.append("")
        lines.append(click.style(f"Needs a person's judgement ({len(review)})", fg="cyan",
                                 bold=True))
        lines.extend(line for f in review for line in _finding(f, result))
    for warning in result.warnings:
        lines.append(click.style(f"warning: {warning}", fg="magenta"))
    lines.append("")
    lines.append(f"{len(result.applied)} of {len(result.in_force)} rules applied; ruleset "
                 f"{result.ruleset_version} ({result.ruleset_digest}).")
    return "\n".join(lines) + "\n"


def _finding(finding: Finding, result: RecordResult) -> list[str]:
    colour = STATUS_COLOUR[finding.status]
    head = click.style(f"    {finding.rule}", fg=colour, bold=True) + f"  {finding.title}"
    if finding.status is Status.PENDING and finding.due is not None:
        left = format_duration(finding.due - result.as_of)
        due = local_iso(finding.due, result.timeline)[11:16]
        head += click.style(f"  [due {due}, in {left}]", fg=colour)
    out = [head]
    wrap = textwrap.TextWrapper(width=WIDTH, initial_indent="      ", subsequent_indent="      ")
    out.extend(wrap.wrap(finding.message))
    if finding.question:
        out.extend(wrap.wrap(f"Question: {finding.question}"))
    details = f"{'; '.join(finding.citations)}. Events: {', '.join(finding.events) or '-'}"
    if finding.thresholds:
        details += f". Policy: {', '.join(finding.thresholds)}"
    out.extend(click.style(line, dim=True) for line in wrap.wrap(details))
    return out
