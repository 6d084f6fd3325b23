"""Property-based tests over records Hypothesis builds: valid ones, broken ones and raw bytes.

* No crash: a valid record gives a result; anything else gives an InputError, nothing else.
* Every finding points at events that exist in the record.
* The order of the events in the input never changes the findings.
* Every fact the timeline builds stays within the vocabulary the rulebook allows.
* The engine agrees with the reference statement of the rules (tests/reference).
* Pseudonymised output holds none of the record's free text.
* `audit --jobs 1` and `--jobs 2` give the same report.

CI runs the derandomized profile (the same examples every run, a few minutes at most). To
search harder: CUSTODY_RULES_HYPOTHESIS=explore python -m pytest tests/test_properties.py
Every test here is marked `slow`: `pytest -m "not slow"` leaves them out.
"""

from __future__ import annotations

import json
import os
import typing
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import attrs
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custody_rules.checker import Checker
from custody_rules.cli import main
from custody_rules.errors import InputError
from custody_rules.findings import RecordResult
from custody_rules.formatters.json import render
from custody_rules.privacy import make_pseudonymiser
from custody_rules.read import parse_json
from custody_rules.record import EVENT_TYPES, LEAVES_DETENTION
from custody_rules.timeline import fact_fields
from custody_rules.validate import BEFORE_ARRIVAL_ALLOWED, validate_record
from tests import reference
from tests.reference import expected_findings, load_all

pytestmark = pytest.mark.slow

settings.register_profile(
    "custody-ci", derandomize=True, deadline=None, database=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "custody-explore", deadline=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
EXPLORE = os.environ.get("CUSTODY_RULES_HYPOTHESIS") == "explore"
PROFILE = settings.get_profile("custody-explore" if EXPLORE else "custody-ci")


def budget(examples: int) -> settings:
    return settings(PROFILE, max_examples=examples * (20 if EXPLORE else 1))


FIXED_NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)
REFERENCES = load_all()
VOCABULARY = fact_fields()
SECRET = "§§"  # every free text built here starts with it: no output may show it

# --------------------------------------------------------------------------- strategies

OFFSETS = [timezone.utc, timezone(timedelta(hours=1)), timezone(timedelta(hours=-5)),
           timezone(timedelta(hours=5, minutes=30))]
FIRST_ARRIVAL = datetime(2014, 1, 1, tzinfo=timezone.utc)
MINUTES_IN_RANGE = 60 * 24 * 365 * 11  # arrivals over 11 years: rules come into force
HOLD_MINUTES = 60 * 60  # events up to 60 hours after the arrival


def _iso(moment: datetime, offset: timezone) -> str:
    text = moment.astimezone(offset).isoformat()
    return text.replace("+00:00", "Z") if offset is timezone.utc and moment.second % 2 else text


@st.composite
def _times(draw: st.DrawFn, arrival: datetime, before: bool = False) -> str:
    low = -180 if before else 0
    minutes = draw(st.one_of(
        st.integers(low, HOLD_MINUTES),
        # On the rules' boundaries: the policy thresholds and the review clock, to the second.
        st.sampled_from([30, 60, 120, 360, 540, 900, 1440, 2160]).map(
            lambda m: m + draw(st.sampled_from([-1, 0, 1])) / 60),
    ))
    return _iso(arrival + timedelta(minutes=minutes), draw(st.sampled_from(OFFSETS)))


def _free_text() -> st.SearchStrategy[str]:
    return st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12).map(
        lambda text: SECRET + text)


def _value(draw: st.DrawFn, hint: Any, arrival: datetime) -> Any:
    args = [arg for arg in typing.get_args(hint) if arg is not type(None)] or [hint]
    inner = args[0]
    if typing.get_origin(hint) is tuple:
        return draw(st.lists(st.sampled_from([m.value for m in typing.get_args(hint)[0]]),
                             unique=True, max_size=3))
    if inner is bool:
        return draw(st.booleans())
    if inner is str:
        return draw(_free_text())
    if inner is datetime:
        return draw(_times(arrival))
    return draw(st.sampled_from([member.value for member in inner]))


