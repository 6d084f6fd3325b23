"""Step 1, read: bytes or files to raw JSON values, never trusting the input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from custody_rules.errors import InputError


def _refuse_constant(name: str) -> Any:
    # JSON has no NaN or Infinity; Python's json module accepts them unless told not to.
    raise ValueError(f"{name} is not allowed in JSON")


def parse_json(data: bytes | str, source: str) -> Any:
    """Parse one JSON document, turning every failure into an InputError naming `source`."""
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(None, [f"not valid UTF-8 (byte {exc.start})"], source) from None
    else:
        text = data
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise InputError(None, ["empty: no JSON record"], source)
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise InputError(None, ["JSON nested too deeply"], source) from None
    except json.JSONDecodeError as exc:
        raise InputError(
            None, [f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"], source
        ) from None
    except ValueError as exc:
        raise InputError(None, [f"not JSON: {exc}"], source) from None


def read_record_file(path: Path) -> Any:
    """Read one record file (`check`)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(None, [f"cannot read file: {exc.strerror or exc}"], str(path)) from None
    return parse_json(data, str(path))
