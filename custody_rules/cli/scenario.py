"""`custody-rules scenario list|show|play NAME`: the training scenarios.

`play` walks a scenario's record event by event and shows, after each, what became due, what
was met and what became violated. It prints the whole walk by default (for scripts and
projectors); `--step` waits for a key between events when run at a terminal; `--format html`
writes one self-contained page. Exit 0 when the walk ends with the scenario's expected findings
(or it has none recorded), 1 when it does not, 2 when the scenario cannot be read.
"""

from __future__ import annotations

import signal
import sys
from pathlib import Path

import click
from click.shell_completion import CompletionItem
from rich.text import Text

from custody_rules.checker import Checker
from custody_rules.cli.exits import ExitCode, domain_errors
from custody_rules.cli.options import policy_option
from custody_rules.cli.output import FILE_WIDTH, console, show
from custody_rules.formatters import html as html_format
from custody_rules.formatters import text as text_format
from custody_rules.interrupt import Interrupted, interruptible
from custody_rules.outputs import refuse_clashes, write_output
from custody_rules.policy import load_policy
from custody_rules.timeline import build_timeline
from custody_rules.training import find_scenario, load_library, scenario_names
from custody_rules.views.scenario import Scenario, Step, Walk, WalkEnd, steps, walk_end

_library_option = click.option(
    "--library", "library", type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None, help="A directory of scenarios instead of the shipped library.")


def complete_scenario(ctx: click.Context, param: click.Parameter,
                      incomplete: str) -> list[CompletionItem]:
    """Shell completion: the names of the shipped scenarios (or of --library's)."""
    library = ctx.params.get("library")
    try:
        names = scenario_names(library)
    except OSError:
        return []
    return [CompletionItem(name) for name in names if name.startswith(incomplete)]


def _load(name: str, library: Path | None) -> Scenario:
    with domain_errors():
        return find_scenario(name, library)


@click.group("scenario")
def command() -> None:
    """Training scenarios from published cases and inspections: list, show, play."""


@command.command("list")
@_library_option
def list_command(library: Path | None) -> None:
    """List the scenarios: name and title.

    \b
    Exit codes:
      0  listed
      2  the library cannot be read, or the command was misused
    """
    with domain_errors():
        scenarios = load_library(library)
    show(lambda width: text_format.render_scenario_list(scenarios, width))


@command.command("show")
@click.argument("name", shell_complete=complete_scenario)
@_library_option
def show_command(name: str, library: Path | None) -> None:
    """Show a scenario: its source, what it teaches, its events and its expected findings.

    \b
    Exit codes:
      0  shown
      2  no such scenario, or it cannot be read, or the command was misused
    """
    scenario = _load(name, library)
    last = max(event.at for event in scenario.record.events)
    timeline = build_timeline(scenario.record, None, last)
    show(lambda width: text_format.render_scenario_show(scenario, timeline, width))


@command.command("play")
@click.argument("name", shell_complete=complete_scenario)
@click.option("--step", "step_by_step", is_flag=True,
              help="Wait for a key after each event (only at a terminal).")
@click.option("--format", "output_format", type=click.Choice(["text", "html"]), default="text",
              show_default=True, help="Text at the terminal, or one self-contained HTML page.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to this file instead of standard output.")
@_library_option
@policy_option
def play_command(name: str, step_by_step: bool, output_format: str, output: Path | None,
                 library: Path | None, policy_path: Path | None) -> None:
    """Walk a scenario's record event by event: what became due, met or violated, and why.

    \b
    Exit codes:
      0  the walk ends with the scenario's expected findings (or it records none)
      1  it does not
      2  the scenario, policy or rules cannot be read, or the command was misused
      3  the rule engine failed: no trustworthy result
    """
    scenario = _load(name, library)
    with domain_errors():
        if output is not None:
            refuse_clashes({"--output": output},
                           [Path(scenario.path), *([policy_path] if policy_path else [])])
        checker = Checker(policy=load_policy(policy_path))
    try:
        with domain_errors(), interruptible():
            if output_format == "html":
                walk = Walk(scenario.record.record_id, tuple(steps(checker, scenario.record)))
                end = walk_end(walk, scenario)
                page = html_format.render_walk(walk, end, scenario)
                if output is None:
                    click.echo(page, nl=False)
                else:
                    write_output(output, page.encode("utf-8"))
            else:
                end = _play_text(checker, scenario, step_by_step, output)
    except Interrupted as stop:
        click.echo("scenario: interrupted; nothing written", err=True)
        sys.exit(stop.exit_code)
    except _Quit:
        click.echo("scenario: stopped", err=True)
        sys.exit(ExitCode.OK)
    sys.exit(ExitCode.OK if end.matches else ExitCode.VIOLATIONS)


def _play_text(checker: Checker, scenario: Scenario, step_by_step: bool,
               output: Path | None) -> WalkEnd:
    written: list[str] = []
    out = console()
    width = out.width if output is None else FILE_WIDTH

    def say(text: Text) -> None:
        if output is None:
            out.print(text, end="")
        else:
            written.append(text.plain)

    # Waiting makes sense only for a person at a terminal, never for a script or a file.
    interactive = step_by_step and output is None and sys.stdin.isatty()
    say(text_format.render_scenario_header(scenario, width) + "\n")
    taken: list[Step] = []
    for step in steps(checker, scenario.record):
        taken.append(step)
        say(text_format.render_step(step, width))
        if interactive and not step.final:
            _wait_for_key()
    end = walk_end(Walk(scenario.record.record_id, tuple(taken)), scenario)
    say(text_format.render_walk_end(end, width))
    if output is not None:
        write_output(output, "".join(written).encode("utf-8"))
    return end


class _Quit(Exception):
    """The trainer pressed q during --step."""


def _wait_for_key() -> None:
    """Any key goes on to the next event; q (or Esc) stops the walk, Ctrl-C interrupts it."""
    click.echo(click.style("  (any key for the next event, q to stop)", dim=True), nl=False,
               err=True)
    try:
        key = click.getchar()
    except (KeyboardInterrupt, EOFError):
        # getchar reads the terminal raw: Ctrl-C arrives as a key, and click raises this.
        click.echo(err=True)
        raise Interrupted(signal.SIGINT) from None
    click.echo(err=True)
    if key in ("q", "Q", "\x1b"):
        raise _Quit
