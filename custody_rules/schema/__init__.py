"""The record format as a JSON Schema, built from the attrs model so that the two cannot drift.

`record.schema.json` beside this file is the published copy; a test fails when it differs from
`record_schema()`. Regenerate it with `python -m custody_rules.schema.build`.
"""

from __future__ import annotations

import enum
import json
import typing
from datetime import date, datetime
from importlib import resources
from typing import Any

import attrs

from custody_rules import record as model

TIME_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$"
SCHEMA_ID = "https://custody-rules.example/schema/record-v1.json"


def _type_schema(declared: Any) -> dict[str, Any]:
    args = [arg for arg in typing.get_args(declared) if arg is not type(None)]
    nullable = type(None) in typing.get_args(declared)
    if typing.get_origin(declared) is tuple:
        schema: dict[str, Any] = {"type": "array", "items": _type_schema(args[0])}
    else:
        inner = args[0] if args else declared
        if inner is bool:
            schema = {"type": "boolean"}
        elif inner is int:
            schema = {"type": "integer"}
        elif inner is str:
            schema = {"type": "string"}
        elif inner is datetime:
            schema = {"$ref": "#/$defs/time"}
        elif inner is date:
            schema = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
        elif isinstance(inner, type) and issubclass(inner, enum.Enum):
            schema = {"enum": [member.value for member in inner]}
        elif attrs.has(inner):
            schema = {"$ref": f"#/$defs/{inner.__name__}"}
        else:
            schema = {}
    if nullable:
        schema = {"anyOf": [schema, {"type": "null"}]}
    return schema


def _object_schema(cls: type, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    properties: dict[str, Any] = dict(extra or {})
    required: list[str] = list(extra or {})
    for attribute in attrs.fields(cls):
        properties[attribute.name] = _type_schema(hints[attribute.name])
        if attribute.default is attrs.NOTHING:
            required.append(attribute.name)
    return {"type": "object", "properties": properties, "required": required,
            "additionalProperties": False}


def record_schema() -> dict[str, Any]:
    """The JSON Schema of one custody record (docs/record-format.md, version 1)."""
    events = []
    for type_name, cls in model.EVENT_TYPES.items():
        events.append(_object_schema(cls, {"type": {"const": type_name}}))
    # An event of a type this version does not know is kept and ignored with a warning (the
    # format may grow); it still needs the common fields.
    events.append({
        "type": "object",
        "properties": {"type": {"type": "string", "not": {"enum": list(model.EVENT_TYPES)}},
                       "id": {"type": "string"}, "at": {"$ref": "#/$defs/time"}},
        "required": ["type", "id", "at"],
    })
    schema = _object_schema(model.CustodyRecord)
    schema["properties"]["events"] = {"type": "array", "minItems": 1,
                                      "items": {"$ref": "#/$defs/event"}}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "Custody record (custody_rules record format, version 1)",
        **schema,
        "$defs": {
            "time": {"type": "string", "description": "ISO 8601 date-time with a UTC offset",
                     "pattern": TIME_PATTERN},
            "Person": _object_schema(model.Person),
            "Offence": _object_schema(model.Offence),
            "Officer": _object_schema(model.Officer),
            "event": {"oneOf": events},
        },
    }


def published_schema() -> dict[str, Any]:
    text = resources.files(__name__).joinpath("record.schema.json").read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded

