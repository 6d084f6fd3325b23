"""The one cattrs converter, and the translation of its errors into readable lines.

cattrs is lenient by default (`bool("no")` is True, a string is a sequence of letters); custody
records decide findings about children, so every primitive here is strict and every problem
becomes one line: `events[3].at: time has no UTC offset`.
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Callable
from datetime import date, datetime
from types import UnionType
from typing import Any, Union, get_args, get_origin

import attrs
import cattrs
from cattrs.errors import ClassValidationError, ForbiddenExtraKeysError, IterableValidationError
from cattrs.gen import make_dict_structure_fn

from custody_rules.record import ENUM_TYPES, EVENT_TYPES, Event, UnknownEvent

# Largest integer any field may hold; anything bigger is an input error, not an overflow later.
MAX_INT = 10**6
# Longest text any field may hold. Beyond this a note is not a custody-log entry but a payload;
# the rules never read it, and no output should carry it.
MAX_TEXT_CHARS = 100_000
# Times outside these years are not custody records, and near the ends of Python's calendar
# the review and detention deadlines (up to 36 hours later) would overflow it.
YEARS = range(1900, 2200)
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


class FieldError(ValueError):
    """A value that is the wrong shape; the message is shown to the user as it is."""


def _strict_bool(value: Any, _: type) -> bool:
    if not isinstance(value, bool):
        raise FieldError(f"expected true or false, got {_describe(value)}")
    return value


def _strict_int(value: Any, _: type) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise FieldError(f"expected a whole number, got {_describe(value)}")
    if abs(value) > MAX_INT:
        raise FieldError(f"number {value} is out of range")
    return value


def _strict_str(value: Any, _: type) -> str:
    if type(value) is str and value.isascii() and len(value) <= MAX_TEXT_CHARS:
        return value  # the common case, decided at once (what text_problem would find)
    if not isinstance(value, str):
        raise FieldError(f"expected text, got {_describe(value)}")
    problem = text_problem(value)
    if problem:
        raise FieldError(problem)
    return value


def text_problem(text: str) -> str | None:
    """Why a text cannot be kept, or None: too long, or not valid Unicode (JSON's `\\ud800`
    escapes can carry unpaired surrogates, which no output encoding can write)."""
    if len(text) > MAX_TEXT_CHARS:
        return f"{len(text)} characters, more than {MAX_TEXT_CHARS}"
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return "text is not valid Unicode (an unpaired surrogate)"
    return None


def parse_time(value: Any) -> datetime:
    """An ISO 8601 time with a UTC offset, as the record format has them; FieldError says why
    not (the message every bad time in a record gets)."""
    if not isinstance(value, str):
        raise FieldError(f"expected an ISO 8601 time, got {_describe(value)}")
    text = value[:-1] + "+00:00" if value.endswith(("Z", "z")) else value
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise FieldError(f"not a valid ISO 8601 time: {_clip(value)!r}") from None
    if "T" not in text.upper():
        if len(text) > 10 and text[10] == " ":  # ISO 8601 joins date and time with a T
            raise FieldError(f"date and time joined by a space, not 'T': {_clip(value)!r}")
        raise FieldError(f"a date without a time: {_clip(value)!r}")
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise FieldError(f"time has no UTC offset: {_clip(value)!r}")
    if parsed.year not in YEARS:
        raise FieldError(f"time out of range (years {YEARS[0]} to {YEARS[-1]}): {_clip(value)!r}")
    return parsed


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _datetime(value: Any, _: type) -> datetime:
    return parse_time(value)


def _date(value: Any, _: type) -> date:
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        raise FieldError(f"expected a date YYYY-MM-DD, got {_describe(value)}")
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        raise FieldError(f"not a real date: {value!r}") from None
    if parsed.year not in YEARS:
        raise FieldError(f"date out of range (years {YEARS[0]} to {YEARS[-1]}): {value!r}")
    return parsed


def _enum_hook(enum_type: type[enum.Enum]) -> Callable[[Any, type], enum.Enum]:
    allowed = [member.value for member in enum_type]
    # The member by its value: what enum_type(value) returns, without Enum's slow lookup.
    members = {member.value: member for member in enum_type}

    def structure(value: Any, _: type) -> enum.Enum:
        if isinstance(value, str) and value in members:
            return members[value]
        raise FieldError(f"{_describe(value)} is not one of: {', '.join(allowed)}")

    return structure


def _is_tuple(type_: Any) -> bool:
    return get_origin(type_) is tuple


def _is_dict(type_: Any) -> bool:
    return type_ is dict or get_origin(type_) is dict


TupleHook = Callable[[Any, type], tuple[Any, ...]]


def _tuple_hook(converter: cattrs.Converter) -> Callable[[Any], TupleHook]:
    def factory(type_: Any) -> TupleHook:
        item_type = get_args(type_)[0]

        def structure(value: Any, _: type) -> tuple[Any, ...]:
            if not isinstance(value, list):
                raise FieldError(f"expected a list, got {_describe(value)}")
            items: list[Any] = []
            errors: list[Exception] = []
            for index, item in enumerate(value):
                try:
                    items.append(converter.structure(item, item_type))
                except Exception as exc:  # collected, and reported with its index
                    # What cattrs itself attaches, so that error_lines() can name the index.
                    note = cattrs.IterableValidationNote(f"@ index {index}", index, item_type)
                    notes = [*getattr(exc, "__notes__", []), note]
                    exc.__notes__ = notes  # type: ignore[attr-defined,unused-ignore]
                    errors.append(exc)
            if errors:
                raise IterableValidationError("invalid items", errors, type_)
            return tuple(items)

        return structure

    return factory


def _dict_hook(value: Any, _: type) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise FieldError(f"expected an object, got {_describe(value)}")
    return dict(value)


def _kept_as_is_problem(value: Any) -> str | None:
    """The first problem with any text inside a value kept as it came (an unknown event's
    fields), keys included; iterative, since the nesting is the sender's."""
    stack: list[Any] = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            problem = text_problem(item)
            if problem:
                return problem
    return None


