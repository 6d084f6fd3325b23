"""One audit from start to finish: sources in, every record accounted for, a report out.

`run_audit` is what the CLI calls. It loads the rulebook once, in the parent (which builds no
engine: each worker compiles the same rulebook into its own), runs the worker pool, and hands
each record's result, in input order, to the report sink, to the --rejects file and to the
summary.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from pathlib import Path

from attrs import frozen

from custody_rules.audit.profile import Profile, convert_rows, load_profile
from custody_rules.audit.runner import run_pool
from custody_rules.audit.sink import Output, ReportSink
from custody_rules.audit.sources import (
    CSV,
    Source,
    count_items,
    csv_rows,
    discover,
    iter_items,
)
from custody_rules.audit.summary import CHECKED, AuditSummary, RecordDigest, SummaryBuilder
from custody_rules.audit.worker import WorkerTask
from custody_rules.engine.cache import compiled_rulebook
from custody_rules.horizon import GIVEN, LATEST, latest_moment, raw_latest, record_latest
from custody_rules.policy import load_policy
from custody_rules.privacy import Pseudonymiser
from custody_rules.rulebook import Rulebook


@frozen
class AuditRequest:
    paths: tuple[Path, ...]
    jobs: int
    now: datetime
    as_of: datetime | None = None
    policy_path: Path | None = None
    profile_path: Path | None = None
    rules_dir: Path | None = None
    pseudonymiser: Pseudonymiser | None = None
    as_of_basis: str = GIVEN  # with as_of None: LATEST (found in the input)
    withhold_source: bool = False


@frozen
class Prepared:
    """What is known before any record is read: inputs, profile and rules are all usable."""

    request: AuditRequest
    sources: tuple[Source, ...]
    profile: Profile | None
    rulebook: Rulebook
    passed_over: tuple[tuple[str, str], ...] = ()  # files not read as records, and why

    def count(self) -> int:
        return count_items(self.sources, self.profile)


def prepare(request: AuditRequest) -> Prepared:
    """Find the inputs and load profile, policy and rules; raises before any work starts
    (SourceError, ProfileError, PolicyError, RuleFileError)."""
    profile = load_profile(request.profile_path) if request.profile_path else None
    found = discover(request.paths, with_csv=profile is not None)
    # From the compiled rulebook cache when the rule files have not changed (engine.cache).
    rulebook = compiled_rulebook(load_policy(request.policy_path), request.rules_dir)[0]
    return Prepared(request, found.sources, profile, rulebook, found.passed_over)


def run_audit(prepared: Prepared, sink: ReportSink, rejects: Output | None = None,
              progress: Callable[[int], None] | None = None,
              before_report: Callable[[], None] | None = None) -> AuditSummary:
    """Check every record, then write the report (`before_report` runs just before: e.g. to
    clear a progress bar from the terminal the report goes to)."""
    request = prepared.request
    horizon, basis = request.as_of, request.as_of_basis
    if horizon is None:
        horizon, basis = find_horizon(prepared.sources, prepared.profile, request.now), LATEST
    builder = SummaryBuilder(prepared.rulebook, horizon.isoformat() if horizon else None,
                             unused_columns(prepared.sources, prepared.profile),
                             prepared.passed_over, basis)
    task = WorkerTask(
        sources=prepared.sources,
        profile=prepared.profile,
        rulebook=prepared.rulebook,
        as_of=horizon, now=request.now, render=sink.renderer(), shard=0,
        shards=request.jobs,
        pseudonymiser=request.pseudonymiser, withhold_source=request.withhold_source,
    )

    def consume(digest: RecordDigest, output: bytes) -> None:
        builder.add(digest)
        if rejects is not None and digest.status != CHECKED:
            rejects.write(json.dumps(digest.not_checked_dict(), ensure_ascii=False).encode()
                          + b"\n")
        sink.record(digest, output)
        if progress is not None:
            progress(1)

    restarts = run_pool(task, request.jobs, consume)
    summary = builder.build(restarts)
    if before_report is not None:
        before_report()
    sink.finish(summary)
    return summary


def find_horizon(sources: Sequence[Source], profile: Profile | None, now: datetime
                 ) -> datetime | None:
    """The latest moment found in the input (of records not dated in the future): one pass
    over it before any record is judged. JSON records are scanned for their time fields, not
    parsed; CSV rows are converted as the workers will convert them."""

    def latests() -> Iterator[datetime | None]:
        for item in iter_items(sources, profile):
            if item.error is not None or not item.data:
                continue
            if isinstance(item.data, bytes):
                yield record_latest(item.data)
            elif profile is not None:
                try:
                    yield raw_latest(convert_rows(profile, item.data).raw)
                except Exception:  # whatever it is, the worker reports it
                    continue

    return latest_moment(latests(), now)


def unused_columns(sources: Sequence[Source], profile: Profile | None) -> list[tuple[str, str]]:
    """Columns of each CSV export that the profile does not read: part of the mapping report,
    since a column nobody maps may hold what a rule needs."""
    if profile is None:
        return []
    unused: list[tuple[str, str]] = []
    wanted = profile.columns()
    for source in sources:
        if source.kind != CSV:
            continue
        try:
            with open(source.path, "rb") as handle:
                _, header, _ = next(csv_rows(handle, profile.encoding, profile.delimiter),
                                    (0, None, None))
        except OSError:
            continue  # the workers report the unreadable file as a rejected input
        if header is None:
            continue
        unused.extend((source.path, column) for column in header if column not in wanted)
    return unused
