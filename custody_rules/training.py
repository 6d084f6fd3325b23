"""Training scenarios: published cases and inspection findings as custody records (the walk
through each record event by event is the view `custody_rules.views.scenario`).

A scenario is a directory in the library (examples/scenarios/<name>/) holding:

* `scenario.yaml`: name, title, source (citation, what it found, url), what it teaches, which
  failures of the HMICFRS 2022 "Police detention" findings it shows, and the facts assumed;
* `record.json`: the custody record, in the record format, checkable on its own;
* `expected.json`: the findings the whole record must produce, each with why the law supports it;
  `disputed`, the findings the tool produces today that the library's authors believe the law
  does not support (each with the reason: a bug to fix in the rule, never blessed as right); and
  `not_found`, what the law would find that the rules do not.

"""

from __future__ import annotations

import json
from collections.abc import Mapping
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path
from typing import Any

from attrs import frozen

from custody_rules.errors import CustodyRulesError, InputError
from custody_rules.findings import Finding
from custody_rules.read import parse_json
from custody_rules.record import CustodyRecord
from custody_rules.rulebook import Severity, Status
from custody_rules.safe_yaml import YamlProblem, load_yaml
from custody_rules.validate import validate_record

HEADER = "scenario.yaml"
RECORD = "record.json"
EXPECTED = "expected.json"

# The failures the HMICFRS post-inspection review of Cambridgeshire (Dec 2022) found in its
# "Police detention" section, and the rules a scenario showing each must find broken. The library
# as a whole must show every one of them (tests/test_scenarios.py).
HMICFRS_2022_FAILURES: Mapping[str, tuple[str, ...]] = {
    "held_after_charge_without_transfer": ("PC-02",),
    "secure_requested_bar_not_met_no_alternative": ("PC-05", "PC-06"),
    "accommodation_raised_only_at_charge": ("PC-04",),
    "certificate_missing": ("PC-09",),
    "certificate_left_for_inspector": ("PC-10",),
    "certificate_not_produced_to_court": ("PC-12",),
    "review_by_telephone_without_aa": ("RV-06", "RV-07"),
    "exploitation_not_referred": ("SG-01",),
    "vulnerability_form_not_completed": ("SG-03",),
    "good_practice": (),
}

_HEADER_KEYS = {"name", "title", "source", "teaches", "covers", "assumed"}
_SOURCE_KEYS = {"citation", "finding", "url"}


class ScenarioError(CustodyRulesError):
    """A scenario that cannot be found or read."""


@frozen
class ExpectedFinding:
    rule: str
    check: str
    status: Status
    severity: Severity
    events: tuple[str, ...]
    why: str
    disputed: bool = False  # produced by the rules today, but believed wrong in law (see `why`)

    def key(self) -> tuple[str, str, str, str, frozenset[str]]:
        return self.rule, self.check, self.status.value, self.severity.value, frozenset(self.events)


@frozen
class Scenario:
    name: str
    title: str
    citation: str
    source_finding: str
    url: str | None
    teaches: str
    covers: tuple[str, ...]
    assumed: tuple[str, ...]
    record: CustodyRecord
    expected: tuple[ExpectedFinding, ...] | None  # None: no expected.json yet
    path: str
    not_found: tuple[tuple[str, str], ...] = ()  # (rule, why): the law finds it, the rules do not

    @property
    def disputed(self) -> tuple[ExpectedFinding, ...]:
        return tuple(e for e in self.expected or () if e.disputed)


def library_dir() -> Traversable:
    """The shipped library: installed as custody_rules/scenarios, or examples/scenarios in a
    checkout (as builtin_rules_dir finds the rules)."""
    installed = resources.files("custody_rules").joinpath("scenarios")
    if installed.is_dir():
        return installed
    return Path(__file__).resolve().parent.parent / "examples" / "scenarios"


def scenario_names(directory: Traversable | Path | None = None) -> list[str]:
    root = directory if directory is not None else library_dir()
    if not root.is_dir():
        return []
    return sorted(entry.name for entry in root.iterdir()
                  if entry.is_dir() and entry.joinpath(HEADER).is_file())


def load_library(directory: Traversable | Path | None = None) -> list[Scenario]:
    root = directory if directory is not None else library_dir()
    return [load_scenario(root.joinpath(name)) for name in scenario_names(root)]


def find_scenario(name: str, directory: Traversable | Path | None = None) -> Scenario:
    """A scenario by its name in the library, or by the path of its directory."""
    root = directory if directory is not None else library_dir()
    candidate = root.joinpath(name)
    if candidate.is_dir() and candidate.joinpath(HEADER).is_file():
        return load_scenario(candidate)
    path = Path(name)
    if path.is_dir() and (path / HEADER).is_file():
        return load_scenario(path)
    known = ", ".join(scenario_names(root)) or "none"
    raise ScenarioError(f"no scenario {name!r} (the library has: {known})")


