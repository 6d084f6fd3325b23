"""Exit codes, and the one translation of the library's errors into them.

Library code raises the domain errors of `custody_rules.errors`; every command runs its work
inside `domain_errors()`, which turns them into click errors carrying these exit codes, so that
a bad policy file means the same exit code and the same message in every command.
"""

from __future__ import annotations

import contextlib
import enum
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import click

from custody_rules.errors import CustodyRulesError, EngineError, EngineFailed, InputError
from custody_rules.textsafe import printable_lines

if TYPE_CHECKING:
    from custody_rules.privacy import Pseudonymiser


class ExitCode(enum.IntEnum):
    """The exit codes of every command (docs/record-format.md)."""

    OK = 0
    # At least one violation; for `audit` also a record rejected or failed; for `rules test`
    # and `docs --check`, an example that failed or a reference that is out of date.
    VIOLATIONS = 1
    # The input could not be read (one line per problem), or the command was misused: click's
    # own usage errors exit 2 as well.
    INPUT = 2
    ENGINE = 3  # the rule engine failed: no trustworthy result
    INTERRUPTED = 130  # 128 + SIGINT, as shells report it (SIGTERM: 143, interrupt.Interrupted)
    # The reader of standard output stopped reading before the command had written it all
    # (`| head`): 128 + SIGPIPE, what shells report for any program that met a closed pipe.
    STOPPED_READING = 141


class InputProblem(click.ClickException):
    """Unreadable or invalid input: exit code 2, one line per problem, no traceback."""

    exit_code = ExitCode.INPUT

    def __init__(self, lines: list[str]):
        super().__init__("\n".join(lines))
        self.lines = lines

    def show(self, file: Any = None) -> None:
        for line in self.lines:
            click.echo(printable_lines(line), err=True)


class EngineFailure(click.ClickException):
    """The rule engine failed: no trustworthy result. Exit code 3."""

    exit_code = ExitCode.ENGINE


def to_click(error: CustodyRulesError, hider: Pseudonymiser | None = None) -> click.ClickException:
    """The click error (and so the exit code and message) for one domain error. With `hider`
    (--pseudonymise), the record's ids and text in the message are hidden too."""
    if isinstance(error, InputError):
        return InputProblem(hider.input_error_lines(error) if hider else error.lines())
    if isinstance(error, EngineError) and hider is not None:
        return EngineFailure(hider.engine_error(error))
    if isinstance(error, EngineFailed):
        return EngineFailure(str(error))
    # A bad policy, rule file, profile, scenario or path is input that cannot be read (exit
    # 2), never "violations" (exit 1).
    from custody_rules.training import ScenarioError

    if isinstance(error, ScenarioError):  # one problem per line of its message
        return InputProblem(str(error).splitlines())
    return InputProblem([str(error)])


@contextlib.contextmanager
def domain_errors(hider: Pseudonymiser | None = None) -> Iterator[None]:
    """Run the body, turning the library's errors into click errors at the boundary."""
    try:
        yield
    except CustodyRulesError as error:
        raise to_click(error, hider) from None
