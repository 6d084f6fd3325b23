"""`custody-rules rules list|show|test`: the catalogue as the tool knows it."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import click

from custody_rules.checker import Checker
from custody_rules.cli.exits import ExitCode, domain_errors
from custody_rules.cli.options import complete_rule_id, policy_option
from custody_rules.examples import coverage, example_record, run_all_examples
from custody_rules.formatters import json as json_format
from custody_rules.policy import load_policy
from custody_rules.rulebook import Rulebook, RuleSpec, load_rulebook


def _rulebook(policy_path: Path | None) -> Rulebook:
    with domain_errors():
        return load_rulebook(load_policy(policy_path))


@click.group("rules")
def command() -> None:
    """List, show and test the rules of the catalogue."""


@command.command("list")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="text: for a person at a terminal; json: every rule's "
              "id, title, severity, citations, dates in force and file, for programs.")
@policy_option
def list_rules(output_format: str, policy_path: Path | None) -> None:
    """Every rule: id, title, severity, citations, in force from/to.

    \b
    Exit codes:
      0  done
      2  the rules or policy cannot be read, or the command was misused
    """
    rulebook = _rulebook(policy_path)
    if output_format == "json":
        click.echo(json.dumps(json_format.rulebook_to_dict(rulebook), indent=2))
        return
    from custody_rules.cli.output import console

    width = max(60, console().width)  # the terminal's (COLUMNS; 80 for a pipe)
    for rule in rulebook:
        head = f"{rule.id}  {rule.severity.value:<13} "
        title = textwrap.wrap(rule.title, width - len(head)) or [""]
        click.echo(click.style(rule.id, bold=True) + head[len(rule.id):] + title[0])
        for line in [*(" " * len(head) + more for more in title[1:]),
                     *textwrap.wrap(f"{'; '.join(rule.citations)}{_in_force(rule)}", width,
                                    initial_indent=" " * 7, subsequent_indent=" " * 9),
                     *textwrap.wrap(f"protects: {rule.population.describe()}", width,
                                    initial_indent=" " * 7, subsequent_indent=" " * 9)]:
            click.echo(line)
    click.echo(f"\n{len(rulebook.rules)} rules; ruleset {rulebook.version} ({rulebook.digest}).")


def _in_force(rule: RuleSpec) -> str:
    if rule.effective_from is None and rule.effective_to is None:
        return ""
    start = rule.effective_from.isoformat() if rule.effective_from else "always"
    end = rule.effective_to.isoformat() if rule.effective_to else "now"
    return f"  (in force {start} to {end})"


@command.command("show")
@click.argument("rule_id", shell_complete=complete_rule_id)
@policy_option
def show_rule(rule_id: str, policy_path: Path | None) -> None:
    """Everything about one rule, with its examples.

    \b
    Exit codes:
      0  shown
      2  no such rule, the rules or policy cannot be read, or the command
         was misused
    """
    rulebook = _rulebook(policy_path)
    try:
        rule = rulebook.rule(rule_id.upper())
    except KeyError:
        raise click.BadParameter(f"no rule {rule_id!r}; see `custody-rules rules list`",
                                 param_hint="RULE_ID") from None
    from custody_rules.docs import rule_section

    text = rule_section(rule, rulebook) + "\n" + "".join(
        f"#### Example record `{example.name}`\n\n```json\n"
        f"{json.dumps(example_record(rule, example), indent=2)}\n```\n\n"
        for example in rule.examples)
    if sys.stdout.isatty():  # a terminal: rich lays the Markdown out at its width
        from rich.markdown import Markdown

        from custody_rules.cli.output import console

        console().print(Markdown(text), soft_wrap=False)
    else:  # a file or a pipe: the Markdown itself (the rule reference's own section)
        click.echo(text, nl=False)


@command.command("test")
@policy_option
def test_rules(policy_path: Path | None) -> None:
    """Run every rule's examples; print pass/fail per rule and a coverage table.

    \b
    Exit codes:
      0  every example passed and every rule has a firing and a non-firing example
      1  an example failed, or a rule lacks one of those examples
      2  the rules or policy cannot be read, or the command was misused
      3  the rule engine failed
    """
    rulebook = _rulebook(policy_path)
    with domain_errors():
        checker = Checker(rulebook=rulebook)
    outcomes = run_all_examples(checker)
    failed = False
    for rule in rulebook:
        mine = [o for o in outcomes if o.rule.id == rule.id]
        bad = [o for o in mine if not o.passed]
        status = click.style("FAIL", fg="red") if bad else click.style("pass", fg="green")
        click.echo(f"{status}  {rule.id}  {len(mine) - len(bad)}/{len(mine)} examples")
        for outcome in bad:
            for problem in outcome.problems:
                click.echo(f"      {outcome.example.name}: {problem}")
        failed = failed or bool(bad)
    click.echo("\nCoverage over all examples (records where the rule fired / applied without"
               " firing / did not apply):")
    click.echo(f"  {'rule':<6} {'fired':>6} {'not fired':>10} {'not applicable':>15}")
    for row in coverage(outcomes, [rule.id for rule in rulebook]):
        flag = ""
        if row.fired == 0 or row.not_fired + row.not_applicable == 0:
            flag = click.style("  <- needs an example that fires and one that does not",
                               fg="red")
            failed = True
        click.echo(f"  {row.rule:<6} {row.fired:>6} {row.not_fired:>10} {row.not_applicable:>15}"
                   f"{flag}")
    missing = [rule.id for rule in rulebook
               if not any(e.fires for e in rule.examples)
               or not any(not e.fires for e in rule.examples)]
    for rule_id in missing:
        click.echo(click.style(f"{rule_id}: needs a firing and a non-firing example", fg="red"))
        failed = True
    passed = sum(o.passed for o in outcomes)
    click.echo(f"\n{passed} passed, {len(outcomes) - passed} failed")
    sys.exit(ExitCode.VIOLATIONS if failed else ExitCode.OK)
