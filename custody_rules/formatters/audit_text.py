"""`audit --format text`: the audit summary for a person at a terminal.

Headline counts, the rule table, rates by station and by month, the spread of compliance,
the worst records and the mapping report. Per-record findings are in the JSON and HTML
reports; this one fits a screen or two.
"""

from __future__ import annotations

import io
import textwrap
from collections import Counter
from collections.abc import Sequence

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from custody_rules.audit.sources import CSV_WITHOUT_PROFILE, EXPECTED_FINDINGS, NOT_A_RECORD_FILE
from custody_rules.audit.summary import (
    BUCKETS,
    AuditSummary,
    GroupStats,
    Tally,
    per_100,
    percent,
)
from custody_rules.audit.summary import where as place
from custody_rules.formatters.audit_report import SummaryReport
from custody_rules.textsafe import cell, scrub

MATRIX_COLUMNS = 8
BAR_WIDTH = 40
WIDTH = 100  # a report written to a file
MATRIX_CELL = 16  # a station's name heading a column of rates
PASSED_OVER_LABELS = {
    EXPECTED_FINDINGS: "expected-findings file(s)",
    CSV_WITHOUT_PROFILE: "CSV export(s) (give --profile to read them)",
    NOT_A_RECORD_FILE: "other file(s) (not .json, .jsonl, .ndjson, .jsonl.gz)",
}
TITLE_WIDTH = 24  # the narrowest column a rule's title is wrapped in
DETAIL_WIDTH = 16  # the narrowest column of a list of rules or a path
UNLIMITED = 10_000  # a table's natural width: no column narrowed


def _table(rows: Sequence[Sequence[str]], right: Sequence[bool], width: int,
           wrap: Sequence[int] = (), wrap_width: int = 8) -> list[str]:
    """A rich Table as plain lines at most `width` wide: short columns keep their width, the
    `wrap` columns (long text: titles, lists, paths) are narrowed, to no less than
    `wrap_width` characters, and wrapped to fit."""
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1),
                  header_style="")
    for column, (head, is_number) in enumerate(zip(rows[0], right, strict=True)):
        table.add_column(head, justify="right" if is_number else "left", overflow="fold",
                         no_wrap=column not in wrap,
                         min_width=wrap_width if column in wrap else None)
    for row in rows[1:]:
        table.add_row(*(Text(cell) for cell in row))
    buffer = io.StringIO()
    Console(file=buffer, width=max(40, width - 2), color_system=None, force_terminal=False,
            highlight=False, markup=False, emoji=False).print(table)
    return ["  " + line.rstrip() for line in buffer.getvalue().splitlines()]


