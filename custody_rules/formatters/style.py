"""ANSI styles for text reports, without a terminal library: the CLI decides whether a stream
shows them (click.echo strips them when it is not a terminal)."""

from __future__ import annotations

_COLOURS = {"red": 31, "green": 32, "yellow": 33, "blue": 34, "magenta": 35, "cyan": 36}
_RESET = "\x1b[0m"


def style(text: str, fg: str | None = None, bold: bool = False, dim: bool = False) -> str:
    codes = ([f"\x1b[{_COLOURS[fg]}m"] if fg else []) + (["\x1b[1m"] if bold else []) \
        + (["\x1b[2m"] if dim else [])
    return "".join(codes) + text + _RESET if codes else text
