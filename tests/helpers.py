"""Test helpers: invoke the CLI and fail loudly on anything but a clean exit."""

from __future__ import annotations

from collections.abc import Sequence

from click.testing import CliRunner, Result

from custody_rules.cli import main


def invoke(args: Sequence[str], exit_code: int, input: str | None = None) -> Result:
    """Run the CLI in-process; a crash never passes for an expected exit code."""
    result = CliRunner().invoke(main, list(args), input=input)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code == exit_code, (
        f"exit {result.exit_code}, wanted {exit_code}\nstdout:\n{result.stdout}\n"
        f"stderr:\n{result.stderr}"
    )
    return result
