"""One self-contained HTML page of a scenario's walk, for a trainer's projector.

No external assets: the style and the small script that reveals the walk one event at a time
are inline. Every text that comes from a record, a rule or a finding is escaped, because a
record's notes and ids are free text typed by whoever filled it in.
"""

from __future__ import annotations

from html import escape

from custody_rules.rulebook import Status
from custody_rules.textsafe import scrub
from custody_rules.views.narrative import clock_time, describe_event
from custody_rules.views.scenario import Change, Scenario, Step, Walk, WalkEnd

_CHANGE_CLASS = {
    Change.BECAME_DUE: "due", Change.BECAME_VIOLATED: "violated",
    Change.NEEDS_JUDGEMENT: "judgement", Change.SATISFIED: "met",
    Change.NO_LONGER_DUE: "met", Change.NO_LONGER_FOUND: "met",
}

_STYLE = """
body{font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;
 color:#1d1d1f;background:#fafafa}
main{max-width:60rem;margin:0 auto;padding:1.5rem}
h1{font-size:1.6rem;margin:.2rem 0}
.meta{color:#444;margin:.3rem 0}
.controls{position:sticky;top:0;background:#fafafa;padding:.5rem 0;border-bottom:1px solid #ddd}
button{font:inherit;padding:.3rem .8rem;margin-right:.4rem}
ol.walk{list-style:none;padding:0;margin:1rem 0;border-left:3px solid #bbb}
ol.walk>li{margin:0 0 1rem 0;padding:.2rem 0 .2rem 1rem;position:relative}
ol.walk>li:before{content:"";position:absolute;left:-.55rem;top:.55rem;width:.8rem;
 height:.8rem;border-radius:50%;background:#888}
ol.walk>li.final:before{background:#1d1d1f}
.time{font-weight:700;font-variant-numeric:tabular-nums;margin-right:.6rem}
.id{color:#666;font-family:ui-monospace,monospace;margin-right:.4rem}
.note{color:#555;font-style:italic;margin-left:1.5rem}
ul.changes{list-style:none;padding-left:1.5rem;margin:.3rem 0}
ul.changes li{margin:.2rem 0}
.badge{display:inline-block;min-width:7.5rem;font-size:.8rem;font-weight:700;
 text-transform:uppercase;border-radius:.3rem;padding:.05rem .4rem;margin-right:.4rem;
 text-align:center}
.due .badge{background:#fff1c2;color:#6b4e00}
.violated .badge{background:#ffd6d6;color:#8a0000}
.judgement .badge{background:#d6f0ff;color:#004a6b}
.met .badge{background:#d9f5dc;color:#145c1c}
.rule{font-family:ui-monospace,monospace;font-weight:700;margin-right:.4rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{border:1px solid #ccc;padding:.3rem .5rem;vertical-align:top;text-align:left}
.ok{color:#145c1c;font-weight:700}.bad{color:#8a0000;font-weight:700}
.hidden{display:none}
"""

# Reveal the walk one step at a time (Space, Right arrow or the button); without the script
# every step is shown, so the page still reads as a whole when printed.
_SCRIPT = """
(function(){
 var steps=[].slice.call(document.querySelectorAll('ol.walk>li'));var shown=steps.length;
 function show(n){shown=Math.max(0,Math.min(n,steps.length));steps.forEach(function(s,i){
  s.classList.toggle('hidden',i>=shown);});if(shown>0){steps[shown-1].scrollIntoView(
  {block:'nearest'});}}
 document.getElementById('restart').onclick=function(){show(1);};
 document.getElementById('next').onclick=function(){show(shown+1);};
 document.getElementById('all').onclick=function(){show(steps.length);};
 document.addEventListener('keydown',function(e){if(e.key===' '||e.key==='ArrowRight'){
  e.preventDefault();show(shown+1);}else if(e.key==='ArrowLeft'){show(shown-1);}});
})();
"""


