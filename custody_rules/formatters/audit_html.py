"""`audit --format html`: the audit as one self-contained page (no scripts, no external
assets, so it opens offline and can be mailed as a file).

Headline figures; a chart of violation rates per rule and one by month (inline SVG); the rule
table with citations and each rule's monthly rates; stations; the spread of compliance; the
worst records; the mapping report; records not checked; then, for each record with findings,
its findings and the timeline of its events. Each record's section is rendered by the worker
that checked it (`record_section`) and kept in a temporary file until the page is assembled,
so memory stays flat. Every text that comes from a record, a source file or a rule file goes
through html.escape.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from html import escape
from typing import IO

from custody_rules.audit.run import Output
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
from custody_rules.audit.worker import RenderRecord
from custody_rules.findings import RecordResult
from custody_rules.record import event_type
from custody_rules.textsafe import scrub
from custody_rules.uktime import as_of_words, iso
from custody_rules.views.narrative import clock_time

# A browser struggles past a few thousand sections; beyond this the JSON report has them all.
RECORD_SECTIONS_KEPT = 2000
NOT_CHECKED_KEPT = 500

CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d2430}
main{max-width:1180px;margin:0 auto;padding:20px 28px 60px}
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
svg text{font:12px system-ui,sans-serif;fill:#1d2430}
"""


def record_html(result: RecordResult, digest: RecordDigest) -> bytes:
    """A record's section, for a record with findings (run in the worker that checked it)."""
    return record_section(result, digest).encode() if result.findings else b""


class HtmlReport:
    def renderer(self) -> RenderRecord | None:
        return record_html

    def __init__(self, out: Output):
        self.out = out
        # Spool files live as long as the report; finish() closes them.
        self.sections: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115
        self.kept = self.left_out = 0
        self.not_checked: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115
        self.not_checked_kept = 0

    def record(self, digest: RecordDigest, output: bytes) -> None:
        if digest.status != CHECKED:
            if self.not_checked_kept < NOT_CHECKED_KEPT:
                self.not_checked.write(_not_checked_row(digest).encode())
                self.not_checked_kept += 1
            return
        if not output:
            return
        if self.kept < RECORD_SECTIONS_KEPT:
            self.sections.write(output)
            self.kept += 1
        else:
            self.left_out += 1

    def finish(self, summary: AuditSummary) -> None:

        summary = scrub(summary)
        out = self.out
        out.write(_head(summary).encode())
        out.write(_overview(summary).encode())
        if summary.rejected or summary.failed:
            out.write(b"<h2>Records not checked</h2><table><tr><th>status</th><th>record</th>"
                      b"<th>where</th><th>problems</th></tr>")
            self.not_checked.seek(0)
            shutil.copyfileobj(self.not_checked, out)
            out.write(b"</table>")
            shown = summary.rejected + summary.failed
            if shown > self.not_checked_kept:
                out.write(f"<p class=muted>The first {self.not_checked_kept} of {shown} are "
                          f"shown; --rejects FILE lists them all.</p>".encode())
        out.write(_duplicates_and_passed_over(summary).encode())
        out.write(b"<h2>Records with findings</h2>")
        if self.left_out:
            out.write(f"<p class=muted>The first {self.kept} records with findings are shown; "
                      f"{self.left_out} more are in the JSON report (--format json).</p>".encode())
        elif not self.kept:
            out.write(b"<p>No record has findings.</p>")
        self.sections.seek(0)
        shutil.copyfileobj(self.sections, out)
        out.write(b"</main></body></html>\n")
        self.sections.close()
        self.not_checked.close()


def _duplicates_and_passed_over(s: AuditSummary) -> str:
    """Record ids carried more than once, and files in the input that are not records."""
    parts = []
    if s.duplicate_ids:
        count = s.records_with_duplicate_id
        parts.append(f"<h2>Record ids carried by more than one record</h2><p>{count:,} checked "
                     "records carry an id that another record also carries.</p><table><tr>"
                     "<th>record</th><th class=n>records</th><th>where</th></tr>")
        parts += [f"<tr><td>{escape(d.record_id)}</td><td class=n>{d.occurrences}</td>"
                  f"<td>{escape(', '.join(d.places))}</td></tr>" for d in s.duplicate_ids]
        parts.append("</table>")
    if s.passed_over:
        parts.append("<h2>Not records</h2><p>Expected-findings files in the audited "
                     "directories, passed over:</p><ul>")
        parts += [f"<li>{escape(path)}</li>" for path in s.passed_over]
        parts.append("</ul>")
    return "".join(parts)


