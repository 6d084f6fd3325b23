"""The audit's fast encoders write exactly what the standard library writes (issue 12)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custody_rules.audit.summary import _spool_line, _spooled
from custody_rules.formatters.audit_json import indented

_scalars = (st.none() | st.booleans() | st.integers(-(2**70), 2**70)
            | st.floats(allow_nan=True, allow_infinity=True) | st.text())
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner,
                                                                max_size=4),
    max_leaves=30)


def _standard(value: Any) -> bytes | None:
    try:
        return json.dumps(value, ensure_ascii=False, indent=1).encode()
    except UnicodeEncodeError:  # a lone surrogate: the report fails as it always did
        return None


@pytest.mark.slow  # a property test of 400 examples
@settings(max_examples=400, deadline=None)
@given(_values)
def test_the_indented_summary_is_the_standard_encoders_text(value: Any) -> None:
    expected = _standard(value)
    if expected is None:
        return
    assert indented(value) == expected


def test_the_indented_summary_falls_back_where_orjson_writes_other_text() -> None:
    for value in ({"share": 1e-05}, {"x": float("nan")}, {"n": 2**70}, {1: [2.5e300, {}]},
                  {"é": ["ü", {}, [], None, True, 0.1]}, [], {}):
        assert indented(value) == json.dumps(value, ensure_ascii=False, indent=1).encode()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text() | st.lists(st.text(), max_size=3) | st.none() | st.integers(),
                max_size=5))
def test_a_spooled_summary_line_reads_back_as_written(value: list[Any]) -> None:
    line = _spool_line(value)
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert _spooled(line) == json.loads(json.dumps(value))


def test_a_spooled_line_orjson_refuses_is_read_back_the_standard_way() -> None:
    for value in ([-(2**63) - 1, "x"], ["\ud800", ["CR-01"]], [2**70]):
        line = _spool_line(value)
        assert line.startswith(b"\0")
        assert _spooled(line) == value
