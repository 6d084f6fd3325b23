"""Reading JSON: the orjson fast path gives exactly what the standard parse gives, or steps
aside; every refusal is the standard parse's, word for word."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custody_rules import read
from custody_rules.errors import InputError
from custody_rules.generate import generate_records
from tests.conftest import ROOT

KEYS = st.sampled_from(["id", "at", "type", "a:b", "note", "x"])
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False), st.text(alphabet=st.sampled_from('a:"\\ \u00e9\n\t\u2028'),
                                        max_size=6),
)
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=4)), max_leaves=12)


def _outcome(data: bytes, fast: bool, monkeypatch: pytest.MonkeyPatch) -> Any:
    with monkeypatch.context() as patch:
        if not fast:
            patch.setattr(read, "_fast_parse", lambda _: None)
        try:
            value = read.parse_json(data, "in.json")
        except InputError as exc:
            return ("refused", exc.lines())
    # The value and the types inside it: 1 and 1.0 and True are equal in Python.
    return ("read", json.dumps(value, sort_keys=False), repr(value))


def _texts_with_duplicates(draw: st.DrawFn) -> bytes:
    value = draw(VALUES)
    text = json.dumps(value, ensure_ascii=draw(st.booleans()),
                      separators=draw(st.sampled_from([(",", ":"), (", ", ": "), (",", " : ")])))
    if draw(st.booleans()) and "{" in text:
        # Repeat a key inside one object: `{"k": 1, "k": 2}`.
        at = text.index("{") + 1
        key = draw(KEYS)
        rest = text[at:] if text[at] == "}" else "," + text[at:]
        text = f'{text[:at]}"{key}":1,"{key}":2{rest}'
    return text.encode()


@pytest.mark.slow  # a property test of 400 examples
@settings(max_examples=400, deadline=None, derandomize=True, database=None)
@given(data=st.one_of(st.composite(_texts_with_duplicates)(), st.binary(max_size=60)))
def test_the_fast_path_agrees_with_the_standard_parse(data: bytes) -> None:
    with pytest.MonkeyPatch.context() as monkeypatch:
        assert _outcome(data, True, monkeypatch) == _outcome(data, False, monkeypatch)


@pytest.mark.parametrize("text", [
    '{"a": 1, "a": 2}',
    '{"events": [{"id": "e1", "at": "10:00", "id": "e2"}]}',
    '{"a": {"b": "x:y", "b": "x:y"}}',
    '{"a" : 1, "b":{"c":1,"c" :1}}',
    '{"a":"\\u003a","a":1}',  # an escaped colon cannot hide the dropped key
    '{"age": 123456789012345678901234567890}',  # not a float, as orjson would read it
    '{"age": 1e400}',
    '[' * 40 + ']' * 40,
])
def test_what_orjson_reads_differently_goes_the_standard_way(text: str,
                                                             monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    data = text.encode()
    assert read._fast_parse(data) is None
    assert _outcome(data, True, monkeypatch) == _outcome(data, False, monkeypatch)


def test_records_take_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    records = [*generate_records(50, 3), *generate_records(50, 3, variety="chaos")]
    examples = [path.read_bytes() for path in sorted((ROOT / "examples").glob("*.json"))]
    for data in [json.dumps(record).encode() for record in records] + examples:
        fast = read._fast_parse(data)
        assert fast is not None
        assert fast == json.loads(data)
        assert _outcome(data, True, monkeypatch) == _outcome(data, False, monkeypatch)
