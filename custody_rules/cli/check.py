"""`custody-rules check RECORD`: one record, for a custody sergeant or a trainer."""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path

import click

from custody_rules.checker import Checker
from custody_rules.cli.exits import ExitCode, InputProblem, domain_errors
from custody_rules.cli.options import as_of_option, policy_option, pseudonymise_options
from custody_rules.horizon import judgement_problem
from custody_rules.privacy import Pseudonymiser
from custody_rules.read import read_record_file
from custody_rules.validate import validate_record

# The formatters, the views and rich are imported where a record's output needs them: most of
# the time `check` takes to start is importing, and JSON for a closed record needs none of them.


@click.command("check")
@click.argument("record", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
@as_of_option
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Text for a person, JSON for a program.")
@click.option("--full", is_flag=True,
              help="For a child still held, the full report instead of the handover screen.")
@policy_option
@pseudonymise_options
def command(record: Path, as_of: datetime | None, output_format: str, full: bool,
            policy_path: Path | None, pseudonymiser: Pseudonymiser | None) -> None:
    """Check one custody record (a JSON file, or - for standard input). For a child still
    held (`--as-of now`), the text is the handover screen: what is violated, what falls due
    and when, the PACE clock and the log so far.

    \b
    Exit codes:
      0  nothing is violated
      1  at least one rule is violated
      2  the record, policy or rules cannot be read, or the command was misused
      3  the rule engine failed: no trustworthy result
    """
    with domain_errors(pseudonymiser):
        validated = validate_record(read_record_file(record), source=str(record))
    now = datetime.now(timezone.utc)
    problem = judgement_problem(validated.record, as_of, now)
    if problem is not None:
        raise InputProblem([f"{record}: {problem}"])
    with domain_errors(pseudonymiser):
        checker = Checker.for_policy_file(policy_path)
        result = checker.check(validated.record, as_of=as_of, now=now,
                               warnings=validated.warnings)
    if pseudonymiser is not None:
        result = pseudonymiser.result(result)
    handover = None
    if result.timeline.still_held:
        from custody_rules.views.handover import handover_for

        handover = handover_for(result)
    if output_format == "json":
        from custody_rules.formatters import json as json_format

        click.echo(json_format.render(result, handover), nl=False)
        sys.exit(ExitCode.VIOLATIONS if result.violated else ExitCode.OK)
    from custody_rules.cli.output import show
    from custody_rules.formatters import text as text_format

    if handover is not None and not full:
        shown = handover
        show(lambda width: text_format.render_handover(shown, width))
    else:
        from custody_rules.views.report import check_report

        report = check_report(result)
        show(lambda width: text_format.render(report, width))
    sys.exit(ExitCode.VIOLATIONS if result.violated else ExitCode.OK)
