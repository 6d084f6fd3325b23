"""`rules list|show|test`, `docs`, and policy files: what a user sees, and refusals that exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest

from custody_rules.docs import render_reference
from custody_rules.policy import default_policy, load_policy
from custody_rules.validate import validate_record
from tests.conftest import ROOT, builtin_rulebook
from tests.helpers import invoke

RULEBOOK = builtin_rulebook()


def test_rules_list_names_every_rule_once_in_catalogue_order() -> None:
    text = invoke(["rules", "list"], exit_code=0).stdout
    assert text.rstrip().endswith(
        f"{len(RULEBOOK.rules)} rules; ruleset {RULEBOOK.version} ({RULEBOOK.digest}).")
    listed = json.loads(invoke(["rules", "list", "--format", "json"], exit_code=0).stdout)
    assert (listed["version"], listed["digest"]) == (RULEBOOK.version, RULEBOOK.digest)
    assert [rule["id"] for rule in listed["rules"]] == [rule.id for rule in RULEBOOK]
    for rule in listed["rules"]:
        assert (ROOT / "rules" / rule["file"]).is_file()
        assert rule["citations"] and rule["severity"] in ("statute", "code", "guidance",
                                                          "policy", "good_practice")
        assert f"{rule['id']}  " in text or f"{rule['id']}\x1b" in text


@pytest.mark.parametrize("columns", [80, 60])
def test_rules_list_wraps_to_the_terminal(columns: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", str(columns))
    text = invoke(["rules", "list"], exit_code=0).stdout
    assert all(len(click.unstyle(line)) <= columns for line in text.splitlines())
    flowing = " ".join(click.unstyle(text).split())
    assert all(rule.title in flowing for rule in RULEBOOK)


def test_rules_show_prints_the_rule_and_examples_that_are_valid_records() -> None:
    rule = RULEBOOK.rule("RV-01")
    text = invoke(["rules", "show", "rv-01"], exit_code=0).stdout
    assert text.startswith(f"### RV-01: {rule.title}")
    blocks = text.split("```json\n")[1:]
    assert len(blocks) == len(rule.examples)
    for block in blocks:
        validate_record(json.loads(block.split("\n```")[0]))


def test_rules_show_an_unknown_rule_is_a_usage_error() -> None:
    result = invoke(["rules", "show", "XX-99"], exit_code=2)
    assert "no rule 'XX-99'; see `custody-rules rules list`" in result.stderr


@pytest.mark.slow  # every example of every rule, through the CLI (tests/test_rule_examples.py
# runs them in the fast suite)
def test_rules_test_passes_on_the_catalogue() -> None:
    text = invoke(["rules", "test"], exit_code=0).stdout
    examples = sum(len(rule.examples) for rule in RULEBOOK)
    assert text.rstrip().endswith(f"{examples} passed, 0 failed")
    assert "FAIL" not in text


@pytest.mark.slow  # every example of every rule, through the CLI
def test_rules_test_fails_when_a_policy_breaks_the_examples(tmp_path: Path) -> None:
    """Examples are written for the default thresholds: a policy that allows a day for the
    appropriate adult makes the examples that expect a late request fail, and says which."""
    policy = tmp_path / "policy.yaml"
    policy.write_text("aa_request_within: 1440\n")
    text = invoke(["rules", "test", "--policy", str(policy)], exit_code=1).stdout
    assert "FAIL" in text
    failed = int(text.rstrip().rsplit(" ", 2)[-2])
    assert failed > 0


@pytest.mark.parametrize(("content", "problem"), [
    ("[1, 2]", "expected a mapping of threshold name to minutes"),
    ("nope: 5", "unknown threshold 'nope' (known: "),
    ("aa_request_within: -5", "aa_request_within: expected whole minutes, got -5"),
    ("aa_request_within: {minutes: true}", "aa_request_within: expected whole minutes, got True"),
    ("aa_request_within: [unclosed", "cannot read policy: "),
])
def test_a_bad_policy_file_is_refused_with_exit_2(tmp_path: Path, content: str,
                                                  problem: str) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(content)
    record = str(ROOT / "examples" / "compliant.json")
    for args in (["check", record], ["rules", "list"]):
        result = invoke([*args, "--policy", str(policy)], exit_code=2)
        assert result.stdout == ""
        assert result.stderr.startswith(f"{policy}: {problem}")
        assert "Traceback" not in result.stderr


def test_a_policy_file_overrides_only_what_it_names(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("aa_request_within: 90\nreferral_within: {minutes: 120}\n")
    loaded = load_policy(policy)
    defaults = default_policy()
    assert loaded["aa_request_within"].minutes == 90
    assert loaded["referral_within"].minutes == 120
    assert loaded["referral_within"].meaning == defaults["referral_within"].meaning
    changed = {name for name in defaults.thresholds
               if loaded[name].minutes != defaults[name].minutes}
    assert changed == {"aa_request_within", "referral_within"}
    assert loaded["aa_request_within"].describe() == "aa_request_within = 90 min"
    assert loaded["referral_within"].describe() == "referral_within = 2h"
    assert loaded.source == str(policy)


@pytest.mark.slow  # three CLI runs, each rendering the reference
def test_docs_writes_the_reference_and_checks_it(tmp_path: Path) -> None:
    target = tmp_path / "rules.md"
    invoke(["docs", "--check", "--output", str(target)], exit_code=1)
    assert invoke(["docs", "--output", str(target)], exit_code=0).stdout == f"wrote {target}\n"
    assert target.read_text(encoding="utf-8") == render_reference(RULEBOOK)
    assert invoke(["docs", "--check", "--output", str(target)], exit_code=0).stdout == (
        f"{target} is up to date\n")
    target.write_text("stale")
    result = invoke(["docs", "--check", "--output", str(target)], exit_code=1)
    assert result.stderr == f"{target} is out of date: run `custody-rules docs`\n"
