"""`custody-rules audit PATH...`: many records, for an auditor or an inspection."""

from __future__ import annotations

import contextlib
import importlib
import os
import shutil
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, TYPE_CHECKING

import click
from attrs import evolve

from custody_rules.audit.run import AuditRequest, Prepared, prepare, run_audit
from custody_rules.audit.sink import Output, ReportSink
from custody_rules.audit.sources import CSV, kind_of
from custody_rules.audit.summary import AuditSummary
from custody_rules.cli.exits import ExitCode, InputProblem, domain_errors
from custody_rules.cli.options import (
    WallClock,
    as_of_option,
    policy_option,
    pseudonymise_options,
)
from custody_rules.horizon import GIVEN, NOW
from custody_rules.interrupt import Interrupted, interruptible
from custody_rules.outputs import output_file, refuse_clashes
from custody_rules.privacy import Pseudonymiser

if TYPE_CHECKING:
    from rich.progress import Progress

# Each report format's module and class, imported only for the format asked for (the HTML one
# brings Jinja2): the audit's parent imports them before its workers start.
FORMATS: dict[str, tuple[str, str]] = {
    "text": ("audit_text", "TextReport"), "json": ("audit_json", "JsonReport"),
    "jsonl": ("audit_jsonl", "JsonLinesReport"), "csv": ("audit_csv", "CsvReport"),
    "html": ("audit_html", "HtmlReport"),
}
LEVELS = ("rule", "record")
# Below this many records an audit takes a second or two: no progress bar.
PROGRESS_FROM = 5000
STDIN_NAME = "<stdin>"
_STDIN_DIR = "custody-rules-stdin"


def _default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return os.cpu_count() or 1


@click.command("audit")
@click.argument("paths", nargs=-1, required=True,
                type=click.Path(exists=True, allow_dash=True, path_type=Path))
@click.option("--format", "output_format", type=click.Choice(list(FORMATS)), default="text",
              show_default=True, help="text: summary for a terminal; json: every record's "
              "findings and the summary; jsonl: one line per record, then a summary line; "
              "csv: tables for a spreadsheet (see --level); html: a self-contained report.")
@click.option("--level", type=click.Choice(LEVELS), default="rule", show_default=True,
              help="With --format csv: rule (rates per rule, station and month) or record "
                   "(one row per record with each rule's status).")