@st.composite
def _event(draw: st.DrawFn, index: int, arrival: datetime) -> dict[str, Any]:
    event_type = draw(st.sampled_from([*sorted(EVENT_TYPES), "meal", "phone_call"]))
    before = event_type in BEFORE_ARRIVAL_ALLOWED or event_type not in EVENT_TYPES
    event: dict[str, Any] = {"id": f"e{index}", "type": event_type,
                             "at": draw(_times(arrival, before))}
    cls = EVENT_TYPES.get(event_type)
    if cls is None:
        event["extra"] = draw(_free_text())
        return event
    hints = typing.get_type_hints(cls)
    for field in attrs.fields(cls):
        if field.name in ("id", "at", "recorded_at", "by") or draw(st.booleans()):
            continue
        event[field.name] = _value(draw, hints[field.name], arrival)
    if draw(st.booleans()):
        event["by"] = {"id": draw(_free_text()),
                       "rank": draw(st.sampled_from(["constable", "sergeant", "inspector",
                                                     "superintendent", "staff"])),
                       "role": draw(st.sampled_from(["custody_officer", "review_officer",
                                                     "other"]))}
    return event


@st.composite
def valid_records(draw: st.DrawFn) -> dict[str, Any]:
    arrival = FIRST_ARRIVAL + timedelta(minutes=draw(st.integers(0, MINUTES_IN_RANGE)))
    count = draw(st.integers(0, 16))
    events = [{"id": "a", "type": "arrival", "at": _iso(arrival, draw(st.sampled_from(OFFSETS)))}]
    events += [draw(_event(index, arrival)) for index in range(count)]
    age = draw(st.integers(9, 18))
    if draw(st.booleans()):
        born = arrival.date() - timedelta(days=365 * age + draw(st.integers(0, 364)))
        person: dict[str, Any] = {"date_of_birth": born.isoformat()}
    else:
        person = {"apparent_age": age}
    person["sex"] = draw(st.sampled_from(["female", "male", "unknown"]))
    person["looked_after"] = draw(st.booleans())
    if draw(st.booleans()):
        person["home_local_authority"] = draw(_free_text())
    record: dict[str, Any] = {
        "record_id": f"P-{draw(st.integers(0, 10**6))}",
        "person": person,
        "offences": [{"description": draw(_free_text()), "violent": draw(st.booleans()),
                      "sexual": draw(st.booleans()), "indictable": draw(st.booleans())}
                     for _ in range(draw(st.integers(0, 2)))],
        "events": draw(st.permutations(events)),
    }
    if draw(st.booleans()):
        last = max(datetime.fromisoformat(e["at"].replace("Z", "+00:00")) for e in events)
        record["closed_at"] = _iso(last + timedelta(minutes=draw(st.integers(0, 600))),
                                   timezone.utc)
    return record


def _as_of(draw: st.DrawFn, raw: dict[str, Any]) -> datetime | None:
    if draw(st.booleans()):
        return None
    arrival = datetime.fromisoformat(raw["events"][0]["at"].replace("Z", "+00:00")) if \
        raw["events"] and raw["events"][0]["type"] == "arrival" else FIRST_ARRIVAL
    return arrival + timedelta(minutes=draw(st.integers(0, HOLD_MINUTES)))


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**20), 10**20) | st.floats() | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5),
                                                                      children, max_size=3),
    max_leaves=6,
)


@st.composite
def broken_records(draw: st.DrawFn) -> dict[str, Any]:
    """A valid record with one to three things broken at random."""
    raw = draw(valid_records())
    for _ in range(draw(st.integers(1, 3))):
        # Whatever objects are still objects after the earlier breakages.
        targets: list[dict[str, Any]] = [raw]
        if isinstance(raw.get("person"), dict):
            targets.append(raw["person"])
        if isinstance(raw.get("events"), list):
            targets += [event for event in raw["events"] if isinstance(event, dict)]
        target = targets[draw(st.integers(0, len(targets) - 1))]
        action = draw(st.sampled_from(["set", "delete", "add"]))
        keys = sorted(target)
        if action == "set" and keys:
            target[draw(st.sampled_from(keys))] = draw(JSON)
        elif action == "delete" and keys:
            del target[draw(st.sampled_from(keys))]
        else:
            target[draw(st.text(min_size=1, max_size=6))] = draw(JSON)
    return raw


# --------------------------------------------------------------------------- checks

def _check(checker: Checker, raw: Any, as_of: datetime | None = None) -> RecordResult | None:
    """The whole pipeline; None for an input error, any other exception fails the test."""
    try:
        validated = validate_record(raw, source="hypothesis")
    except InputError as error:
        assert error.problems and all(isinstance(line, str) for line in error.lines())
        assert all("\n" not in line for line in error.lines())
        return None
    return checker.check(validated.record, as_of=as_of, now=FIXED_NOW,
                         warnings=validated.warnings)


def _comparable(result: RecordResult) -> list[tuple[Any, ...]]:
    return [(f.rule, f.check, f.status, f.events, f.message, f.due, f.question)
            for f in result.findings]


