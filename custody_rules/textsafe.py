"""Text from outside stays text: no terminal control, no reordering, no screenful.

Station, force, local authority, offence, officer ids, notes, CSV column names and file names
come from a record or an export; printed raw, a control sequence in one of them could forge a
green "Violated: none", clear the screen, set a window title, or reverse the text after it
(U+202E). `printable` shows every such character as a visible escape (`\\x1b`, `\\u202e`)
instead; `scrub` applies it to every string inside a result, summary or scenario before a text
report renders it (terminal and files alike), and `cell` caps what a table cell shows.

JSON output keeps the data exactly (JSON escapes control characters itself); HTML escapes
markup, and its text goes through `scrub` too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

import attrs

T = TypeVar("T")

CELL_WIDTH = 48


def _escape(char: str) -> str:
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def printable(text: str) -> str:
    """`text` with every character that is not printable (controls, bidi and other format
    characters, separators, unassigned code points) shown as an escape such as `\\u202e`."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else _escape(char) for char in text)


def printable_lines(text: str) -> str:
    """Several lines of text (a message): each made printable, the line breaks kept."""
    return "\n".join(printable(line) for line in text.split("\n"))


def cell(text: str, width: int = CELL_WIDTH) -> str:
    """What a table cell shows: printable, and at most `width` characters."""
    shown = printable(text)
    return shown if len(shown) <= width else shown[:width - 3] + "..."


def scrub(value: T) -> T:
    """`value` with `printable` applied to every string inside it (attrs instances, tuples,
    lists, mappings, frozensets). Objects holding nothing to change are returned as they are,
    so clean input costs one pass and no copies."""
    return _scrub(value)  # type: ignore[no-any-return]


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, (int, float, bool)) or value is None:
        return value
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        items = tuple(_scrub(item) for item in value)
        return value if all(a is b for a, b in zip(items, value, strict=True)) else items
    if isinstance(value, list):
        items_list = [_scrub(item) for item in value]
        same = all(a is b for a, b in zip(items_list, value, strict=True))
        return value if same else items_list
    if isinstance(value, frozenset):
        scrubbed = frozenset(_scrub(item) for item in value)
        return value if scrubbed == value else scrubbed
    if isinstance(value, Mapping):
        pairs = [(_scrub(k), _scrub(v)) for k, v in value.items()]
        if all(k is k0 and v is v0 for (k, v), (k0, v0) in zip(pairs, value.items(),
                                                                  strict=True)):
            return value
        return type(value)(pairs) if isinstance(value, dict) else dict(pairs)
    if attrs.has(type(value)):
        changes = {}
        for field in attrs.fields(type(value)):
            if not field.init:
                continue
            old = getattr(value, field.name)
            new = _scrub(old)
            if new is not old:
                changes[field.alias or field.name.lstrip("_")] = new
        return attrs.evolve(value, **changes) if changes else value
    return value
