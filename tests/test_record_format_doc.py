"""docs/record-format.md is the contract: it must name every field, event type and value the
JSON Schema (built from the record model) accepts, and every field of the findings JSON, and
nothing they do not."""

from __future__ import annotations

import json
import re
from typing import Any

from click.testing import CliRunner

from custody_rules.cli import main
from custody_rules.schema import record_schema
from tests.conftest import ROOT

DOC = ROOT / "docs" / "record-format.md"
COMMON = {"type", "id", "at", "by", "recorded_at", "note"}


def _tables() -> dict[str, list[list[str]]]:
    """Each table of the page under the heading above it: rows of cells (header dropped)."""
    tables: dict[str, list[list[str]]] = {}
    heading = ""
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            heading = line.lstrip("#").strip()
        elif line.startswith("| ") and not line.startswith("| ---"):
            tables.setdefault(heading, []).append([c.strip() for c in line.strip("|").split("|")])
    return {name: rows[1:] for name, rows in tables.items()}


def _names(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


def _values(schema: dict[str, Any]) -> str | set[str]:
    """What the page must say a field takes: its enum values, or a kind of value."""
    options = [s for s in schema.get("anyOf", [schema]) if s.get("type") != "null"]
    (option,) = options
    if "enum" in option:
        return set(option["enum"])
    if option.get("type") == "array":
        inner = _values(option["items"])
        return inner if isinstance(inner, set) else f"list of {inner}"
    if "$ref" in option:
        return "date-time"
    return {"boolean": "true or false", "string": "text", "integer": "whole number"}[
        option["type"]]


def test_every_record_person_offence_and_officer_field_is_documented() -> None:
    schema = record_schema()
    tables = _tables()
    assert {row[0].strip("`") for row in tables["A record"]} == set(schema["properties"])
    defs = schema["$defs"]
    assert {row[0].strip("`") for row in tables["`person`"]} == set(defs["Person"]["properties"])
    assert {row[0].strip("`") for row in tables["`offences[]`"]} \
        == set(defs["Offence"]["properties"])
    officer = {row[0].strip("`"): row[1] for row in tables["`by`"]}
    assert set(officer) == set(defs["Officer"]["properties"])
    for field in ("rank", "role"):
        assert set(_names(officer[field])) == _values(defs["Officer"]["properties"][field])
    sexes = _values(defs["Person"]["properties"]["sex"])
    person = {row[0].strip("`"): row[2] for row in tables["`person`"]}
    assert sexes <= set(_names(person["sex"]))
    assert {row[0].strip("`") for row in tables["Every event"]} == COMMON


def test_every_event_type_and_field_with_its_values_is_documented() -> None:
    schema = record_schema()
    known = {alt["properties"]["type"]["const"]: alt["properties"]
             for alt in schema["$defs"]["event"]["oneOf"]
             if "const" in alt["properties"]["type"]}
    tables = _tables()
    assert [row[0].strip("`") for row in tables["Event types"]] == list(known)
    documented = {(row[0].strip("`"), row[1].strip("`")): row[2]
                  for row in tables["Event fields"]}
    in_schema = {(kind, field) for kind, props in known.items() for field in props
                 if field not in COMMON}
    assert set(documented) == in_schema
    for (kind, field), cell in documented.items():
        wanted = _values(known[kind][field])
        if isinstance(wanted, set):
            assert set(_names(cell)) == wanted, (kind, field)
        else:
            assert cell == wanted, (kind, field)


def test_every_field_of_the_findings_json_is_documented(tmp_path: Any) -> None:
    tables = _tables()
    record_fields = {name for row in tables["The record's object"] for name in _names(row[0])}
    finding_fields = {row[0].strip("`") for row in tables["A finding"]}
    seen_record: set[str] = set()
    seen_finding: set[str] = set()
    for name, args in (("cambridgeshire", []), ("gateshead", []),
                       ("live", ["--as-of", "2024-06-12T19:00:00+01:00"])):
        done = CliRunner().invoke(main, ["check", str(ROOT / "examples" / f"{name}.json"),
                                         "--format", "json", *args])
        assert done.exit_code in (0, 1), done.output
        out = done.stdout
        result = json.loads(out)
        seen_record |= set(result)
        for finding in result["findings"]:
            seen_finding |= set(finding)
    assert seen_record <= record_fields
    assert {"due", "question", "thresholds", "handover"} <= seen_finding | seen_record
    assert seen_finding == finding_fields
    severities = {row[1] for row in tables["A finding"] if row[0] == "`severity`"}
    from custody_rules.rulebook import Severity, Status

    assert set(_names(severities.pop())) == {s.value for s in Severity}
    statuses = next(row[1] for row in tables["A finding"] if row[0] == "`status`")
    assert {s.value for s in Status} <= set(_names(statuses))


def test_nothing_in_the_repository_points_at_the_team_workspace() -> None:
    offenders = []
    for folder in ("custody_rules", "docs"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix in {".py", ".md", ".html", ".yaml"} and path.is_file():
                text = path.read_text(encoding="utf-8")
                if "shared/spec" in text:
                    offenders.append(str(path.relative_to(ROOT)))
    if "shared/spec" in (ROOT / "README.md").read_text(encoding="utf-8"):
        offenders.append("README.md")
    assert not offenders