@pytest.fixture(scope="module", autouse=True)
def _loaded_references() -> Iterator[None]:
    # `expected_findings` walks the reference package on every call; hand it the loaded map.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(reference, "load_all", lambda: REFERENCES)
        yield


@budget(600)
@given(raw=valid_records(), data=st.data())
def test_valid_records_are_judged_soundly(checker: Checker, raw: dict[str, Any],
                                          data: st.DataObject) -> None:
    as_of = _as_of(data.draw, raw)
    result = _check(checker, raw, as_of)
    assert result is not None, "a record built valid was refused"
    ids = {event["id"] for event in raw["events"]}
    for finding in result.findings:
        assert finding.events and set(finding.events) <= ids, finding
        assert (finding.due is not None) == (finding.status.value == "pending")
    for fact in result.timeline.facts:
        assert set(fact.fields) <= VOCABULARY[fact.type], fact.type
    # The engine agrees with the independent statement of the rules.
    engine = {(f.rule, f.status.value, frozenset(f.events), f.due)
              for f in result.findings if f.rule in REFERENCES}
    expected = expected_findings(result.timeline, checker.rulebook.policy, result.in_force)
    assert engine == expected
    # The order of the events in the input changes nothing.
    shuffled = dict(raw, events=data.draw(st.permutations(raw["events"])))
    again = _check(checker, shuffled, as_of)
    assert again is not None
    assert _comparable(again) == _comparable(result)
    assert again.applied == result.applied


@budget(60)
@given(raw=valid_records())
def test_pseudonymised_output_holds_no_free_text(checker: Checker, raw: dict[str, Any]) -> None:
    result = _check(checker, raw)
    assert result is not None
    hidden = make_pseudonymiser("property test key 0123456789").result(result)
    assert SECRET not in render(hidden)
    assert hidden.findings == result.findings


@budget(500)
@given(raw=broken_records())
def test_broken_records_give_an_input_error_or_a_result(checker: Checker,
                                                        raw: dict[str, Any]) -> None:
    result = _check(checker, raw)
    if result is not None:
        ids = {event.id for event in result.timeline.record.events}
        assert all(set(finding.events) <= ids for finding in result.findings)


@budget(500)
@given(data=st.one_of(
    st.binary(max_size=200),
    st.text(max_size=200).map(str.encode),
    st.builds(json.dumps, JSON).map(str.encode),
    valid_records().map(lambda raw: json.dumps(raw)[: len(json.dumps(raw)) // 2].encode()),
))
def test_any_bytes_are_read_or_refused(checker: Checker, data: bytes) -> None:
    try:
        raw = parse_json(data, "fuzz.json")
    except InputError as error:
        assert error.lines() and all(line.startswith("fuzz.json > ") for line in error.lines())
        return
    _check(checker, raw)


@budget(6)
@given(lines=st.lists(st.one_of(valid_records(), broken_records()), min_size=3, max_size=7))
def test_audit_jobs_1_and_2_agree(tmp_path_factory: pytest.TempPathFactory,
                                  lines: list[dict[str, Any]]) -> None:
    folder = tmp_path_factory.mktemp("audit")
    source = folder / "in.jsonl"
    source.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    reports = []
    for jobs in ("1", "2"):
        done = CliRunner().invoke(main, ["audit", str(source), "--format", "json", "--jobs",
                                         jobs, "--as-of", FIXED_NOW.isoformat(), "--quiet"])
        if not isinstance(done.exception, SystemExit | None):
            raise done.exception
        assert done.exit_code in (0, 1, 2), done.stderr
        reports.append(done.stdout)
    assert reports[0] == reports[1]
    summary = json.loads(reports[0])["summary"]
    assert summary["records_read"] == len(lines)
    assert summary["checked"] + summary["rejected"] + summary["failed"] == len(lines)


def test_the_strategies_reach_every_leaving_event_and_both_outcomes(checker: Checker) -> None:
    """The valid-record strategy is not vacuous: it builds records that leave detention in
    each way, records that violate rules, and records judged as compliant."""
    seen: dict[str, int] = {}

    @settings(PROFILE, max_examples=150)
    @given(raw=valid_records())
    def sample(raw: dict[str, Any]) -> None:
        result = _check(checker, raw)
        assert result is not None
        left = result.timeline.left_by
        seen[left.type if left else "held"] = seen.get(left.type if left else "held", 0) + 1
        seen["violated" if result.violated else "not violated"] = \
            seen.get("violated" if result.violated else "not violated", 0) + 1

    sample()
    assert set(seen) >= {*LEAVES_DETENTION, "held", "violated", "not violated"}, seen