@click.option("--output", "-o", "output", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Write the report here instead of standard output (a "
              "summary then goes to standard error).")
@click.option("--jobs", type=click.IntRange(1, 64), default=_default_jobs, show_default="CPUs",
              help="Worker processes. The report is the same for any number.")
@policy_option
@as_of_option
@click.option("--rejects", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write each rejected or failed record here (JSON Lines).")
@click.option("--profile", "profile_path", type=click.Path(exists=True, dir_okay=False,
              path_type=Path), default=None,
              help="Mapping profile (YAML) for reading CSV exports.")
@click.option("--quiet", is_flag=True,
              help="Nothing on stderr but errors: no progress bar, summary or mapping report.")
@click.option("--withhold-source", is_flag=True,
              help="Leave each record's source file and line out of every output (with "
                   "--pseudonymise: they would link records across reports).")
@pseudonymise_options
def command(paths: tuple[Path, ...], output_format: str, level: str, output: Path | None,
            jobs: int, policy_path: Path | None, as_of: datetime | None, rejects: Path | None,
            profile_path: Path | None, quiet: bool, withhold_source: bool,
            pseudonymiser: Pseudonymiser | None) -> None:
    """Audit custody records: JSON Lines files (.jsonl, .jsonl.gz), record files (.json),
    directories of them, CSV exports read through a --profile, or - for JSON Lines (plain or
    gzip) on standard input, e.g. `custody-rules generate --records 30 | custody-rules audit -`.

    Every record is checked, rejected (bad input) or failed (engine error), and the summary
    counts each.

    \b
    Exit codes:
      0  nothing is violated
      1  something is violated, or a record was rejected or failed
      2  no record could be read (no input, or every item rejected), an
         input, policy, profile or rule file cannot be read, an output
         cannot be written, or the command was misused
      3  the rule engine failed: no trustworthy result
      130, 143  interrupted (Ctrl-C, SIGTERM): nothing written
    """
    if level != "rule" and output_format != "csv":
        raise click.BadParameter("--level record goes with --format csv", param_hint="--level")
    with contextlib.ExitStack() as inputs:
        # Standard input is spooled to a file: workers read their share of the input from
        # files. It lives until the audit ends.
        paths = tuple(_stdin_file(inputs) if str(path) == "-" else path for path in paths)
        _audit(paths, output_format, level, output, jobs, policy_path, as_of, rejects,
               profile_path, quiet, withhold_source, pseudonymiser)


def _audit(paths: tuple[Path, ...], output_format: str, level: str, output: Path | None,
           jobs: int, policy_path: Path | None, as_of: datetime | None, rejects: Path | None,
           profile_path: Path | None, quiet: bool, withhold_source: bool,
           pseudonymiser: Pseudonymiser | None) -> None:
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
    prepared = evolve(prepared, sources=tuple(
        evolve(source, name=STDIN_NAME) if Path(source.path).parent.name == _STDIN_DIR
        else source for source in prepared.sources))
    err = sys.stderr
    show_progress = not quiet and _is_terminal(err)
    total = prepared.count() if show_progress else 0
    done = _Count()
    try:
        with domain_errors(), interruptible(), contextlib.ExitStack() as stack:
            out = stack.enter_context(output_file(output))
            rejects_out = stack.enter_context(output_file(rejects)) if rejects else None
            sink: ReportSink
            if output_format == "csv" and level == "record":
                from custody_rules.formatters.audit_csv import CsvRecordReport

                sink = CsvRecordReport(out, [rule.id for rule in prepared.rulebook])
            else:
                sink = _report(output_format, out)
            if output_format == "text":
                from custody_rules.cli.output import FILE_WIDTH, console
                from custody_rules.formatters.audit_text import TextReport

                if isinstance(sink, TextReport):
                    sink.width = console().width if output is None else FILE_WIDTH
            bar = stack.enter_context(
                _Progress(total if show_progress and total >= PROGRESS_FROM else 0))

            def progress(n: int) -> None:
                done.n += n
                bar.advance(n)

            summary = run_audit(prepared, sink, rejects_out, progress,
                                before_report=bar.stop)
            if summary.records_read == 0:
                # Raised inside the outputs: an empty input writes no report and no file.
                raise InputProblem(["audit: no records found in the input"])
    except Interrupted as stop:
        fresh_line = "\n" if _is_terminal(err) else ""  # after the ^C the terminal echoed
        click.echo(f"{fresh_line}audit: interrupted after {done.n:,} of "
                   f"{_total(prepared, total)} records; nothing written", err=True)
        sys.exit(stop.exit_code)
    if not quiet:
        from custody_rules.formatters.audit_text import mapping_lines

        for line in mapping_lines(summary):
            click.echo(line, err=True)
        if output is not None:
            click.echo(_summary_line(summary, output, output_format, rejects), err=True)
    if summary.checked + summary.failed == 0:
        # Only input that is no record: every item rejected.
        click.echo("audit: no record could be read", err=True)
        sys.exit(ExitCode.INPUT)
    if summary.with_violations or summary.rejected or summary.failed:
        sys.exit(ExitCode.VIOLATIONS)
    sys.exit(ExitCode.OK)


class _Count:
    n = 0


def _summary_line(summary: AuditSummary, output: Path, output_format: str,
                  rejects: Path | None) -> str:
    horizon = f"open records judged as of {summary.horizon}"
    where = f"; rejected and failed records in {rejects}" if rejects and (
        summary.rejected or summary.failed) else ""
    return (f"audit: {summary.records_read:,} records read: {summary.checked:,} checked, "
            f"{summary.rejected:,} rejected, {summary.failed:,} failed; {horizon}; "
            f"{output_format} report written to {output}{where}")


def _stdin_file(stack: contextlib.ExitStack) -> Path:
    """Standard input spooled to a file (gzip recognised by its first bytes)."""
    folder = Path(stack.enter_context(tempfile.TemporaryDirectory())) / _STDIN_DIR
    folder.mkdir()
    stream = sys.stdin.buffer
    head = stream.read(2)
    path = folder / ("stdin.jsonl.gz" if head == b"\x1f\x8b" else "stdin.jsonl")
    with open(path, "wb") as spool:
        spool.write(head)
        shutil.copyfileobj(stream, spool)
    return path


def _report(output_format: str, out: Output) -> ReportSink:
    module, name = FORMATS[output_format]
    report: ReportSink = getattr(
        importlib.import_module(f"custody_rules.formatters.{module}"), name)(out)
    return report


class _Progress:
    """A progress bar on standard error, for long audits at a terminal; cleared (not left
    half-drawn) before the report is written."""

    def __init__(self, total: int):
        self.bar: Progress | None = None
        self.done = 0
        self.step = max(1, total // 500)  # redrawing per record would cost more than checking
        if total:
            from rich.console import Console
            from rich.progress import MofNCompleteColumn, Progress

            err = Console(file=sys.stderr, force_terminal=True)  # the caller saw a terminal
            self.bar = Progress(*Progress.get_default_columns(), MofNCompleteColumn(),
                                console=err, transient=True)
            self.task = self.bar.add_task("Auditing", total=total)
            self.bar.start()

    def __enter__(self) -> _Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def advance(self, n: int) -> None:
        self.done += n
        if self.bar is not None and self.done % self.step < n:
            self.bar.update(self.task, completed=self.done)

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None


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
