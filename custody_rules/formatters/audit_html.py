"""`audit --format html`: the audit as one self-contained page (no scripts, no external
assets, so it opens offline and can be mailed as a file), from the Jinja2 templates
custody_rules/templates/audit_report.html and audit_record.html (autoescaped: every text from a
record, a source file or a rule file is escaped).

Headline figures; compliance by month (a trend line and a table); violation rates per rule,
with each rule's title beside its id; the rule table with citations and each rule's monthly
rates; stations; the spread of compliance; the worst records; the mapping report; records not
checked; then, for each record with findings, its findings and the timeline of its events in
UK time and words. Each record's section is rendered by the worker that checked it
(`record_html`) and kept in a temporary file until the page is assembled, so memory stays
flat. A page holds the first RECORD_SECTIONS_KEPT records with findings and, beyond those, the
worst records, so that every link in it resolves; it says how many are left out and where they
are.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Sequence
from typing import IO, Any

from markupsafe import Markup

from custody_rules.audit.sink import Output, RenderRecord
from custody_rules.audit.summary import (
    BUCKETS,
    CHECKED,
    AuditSummary,
    GroupStats,
    RecordDigest,
    RuleStats,
    per_100,
    percent,
)
from custody_rules.audit.summary import where as place
from custody_rules.findings import RecordResult
from custody_rules.formatters.templates import CSP, template
from custody_rules.textsafe import scrub
from custody_rules.uktime import as_of_words, iso
from custody_rules.views.narrative import clock_time, describe_event

# A browser struggles past a few thousand sections; beyond this the JSON report has them all.
RECORD_SECTIONS_KEPT = 2000
NOT_CHECKED_KEPT = 500

CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d2430}
main{max-width:1180px;margin:0 auto;padding:20px 28px 60px;box-sizing:border-box}
h1{font-size:24px;margin:8px 0 4px}
h2{font-size:19px;margin:34px 0 8px;border-bottom:2px solid #dde3ea;padding-bottom:4px}
h3{font-size:15px;margin:0 0 6px}.muted{color:#5b6675}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}
.card{border:1px solid #dde3ea;border-radius:8px;padding:10px 16px;min-width:130px;
background:#f8fafc}
.card b{display:block;font-size:24px}.card.bad b{color:#b42318}.card.warn b{color:#b54708}
table{border-collapse:collapse;width:100%;margin:6px 0}
th,td{border-bottom:1px solid #e5e9ef;padding:4px 8px;text-align:left;vertical-align:top}
td:first-child{white-space:nowrap}th{background:#f1f4f8;font-weight:600}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.cite{color:#5b6675;font-size:12px}
.record{border:1px solid #dde3ea;border-radius:8px;padding:12px 16px;margin:14px 0}
.status-violated{color:#b42318;font-weight:600}.status-pending{color:#b54708;font-weight:600}
.status-needs_review{color:#175cd3;font-weight:600}
ol.timeline{list-style:none;padding-left:0;border-left:3px solid #dde3ea;margin:8px 0 0 6px}
ol.timeline li{padding:2px 0 2px 12px;position:relative}
ol.timeline li.flagged{background:#fff4f2}
ol.timeline time{font-variant-numeric:tabular-nums;color:#5b6675;margin-right:8px}
.tag{display:inline-block;font-size:11px;border-radius:4px;padding:0 5px;margin-left:4px;
background:#fde4e1;color:#912018}
svg text{font:11px system-ui,sans-serif;fill:#5b6675}
.scroll{overflow-x:auto;max-width:100%}
svg.spark{width:100%;max-width:220px;height:28px;display:block}
svg.trend{width:100%;height:auto;display:block;margin:8px 0}
table.bars th{font-weight:400;background:none;width:45%}
table.bars td.bar{width:40%}table.bars td.bar div{background:#d92d20;height:12px;min-width:1px}
table.bars td.n{width:15%;white-space:nowrap}
a{color:#175cd3}
#worst td:nth-child(3),#worst td:nth-child(1){white-space:nowrap}
details{margin:8px 0}summary{cursor:pointer;color:#175cd3}
"""


