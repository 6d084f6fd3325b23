"""The findings JSON of docs/record-format.md, exactly; additions come after its keys.

For a child still held, the check JSON also carries a `handover` object (the sergeant's
handover view, for a custody system to show): it refers to findings by their index in
`findings` instead of repeating them, and adds the PACE clock, the next review and the log.
The caller builds that view (`views.handover.handover_for`); this module only writes it.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from custody_rules.findings import Finding, RecordResult
from custody_rules.rulebook import Rulebook, RuleSpec, Status
from custody_rules.uktime import format_duration, iso

if TYPE_CHECKING:  # annotations only: `check --format json` needs neither view's code
    from custody_rules.views.explain import CheckVerdict, Explanation, FactUse, NotChecked
    from custody_rules.views.handover import Handover


def finding_to_dict(finding: Finding, result: RecordResult) -> dict[str, Any]:
    out: dict[str, Any] = {
        "rule": finding.rule,
        "status": finding.status.value,
        "severity": finding.severity.value,
        "title": finding.title,
        "message": finding.message,
        "events": list(finding.events),
        "citations": list(finding.citations),
    }
    if finding.status is Status.PENDING and finding.due is not None:
        out["due"] = iso(finding.due)
    if finding.question:
        out["question"] = finding.question
    if finding.thresholds:
        out["thresholds"] = list(finding.thresholds)
    out["check"] = finding.check
    return out


def result_to_dict(result: RecordResult, handover: Handover | None = None) -> dict[str, Any]:
    """The record's findings, and the `handover` object when one is given: only while the
    child is still held, so that closed records keep exactly the contract's shape."""
    out: dict[str, Any] = {
        "record_id": result.record_id,
        "as_of": iso(result.as_of),
        "findings": [finding_to_dict(finding, result) for finding in result.findings],
        "rules_applied": list(result.applied),
        "ruleset": {"version": result.ruleset_version, "digest": result.ruleset_digest},
        "warnings": list(result.warnings),
    }
    if handover is not None:
        out["handover"] = handover_to_dict(handover)
    return out


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)


def _time(moment: datetime | None) -> str | None:
    return iso(moment) if moment is not None else None


def handover_to_dict(handover: Handover) -> dict[str, Any]:
    """The handover as data: times in UK time, durations in whole minutes."""
    clock = handover.clock
    review = handover.next_review
    return {
        "still_held": handover.still_held,
        "child": handover.child,
        "offences": list(handover.offences),
        "arrived_at": _time(handover.arrived_at),
        "held_minutes": _minutes(handover.held_for) if handover.held_for is not None else None,
        "charged_at": _time(handover.charged_at),
        "bail_refused_at": _time(handover.bail_refused_at),
        "pace_clock": None if clock is None else {
            "relevant_time": _time(clock.relevant_time),
            "counted_from": clock.counted_from,
            "limit": _time(clock.limit),
            "limit_hours": clock.limit_hours,
            "extension_event": clock.extension.id if clock.extension else None,
            "running": clock.running,
            "stopped_at_charge": _time(clock.stopped_at_charge),
            "minutes_left": (_minutes(clock.time_left) if clock.time_left is not None
                             else None),
        },
        "next_review": None if review is None else {
            "number": review.number,
            "due": _time(review.due),
            "minutes_left": _minutes(review.time_left),
            "counted_from_event": review.counted_from.id,
            "after_charge": review.after_charge,
        },
        "violated": [{"finding": index, "rule": f.rule} for index, f in handover.violated],
        "falling_due": [
            {"finding": o.index, "rule": o.finding.rule, "due": _time(o.due),
             "minutes_left": _minutes(o.time_left), "time_left": format_duration(o.time_left)}
            for o in handover.falling_due
        ],
        "needs_judgement": [
            {"finding": index, "rule": f.rule} for index, f in handover.needs_judgement
        ],
        "log": [{"event": e.event_id, "at": _time(e.at), "summary": e.summary}
                for e in handover.log],
        "earlier_events": handover.earlier_events,
    }


def explanation_to_dict(explanation: Explanation) -> dict[str, Any]:
    """`explain --format json`: the same answer as the text, as data."""
    rule = explanation.rule

    def use(item: FactUse) -> dict[str, Any]:
        return {"alias": item.alias, "type": item.type, "events": list(item.event_ids),
                "at": iso(item.at), "summary": item.summary}

    def check(verdict: CheckVerdict) -> dict[str, Any]:
        return {
            "check": verdict.check.name,
            "outcome": verdict.outcome.value,
            "describe": verdict.check.describe,
            "reason": verdict.reason,
            "deadline": iso(verdict.deadline) if verdict.deadline else None,
            "deadline_rule": verdict.deadline_rule,
            "thresholds": list(verdict.thresholds),
            "used": [use(u) for u in verdict.used],
            "met_by": [use(u) for u in verdict.met_by],
            "would_satisfy": list(verdict.would_satisfy),
            "findings": [finding.message for finding in verdict.findings],
        }

    return {
        "record_id": explanation.record_id,
        "as_of": iso(explanation.as_of),
        "rule": rule.id,
        "title": rule.title,
        "verdict": explanation.verdict.value,
        "summary": explanation.summary,
        "population": rule.population.value,
        "law_applied": list(explanation.law_applied),
        "citations": list(rule.citations),
        "applies_when": rule.applies_when,
        "trigger": list(explanation.trigger),
        "not_applicable": [line.strip() for line in explanation.not_applicable],
        "instances": [{"used": [use(u) for u in instance.used],
                       "checks": [check(v) for v in instance.checks]}
                      for instance in explanation.instances],
        "remedy": rule.remedy,
        "exceptions": rule.exceptions,
    }


def rule_summary(rule: RuleSpec) -> dict[str, Any]:
    return {
        "id": rule.id, "title": rule.title, "severity": rule.severity.value,
        "citations": list(rule.citations), "confidence": rule.confidence, "party": rule.party,
        "effective_from": rule.effective_from.isoformat() if rule.effective_from else None,
        "effective_to": rule.effective_to.isoformat() if rule.effective_to else None,
        "population": rule.population.value,
        "checks": [{
            "name": check.name,
            "population": rule.population_of(check).value,
            "effective_from": check.effective_from.isoformat() if check.effective_from else None,
            "effective_to": check.effective_to.isoformat() if check.effective_to else None,
        } for check in rule.checks],
        "file": rule.path,
    }


def rulebook_to_dict(rulebook: Rulebook) -> dict[str, Any]:
    """`rules list --format json` and the server's `GET /api/rules`."""
    return {"version": rulebook.version, "digest": rulebook.digest,
            "rules": [rule_summary(rule) for rule in rulebook]}


def render(result: RecordResult, handover: Handover | None = None) -> str:
    return json.dumps(result_to_dict(result, handover), indent=2, ensure_ascii=False) + "\n"


def render_not_checked(rule: NotChecked) -> str:
    return json.dumps({"rule": rule.rule_id, "title": rule.title, "verdict": "not_checked",
                       "citations": list(rule.citations), "why": rule.why},
                      indent=2, ensure_ascii=False) + "\n"


def render_explanation(explanation: Explanation) -> str:
    return json.dumps(explanation_to_dict(explanation), indent=2, ensure_ascii=False) + "\n"