def _not_checked_row(digest: RecordDigest) -> str:
    where = place(digest.source, digest.line)
    problems = "".join(f"<li>{escape(p)}</li>" for p in digest.problems)
    return (f"<tr><td>{escape(digest.status)}</td><td>{escape(digest.record_id or '?')}</td>"
            f"<td>{escape(where)}</td><td><ul>{problems}</ul></td></tr>")


def _head(s: AuditSummary) -> str:
    as_of = f" as of {escape(s.as_of)}" if s.as_of else ""
    return (
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8>"
        "<meta name=viewport content='width=device-width,initial-scale=1'>"
        "<meta http-equiv=Content-Security-Policy content=\"default-src 'none'; "
        "style-src 'unsafe-inline'; img-src data:\">"
        f"<title>Custody records audit: {s.records_read} records</title>"
        f"<style>{CSS}</style></head><body><main>"
        f"<h1>Custody records audit</h1><p class=muted>Ruleset {escape(s.ruleset_version)} "
        f"({escape(s.ruleset_digest)}){as_of}. Compliance is the share of the rules that "
        "applied to a record that it met.</p>"
    )


def _card(label: str, value: str, tone: str = "") -> str:
    return f"<div class='card {tone}'><b>{escape(value)}</b>{escape(label)}</div>"


def _overview(s: AuditSummary) -> str:
    parts = ["<section id=headline class=cards>",
             _card("records read", f"{s.records_read:,}"),
             _card("checked", f"{s.checked:,}"),
             _card("rejected", f"{s.rejected:,}", "warn" if s.rejected else ""),
             _card("failed", f"{s.failed:,}", "bad" if s.failed else ""),
             _card("with violations", f"{s.with_violations:,}", "bad" if s.with_violations else ""),
             _card("needing review", f"{s.with_needs_review:,}"),
             _card("mean compliance", percent(s.mean_compliance)),
             "</section>"]
    if s.restarts:
        parts.append(f"<p class=muted>{s.restarts} worker process(es) died and were replaced; "
                     "the records they were checking are listed as failed.</p>")
    rated = [r for r in s.rules if r.total.applicable]
    parts.append("<h2>Violations per 100 applicable records, by rule</h2>")
    parts.append(_bar_chart("rate-by-rule", [(r.rule, r.total.rate or 0.0, per_100(r.total.rate))
                                             for r in rated], 100.0))
    parts.append("<h2>By month of arrival</h2>")
    parts.append(_bar_chart(
        "by-month",
        [(g.name, 100 * g.with_violations / g.records if g.records else 0.0,
          f"{g.with_violations}/{g.records} with violations") for g in s.months], 100.0))
    parts.append(_groups_table("month", s.months))
    parts.append("<h2>Rules</h2><table id=rules><tr><th>rule</th><th>title and citations</th>"
                 "<th>severity</th><th class=n>applied</th><th class=n>violated</th>"
                 "<th class=n>per 100</th><th class=n>review</th>"
                 "<th class=n title='violations where only a force policy threshold passed'>"
                 "policy</th><th>by month</th></tr>")
    for rule in s.rules:
        parts.append(_rule_row(rule))
    parts.append("</table>")
    parts.append("<h2>By station</h2>")
    parts.append(_groups_table("station", s.stations))
    parts.append(_station_matrix(s))
    parts.append("<h2>Compliance of checked records</h2>")
    labels = [f"{10 * b}-{10 * (b + 1)}%" for b in range(BUCKETS)] + ["100%"]
    most = max(s.compliance_buckets, default=0) or 1
    buckets = reversed(list(zip(labels, s.compliance_buckets, strict=True)))
    parts.append(_bar_chart("compliance", [(label, float(n), f"{n:,}") for label, n in buckets],
                            float(most)))
    parts.append(f"<p class=muted>No rule applied to {s.no_applicable_rules:,} records.</p>")
    if s.worst:
        parts.append("<h2>Worst records</h2><table id=worst><tr><th>record</th><th>station</th>"
                     "<th>month</th><th class=n>compliance</th><th>violated rules</th>"
                     "<th>where</th></tr>")
        for w in s.worst:
            where = place(w.source, w.line)
            parts.append(
                f"<tr><td><a href='#r{w.index}'>{escape(w.record_id or '?')}</a></td>"
                f"<td>{escape(w.station or '-')}</td><td>{escape(w.month or '-')}</td>"
                f"<td class=n>{percent(w.compliance)}</td><td>{escape(' '.join(w.violated))}</td>"
                f"<td>{escape(where)}</td></tr>")
        parts.append("</table>")
    if s.unmatched or s.unused_columns:
        parts.append("<h2>Mapping report</h2><p>Source values that matched nothing in the "
                     "profile: an entry of an unknown type is left out; another unknown value "
                     "leaves its field empty.</p><table id=mapping><tr><th>column</th>"
                     "<th>value</th><th class=n>rows</th></tr>")
        for u in s.unmatched:
            parts.append(f"<tr><td>{escape(u.column)}</td><td>{escape(u.value)}</td>"
                         f"<td class=n>{u.count:,}</td></tr>")
        parts.append("</table>")
        if s.unused_columns:
            columns = ", ".join(escape(f"{c} ({src})") for src, c in s.unused_columns)
            parts.append(f"<p>Columns the profile does not read: {columns}</p>")
    return "".join(parts)


