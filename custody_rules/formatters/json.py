"""The findings JSON of shared/spec/record-format.md, exactly; additions come after its keys."""

from __future__ import annotations

import json
from typing import Any

from custody_rules.findings import Finding, RecordResult
from custody_rules.formatters import local_iso
from custody_rules.rulebook import Status


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
        out["due"] = local_iso(finding.due, result.timeline)
    if finding.question:
        out["question"] = finding.question
    if finding.thresholds:
        out["thresholds"] = list(finding.thresholds)
    out["check"] = finding.check
    return out


def result_to_dict(result: RecordResult) -> dict[str, Any]:
    return {
        "record_id": result.record_id,
        "as_of": local_iso(result.as_of, result.timeline),
        "findings": [finding_to_dict(finding, result) for finding in result.findings],
        "rules_applied": list(result.applied),
        "ruleset": {"version": result.ruleset_version, "digest": result.ruleset_digest},
        "warnings": list(result.warnings),
    }


def render(result: RecordResult) -> str:
    return json.dumps(result_to_dict(result), indent=2, ensure_ascii=False) + "\n"