def _register_values(converter: cattrs.Converter) -> None:
    """The hooks for single values, the same in both converters."""
    # Class hooks dispatch on the MRO, so `str` would also catch the str enums: each enum is
    # registered as its own class below, which is more specific and wins.
    converter.register_structure_hook(bool, _strict_bool)
    converter.register_structure_hook(int, _strict_int)
    converter.register_structure_hook(str, _strict_str)
    converter.register_structure_hook(datetime, _datetime)
    converter.register_structure_hook(date, _date)
    converter.register_structure_hook_func(_is_dict, _dict_hook)
    for enum_type in ENUM_TYPES:
        converter.register_structure_hook(enum_type, _enum_hook(enum_type))


def _structure_event_with(
    converter: cattrs.Converter,
) -> Callable[[Any, type], Event]:
    hooks: dict[type, Callable[[Any, type], Any]] = {}  # each event class's hook, found once

    def structure_event(value: Any, _: type) -> Event:
        if not isinstance(value, dict):
            raise FieldError(f"expected an object, got {_describe(value)}")
        declared = value.get("type")
        if not isinstance(declared, str):
            raise FieldError("event has no type" if declared is None else "type: expected text")
        fields = {key: item for key, item in value.items() if key != "type"}
        cls = EVENT_TYPES.get(declared)
        if cls is None:
            common = {key: fields.pop(key) for key in ("id", "at", "by", "recorded_at", "note")
                      if key in fields}
            problem = _kept_as_is_problem([declared, fields])
            if problem:
                raise FieldError(f"unknown event type with text that cannot be kept: {problem}")
            unknown = converter.structure(common, UnknownEvent)
            return attrs.evolve(unknown, declared_type=declared, extra=fields)
        hook = hooks.get(cls)
        if hook is None:
            hook = hooks[cls] = converter.get_structure_hook(cls)
        event: Event = hook(fields, cls)
        return event

    return structure_event


def make_converter() -> cattrs.Converter:
    """Build the project's converter: strict primitives, UTC-offset times, events by type."""
    converter = cattrs.Converter(forbid_extra_keys=True)
    _register_values(converter)
    converter.register_structure_hook_factory(_is_tuple, _tuple_hook(converter))

    def attrs_factory(cls: type) -> Callable[[Any, type], Any]:
        structure_fields: Callable[[Any, Any], Any] = make_dict_structure_fn(
            cls, converter, _cattrs_forbid_extra_keys=True
        )

        def structure(value: Any, type_: type) -> Any:
            if not isinstance(value, dict):
                raise FieldError(f"expected an object, got {_describe(value)}")
            return structure_fields(value, type_)

        return structure

    converter.register_structure_hook_factory(attrs.has, attrs_factory)
    # A predicate, not the class: a class hook would also catch every subclass.
    converter.register_structure_hook_func(lambda t: t is Event, _structure_event_with(converter))
    return converter


