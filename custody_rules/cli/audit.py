"""`custody-rules audit PATH...`: many records, for an auditor or an inspection."""

from __future__ import annotations

import contextlib
import os
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import IO

import click

from custody_rules.audit.run import AuditRequest, Prepared, ReportSink, prepare, run_audit
from custody_rules.audit.sources import CSV, kind_of
from custody_rules.cli.exits import ExitCode, domain_errors
from custody_rules.cli.options import (
    WallClock,
    as_of_option,
    policy_option,
    pseudonymise_options,
)
from custody_rules.formatters.audit_csv import CsvReport
from custody_rules.formatters.audit_html import HtmlReport
from custody_rules.formatters.audit_json import JsonReport
from custody_rules.formatters.audit_text import TextReport, mapping_lines
from custody_rules.horizon import GIVEN, NOW
from custody_rules.interrupt import Interrupted, interruptible
from custody_rules.outputs import output_file, refuse_clashes
from custody_rules.privacy import Pseudonymiser

FORMATS: dict[str, type[TextReport] | type[JsonReport] | type[CsvReport] | type[HtmlReport]] = {
    "text": TextReport, "json": JsonReport, "csv": CsvReport, "html": HtmlReport,
}
# Below this many records an audit takes a second or two: no progress bar.
PROGRESS_FROM = 5000


def _default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return os.cpu_count() or 1


@click.command("audit")
@click.argument("paths", nargs=-1, required=True,
                type=click.Path(exists=True, path_type=Path))
@click.option("--format", "output_format", type=click.Choice(list(FORMATS)), default="text",
              show_default=True, help="text: summary for a terminal; json: every record's "
              "findings and the summary; csv: the rule table for a spreadsheet; html: a "
              "self-contained report.")
@click.option("--output", "output", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Write the report here instead of standard output.")
@click.option("--jobs", type=click.IntRange(1, 64), default=_default_jobs, show_default="CPUs",
              help="Worker processes. The report is the same for any number.")
@policy_option
@as_of_option
@click.option("--rejects", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write each rejected or failed record here (JSON Lines).")
@click.option("--profile", "profile_path", type=click.Path(exists=True, dir_okay=False,
              path_type=Path), default=None,
              help="Mapping profile (YAML) for reading CSV exports.")
@click.option("--quiet", is_flag=True, help="No progress bar or mapping report on stderr.")
@click.option("--withhold-source", is_flag=True,
              help="Leave each record's source file and line out of every output (with "
                   "--pseudonymise: they would link records across reports).")
@pseudonymise_options
def command(paths: tuple[Path, ...], output_format: str, output: Path | None, jobs: int,
            policy_path: Path | None, as_of: datetime | None, rejects: Path | None,
            profile_path: Path | None, quiet: bool, withhold_source: bool,
            pseudonymiser: Pseudonymiser | None) -> None:
    """Audit custody records: JSON Lines files (.jsonl, .jsonl.gz), record files (.json),
    directories of them, or CSV exports read through a --profile.

    Every record is checked, rejected (bad input) or failed (engine error), and the summary
    counts each. Exit 0 if nothing is violated, 1 if anything is violated, rejected or failed,
    2 if no record could be read (no input, or every item rejected).
    """
    request = AuditRequest(paths=paths, jobs=jobs, now=datetime.now(timezone.utc), as_of=as_of,
                           policy_path=policy_path, profile_path=profile_path,
                           pseudonymiser=pseudonymiser,
                           as_of_basis=NOW if isinstance(as_of, WallClock) else GIVEN,
                           withhold_source=withhold_source)
    with domain_errors():
        refuse_clashes(
            {"--output": output, "--rejects": rejects},
            [*paths, *(p for p in (policy_path, profile_path) if p is not None)],
            read_as_input=lambda path: _read_as_input(path, profile_path is not None))
        prepared = prepare(request)
    err = sys.stderr
    show_progress = not quiet and _is_terminal(err)
    total = prepared.count() if show_progress else 0
    done = _Count()
    try:
        with domain_errors(), interruptible(), contextlib.ExitStack() as stack:
            out = stack.enter_context(output_file(output))
            rejects_out = stack.enter_context(output_file(rejects)) if rejects else None
            sink: ReportSink = FORMATS[output_format](out)
            bar = None
            if show_progress and total >= PROGRESS_FROM:
                # Redrawing for every record would cost more than checking it.
                bar = stack.enter_context(click.progressbar(
                    length=total, label="Auditing", file=err, show_pos=True, show_eta=True,
                    update_min_steps=max(1, total // 500)))

            def progress(n: int) -> None:
                done.n += n
                if bar is not None:
                    bar.update(n)

            summary = run_audit(prepared, sink, rejects_out, progress)
    except Interrupted as stop:
        fresh_line = "\n" if _is_terminal(err) else ""  # after the ^C the terminal echoed
        click.echo(f"{fresh_line}audit: interrupted after {done.n:,} of "
                   f"{_total(prepared, total)} records; nothing written", err=True)
        sys.exit(stop.exit_code)
    if not quiet:
        for line in mapping_lines(summary):
            click.echo(line, err=True)
    if summary.checked + summary.failed == 0:
        # Nothing at all, or only input that is no record (every item rejected).
        click.echo("audit: no record could be read" if summary.records_read else
                   "audit: no records found in the input", err=True)
        sys.exit(ExitCode.INPUT)
    if summary.with_violations or summary.rejected or summary.failed:
        sys.exit(ExitCode.VIOLATIONS)
    sys.exit(ExitCode.OK)


class _Count:
    n = 0


def _read_as_input(path: Path, with_csv: bool) -> bool:
    """Whether a later audit of a directory holding `path` would read it as a record file."""
    kind = kind_of(path)
    return kind is not None and (kind != CSV or with_csv)


def _total(prepared: Prepared, counted: int) -> str:
    """How many records the input holds, for the interruption message: counted again (a
    second Ctrl-C stops that too) unless the progress bar already did."""
    if counted:
        return f"{counted:,}"
    try:
        with interruptible():
            return f"{prepared.count():,}"
    except Interrupted:
        return "?"


def _is_terminal(stream: IO[str]) -> bool:
    return stream.isatty()
