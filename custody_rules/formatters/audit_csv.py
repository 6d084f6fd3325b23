"""`audit --format csv`: the rule table for a spreadsheet, in one table with one header.

One row per rule overall (`level` = rule), per rule and station (rule_station) and per rule
and month (rule_month): filter on `level` to get each view, or pivot on it. Every row
carries `as_of`, the moment open records were judged at. UTF-8 with a byte
order mark (so that spreadsheets read names with accents), CRLF line ends, and no cell that a
spreadsheet would run as a formula: a cell starting with = + - @ (or a tab or CR) gets a
leading apostrophe, since station names and rule titles come from outside.
"""

from __future__ import annotations

import csv
import io

from custody_rules.audit.summary import AuditSummary, Tally
from custody_rules.formatters.audit_report import SummaryReport

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
