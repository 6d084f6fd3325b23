"""Step 7, the command line: thin click commands over the library, one module per command.

Exit codes: `cli.exits.ExitCode`, the one place that turns the library's errors into them.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from typing import Any

import click

from custody_rules import __version__

# Each command lives in its own module (custody_rules/cli/<module>.py) as `command`;
# they are imported only when used, so `custody-rules --help` stays fast.
COMMANDS: dict[str, str] = {
    "check": "check",
    "audit": "audit",
    "explain": "explain",
    "scenario": "scenario",
    "rules": "rules",
    "generate": "generate",
    "docs": "docs",
    "serve": "serve",
}


class _LazyGroup(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        """Run the command, then flush standard output: a full disk or an I/O error there (or
        anywhere no command expected one) is one line and exit 2, a Ctrl-C that no command
        handles is one line and exit 130; never a traceback, never "Aborted!"."""
        try:
            outcome = super().invoke(ctx)
        except SystemExit:
            _flush_stdout()
            raise
        except KeyboardInterrupt:
            click.echo("custody-rules: interrupted", err=True)
            from custody_rules.cli.exits import ExitCode

            sys.exit(ExitCode.INTERRUPTED)
        except BrokenPipeError:
            # `custody-rules ... | head`: the reader has what it wanted; nothing to say.
            _silence_stdout()
            from custody_rules.cli.exits import ExitCode

            sys.exit(ExitCode.STOPPED_READING)
        except OSError as exc:
            _silence_stdout()
            raise _os_problem(exc) from None
        _flush_stdout()
        return outcome

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(
            name for name, module in COMMANDS.items()
            if importlib.util.find_spec(f"{__name__}.{module}") is not None
        )

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module_name = COMMANDS.get(cmd_name)
        if module_name is None or importlib.util.find_spec(f"{__name__}.{module_name}") is None:
            return None
        module: Any = importlib.import_module(f"{__name__}.{module_name}")
        command: click.Command = module.command
        return command


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="custody-rules")
def main() -> None:
    """Check children's custody records against PACE, Code C and safeguarding duties."""


def _os_problem(exc: OSError) -> click.ClickException:
    from custody_rules.cli.exits import InputProblem
    from custody_rules.outputs import STDOUT

    where = exc.filename if exc.filename is not None else STDOUT
    return InputProblem([f"{where}: {exc.strerror or exc}"])


def _silence_stdout() -> None:
    """Point standard output at /dev/null, so that Python's own flush at exit fails no more."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass  # not a real file (a test runner's capture): nothing to flush at exit


def _flush_stdout() -> None:
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()  # `custody-rules ... | head`: the reader has what it wanted
    except OSError as exc:
        _silence_stdout()
        raise _os_problem(exc) from None
