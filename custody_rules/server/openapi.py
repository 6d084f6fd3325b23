"""The OpenAPI description of the JSON API (`GET /openapi.json`).

The request body is the record's own JSON Schema (custody_rules.schema, built from the attrs
model), so the description cannot drift from what the validator accepts; the answers are the
findings JSON of `check --format json` and a list of one-line problems.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from custody_rules import __version__
from custody_rules.rulebook import Severity, Status
from custody_rules.schema import record_schema

_PROBLEMS = {"$ref": "#/components/schemas/Problems"}


def _answer(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _problem_answers(*codes: str) -> dict[str, Any]:
    meaning = {
        "400": "The body is not JSON (or `as_of` is not a time): its problems, one line each.",
        "401": "A token is required and was not sent (or was wrong).",
        "413": "The body is longer than one custody record can be (the CLI's input limit).",
        "422": "The JSON is not a custody record: every problem, one line each, as the CLI "
               "prints them.",
        "500": "The rule engine failed on this record: no trustworthy result.",
    }
    return {code: _answer(meaning[code], _PROBLEMS) for code in codes}


_FINDING: dict[str, Any] = {
    "type": "object",
    "required": ["rule", "status", "severity", "title", "message", "events", "citations",
                 "check"],
    "properties": {
        "rule": {"type": "string", "examples": ["RV-01"]},
        "status": {"enum": [status.value for status in Status]},
        "severity": {"enum": [severity.value for severity in Severity]},
        "title": {"type": "string"},
        "message": {"type": "string"},
        "events": {"type": "array", "items": {"type": "string"}},
        "citations": {"type": "array", "items": {"type": "string"}},
        "due": {"type": "string", "format": "date-time",
                "description": "When a pending obligation falls due (record's own offset)."},
        "question": {"type": "string"},
        "thresholds": {"type": "array", "items": {"type": "string"}},
        "check": {"type": "string"},
    },
}

_FINDINGS: dict[str, Any] = {
    "type": "object",
    "description": "Exactly the output of `custody-rules check RECORD --format json`.",
    "required": ["record_id", "as_of", "findings", "rules_applied", "ruleset", "warnings"],
    "properties": {
        "record_id": {"type": "string"},
        "as_of": {"type": "string", "format": "date-time"},
        "findings": {"type": "array", "items": {"$ref": "#/components/schemas/Finding"}},
        "rules_applied": {"type": "array", "items": {"type": "string"}},
        "ruleset": {"type": "object", "properties": {"version": {"type": "string"},
                                                     "digest": {"type": "string"}}},
        "warnings": {"type": "array", "items": {"type": "string"}},
        "handover": {"type": "object",
                     "description": "Only while the child is still held: the handover view "
                                    "(PACE clock, next review, what falls due, the log)."},
    },
}

_BOARD: dict[str, Any] = {
    "type": "object",
    "required": ["as_of", "held", "left", "records"],
    "properties": {
        "as_of": {"type": "string", "format": "date-time"},
        "held": {"type": "integer", "description": "Children still held."},
        "left": {"type": "integer",
                 "description": "Records read whose child is no longer in police detention."},
        "records": {"type": "array", "description": "Unreadable items first, then the "
                    "overdue, then by what falls due first.", "items": {
                        "type": "object",
                        "required": ["record_id", "source", "readable", "problems", "overdue",
                                     "next_due", "most_urgent", "handover"],
                        "properties": {
                            "record_id": {"type": ["string", "null"]},
                            "source": {"type": "string"},
                            "readable": {"type": "boolean"},
                            "problems": {"type": "array", "items": {"type": "string"}},
                            "overdue": {"type": "boolean"},
                            "next_due": {"type": ["string", "null"], "format": "date-time"},
                            "most_urgent": {"type": "string"},
                            "violated": {"type": ["integer", "null"]},
                            "falling_due": {"type": ["integer", "null"]},
                            "needs_judgement": {"type": ["integer", "null"]},
                            "handover": {"type": ["object", "null"]},
                        }}},
    },
}


@cache
def openapi() -> dict[str, Any]:
    record = record_schema()
    record.pop("$schema", None)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "custody-rules",
            "version": __version__,
            "description": "Checks children's police custody records (England and Wales) "
                           "against PACE, Code C and safeguarding duties. Every answer is the "
                           "same as the command line's. When the server was started with a "
                           "token, send it as `Authorization: Bearer TOKEN`.",
        },
        "paths": {
            "/api/check": {"post": {
                "summary": "Check one custody record",
                "description": "The findings of `custody-rules check --format json`, byte for "
                               "byte, with status 200 whatever they are.",
                "parameters": [{
                    "name": "as_of", "in": "query", "required": False,
                    "description": "Judge the record as it stood at this time (ISO 8601 with "
                                   "offset, or `now`); default: as closed, or now if open.",
                    "schema": {"type": "string"},
                }],
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Record"}}}},
                "responses": {
                    "200": _answer("The findings.", {"$ref": "#/components/schemas/Findings"}),
                    **_problem_answers("400", "401", "413", "422", "500"),
                },
            }},
            "/api/board": {"get": {
                "summary": "The board: every child still held among the served records",
                "responses": {"200": _answer("The board.",
                                             {"$ref": "#/components/schemas/Board"}),
                              **_problem_answers("401")},
            }},
            "/api/rules": {"get": {
                "summary": "The rules (as `custody-rules rules list --format json`)",
                "responses": {"200": _answer("The ruleset's version, digest and rules.",
                                             {"type": "object"}),
                              **_problem_answers("401")},
            }},
        },
        "components": {
            "schemas": {
                "Record": record,
                "Finding": _FINDING,
                "Findings": _FINDINGS,
                "Board": _BOARD,
                "Problems": {
                    "type": "object", "required": ["problems"],
                    "properties": {"problems": {"type": "array", "items": {"type": "string"},
                                                "description": "One line per problem."}},
                },
            },
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer"}},
        },
    }