def _is_optional(type_: Any) -> bool:
    args = get_args(type_)
    return len(args) == 2 and type(None) in args and get_origin(type_) in (Union, UnionType)


def make_fast_converter() -> cattrs.Converter:
    """The same structuring as `make_converter` without detailed validation: a valid record
    gives the very same values, and the first problem stops it with no readable report. It is
    the fast path of `validate`, which falls back to the detailed converter on any failure,
    so that every message users see comes from there.

    Besides cattrs' lean generated code (no error collection), optional fields and tuples call
    their item's hook directly instead of dispatching on the type for every value."""
    converter = cattrs.Converter(forbid_extra_keys=True, detailed_validation=False)
    _register_values(converter)

    def tuple_factory(type_: Any) -> TupleHook:
        item_type = get_args(type_)[0]
        item = converter.get_structure_hook(item_type)

        def structure(value: Any, _: type) -> tuple[Any, ...]:
            if not isinstance(value, list):
                raise FieldError("expected a list")
            return tuple([item(entry, item_type) for entry in value])

        return structure

    def optional_factory(type_: Any) -> Callable[[Any, type], Any]:
        inner = next(arg for arg in get_args(type_) if arg is not type(None))
        hook = converter.get_structure_hook(inner)

        def structure(value: Any, _: type) -> Any:
            return None if value is None else hook(value, inner)

        return structure

    def attrs_factory(cls: type) -> Callable[[Any, type], Any]:
        structure_fields: Callable[[Any, Any], Any] = make_dict_structure_fn(
            cls, converter, _cattrs_forbid_extra_keys=True, _cattrs_detailed_validation=False
        )

        def structure(value: Any, type_: type) -> Any:
            if not isinstance(value, dict):
                raise FieldError("expected an object")
            return structure_fields(value, type_)

        return structure

    converter.register_structure_hook_factory(_is_tuple, tuple_factory)
    converter.register_structure_hook_factory(_is_optional, optional_factory)
    converter.register_structure_hook_factory(attrs.has, attrs_factory)
    converter.register_structure_hook_func(lambda t: t is Event, _structure_event_with(converter))
    return converter


def error_lines(exc: BaseException) -> list[str]:
    """Flatten a cattrs error tree into `path: problem` lines, in document order."""
    return [_line(message, path) for message, path in _walk(exc, "")]


def _walk(exc: BaseException, path: str) -> list[tuple[str, str]]:
    if isinstance(exc, ClassValidationError | IterableValidationError):
        found: list[tuple[str, str]] = []
        for inner in exc.exceptions:
            found.extend(_walk(inner, path + _step(inner)))
        return found
    if isinstance(exc, ForbiddenExtraKeysError):
        return [("unknown field", _join(path, name)) for name in sorted(exc.extra_fields)]
    if isinstance(exc, KeyError):
        return [("required field missing", path)]
    if isinstance(exc, FieldError):
        return [(str(exc), path)]
    if isinstance(exc, TypeError | AttributeError):
        return [("wrong type of value", path)]
    return [(str(exc) or type(exc).__name__, path)]


def _step(exc: BaseException) -> str:
    for note in getattr(exc, "__notes__", []):
        if isinstance(note, cattrs.AttributeValidationNote):
            return "." + note.name
        if isinstance(note, cattrs.IterableValidationNote):
            return f"[{note.index}]"
    return ""


def _join(path: str, name: str) -> str:
    # A field name that is not an identifier is the sender's text: quoted and escaped, so that
    # a newline or a control character in it cannot forge a second error line.
    if _IDENTIFIER.match(name):
        return f"{path}.{name}"
    return f"{path}[{_clip(name)!r}]"


def _line(message: str, path: str) -> str:
    path = path.lstrip(".")
    return f"{path}: {message}" if path else message


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):
        return "a number out of range"  # JSON's 1e400: too large for any field
    if isinstance(value, int | float):
        return f"number {_clip(repr(value))}"
    if isinstance(value, str):
        return repr(_clip(value))
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _clip(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit] + "..."
