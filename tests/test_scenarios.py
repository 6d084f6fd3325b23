"""The training scenarios: the library, `scenario list|show|play`, and the walk itself."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from custody_rules.checker import Checker
from custody_rules.rulebook import Status
from custody_rules.training import (
    HMICFRS_2022_FAILURES,
    differences,
    find_scenario,
    load_library,
    scenario_names,
)
from custody_rules.views.scenario import Change, walk
from tests.conftest import ROOT
from tests.helpers import invoke

LIBRARY = ROOT / "examples" / "scenarios"
SCENARIOS = load_library(LIBRARY)
NAMES = [s.name for s in SCENARIOS]


def test_the_library_has_at_least_ten_sourced_scenarios() -> None:
    assert len(SCENARIOS) >= 10
    for scenario in SCENARIOS:
        assert scenario.name == Path(scenario.path).name
        assert scenario.citation and scenario.teaches and scenario.title
        assert scenario.expected is not None, f"{scenario.name}: no expected.json"
        assert all(e.why for e in scenario.expected), f"{scenario.name}: a finding without why"
        # Every scenario is a closed record: the walk ends by judging the whole of it.
        assert scenario.record.closed_at is not None or any(
            e.type in ("release", "transfer_to_la", "court_appearance")
            for e in scenario.record.events)


def test_the_published_cases_are_in_the_library() -> None:
    citations = " ".join(s.citation for s in SCENARIOS)
    assert "R (M) v Gateshead Council [2006] EWCA Civ 221" in citations
    assert "IOPC, Recommendations - Northamptonshire Police, March 2021" in citations
    northamptonshire = find_scenario("northamptonshire-2021", LIBRARY)
    assert northamptonshire.record.person.looked_after
    assert [(e.rule, e.status) for e in northamptonshire.expected or ()] == \
        [("CR-01", Status.VIOLATED)]


def test_together_they_show_every_failure_of_the_2022_review() -> None:
    shown = {failure for s in SCENARIOS for failure in s.covers}
    assert shown == set(HMICFRS_2022_FAILURES)
    for scenario in SCENARIOS:
        found = {e.rule for e in scenario.expected or () if not e.disputed
                 and e.status is not Status.PENDING}
        for failure in scenario.covers:
            missing = set(HMICFRS_2022_FAILURES[failure]) - found
            assert not missing, f"{scenario.name} claims {failure} but does not find {missing}"
        if "good_practice" in scenario.covers:
            assert scenario.expected == ()


@pytest.mark.parametrize("scenario", SCENARIOS, ids=NAMES)
def test_play_ends_with_exactly_the_expected_findings(checker: Checker, scenario) -> None:  # type: ignore[no-untyped-def]
    played = walk(checker, scenario.record)
    assert played.steps[-1].final
    assert scenario.expected is not None
    assert differences(scenario.expected, played.final.findings) == []


# The command walks the scenario step by step: the fast suite plays the first; every scenario's
# walk is checked in the fast suite without the command (above).
@pytest.mark.parametrize("name", [
    *NAMES[:1], *(pytest.param(name, marks=pytest.mark.slow) for name in NAMES[1:])])
def test_play_command_exits_0_when_the_walk_ends_as_expected(name: str) -> None:
    result = invoke(["scenario", "play", name, "--library", str(LIBRARY)], exit_code=0)
    assert "As expected: the record ends with the scenario's" in result.stdout


def test_walk_says_what_became_due_was_met_and_was_violated(checker: Checker) -> None:
    scenario = find_scenario("held-after-charge-no-request", LIBRARY)
    steps = walk(checker, scenario.record).steps
    by_event = {e.id: step for step in steps for e in step.events}
    changes = {eid: {(c.change, c.finding.rule) for c in step.changes}
               for eid, step in by_event.items()}
    assert (Change.BECAME_DUE, "RV-01") in changes["h3"]  # detention authorised at 14:40
    assert (Change.SATISFIED, "RV-01") in changes["h10"]  # reviewed at 20:15
    assert (Change.BECAME_DUE, "PC-09") in changes["h12"]  # bail refused at 20:40
    # The next event after the 21:40 deadline is the 04:50 review: the certificate is late.
    became = next(c for c in by_event["h14"].changes if c.finding.rule == "PC-09")
    assert became.change is Change.BECAME_VIOLATED
    assert became.reason.startswith("deadline 21:40 on Wed 15 Nov passed: ")
    # Nothing is violated before anything was due.
    first_due = next(i for i, s in enumerate(steps) if s.changes)
    assert all(f.status is not Status.VIOLATED for s in steps[:first_due + 1]
               for f in s.result.findings)


def test_leaving_custody_ends_what_was_still_due(checker: Checker) -> None:
    scenario = find_scenario("vulnerability-form-not-completed", LIBRARY)
    steps = walk(checker, scenario.record).steps
    release = next(s for s in steps if any(e.id == "v11" for e in s.events))
    assert (Change.NO_LONGER_DUE, "RV-01") in {(c.change, c.finding.rule) for c in release.changes}


def test_list_and_show(tmp_path: Path) -> None:
    listed = invoke(["scenario", "list", "--library", str(LIBRARY)], exit_code=0).stdout
    # One scenario a line, its title wrapped under itself at the terminal's width.
    assert [line.split()[0] for line in listed.splitlines() if not line.startswith(" ")] \
        == scenario_names(LIBRARY)
    shown = invoke(["scenario", "show", "gateshead-2004", "--library", str(LIBRARY)],
                   exit_code=0).stdout
    assert "Source: R (M) v Gateshead Council [2006] EWCA Civ 221" in shown
    assert "g13   secure accommodation requested from Gateshead" in shown
    assert "Expected findings (3)" in shown and "Disputed" not in shown
    missing = invoke(["scenario", "show", "no-such-case", "--library", str(LIBRARY)], 2)
    assert "no scenario 'no-such-case'" in missing.stderr
    # What the law would find and the rules do not is shown too, when a scenario records it.
    library = tmp_path / "library"
    shutil.copytree(LIBRARY / "gateshead-2004", library / "gateshead-2004")
    expected_path = library / "gateshead-2004" / "expected.json"
    expected = json.loads(expected_path.read_text())
    expected["not_found"] = [{"rule": "PC-07", "why": "a test entry"}]
    # A finding the library disputes is shown apart (the RV-07 guidance check once disputed
    # here now has its effective date, so the library itself disputes nothing).
    expected["disputed"] = [{**expected["findings"][0], "why": "a disputed test entry"}]
    expected_path.write_text(json.dumps(expected))
    shown = invoke(["scenario", "show", "gateshead-2004", "--library", str(library)], 0).stdout
    assert "Not found (1)" in shown and "PC-07: a test entry" in shown
    assert "Disputed (1)" in shown and "a disputed test entry" in shown


def test_step_does_not_wait_without_a_terminal() -> None:
    args = ["scenario", "play", "accommodation-raised-at-charge", "--library", str(LIBRARY)]
    plain = invoke(args, exit_code=0).stdout
    stepped = invoke([*args, "--step"], exit_code=0, input="").stdout
    assert stepped == plain


def _copy_with_note(tmp_path: Path, note: str) -> Path:
    library = tmp_path / "library"
    shutil.copytree(LIBRARY / "northamptonshire-2021", library / "northamptonshire-2021")
    record_path = library / "northamptonshire-2021" / "record.json"
    raw = json.loads(record_path.read_text())
    raw["events"][0]["note"] = note
    raw["events"][1]["id"] = "k2<b>"
    record_path.write_text(json.dumps(raw))
    return library


def test_html_is_one_self_contained_page_with_everything_escaped(tmp_path: Path) -> None:
    library = _copy_with_note(tmp_path, '<script>alert("x")</script> & <img src=x>')
    page_path = tmp_path / "walk.html"
    invoke(["scenario", "play", "northamptonshire-2021", "--library", str(library),
            "--format", "html", "--output", str(page_path)], exit_code=0)
    page = page_path.read_text()
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;img src=x&gt;" in page
    assert "<script>alert" not in page and "<img" not in page and "k2<b>" not in page
    assert "k2&lt;b&gt;" in page
    # No external assets: nothing is fetched, linked or imported.
    for needle in ("<link", "src=\"http", "src='http", "@import", "url("):
        assert needle not in page
    assert page.count("<script>") == 1  # the inline step-through script only
    # The audit report's policy: nothing loads, and only that script (by its hash) runs.
    assert "default-src 'none'" in page and "script-src 'sha256-" in page
    # The findings appear along the timeline, at the event that produced them.
    cell = page.index("placed in a police cell")
    assert page.index("CR-01", cell) < page.index('<li class="step"', cell)


def test_html_to_standard_output() -> None:
    out = invoke(["scenario", "play", "good-practice-golden-hour", "--library", str(LIBRARY),
                  "--format", "html"], exit_code=0).stdout
    assert "No findings: every rule that applied was met." in out
    assert "Golden-hour checks" in out


@pytest.mark.parametrize("name", scenario_names(LIBRARY))
def test_no_step_shows_a_rule_both_due_and_met_nor_violated_then_cleared(
        checker: Checker, name: str) -> None:
    scenario = find_scenario(name, LIBRARY)
    played = walk(checker, scenario.record).steps
    for number, step in enumerate(played):
        due = {c.finding.rule for c in step.changes
               if c.change in (Change.BECAME_DUE, Change.STILL_DUE, Change.DUE_NOW)}
        met = {c.finding.rule for c in step.changes if c.change is Change.SATISFIED}
        assert not due & met, (name, step.at, due & met)
        if number + 1 < len(played):
            violated = {c.finding.rule for c in step.changes
                        if c.change is Change.BECAME_VIOLATED}
            cleared = {c.finding.rule for c in played[number + 1].changes
                       if c.change is Change.NO_LONGER_FOUND}
            assert not violated & cleared, (name, step.at, violated & cleared)


def test_a_girls_carer_is_due_at_once_then_met_not_violated_then_cleared(
        checker: Checker) -> None:
    scenario = find_scenario("gateshead-2004", LIBRARY)
    played = walk(checker, scenario.record).steps
    changes = [(c.change, c.finding.rule) for step in played for c in step.changes
               if c.finding.rule == "CR-03"]
    assert changes == [(Change.DUE_NOW, "CR-03"), (Change.SATISFIED, "CR-03")]


@pytest.mark.slow  # a browser
@pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium is not installed")
def test_the_page_opens_at_the_first_event_in_a_browser(tmp_path: Path) -> None:
    import subprocess

    page = tmp_path / "walk.html"
    invoke(["scenario", "play", "gateshead-2004", "--format", "html", "-o", str(page)], 0)
    command = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
               "--disable-background-networking", f"--user-data-dir={tmp_path / 'profile'}",
               "--dump-dom", page.as_uri()]
    dom = subprocess.run(command, capture_output=True, text=True, timeout=120,
                         check=True).stdout
    # The page's policy let its own script run: one step shown, the rest and the end hidden.
    assert dom.count('<li class="step">') == 1
    assert dom.count('class="step hidden"') + dom.count('class="final hidden"') >= 10
    assert '<section id="end" class="hidden">' in dom
    assert ">1 of " in dom
