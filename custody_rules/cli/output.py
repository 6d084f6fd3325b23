"""Where text output goes: a rich Console on standard output (or error), which wraps to the
terminal's width and shows colour only on a terminal, never with NO_COLOR set or TERM=dumb."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import IO

from rich.console import Console, RenderableType

# A report written to a file with --output wraps at this width; standard output wraps at the
# terminal's width (rich reads COLUMNS, and takes 80 columns for a pipe).
FILE_WIDTH = 100


def console(err: bool = False, file: IO[str] | None = None) -> Console:
    """A console for standard output (standard error with `err`), or plain text into `file`.
    Never reads markup or guesses highlights: text from a record stays as it is."""
    if file is not None:
        return Console(file=file, width=FILE_WIDTH, color_system=None, force_terminal=False,
                       highlight=False, markup=False, emoji=False, soft_wrap=True)
    stream = sys.stderr if err else sys.stdout
    return Console(file=stream, highlight=False, markup=False, emoji=False, soft_wrap=True)


def show(render: Callable[[int], RenderableType], err: bool = False) -> None:
    """Render at the console's width and print; the renderable ends its own last line."""
    out = console(err)
    out.print(render(out.width), end="")
