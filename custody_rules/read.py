"""Step 1, read: bytes or files to raw JSON values, never trusting the input."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import IO, Any

import orjson

from custody_rules.errors import InputError

# One record is a few kilobytes; past this a file is not a custody record, and reading it
# whole would only exhaust memory.
MAX_RECORD_BYTES = 32 * 1024 * 1024
TOO_LARGE = f"more than {MAX_RECORD_BYTES} bytes: not one custody record"
# A record nests four deep (record > events > event > by); unknown event types may carry a
# little more. Deeper input is refused here, before anything recursive (pickling to and from
# audit workers, rendering) can run out of stack on it.
MAX_DEPTH = 32
_TOO_DEEP = "JSON nested too deeply"


def _refuse_constant(name: str) -> Any:
    # JSON has no NaN or Infinity; Python's json module accepts them unless told not to.
    raise ValueError(f"{name} is not allowed in JSON")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # Python keeps the last of two equal keys; in a custody record either could be the truth.
    value = dict(pairs)
    if len(value) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                shown = key if len(key) <= 40 else key[:40] + "..."
                raise ValueError(f"duplicate key {shown!r} in one object")
            seen.add(key)
    return value


def _depth_exceeds(value: Any, limit: int) -> bool:
    """True if containers nest deeper than `limit` (iterative: no recursion on hostile input)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item
        for child in children:
            if isinstance(child, dict | list):
                if depth + 1 > limit:
                    return True
                stack.append((child, depth + 1))
    return False


def _fast_parse(data: bytes) -> Any | None:
    """orjson's value for `data` when it is certainly the value the standard parse below gives
    and passes its checks; None whenever in doubt (then the standard parse decides, and says
    what is wrong in its own words).

    orjson keeps the last of two equal keys, silently, where the standard parse refuses them.
    Every colon of a JSON text is either a key's or inside a string, and unless the escape
    `\\u003a` spells one, a string's colons are the same in the text and in the value: so
    the text holds more colons than the value's keys and strings exactly when a key was
    dropped. (orjson refuses the lone surrogates `\\ud800` can spell, which the standard
    parse accepts: a refusal, so the standard parse decides.) orjson also reads integers past
    64 bits as floats, and record fields hold no floats: any float is a doubt."""
    if b"\\u003a" in data or b"\\u003A" in data:
        return None
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(value, dict | list):
        return None
    keys = 0
    texts: list[str] = []
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            keys += len(item)
            texts.extend(item)
            children = item.values()
        else:
            children = item
        for child in children:
            kind = type(child)
            if kind is str:
                texts.append(child)
            elif kind is dict or kind is list:
                if depth + 1 > MAX_DEPTH:
                    return None
                stack.append((child, depth + 1))
            elif kind is float:
                return None
    if data.count(b":") != keys + "".join(texts).count(":"):
        return None
    return value


def parse_json(data: bytes | str, source: str) -> Any:
    """Parse one JSON document, turning every failure into an InputError naming `source`."""
    if isinstance(data, bytes):
        fast = _fast_parse(data)
        if fast is not None:
            return fast
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
        value = json.loads(text, parse_constant=_refuse_constant, object_pairs_hook=_unique_keys)
    except RecursionError:
        raise InputError(None, [_TOO_DEEP], source) from None
    except json.JSONDecodeError as exc:
        what = exc.msg.removesuffix(" at")  # "Unterminated string starting at"
        problem = f"not JSON: {what} at line {exc.lineno} column {exc.colno}"
        if what == "Extra data" and exc.colno == 1:  # a second value on a line of its own
            problem += " (one record per line is JSON Lines: `custody-rules audit` reads those)"
        raise InputError(None, [problem], source) from None
    except ValueError as exc:
        message = str(exc)
        if message.startswith("Exceeds the limit"):
            # Python's guard against quadratic int parsing; say it in the record's terms.
            message = "a number with more than 4300 digits"
        raise InputError(None, [f"not JSON: {message}"], source) from None
    if isinstance(value, dict | list) and _depth_exceeds(value, MAX_DEPTH):
        raise InputError(None, [_TOO_DEEP], source)
    return value


STDIN = "<stdin>"


def read_record_file(path: Path) -> Any:
    """Read one record file (`check`); `-` is standard input."""
    if str(path) == "-":
        return read_record_stream(sys.stdin.buffer, STDIN)
    try:
        with path.open("rb") as stream:
            return read_record_stream(stream, str(path))
    except OSError as exc:
        raise InputError(None, [f"cannot read file: {exc.strerror or exc}"], str(path)) from None


def read_record_stream(stream: IO[bytes], source: str) -> Any:
    """Read one record from a stream, never more than one record's worth of bytes."""
    try:
        data = stream.read(MAX_RECORD_BYTES + 1)
    except OSError as exc:
        raise InputError(None, [f"cannot read: {exc.strerror or exc}"], source) from None
    if len(data) > MAX_RECORD_BYTES:
        raise InputError(
            None, [TOO_LARGE], source
        )
    return parse_json(data, source)
