"""`custody-rules docs`: regenerate docs/rules.md from the rule files (or check it is current)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from custody_rules.cli.exits import ExitCode, InputProblem, domain_errors
from custody_rules.docs import default_output, render_reference
from custody_rules.outputs import OutputError, write_output
from custody_rules.policy import default_policy
from custody_rules.rulebook import load_rulebook


@click.command("docs")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write (default: docs/rules.md in the source tree).")
@click.option("--check", "check_only", is_flag=True,
              help="Exit 1 if the file is out of date instead of writing it.")
def command(output: Path | None, check_only: bool) -> None:
    """Generate the rule reference from the rule files.

    \b
    Exit codes:
      0  written (or, with --check, up to date)
      1  with --check: the file is out of date
      2  the rules cannot be read, the output cannot be written, or the
         command was misused
    """
    target = output or default_output()
    if target is None:
        raise InputProblem(["docs: custody_rules is installed, not run from its source tree, "
                            "so there is no docs/rules.md to update; give --output FILE"])
    with domain_errors():
        text = render_reference(load_rulebook(default_policy()))
    if check_only:
        try:
            current = target.read_text(encoding="utf-8") if target.exists() else ""
        except (OSError, UnicodeDecodeError) as exc:
            raise InputProblem([f"{target}: cannot read: {exc}"]) from None
        if current != text:
            click.echo(f"{target} is out of date: run `custody-rules docs`", err=True)
            sys.exit(ExitCode.VIOLATIONS)
        click.echo(f"{target} is up to date")
        return
    try:
        write_output(target, text.encode("utf-8"))
    except OutputError as exc:
        raise InputProblem([str(exc)]) from None
    click.echo(f"wrote {target}")