def render(summary: AuditSummary, width: int = WIDTH) -> str:
    s = summary

    def wrapped(text: str, indent: str = "") -> list[str]:
        return textwrap.wrap(text, width=width, initial_indent=indent,
                             subsequent_indent=indent + "  ", break_on_hyphens=False)

    lines = [
        *wrapped(f"Audit of {s.records_read:,} record{'' if s.records_read == 1 else 's'} "
                 f"(ruleset {s.ruleset_version}, "
                 f"{s.ruleset_digest})"),
        *wrapped(f"open records judged as of {s.horizon}", "  "),
        f"  checked {s.checked:,}   rejected {s.rejected:,}   failed {s.failed:,}",
    ]
    if s.checked:
        lines += wrapped(f"records with violations {s.with_violations:,} "
                         f"({100 * s.with_violations / s.checked:.1f}% of checked); needing "
                         f"review {s.with_needs_review:,}; with obligations pending "
                         f"{s.with_pending:,}", "  ")
        lines += wrapped(f"mean compliance {percent(s.mean_compliance)} (share of the rules "
                         "that applied to a record that it met)", "  ")
    if s.restarts:
        lines.append(f"  worker processes that died and were replaced: {s.restarts}")
    if s.rejected or s.failed:
        lines += wrapped("rejected and failed records are listed by --rejects FILE", "  ")
    if s.records_with_duplicate_id:
        lines += wrapped(f"{s.records_with_duplicate_id:,} records carry an id that another "
                         "record also carries (listed below)", "  ")
    if s.passed_over:
        kinds = Counter(why for _, why in s.passed_over)
        lines += wrapped("not records, passed over: " + ", ".join(
            f"{kinds[why]:,} {label}" for why, label in PASSED_OVER_LABELS.items() if kinds[why]),
            "  ")
    lines += ["", *wrapped("Rules: records the rule applied to, violated, violations per 100, "
                           "needing review; policy: of the violated, those where only a force "
                           "policy threshold passed")]
    lines += _rule_table(s, width)
    for heading, groups, attr in (("station", s.stations, "by_station"),
                                  ("month", s.months, "by_month")):
        lines += ["", f"By {heading}"]
        lines += _groups(heading, groups, width)
        names = [g.name for g in groups]
        lines += ["", *wrapped(f"Violations per 100 applicable records, by {heading}")]
        per_table = max(1, min(MATRIX_COLUMNS, (width - 10) // 12))
        for start in range(0, len(names), per_table):
            chunk = names[start:start + per_table]
            matrix = [["rule", *(cell(name, MATRIX_CELL) for name in chunk)]]
            for rule in s.rules:
                tallies: dict[str, Tally] = dict(getattr(rule, attr))
                matrix.append([rule.rule, *(per_100(tallies[n].rate) if n in tallies else "-"
                                            for n in chunk)])
            lines += _table(matrix, [False, *([True] * len(chunk))], width,
                            wrap=tuple(range(1, len(chunk) + 1)))
    lines += ["", *wrapped("Compliance of checked records (share of applicable rules met)")]
    bar_width = max(10, min(BAR_WIDTH, width - 23))  # what the label and count leave
    total = max(1, max(s.compliance_buckets, default=0))
    labels = [f"{10 * b:>3}-{10 * (b + 1)}%" for b in range(BUCKETS)] + ["   100%"]
    for label, count in reversed(list(zip(labels, s.compliance_buckets, strict=True))):
        bar = "#" * round(bar_width * count / total)
        lines.append(f"  {label:>9}  {count:>8,}  {bar}")
    lines.append(f"  no rule applied: {s.no_applicable_rules:,}")
    if s.worst:
        lines += ["", *wrapped("Worst records (lowest compliance, then most violations)")]
        rows = [["record", "station", "month", "compliance"]]
        details = [["violated rules", "where"]]
        for w in s.worst:
            rows.append([cell(w.record_id or "?"), cell(w.station or "-"), w.month or "-",
                         percent(w.compliance)])
            details.append([" ".join(w.violated), cell(place(w.source, w.line), 80)])
        lines += _with_details(rows, [False, False, False, True], details, width, DETAIL_WIDTH)
    if s.duplicate_ids:
        lines += ["", *wrapped("Record ids carried by more than one record")]
        for d in s.duplicate_ids:
            lines += wrapped(f"{cell(d.record_id)}  x{d.occurrences}: {', '.join(d.places)}",
                             "  ")
    lines += mapping_lines(s)
    return "\n".join(lines) + "\n"


def _rule_table(s: AuditSummary, width: int) -> list[str]:
    """The counts of every rule, with its title beside them or under them (`_with_details`)."""
    rows = [["rule", "severity", "applied", "violated", "rate", "review", "policy"]]
    for rule in s.rules:
        t = rule.total
        rows.append([rule.rule, rule.severity, f"{t.applicable:,}", f"{t.violations:,}",
                     per_100(t.rate), f"{t.needs_review:,}", f"{t.policy_only:,}"])
    titles = [["title"], *([rule.title] for rule in s.rules)]
    return _with_details(rows, [False, False, True, True, True, True, True], titles, width,
                         TITLE_WIDTH)


def _with_details(rows: Sequence[Sequence[str]], right: Sequence[bool],
                  details: Sequence[Sequence[str]], width: int, detail_width: int) -> list[str]:
    """A table of short cells (`rows`, header first) with long texts for each row (`details`,
    header first: titles, lists, paths). The long texts are last columns, wrapped, when each
    can have `detail_width` characters; on a narrower page they go on lines of their own under
    their row; narrower still, each row is a paragraph. Nothing is cut into slivers of a few
    letters, and no line is wider than `width`."""
    short = _table(rows, right, UNLIMITED)
    used = max(len(line) for line in short)
    heads = details[0]
    if width - used - 1 >= detail_width * len(heads):
        first = len(rows[0])
        return _table([[*row, *more] for row, more in zip(rows, details, strict=True)],
                      [*right, *(False for _ in heads)], width,
                      wrap=tuple(range(first, first + len(heads))), wrap_width=detail_width)

    def labelled(more: Sequence[str]) -> list[str]:
        if len(heads) == 1:
            return list(more)
        return [f"{head}: {text}" for head, text in zip(heads, more, strict=True)]

    lines: list[str] = []
    if used > width:  # too narrow even for the short cells: a paragraph per row
        for row, more in zip(rows[1:], details[1:], strict=True):
            facts = ", ".join(f"{head} {value}" for head, value in
                              zip(rows[0][1:], row[1:], strict=True))
            lines += textwrap.wrap(f"{row[0]}: {facts}", width=width, initial_indent="  ",
                                   subsequent_indent="    ", break_on_hyphens=False)
            for text in labelled(more):
                lines += textwrap.wrap(text, width=width, initial_indent="    ",
                                       subsequent_indent="    ", break_on_hyphens=False)
        return lines
    lines = short[:2]
    indent = " " * (len(short[2]) - len(short[2].lstrip()) + len(rows[1][0]) + 3)
    for row_line, more in zip(short[2:], details[1:], strict=True):
        lines.append(row_line)
        for text in labelled(more):
            lines += textwrap.wrap(text, width=width, initial_indent=indent,
                                   subsequent_indent=indent, break_on_hyphens=False)
    return lines


def _groups(heading: str, groups: Sequence[GroupStats], width: int) -> list[str]:
    rows = [[heading, "records", "with violations", "mean compliance"]]
    for g in groups:
        rows.append([cell(g.name), f"{g.records:,}", f"{g.with_violations:,}",
                     percent(g.mean_compliance)])
    return _table(rows, [False, True, True, True], width, wrap=(0,))


def mapping_lines(summary: AuditSummary) -> list[str]:
    """The mapping report: source values and columns a profile did not translate."""
    summary = scrub(summary)
    if not (summary.unmatched or summary.unused_columns):
        return []
    lines = ["", "Mapping report: source values that matched nothing in the profile",
             "  (an entry of an unknown type is left out; another unknown value leaves its "
             "field empty)"]
    for u in summary.unmatched:
        lines.append(f"  {cell(u.column)}: {cell(repr(u.value))} x {u.count:,}")
    if summary.unmatched_other:
        lines.append(f"  ... and {summary.unmatched_other:,} more occurrences of other values")
    if summary.unused_columns:
        lines.append("  Columns the profile does not read:")
        for source, column in summary.unused_columns:
            lines.append(f"    {source}: {cell(column)}")
    return lines


class TextReport(SummaryReport):
    width = WIDTH  # the CLI sets the terminal's

    def render(self, summary: AuditSummary) -> str:
        return render(summary, self.width)
