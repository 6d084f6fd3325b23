"""`custody-rules explain RECORD RULE-ID`: why one rule fired, did not fire, or did not apply."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from custody_rules.checker import Checker
from custody_rules.cli.exits import InputProblem, domain_errors
from custody_rules.cli.options import as_of_option, complete_rule_id, policy_option
from custody_rules.cli.output import show
from custody_rules.docs import not_expressible
from custody_rules.formatters import json as json_format
from custody_rules.formatters import text as text_format
from custody_rules.policy import load_policy
from custody_rules.read import read_record_file
from custody_rules.validate import validate_record
from custody_rules.views.explain import explain, not_checked


@click.command("explain")
@click.argument("record", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
@click.argument("rule_id", metavar="RULE-ID", shell_complete=complete_rule_id)
@as_of_option
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Text for a person, JSON for a program.")
@policy_option
def command(record: Path, rule_id: str, as_of: datetime | None, output_format: str,
            policy_path: Path | None) -> None:
    """Explain one rule for one record (a JSON file, or - for standard input): the events it
    used, the deadline and policy threshold it applied, and what would have met it.

    A rule of the law that the record format cannot express (e.g. CR-02) is named, with why
    it is not checked.

    \b
    Exit codes:
      0  explained
      2  the record, policy or rules cannot be read, the rule id is
         unknown, or the command was misused
      3  the rule engine failed: no trustworthy result
    """
    with domain_errors():
        validated = validate_record(read_record_file(record), source=str(record))
        checker = Checker(policy=load_policy(policy_path))
    wanted = rule_id.strip().upper()
    known = [rule.id for rule in checker.rulebook]
    if wanted not in known:
        missing = not_checked(wanted, not_expressible())
        if missing is None:
            raise InputProblem([f"unknown rule {rule_id!r}; the rules are: {', '.join(known)}"])
        # A rule of the law that no record can show kept or broken: say so, and why.
        if output_format == "json":
            click.echo(json_format.render_not_checked(missing), nl=False)
        else:
            show(lambda width: text_format.render_not_checked(missing, width))
        return
    with domain_errors():
        result, hits = checker.explain_hits(validated.record, as_of=as_of,
                                            warnings=validated.warnings)
    explanation = explain(wanted, result, hits, checker.rulebook)
    if output_format == "json":
        click.echo(json_format.render_explanation(explanation), nl=False)
    else:
        show(lambda width: text_format.render_explanation(explanation, width))