def record_section(result: RecordResult, digest: RecordDigest) -> str:
    """One record's findings and timeline (rendered in the worker that checked it)."""
    result, digest = scrub(result), scrub(digest)
    timeline = result.timeline
    record = timeline.record
    flagged: dict[str, list[str]] = {}
    findings = []
    for finding in result.findings:
        for event_id in finding.events:
            flagged.setdefault(event_id, []).append(finding.rule)
        findings.append({
            "rule": finding.rule, "status": finding.status.value,
            "status_words": finding.status.value.replace("_", " "),
            "severity": finding.severity.value.replace("_", " "), "title": finding.title,
            "message": finding.message,
            "due": clock_time(finding.due, timeline) if finding.due is not None else None,
            "question": finding.question, "citations": "; ".join(finding.citations),
            "events": ", ".join(finding.events),
        })
    events = [{
        "id": event.id, "iso": iso(event.at), "at": clock_time(event.at, timeline),
        "words": describe_event(event, timeline),
        "note": event.note, "rules": flagged.get(event.id, ()),
    } for event in timeline.events]
    return template("audit_record.html").render(
        index=digest.index, record_id=result.record_id, where=place(digest.source, digest.line),
        station=record.station or "no station", compliance=percent(digest.compliance),
        as_of=as_of_words(result.as_of), findings=findings, events=events)


def record_html(result: RecordResult, digest: RecordDigest) -> bytes:
    """A record's section, for a record with findings (run in the worker that checked it)."""
    return record_section(result, digest).encode() if result.findings else b""


class HtmlReport:
    def __init__(self, out: Output):
        self.out = out
        # Spool files live as long as the report; finish() closes it.
        self.sections: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115
        self.placed: dict[int, tuple[int, int]] = {}  # record index -> (offset, length)
        self.order: list[int] = []
        self.not_checked: list[dict[str, Any]] = []
        self.not_checked_count = 0

    def renderer(self) -> RenderRecord | None:
        return record_html

    def record(self, digest: RecordDigest, output: bytes) -> None:
        if digest.status != CHECKED:
            self.not_checked_count += 1
            if len(self.not_checked) < NOT_CHECKED_KEPT:
                self.not_checked.append({
                    "status": digest.status, "record_id": digest.record_id or "?",
                    "where": place(digest.source, digest.line),
                    "problems": list(digest.problems)})
            return
        if not output:
            return
        # Every section goes to disk (memory stays flat); which ones the page shows is decided
        # at the end, when the worst records are known.
        self.placed[digest.index] = (self.sections.tell(), len(output))
        self.order.append(digest.index)
        self.sections.write(output)

    def finish(self, summary: AuditSummary) -> None:
        summary = scrub(summary)
        first = self.order[:RECORD_SECTIONS_KEPT]
        shown = set(first)
        extra = [w.index for w in summary.worst if w.index in self.placed and w.index not in shown]
        shown.update(extra)
        page = template("audit_report.html").generate(
            **_context(summary, shown), not_checked=self.not_checked,
            not_checked_kept=len(self.not_checked),
            not_checked_left_out=self.not_checked_count > len(self.not_checked),
            with_findings=len(self.order), kept=len(shown), first_kept=len(first),
            extra_kept=len(extra), left_out=len(self.order) - len(shown),
            sections=self._sections(sorted(shown)),
        )
        for chunk in page:
            self.out.write(chunk.encode())
        self.sections.close()

    def _sections(self, indexes: Sequence[int]) -> Iterator[Markup]:
        for index in indexes:
            offset, length = self.placed[index]
            self.sections.seek(offset)
            # Rendered by our own template, every record value already escaped.
            yield Markup(self.sections.read(length).decode())


