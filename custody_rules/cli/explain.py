"""`custody-rules explain RECORD RULE-ID`: why one rule fired, did not fire, or did not apply."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from custody_rules.checker import Checker
from custody_rules.cli.exits import InputProblem, domain_errors
from custody_rules.cli.options import as_of_option, policy_option
from custody_rules.cli.output import show
from custody_rules.formatters import json as json_format
from custody_rules.formatters import text as text_format
from custody_rules.policy import load_policy
from custody_rules.read import read_record_file
from custody_rules.validate import validate_record
from custody_rules.views.explain import explain


@click.command("explain")
@click.argument("record", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("rule_id", metavar="RULE-ID")
@as_of_option
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Text for a person, JSON for a program.")
@policy_option
def command(record: Path, rule_id: str, as_of: datetime | None, output_format: str,
            policy_path: Path | None) -> None:
    """Explain one rule for one record: the events it used, the deadline and policy threshold
    it applied, and what would have met it. Exit 0, or 2 if the record or rule id is unknown."""
    with domain_errors():
        validated = validate_record(read_record_file(record), source=str(record))
        checker = Checker(policy=load_policy(policy_path))
    wanted = rule_id.strip().upper()
    known = [rule.id for rule in checker.rulebook]
    if wanted not in known:
        raise InputProblem([f"unknown rule {rule_id!r}; the rules are: {', '.join(known)}"])
    with domain_errors():
        result, hits = checker.explain_hits(validated.record, as_of=as_of,
                                            warnings=validated.warnings)
    explanation = explain(wanted, result, hits, checker.rulebook)
    if output_format == "json":
        click.echo(json_format.render_explanation(explanation), nl=False)
    else:
        show(lambda width: text_format.render_explanation(explanation, width))
