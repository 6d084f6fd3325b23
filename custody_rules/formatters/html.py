"""One self-contained HTML page of a scenario's walk, for a trainer's projector, from the
Jinja2 template custody_rules/templates/scenario.html (autoescaped: a record's notes and ids
are free text typed by whoever filled it in).

No external assets: the style and the small script that reveals the walk one event at a time
are inline, and the page carries the audit report's Content-Security-Policy, with the one
script allowed by its hash. The page opens at the first event; without the script (printed,
or scripts off) every step is shown.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from custody_rules.findings import Finding
from custody_rules.formatters.templates import script_policy, template
from custody_rules.rulebook import Status
from custody_rules.textsafe import scrub
from custody_rules.uktime import as_of_words, day_words, uk
from custody_rules.views.narrative import clock_time, describe_event
from custody_rules.views.scenario import Change, Scenario, Step, Walk, WalkEnd

_CHANGE_CLASS = {
    Change.BECAME_DUE: "due", Change.BECAME_VIOLATED: "violated",
    Change.NEEDS_JUDGEMENT: "judgement", Change.SATISFIED: "met",
    Change.NO_LONGER_DUE: "met", Change.NO_LONGER_FOUND: "met",
    Change.DUE_NOW: "due", Change.STILL_DUE: "due", Change.STILL_VIOLATED: "violated",
}
_STATUS_CLASS = {Status.VIOLATED: "violated", Status.PENDING: "due",
                 Status.NEEDS_REVIEW: "judgement"}

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
.day{font-weight:700;color:#444;margin:.2rem 0 .4rem -1rem;padding-left:1rem}
"""

# Reveal the walk one step at a time (Space, Right arrow or the button); without the script
# every step is shown, so the page still reads as a whole when printed.
_SCRIPT = """
(function(){
 var steps=[].slice.call(document.querySelectorAll('ol.walk>li'));var shown=1;
 function show(n){shown=Math.max(0,Math.min(n,steps.length));steps.forEach(function(s,i){
  s.classList.toggle('hidden',i>=shown);});if(shown>0){steps[shown-1].scrollIntoView(
  {block:'nearest'});}label();
  end.classList.toggle('hidden',shown<steps.length);}
 var where=document.getElementById('where');var end=document.getElementById('end');
 function label(){where.textContent=shown+' of '+steps.length;}
 document.getElementById('restart').onclick=function(){show(1);};
 document.getElementById('next').onclick=function(){show(shown+1);};
 document.getElementById('all').onclick=function(){show(steps.length);};
 document.addEventListener('keydown',function(e){if(e.key===' '||e.key==='ArrowRight'){
  e.preventDefault();show(shown+1);}else if(e.key==='ArrowLeft'){show(shown-1);}});
 show(1);
})();
"""


def render_walk(walk: Walk, end: WalkEnd, scenario: Scenario | None) -> str:
    """The page: the scenario's source and lesson, the walk, and the findings it ends with."""
    walk, end, scenario = scrub(walk), scrub(end), scrub(scenario)
    moments = len(walk.steps) - 1
    script = _SCRIPT.strip()
    return template("scenario.html").render(
        title=scenario.title if scenario else f"Record {walk.record_id}",
        scenario=scenario, record_id=walk.record_id,
        moments=f"{moments} moment{'s' if moments != 1 else ''} in the record",
        steps=_steps(walk.steps),
        findings=[_finding(item.finding, item.dispute.why if item.dispute else None)
                  for item in end.findings],
        expected=end.expected, problems=end.problems,
        css=Markup(_STYLE), script=Markup(script), csp=Markup(script_policy(script)),
    )


def _steps(steps: tuple[Step, ...]) -> list[dict[str, Any]]:
    out = []
    day = None
    for step in steps:
        timeline = step.result.timeline
        today = uk(step.at).date()
        out.append({
            "final": step.final,
            # Each day the walk reaches is named once, where it starts.
            "day": day_words(today, with_year=True) if today != day else None,
            "at": as_of_words(step.at) if step.final else clock_time(step.at, timeline),
            "events": [{"at": clock_time(e.at, timeline), "id": e.id,
                        "words": describe_event(e, timeline), "note": e.note}
                       for e in step.events],
            "changes": [{"css": _CHANGE_CLASS[c.change], "label": c.change.value,
                         "rule": c.finding.rule, "reason": c.reason} for c in step.changes],
        })
        day = today
    return out


def _finding(finding: Finding, dispute: str | None) -> dict[str, Any]:
    return {"css": _STATUS_CLASS[finding.status], "rule": finding.rule,
            "status": finding.status.value.replace("_", " "),
            "severity": finding.severity.value.replace("_", " "), "message": finding.message,
            "question": finding.question, "dispute": dispute,
            "citations": "; ".join(finding.citations)}