def _context(s: AuditSummary, shown: set[int]) -> dict[str, Any]:
    titles = {rule.rule: rule.title for rule in s.rules}
    cards = [
        ("records read", f"{s.records_read:,}", ""), ("checked", f"{s.checked:,}", ""),
        ("rejected", f"{s.rejected:,}", "warn" if s.rejected else ""),
        ("failed", f"{s.failed:,}", "bad" if s.failed else ""),
        ("with violations", f"{s.with_violations:,}", "bad" if s.with_violations else ""),
        ("needing review", f"{s.with_needs_review:,}", ""),
        ("mean compliance", percent(s.mean_compliance), ""),
    ]
    labels = [f"{10 * b}-{10 * (b + 1)}%" for b in range(BUCKETS)] + ["100%"]
    most = max(s.compliance_buckets, default=0) or 1
    return {
        "s": s, "css": Markup(CSS), "csp": Markup(CSP), "as_of": s.horizon, "percent": percent,
        "cards": [{"label": label, "value": value, "tone": tone}
                  for label, value, tone in cards],
        "trend": _trend(s.months),
        "rule_bars": [_bar(r.rule, r.total.rate or 0.0, f"{per_100(r.total.rate)} per 100",
                           r.title) for r in s.rules if r.total.applicable],
        "rules": [_rule_row(rule) for rule in s.rules],
        "stations": [g.name for g in s.stations],
        "station_rows": [{"rule": rule.rule, "title": rule.title, "cells": [
            per_100(dict(rule.by_station)[n].rate) if n in dict(rule.by_station) else "-"
            for n in (g.name for g in s.stations)]} for rule in s.rules],
        "compliance_bars": [_bar(label, 100 * n / most, f"{n:,}") for label, n in
                            reversed(list(zip(labels, s.compliance_buckets, strict=True)))],
        "worst": [{
            "index": w.index, "shown": w.index in shown, "record_id": w.record_id or "?",
            "station": w.station or "-", "month": w.month or "-",
            "compliance": percent(w.compliance), "where": place(w.source, w.line),
            "violated": [{"id": rule, "title": titles.get(rule, "")} for rule in w.violated],
        } for w in s.worst],
    }


def _bar(label: str, value: float, text: str, title: str = "") -> dict[str, Any]:
    return {"label": label, "percent": f"{max(0.0, min(100.0, value)):.1f}", "text": text,
            "title": title}


def _rule_row(rule: RuleStats) -> dict[str, Any]:
    t = rule.total
    months = rule.by_month
    column = 8
    return {
        "rule": rule.rule, "title": rule.title, "citations": "; ".join(rule.citations),
        "severity": rule.severity.replace("_", " "), "applied": f"{t.applicable:,}",
        "violated": f"{t.violations:,}", "rate": per_100(t.rate),
        "review": f"{t.needs_review:,}", "policy": f"{t.policy_only:,}",
        "spark_width": max(1, column * len(months)),
        "spark": [{
            "x": n * column, "w": column - 2,
            "h": f"{0.0 if tally.rate is None else max(1.0, tally.rate / 100 * 28):.1f}",
            "y": f"{28 - (0.0 if tally.rate is None else max(1.0, tally.rate / 100 * 28)):.1f}",
            "label": f"{month}: {per_100(tally.rate)} per 100",
        } for n, (month, tally) in enumerate(months)],
    }


def _trend(months: Sequence[GroupStats]) -> dict[str, Any] | None:
    """Mean compliance by month as a line, scaled to the page's width."""
    points = [(g.name, g.mean_compliance) for g in months
              if g.mean_compliance is not None and not g.name.startswith("(")]
    if not points:
        return None
    width, height, left, top, bottom = 1000, 220, 44, 10, 20
    step = (width - left - 10) / max(1, len(points) - 1)
    # From the nearest 10% below the lowest month to 100%: a flat line at 90% says nothing.
    floor = max(0.0, int(min(share for _, share in points) * 10) / 10)
    span = max(0.1, 1 - floor)

    def y(share: float) -> float:
        return top + (1 - (share - floor) / span) * (height - top - bottom)

    dots = [{"x": f"{left + n * step:.1f}", "y": f"{y(share):.1f}",
             "label": f"{name}: {percent(share)}"} for n, (name, share) in enumerate(points)]
    return {
        "width": width, "height": height, "first": points[0][0], "last": points[-1][0],
        "grid": [(round(y(share), 1), f"{round(share * 100)}%")
                 for share in (floor, (floor + 1) / 2, 1.0)],
        "points": " ".join(f"{d['x']},{d['y']}" for d in dots), "dots": dots,
    }
