"""`audit --format csv`: tables for a spreadsheet.

`--level rule` (the default): the rule table, in one table with one header. One row per rule
overall (`level` = rule), per rule and station (rule_station) and per rule and month
(rule_month): filter on `level` to get each view, or pivot on it. Every row carries `as_of`,
the moment open records were judged at.

`--level record`: one row per record, in input order: record, station, month (of arrival),
compliance (share of the rules that applied that the record met), status (checked, rejected
or failed), where it came from, then one column per rule: `violated`, `needs_review`, `met`
(applied with no violated or needs-review finding; for a record still open, possibly an
obligation still falling due) or empty (did not apply). Streamed: memory stays flat.

Both are UTF-8 with a byte order mark (so that Excel reads names with accents; pandas reads it
too; Python's csv module needs `encoding="utf-8-sig"` to drop it), CRLF line ends, and no cell
that a spreadsheet would run as a formula: a cell starting with = + - @ (or a tab or CR) gets
a leading apostrophe, since station names and rule titles come from outside.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from custody_rules.audit.sink import Output, RenderRecord
from custody_rules.audit.summary import CHECKED, AuditSummary, RecordDigest, Tally, where
from custody_rules.formatters.audit_report import SummaryReport

BOM = "\ufeff"
RECORD_HEADER = ("record", "station", "month", "compliance", "status", "where")

HEADER = ("level", "rule", "title", "severity", "citations", "station", "month", "applicable",
          "violations", "rate_per_100", "needs_review", "as_of", "violations_policy_only")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def render(summary: AuditSummary) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    for rule in summary.rules:
        base = [rule.rule, rule.title, rule.severity, "; ".join(rule.citations)]
        rows: list[tuple[str, str, str, Tally]] = [("rule", "", "", rule.total)]
        rows += [("rule_station", station, "", t) for station, t in rule.by_station]
        rows += [("rule_month", "", month, t) for month, t in rule.by_month]
        for level, station, month, tally in rows:
            writer.writerow([safe_cell(cell) for cell in (
                level, *base, station, month, tally.applicable, tally.violations,
                "" if tally.rate is None else f"{tally.rate:.1f}", tally.needs_review,
                summary.as_of or "", tally.policy_only)])
    return buffer.getvalue()


class CsvReport(SummaryReport):
    encoding = "utf-8-sig"  # the byte order mark: spreadsheets then read accents right

    def render(self, summary: AuditSummary) -> str:
        return render(summary)


class CsvRecordReport:
    """`--level record`: one row per record, written as the records arrive."""

    def __init__(self, out: Output, rules: Sequence[str]):
        self.out = out
        self.rules = tuple(rules)
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer)
        self.writer.writerow([*RECORD_HEADER, *self.rules])
        self._flush(BOM)

    def renderer(self) -> RenderRecord | None:
        return None  # the digest says all a row needs

    def record(self, digest: RecordDigest, output: bytes) -> None:
        statuses = {rule: "met" for rule in digest.applied}
        statuses.update((rule, "needs_review") for rule in digest.review)
        statuses.update((rule, "violated") for rule in digest.violated)
        compliance = digest.compliance
        self.writer.writerow([safe_cell(cell) for cell in (
            digest.record_id, digest.station, digest.month,
            "" if compliance is None or digest.status != CHECKED else f"{compliance:.4f}",
            digest.status, where(digest.source, digest.line),
            *(statuses.get(rule, "") for rule in self.rules))])
        self._flush()

    def finish(self, summary: AuditSummary) -> None:
        self._flush()

    def _flush(self, prefix: str = "") -> None:
        self.out.write((prefix + self.buffer.getvalue()).encode("utf-8"))
        self.buffer.seek(0)
        self.buffer.truncate()