def render_walk(walk: Walk, end: WalkEnd, scenario: Scenario | None) -> str:
    """The page: the scenario's source and lesson, the walk, and the findings it ends with."""
    walk, end, scenario = scrub(walk), scrub(end), scrub(scenario)
    title = scenario.title if scenario else f"Record {walk.record_id}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body><main>",
        f"<h1>{escape(title)}</h1>",
    ]
    if scenario is not None:
        parts.append(_header(scenario))
    parts.append(f'<p class="meta">Record <span class="id">{escape(walk.record_id)}</span>'
                 f" &middot; {len(walk.steps) - 1} moments in the record</p>")
    parts.append('<div class="controls"><button id="restart" type="button">Start</button>'
                 '<button id="next" type="button">Next event</button>'
                 '<button id="all" type="button">Show all</button></div>')
    parts.append('<ol class="walk">')
    parts.extend(_step(step) for step in walk.steps)
    parts.append("</ol>")
    parts.append(_final(end))
    parts.append(f"<script>{_SCRIPT}</script></main></body></html>")
    return "\n".join(parts) + "\n"


def _header(scenario: Scenario) -> str:
    rows = [f'<p class="meta"><strong>Source:</strong> {escape(scenario.citation)}']
    if scenario.url:
        # Shown as text, not a link: the page is for a projector and loads nothing.
        rows.append(f' <span class="id">{escape(scenario.url)}</span>')
    rows.append("</p>")
    if scenario.source_finding:
        rows.append(f'<p class="meta"><strong>What it found:</strong> '
                    f"{escape(scenario.source_finding)}</p>")
    rows.append(f'<p class="meta"><strong>Teaches:</strong> {escape(scenario.teaches)}</p>')
    for assumed in scenario.assumed:
        rows.append(f'<p class="meta"><strong>Assumed:</strong> {escape(assumed)}</p>')
    return "".join(rows)


def _step(step: Step) -> str:
    timeline = step.result.timeline
    out = [f'<li class="{"final" if step.final else "step"}">']
    if step.final:
        out.append(f'<div><span class="time">{escape(clock_time(step.at, timeline))}</span>'
                   "<strong>Record closed: the whole record judged</strong></div>")
    for event in step.events:
        out.append(f'<div><span class="time">{escape(clock_time(event.at, timeline))}</span>'
                   f'<span class="id">{escape(event.id)}</span>'
                   f"{escape(describe_event(event, timeline))}</div>")
        if event.note:
            out.append(f'<div class="note">{escape(event.note)}</div>')
    if step.changes:
        out.append('<ul class="changes">')
        for change in step.changes:
            css = _CHANGE_CLASS[change.change]
            out.append(f'<li class="{css}"><span class="badge">{escape(change.change.value)}'
                       f'</span><span class="rule">{escape(change.finding.rule)}</span>'
                       f"{escape(change.reason)}</li>")
        out.append("</ul>")
    out.append("</li>")
    return "".join(out)


def _final(end: WalkEnd) -> str:
    findings = end.final.findings
    out = [f"<h2>Findings at the end ({len(findings)})</h2>"]
    if findings:
        out.append("<table><thead><tr><th>Rule</th><th>Status</th><th>Severity</th>"
                   "<th>Finding</th><th>Law</th></tr></thead><tbody>")
        for finding in findings:
            css = {Status.VIOLATED: "violated", Status.PENDING: "due",
                   Status.NEEDS_REVIEW: "judgement"}[finding.status]
            text = escape(finding.message)
            if finding.question:
                text += f"<br><em>{escape(finding.question)}</em>"
            out.append(f'<tr class="{css}"><td class="rule">{escape(finding.rule)}</td>'
                       f'<td><span class="badge">{escape(finding.status.value)}</span></td>'
                       f"<td>{escape(finding.severity.value)}</td><td>{text}</td>"
                       f"<td>{escape('; '.join(finding.citations))}</td></tr>")
        out.append("</tbody></table>")
    else:
        out.append('<p class="ok">No findings: every rule that applied was met.</p>')
    if end.expected is not None:
        problems = end.problems
        if problems:
            out.append('<p class="bad">The findings differ from the scenario\'s expected ones:'
                       "</p><ul>" + "".join(f"<li>{escape(p)}</li>" for p in problems) + "</ul>")
        else:
            out.append('<p class="ok">As expected: these are the scenario\'s expected findings.'
                       "</p>")
    return "".join(out)