def load_scenario(directory: Traversable | Path) -> Scenario:
    where = str(directory)
    try:
        header = load_yaml(directory.joinpath(HEADER).read_text(encoding="utf-8"))
        record_text = directory.joinpath(RECORD).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError, YamlProblem) as exc:
        raise ScenarioError(f"{where}: cannot read the scenario: {exc}") from None
    if not isinstance(header, dict):
        raise ScenarioError(f"{where}/{HEADER}: expected a mapping")
    unknown = sorted(set(header) - _HEADER_KEYS)
    missing = sorted({"name", "title", "source", "teaches"} - set(header))
    if unknown or missing:
        raise ScenarioError(f"{where}/{HEADER}: " + (
            f"unknown key {unknown[0]!r}" if unknown else f"missing key {missing[0]!r}"))
    source = header["source"]
    if not isinstance(source, dict) or set(source) - _SOURCE_KEYS or "citation" not in source:
        raise ScenarioError(f"{where}/{HEADER}: source needs citation, finding and optional url")
    covers = tuple(str(c) for c in header.get("covers") or ())
    unknown_covers = [c for c in covers if c not in HMICFRS_2022_FAILURES]
    if unknown_covers:
        raise ScenarioError(f"{where}/{HEADER}: covers {unknown_covers[0]!r}, not one of "
                            f"{', '.join(HMICFRS_2022_FAILURES)}")
    try:
        raw = parse_json(record_text, f"{where}/{RECORD}")
        record = validate_record(raw, source=f"{where}/{RECORD}").record
    except InputError as exc:
        raise ScenarioError("\n".join(exc.lines())) from None
    expected_file = directory.joinpath(EXPECTED)
    expected, not_found = (_expected(expected_file, where) if expected_file.is_file()
                           else (None, ()))
    return Scenario(
        name=str(header["name"]), title=_text(header["title"]),
        citation=_text(source["citation"]), source_finding=_text(source.get("finding", "")),
        url=str(source["url"]) if source.get("url") else None,
        teaches=_text(header["teaches"]), covers=covers,
        assumed=tuple(_text(a) for a in header.get("assumed") or ()),
        record=record, expected=expected, path=where, not_found=not_found,
    )


def _text(value: Any) -> str:
    return " ".join(str(value).split())


def _expected(path: Traversable, where: str) -> tuple[
    tuple[ExpectedFinding, ...], tuple[tuple[str, str], ...]
]:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        expected = tuple(
            ExpectedFinding(
                rule=item["rule"], check=item["check"], status=Status(item["status"]),
                severity=Severity(item["severity"]), events=tuple(item["events"]),
                why=_text(item.get("why", "")), disputed=disputed,
            )
            for key, disputed in (("findings", False), ("disputed", True))
            for item in raw.get(key, [])
        )
        not_found = tuple((str(item["rule"]), _text(item["why"]))
                          for item in raw.get("not_found", []))
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ScenarioError(f"{where}/{EXPECTED}: cannot read the expected findings: {exc}") \
            from None
    if "findings" not in raw:
        raise ScenarioError(f"{where}/{EXPECTED}: no `findings` list")
    return expected, not_found


def differences(expected: tuple[ExpectedFinding, ...], findings: tuple[Finding, ...]) -> list[str]:
    """What the findings lack or have beyond the expected ones (disputed ones included: they pin
    what the rules produce today); empty when they are equal."""
    wanted = [e.key() for e in expected]
    got = [_key(f) for f in findings]
    problems = [f"missing: {k[0]} {k[1]} {k[2]} ({k[3]}) on {', '.join(sorted(k[4]))}"
                for k in wanted if wanted.count(k) > got.count(k)]
    problems += [f"unexpected: {f.rule} {f.check} {f.status.value} ({f.severity.value}) on "
                 f"{', '.join(sorted(f.events))}: {f.message}"
                 for f in findings if got.count(_key(f)) > wanted.count(_key(f))]
    return sorted(set(problems))


def disputed_match(scenario: Scenario, finding: Finding) -> ExpectedFinding | None:
    """The scenario's dispute of this finding, if the library's authors dispute it."""
    return next((e for e in scenario.disputed if e.key() == _key(finding)), None)


def _key(finding: Finding) -> tuple[str, str, str, str, frozenset[str]]:
    return (finding.rule, finding.check, finding.status.value, finding.severity.value,
            frozenset(finding.events))
