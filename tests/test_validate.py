"""Bad records give one readable line per problem, naming the record and the field."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from custody_rules.errors import InputError
from custody_rules.read import parse_json
from custody_rules.validate import validate_record
from tests.conftest import ROOT

GOOD: dict[str, Any] = json.loads((ROOT / "examples" / "compliant.json").read_text())


def problems(raw: Any) -> list[str]:
    with pytest.raises(InputError) as caught:
        validate_record(raw)
    return caught.value.lines()


def with_event(index: int, **changes: Any) -> dict[str, Any]:
    raw = copy.deepcopy(GOOD)
    raw["events"][index].update(changes)
    return raw


def test_the_compliant_example_is_valid() -> None:
    assert validate_record(GOOD).record.record_id == "WM-2023-118204"


def test_time_without_offset_names_record_and_field() -> None:
    assert problems(with_event(3, at="2023-03-14T13:45:00")) == [
        "record WM-2023-118204 > events[3].at: time has no UTC offset: '2023-03-14T13:45:00'"
    ]


def test_every_problem_is_reported_together() -> None:
    raw = with_event(2, at="yesterday")
    raw["events"][10]["mode"] = "phone"
    raw["events"][10]["aa_present"] = "yes"
    raw["person"]["sex"] = "boy"
    raw["events"][4]["id"] = "c4"
    lines = problems(raw)
    assert "record WM-2023-118204 > events[2].at: not a valid ISO 8601 time: 'yesterday'" in lines
    assert ("record WM-2023-118204 > events[10].mode: 'phone' is not one of: in_person, video, "
            "telephone") in lines
    assert ("record WM-2023-118204 > events[10].aa_present: expected true or false, "
            "got 'yes'") in lines
    assert "record WM-2023-118204 > person.sex: 'boy' is not one of: female, male, unknown" in lines
    assert "record WM-2023-118204 > events[4].id: duplicate event id 'c4'" in lines
    assert len(lines) == 6  # events[3] and [4] both carry the duplicate id


@pytest.mark.parametrize(("raw", "expected"), [
    ([1, 2], "input > expected a JSON object (one custody record)"),
    ({"record_id": "X", "person": {"apparent_age": 15}, "events": []},
     "record X > events: empty: a record needs at least its arrival"),
    ({"record_id": "X", "person": {}, "events": [
        {"id": "a", "type": "arrival", "at": "2022-01-01T10:00:00Z"}]},
     "record X > person: needs date_of_birth or apparent_age"),
    ({"person": {"apparent_age": 15}, "events": [
        {"id": "a", "type": "arrival", "at": "2022-01-01T10:00:00Z"}]},
     "input > record_id: required field missing"),
    ({"record_id": "X", "person": {"apparent_age": 10**30}, "events": [
        {"id": "a", "type": "arrival", "at": "2022-01-01T10:00:00Z"}]},
     "record X > person.apparent_age: number 1000000000000000000000000000000 is out of range"),
    ({"record_id": "X", "person": {"date_of_birth": "2023-01-01"}, "events": [
        {"id": "a", "type": "arrival", "at": "2022-01-01T10:00:00Z"}]},
     "record X > person.date_of_birth: 2023-01-01 is after the arrival"),
    ({"record_id": "X", "person": {"apparent_age": 15}, "events": [
        {"id": "a", "type": "review", "at": "2022-01-01T10:00:00Z"}]},
     "record X > events: no arrival event; the custody clock cannot start"),
    ({"record_id": "X", "person": {"apparent_age": 15}, "events": [
        {"id": "a", "type": "arrival", "at": "2022-01-01T10:00:00Z", "by": "PS 1"}]},
     "record X > events[0].by: expected an object, got 'PS 1'"),
])
def test_single_problem(raw: Any, expected: str) -> None:
    assert problems(raw) == [expected]


@pytest.mark.parametrize(("arrival", "date_of_birth", "after"), [
    # 23:30 GMT on 9 January written with a summer offset: the UK day is the 9th.
    ("2023-01-10T00:30:00+01:00", "2023-01-10", True),
    # 00:30 BST on 10 June written in UTC: the UK day is the 10th.
    ("2023-06-09T23:30:00+00:00", "2023-06-10", False),
    ("2023-06-09T23:30:00+01:00", "2023-06-10", True),
])
def test_date_of_birth_is_compared_with_the_uk_day_of_arrival(
        arrival: str, date_of_birth: str, after: bool) -> None:
    """The day of a date of birth is the UK's legal day, whatever offset the arrival is written
    in: the same day that decides a child's age in the timeline."""
    raw = {"record_id": "X", "person": {"date_of_birth": date_of_birth},
           "events": [{"id": "a", "type": "arrival", "at": arrival}]}
    if not after:
        assert validate_record(raw).record.person.date_of_birth is not None
        return
    message = f"record X > person.date_of_birth: {date_of_birth} is after the arrival"
    assert problems(raw) == [message]


