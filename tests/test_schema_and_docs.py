"""The published JSON Schema and rule reference are generated, and must be current."""

from __future__ import annotations

import functools
import json
from typing import Any

import jsonschema
import pytest

from custody_rules.docs import default_output, render_reference
from custody_rules.schema import published_schema, record_schema
from tests.conftest import ROOT, builtin_rulebook

RECORD_FILES = sorted(p for p in (ROOT / "examples").rglob("*.json")
                      if not p.name.endswith(".expected.json") and "expected" not in p.parts)


@functools.cache
def _validator() -> Any:
    """What `jsonschema.validate` builds on every call, built once: the schema is checked
    against its metaschema (most of the cost), then a validator made of it."""
    schema = published_schema()
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def test_published_schema_is_current() -> None:
    assert published_schema() == record_schema(), "run: python -m custody_rules.schema.build"


@pytest.mark.parametrize("path", RECORD_FILES, ids=[p.name for p in RECORD_FILES])
def test_every_example_record_validates_against_the_schema(path) -> None:  # type: ignore[no-untyped-def]
    data = json.loads(path.read_text())
    if isinstance(data, dict) and "record_id" in data:
        _validator().validate(data)


def test_schema_rejects_a_time_without_offset() -> None:
    data = json.loads((ROOT / "examples" / "compliant.json").read_text())
    data["events"][0]["at"] = "2023-03-14T13:05:00"
    with pytest.raises(jsonschema.ValidationError):
        _validator().validate(data)


def test_rule_reference_is_current() -> None:
    expected = render_reference(builtin_rulebook())
    target = default_output()
    assert target is not None, "tests run from the source tree"
    assert target.read_text(encoding="utf-8") == expected, "run: custody-rules docs"