def _groups_table(heading: str, groups: Sequence[GroupStats]) -> str:
    rows = [f"<table><tr><th>{heading}</th><th class=n>records</th>"
            "<th class=n>with violations</th><th class=n>mean compliance</th></tr>"]
    for g in groups:
        rows.append(f"<tr><td>{escape(g.name)}</td><td class=n>{g.records:,}</td>"
                    f"<td class=n>{g.with_violations:,}</td>"
                    f"<td class=n>{percent(g.mean_compliance)}</td></tr>")
    rows.append("</table>")
    return "".join(rows)


def _station_matrix(s: AuditSummary) -> str:
    names = [g.name for g in s.stations]
    if not names:
        return ""
    head = "".join(f"<th class=n>{escape(n)}</th>" for n in names)
    rows = [f"<p>Violations per 100 applicable records:</p><table id=station-rates><tr>"
            f"<th>rule</th>{head}</tr>"]
    for rule in s.rules:
        tallies = dict(rule.by_station)
        cells = "".join(
            f"<td class=n>{per_100(tallies[n].rate) if n in tallies else '-'}</td>" for n in names)
        rows.append(f"<tr><td>{escape(rule.rule)}</td>{cells}</tr>")
    rows.append("</table>")
    return "".join(rows)


def _rule_row(rule: RuleStats) -> str:
    t = rule.total
    citations = "; ".join(escape(c) for c in rule.citations)
    spark = _sparkline([(month, tally.rate) for month, tally in rule.by_month])
    return (f"<tr id='rule-{escape(rule.rule)}'><td>{escape(rule.rule)}</td>"
            f"<td>{escape(rule.title)}<div class=cite>{citations}</div></td>"
            f"<td>{escape(rule.severity)}</td><td class=n>{t.applicable:,}</td>"
            f"<td class=n>{t.violations:,}</td><td class=n>{per_100(t.rate)}</td>"
            f"<td class=n>{t.needs_review:,}</td><td class=n>{t.policy_only:,}</td>"
            f"<td>{spark}</td></tr>")


def _bar_chart(chart_id: str, bars: Sequence[tuple[str, float, str]], top: float) -> str:
    """Horizontal bars: (label, value, text shown after the bar), scaled to `top`."""
    if not bars:
        return f"<p class=muted id='{chart_id}'>Nothing to chart.</p>"
    label_w, bar_w, row_h = 150, 520, 20
    height = row_h * len(bars) + 6
    out = [f"<svg id='{chart_id}' role=img width='{label_w + bar_w + 170}' height='{height}' "
           f"viewBox='0 0 {label_w + bar_w + 170} {height}' xmlns='http://www.w3.org/2000/svg'>"]
    for n, (label, value, text) in enumerate(bars):
        y = 3 + n * row_h
        width = 0.0 if top <= 0 else max(0.0, min(1.0, value / top)) * bar_w
        out.append(
            f"<text x='{label_w - 6}' y='{y + 14}' text-anchor='end'>{escape(label)}</text>"
            f"<rect x='{label_w}' y='{y + 3}' width='{bar_w}' height='{row_h - 6}' fill='#eef2f6'/>"
            f"<rect x='{label_w}' y='{y + 3}' width='{width:.1f}' height='{row_h - 6}' "
            f"fill='#d92d20'><title>{escape(label)}: {escape(text)}</title></rect>"
            f"<text x='{label_w + bar_w + 6}' y='{y + 14}'>{escape(text)}</text>")
    out.append("</svg>")
    return "".join(out)