@pytest.mark.parametrize(("declared", "meant"), [
    ("detention_authorized", "detention_authorised"),
    ("Detention-Authorised", "detention_authorised"),
    ("aa arrived", "aa_arrived"),
    ("bail_decison", "bail_decision"),
])
def test_a_misspelt_event_type_is_an_input_error_that_names_the_type_meant(
        declared: str, meant: str) -> None:
    """Kept and ignored, a misspelt type would quietly switch off the rules that read the type
    it meant: it is refused, with the type it is most like."""
    raw = copy.deepcopy(GOOD)
    raw["events"][2]["type"] = declared
    assert problems(raw) == [f"record {raw['record_id']} > events[2].type: unknown event type "
                             f"{declared!r}; did you mean {meant!r}?"]


def test_unknown_event_type_is_kept_with_a_warning() -> None:
    raw = copy.deepcopy(GOOD)
    raw["events"].append({"id": "z1", "type": "meal", "at": "2023-03-14T15:00:00Z", "menu": "x"})
    validated = validate_record(raw)
    assert validated.warnings == ("events[15].type: unknown event type 'meal' kept and ignored",)
    assert validated.record.events[-1].declared_type == "meal"  # type: ignore[attr-defined]


@pytest.mark.parametrize(("data", "expected"), [
    (b"", "empty: no JSON record"),
    (b"{\"record_id\": ", "not JSON: Expecting value at line 1 column 15"),
    (b"\xff\xfe{}", "not valid UTF-8 (byte 0)"),
    (b"{\"a\": NaN}", "not JSON: NaN is not allowed in JSON"),
    (b"{\"a\": 1}\n{\"a\": 2}\n", "not JSON: Extra data at line 2 column 1 (one record per line "
     "is JSON Lines: `custody-rules audit` reads those)"),
    (b"[" * 100_000 + b"]" * 100_000, "JSON nested too deeply"),
])
def test_unreadable_json(data: bytes, expected: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_json(data, "f.json")
    assert caught.value.lines() == [f"f.json > {expected}"]


# --------------------------------------------------------------------------- the fast path

def _corpus() -> list[Any]:
    from custody_rules.generate import generate_records

    bad = sorted((ROOT / "tests" / "bad_input").glob("*.json"))
    raws: list[Any] = [*generate_records(150, 5), *generate_records(150, 5, variety="chaos")]
    for path in bad:
        try:
            raws.append(json.loads(path.read_text(encoding="utf-8")))
        except ValueError:
            continue
    return raws


def _outcome(raw: Any) -> Any:
    try:
        validated = validate_record(raw)
    except InputError as exc:
        return ("rejected", exc.lines())
    return ("valid", validated.record, validated.warnings)


def test_the_fast_converter_gives_the_detailed_converters_values() -> None:
    from custody_rules import validate
    from custody_rules.record import CustodyRecord

    checked = 0
    for raw in _corpus():
        try:
            detailed = validate._CONVERTER.structure(raw, CustodyRecord)
        except Exception:
            with pytest.raises(Exception):  # noqa: B017 - any failure sends it to the fallback
                validate._FAST_CONVERTER.structure(raw, CustodyRecord)
            continue
        assert validate._FAST_CONVERTER.structure(raw, CustodyRecord) == detailed
        checked += 1
    assert checked > 300


def test_without_the_fast_path_every_outcome_is_the_same(monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    from custody_rules import validate

    raws = _corpus()
    fast = [_outcome(raw) for raw in raws]

    class Refuses:
        def structure(self, *_: Any) -> Any:
            raise RuntimeError("the fast path is unavailable")

    monkeypatch.setattr(validate, "_FAST_CONVERTER", Refuses())
    assert [_outcome(raw) for raw in raws] == fast
    assert any(outcome[0] == "rejected" for outcome in fast)
