"""Step 7, the command line: thin click commands over the library, one module per command.

Exit codes (shared/spec/record-format.md): 0 nothing violated, 1 at least one violation,
2 the input could not be read (or the command was misused).
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any

import click

from custody_rules import __version__

EXIT_OK, EXIT_VIOLATIONS, EXIT_INPUT = 0, 1, 2

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
}


class _LazyGroup(click.Group):
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