def _sparkline(points: Sequence[tuple[str, float | None]]) -> str:
    """A rule's violation rate per month as small columns (0-100 per 100 records)."""
    if not points:
        return ""
    col, height = 8, 28
    width = col * len(points)
    out = [f"<svg class=spark width='{width}' height='{height}' viewBox='0 0 {width} {height}' "
           "xmlns='http://www.w3.org/2000/svg'>"]
    for n, (month, rate) in enumerate(points):
        h = 0.0 if rate is None else max(1.0, rate / 100 * height)
        out.append(f"<rect x='{n * col}' y='{height - h:.1f}' width='{col - 2}' height='{h:.1f}' "
                   f"fill='#d92d20'><title>{escape(month)}: {per_100(rate)} per 100</title></rect>")
    out.append("</svg>")
    return "".join(out)


def record_section(result: RecordResult, digest: RecordDigest) -> str:


    result, digest = scrub(result), scrub(digest)
    """One record's findings and timeline (rendered in the worker that checked it)."""
    timeline = result.timeline
    record = timeline.record
    where = place(digest.source, digest.line)
    flagged: dict[str, list[str]] = {}
    rows = []
    for finding in result.findings:
        for event_id in finding.events:
            flagged.setdefault(event_id, []).append(finding.rule)
        due = (f" Due {escape(clock_time(finding.due, timeline))}."
               if finding.due is not None else "")
        question = f"<br><i>{escape(finding.question)}</i>" if finding.question else ""
        rows.append(
            f"<tr><td>{escape(finding.rule)}</td>"
            f"<td class='status-{escape(finding.status.value)}'>{escape(finding.status.value)}</td>"
            f"<td>{escape(finding.severity.value)}</td>"
            f"<td><b>{escape(finding.title)}</b><br>{escape(finding.message)}{due}{question}"
            f"<div class=cite>{escape('; '.join(finding.citations))}</div></td>"
            f"<td>{escape(', '.join(finding.events))}</td></tr>")
    events = []
    for event in sorted(record.events, key=lambda e: (e.at, e.id)):
        tags = "".join(f"<span class=tag>{escape(rule)}</span>"
                       for rule in flagged.get(event.id, ()))
        by = ""
        if event.by is not None:
            who = [event.by.id or "", event.by.rank.value if event.by.rank else "",
                   event.by.role.value if event.by.role else ""]
            by = f" <span class=muted>by {escape(' '.join(w for w in who if w))}</span>"
        note = f" <span class=muted>{escape(event.note)}</span>" if event.note else ""
        css = " class=flagged" if event.id in flagged else ""
        events.append(
            f"<li{css}><time datetime='{iso(event.at)}'>{escape(clock_time(event.at, timeline))}"
            "</time>"
            f"<b>{escape(event_type(event).replace('_', ' '))}</b> "
            f"<span class=muted>[{escape(event.id)}]</span>{by}{note}{tags}</li>")
    compliance = percent(digest.compliance)
    station = escape(record.station or "no station")
    return (
        f"<section class=record id='r{digest.index}'><h3>Record {escape(result.record_id)}</h3>"
        f"<p class=muted>{escape(where)} &middot; {station} &middot; compliance {compliance}"
        f" &middot; judged as of {escape(as_of_words(result.as_of))}</p>"
        "<table class=findings><tr><th>rule</th><th>status</th><th>severity</th>"
        "<th>finding</th><th>events</th></tr>" + "".join(rows) + "</table>"
        "<ol class=timeline>" + "".join(events) + "</ol></section>\n"
    )
