"""Options and parameter types shared by several commands."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TypeVar

import click
from click.shell_completion import CompletionItem

from custody_rules.cli.exits import EngineFailure as EngineFailure
from custody_rules.cli.exits import InputProblem as InputProblem
from custody_rules.cli.exits import domain_errors
from custody_rules.convert import FieldError, parse_time
from custody_rules.privacy import KEY_ENV, make_pseudonymiser

F = TypeVar("F", bound=Callable[..., Any])


class WallClock(datetime):
    """`--as-of now`: the wall clock, told apart from a time that was typed."""


class AsOf(click.ParamType):  # type: ignore[type-arg]
    """`now`, or an ISO 8601 time with a UTC offset."""

    name = "TIME|now"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> datetime:
        if isinstance(value, datetime):
            return value
        if str(value).lower() == "now":
            return WallClock.now(timezone.utc)
        try:
            return parse_time(str(value))
        except FieldError as exc:
            self.fail(f"{exc} (give e.g. 2022-09-06T20:00:00+01:00, or now)", param, ctx)


def complete_rule_id(ctx: click.Context, param: click.Parameter,
                     incomplete: str) -> list[CompletionItem]:
    """Shell completion: the ids of the shipped rules, and of those the format cannot express
    (`explain` says why they are not checked)."""
    from custody_rules.docs import not_expressible
    from custody_rules.rulebook import builtin_rules_dir

    try:
        files = [file for folder in builtin_rules_dir().iterdir() if folder.is_dir()
                 for file in folder.iterdir()]
        ids = sorted({file.name.removesuffix(".yaml") for file in files
                      if file.name.endswith(".yaml")}
                     | {key.split()[0] for key in not_expressible()})
    except (OSError, ValueError):
        return []
    wanted = incomplete.upper()
    return [CompletionItem(rule_id) for rule_id in ids if rule_id.startswith(wanted)]


def as_of_option(function: F) -> F:
    return click.option(
        "--as-of", "as_of", type=AsOf(), default=None,
        help="Judge the record as it stood at this time (ISO 8601 with offset, or `now`).",
    )(function)


def policy_option(function: F) -> F:
    return click.option(
        "--policy", "policy_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
        default=None, help="YAML file overriding policy thresholds (minutes).",
    )(function)


def pseudonymise_options(function: F) -> F:
    """`--pseudonymise` and its key; the command gets one `pseudonymiser` argument (or None)."""

    def build(ctx: click.Context, param: click.Parameter, value: str | None) -> Any:
        enabled = ctx.params.pop("pseudonymise", False)
        # A key typed on the command line means the user wants pseudonyms: never ignore it.
        # The environment's key alone does not switch them on.
        if not enabled and value is None:
            return None
        with domain_errors():
            return make_pseudonymiser(value if value is not None else os.environ.get(KEY_ENV))

    function = click.option(
        "--pseudonymise-key", "pseudonymiser", default=None, metavar="KEY", callback=build,
        help=f"The key for --pseudonymise (at least 16 characters; default: ${KEY_ENV}). "
             "Prefer the environment variable: other users can see a command line.",
    )(function)
    return click.option(
        "--pseudonymise", "pseudonymise", is_flag=True, is_eager=True,
        help="Replace record ids, officer ids and free text (notes, reasons, rationales, "
             "local authority names) in every output with keyed hashes such as "
             "rec-3f9a1c2b04d7, stable for one key.",
    )(function)
