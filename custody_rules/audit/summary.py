"""What an audit keeps of each record, and the aggregates auditors read.

A worker reduces each record to a `RecordDigest`: a few ids and counts, sent to the parent as
one short JSON line. The parent folds the digests, in input order, into a `SummaryBuilder`
whose size depends on the rules, stations and months, never on the number of records; its
`build()` gives the frozen `AuditSummary` that every report format renders.

Definitions (the same in every format):

* a rule *applied* to a record when its trigger matched (`RecordResult.applied`);
* a record *violates* a rule when it has at least one `violated` finding of that rule;
* rate = violations per 100 records the rule applied to;
* a violation is *policy only* when every violated finding of that rule on that record has the
  `policy` severity: only a force policy threshold passed (counted within the violations, and
  apart, so that an auditor can tell the law's breaches from the force's own measures);
* a record's *compliance* = the share of the rules that applied to it that it did not violate
  (`needs_review` and `pending` findings do not count against it); records to which no rule
  applied have none;
* the *month* is that of the child's first arrival, in the record's own UTC offset.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import tempfile
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import IO, Any

import orjson
from attrs import frozen

from custody_rules.errors import AuditAborted
from custody_rules.findings import RecordResult
from custody_rules.record import CustodyRecord
from custody_rules.rulebook import Rulebook, Severity, Status
from custody_rules.uktime import as_of_text

CHECKED, REJECTED, FAILED = "checked", "rejected", "failed"
NO_STATION = "(no station)"
NO_MONTH = "(no month)"
WORST_KEPT = 20
UNMATCHED_KEPT = 200  # distinct unmatched source values listed; the rest are counted
BUCKETS = 10  # compliance deciles, plus one bucket for exactly 100%
STATIONS_KEPT = 50  # stations with rows of their own; the rest are summed as "other"
STATIONS_COUNTED = 10_000  # distinct station names counted to find them
STATION_CHARS = 100  # a station's name is cut to this many characters
OTHER_STATIONS = "(other stations)"
DUPLICATES_KEPT = 200  # duplicated ids listed; all are counted
PLACES_KEPT = 20  # places listed per duplicated id
AS_OF_BASIS_WORDS = {"latest-in-input": "the latest moment in the input",
                     "given": "--as-of", "now": "--as-of now, the wall clock"}


@frozen
class RecordDigest:
    """One record's contribution to the audit: where it came from and how it fared."""

    index: int
    status: str
    source: str
    line: int | None
    record_id: str | None
    station: str | None = None
    month: str | None = None
    applied: tuple[str, ...] = ()
    violated: tuple[str, ...] = ()  # rules with at least one violated finding
    review: tuple[str, ...] = ()  # rules with at least one needs_review finding
    violations: int = 0  # violated findings
    pending: int = 0
    problems: tuple[str, ...] = ()  # rejected: every problem; failed: the reason
    unmatched: tuple[tuple[str, str], ...] = ()
    policy_only: tuple[str, ...] = ()  # violated rules whose violations are all `policy`

    @property
    def compliance(self) -> float | None:
        if not self.applied:
            return None
        return (len(self.applied) - len(self.violated)) / len(self.applied)

    def to_wire(self) -> bytes:
        fields = [
            self.index, self.status, self.source, self.line, self.record_id, self.station,
            self.month, self.applied, self.violated, self.review, self.violations,
            self.pending, self.problems, self.unmatched, self.policy_only,
        ]
        try:  # orjson: the same values, read back by orjson, in a fraction of the time
            return orjson.dumps(fields)
        except orjson.JSONEncodeError:  # what orjson refuses fails as it always did
            return json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode()

    @classmethod
    def from_wire(cls, data: bytes) -> RecordDigest:
        (index, status, source, line, record_id, station, month, applied, violated, review,
         violations, pending, problems, unmatched, policy_only) = orjson.loads(data)
        return cls(index, status, source, line, record_id, station, month, tuple(applied),
                   tuple(violated), tuple(review), violations, pending, tuple(problems),
                   tuple((c, v) for c, v in unmatched), tuple(policy_only))

    def not_checked_dict(self) -> dict[str, Any]:
        """A rejected or failed record as a line of the --rejects file."""
        out: dict[str, Any] = {"status": self.status, "source": self.source, "line": self.line,
                               "record_id": self.record_id}
        if self.status == REJECTED:
            out["problems"] = list(self.problems)
        else:
            out["reason"] = "; ".join(self.problems)
        return out


def where(source: str, line: int | None) -> str:
    """`file:line`, or the file alone for a single-record file."""
    return source if line is None else f"{source}:{line}"


def percent(share: float | None) -> str:
    return "-" if share is None else f"{100 * share:.1f}%"


def per_100(rate: float | None) -> str:
    return "-" if rate is None else f"{rate:.1f}"


def arrival_month(record: CustodyRecord) -> str | None:
    arrivals = [event.at for event in record.events if event.type == "arrival"]
    return min(arrivals).strftime("%Y-%m") if arrivals else None


def checked_digest(index: int, source: str, line: int | None, record: CustodyRecord,
                   result: RecordResult, unmatched: Sequence[tuple[str, str]] = ()
                   ) -> RecordDigest:
    violated = {f.rule for f in result.findings if f.status is Status.VIOLATED}
    review = {f.rule for f in result.findings if f.status is Status.NEEDS_REVIEW}
    at_law = {f.rule for f in result.findings
              if f.status is Status.VIOLATED and f.severity is not Severity.POLICY}
    # Rulebook order (result.applied is in it); every finding's rule is among the applied.
    order = result.applied
    return RecordDigest(
        index=index, status=CHECKED, source=source, line=line, record_id=result.record_id,
        station=record.station, month=arrival_month(record), applied=result.applied,
        violated=tuple(r for r in order if r in violated),
        review=tuple(r for r in order if r in review),
        violations=sum(1 for f in result.findings if f.status is Status.VIOLATED),
        pending=sum(1 for f in result.findings if f.status is Status.PENDING),
        unmatched=tuple(unmatched),
        policy_only=tuple(r for r in order if r in violated and r not in at_law),
    )


# --------------------------------------------------------------------------- the summary

@frozen
class Tally:
    applicable: int = 0
    violations: int = 0
    needs_review: int = 0
    policy_only: int = 0  # of the violations, those resting only on a force policy threshold

    @property
    def rate(self) -> float | None:
        """Violations per 100 records the rule applied to."""
        return round(100 * self.violations / self.applicable, 1) if self.applicable else None

    def to_dict(self) -> dict[str, Any]:
        return {"applicable": self.applicable, "violations": self.violations,
                "rate_per_100": self.rate, "needs_review": self.needs_review,
                "violations_policy_only": self.policy_only}


@frozen
class RuleStats:
    rule: str
    title: str
    severity: str
    citations: tuple[str, ...]
    total: Tally
    by_station: tuple[tuple[str, Tally], ...]
    by_month: tuple[tuple[str, Tally], ...]


@frozen
class GroupStats:
    """A station or a month: its records and how they fared."""

    name: str
    records: int  # checked records
    with_violations: int
    mean_compliance: float | None


@frozen
class WorstRecord:
    index: int
    record_id: str | None
    source: str
    line: int | None
    station: str | None
    month: str | None
    compliance: float
    applied: int
    violated: tuple[str, ...]
    violations: int


@frozen
class Unmatched:
    column: str
    value: str
    count: int


@frozen
class DuplicateId:
    """A record id carried by more than one checked record of the audit."""

    record_id: str
    occurrences: int
    places: tuple[str, ...]  # `source:line` of each (the first PLACES_KEPT)


@frozen
class AuditSummary:
    records_read: int
    checked: int
    rejected: int
    failed: int
    with_violations: int
    with_needs_review: int
    with_pending: int
    rules: tuple[RuleStats, ...]
    stations: tuple[GroupStats, ...]
    months: tuple[GroupStats, ...]
    compliance_buckets: tuple[int, ...]  # deciles 0-10%, ..., 90-100% (excl.), then 100%
    no_applicable_rules: int
    mean_compliance: float | None
    worst: tuple[WorstRecord, ...]
    unmatched: tuple[Unmatched, ...]
    unmatched_other: int  # occurrences of unmatched values not listed
    unused_columns: tuple[tuple[str, str], ...]  # (source, column) a profile does not read
    ruleset_version: str
    ruleset_digest: str
    as_of: str | None
    restarts: int = 0  # worker processes that died and were replaced
    records_with_duplicate_id: int = 0  # checked records whose id another one also carries
    duplicate_ids: tuple[DuplicateId, ...] = ()  # the first DUPLICATES_KEPT such ids
    # Files in audited directories not read as records, with why (audit.sources).
    passed_over: tuple[tuple[str, str], ...] = ()
    # How as_of was chosen: "latest-in-input" (the default), "given" (--as-of), "now".
    as_of_basis: str = "given"

    @property
    def horizon(self) -> str:
        """`19:00 BST on Wed 12 Jun 2024 (the latest moment in the input)`, for report headers:
        the one "as of" style of every text the tool shows."""
        if self.as_of is None:
            return "no moment found in the input"
        return (f"{as_of_text(self.as_of)} "
                f"({AS_OF_BASIS_WORDS.get(self.as_of_basis, self.as_of_basis)})")

    def to_dict(self) -> dict[str, Any]:
        return {
            "records_read": self.records_read, "checked": self.checked,
            "rejected": self.rejected, "failed": self.failed,
            "records_with_violations": self.with_violations,
            "records_with_needs_review": self.with_needs_review,
            "records_with_pending": self.with_pending,
            "ruleset": {"version": self.ruleset_version, "digest": self.ruleset_digest},
            "as_of": self.as_of,
            "as_of_basis": self.as_of_basis,
            "rules": [{
                "rule": r.rule, "title": r.title, "severity": r.severity,
                "citations": list(r.citations), **r.total.to_dict(),
                "by_station": {name: t.to_dict() for name, t in r.by_station},
                "by_month": {name: t.to_dict() for name, t in r.by_month},
            } for r in self.rules],
            "stations": [_group_dict(g) for g in self.stations],
            "months": [_group_dict(g) for g in self.months],
            "compliance": {
                "mean": self.mean_compliance,
                "distribution": [
                    {"from": b / BUCKETS, "to": (b + 1) / BUCKETS, "records": n}
                    for b, n in enumerate(self.compliance_buckets[:BUCKETS])
                ] + [{"from": 1.0, "to": 1.0, "records": self.compliance_buckets[BUCKETS]}],
                "no_applicable_rules": self.no_applicable_rules,
            },
            "worst_records": [{
                "record_id": w.record_id, "source": w.source, "line": w.line,
                "station": w.station, "month": w.month, "compliance": round(w.compliance, 4),
                "rules_applied": w.applied, "rules_violated": list(w.violated),
                "violations": w.violations,
            } for w in self.worst],
            "mapping": {
                "unmatched_values": [{"column": u.column, "value": u.value, "count": u.count}
                                     for u in self.unmatched],
                "unmatched_other": self.unmatched_other,
                "unused_columns": [{"source": s, "column": c} for s, c in self.unused_columns],
            },
            "worker_restarts": self.restarts,
            "duplicate_record_ids": {
                "records": self.records_with_duplicate_id,
                "ids": [{"record_id": d.record_id, "occurrences": d.occurrences,
                         "where": list(d.places)} for d in self.duplicate_ids],
            },
            "not_records": [{"source": path, "reason": reason}
                            for path, reason in self.passed_over],
        }


def _group_dict(group: GroupStats) -> dict[str, Any]:
    return {"name": group.name, "records": group.records,
            "records_with_violations": group.with_violations,
            "mean_compliance": group.mean_compliance}


class _Group:
    __slots__ = ("compliance_n", "compliance_sum", "records", "with_violations")

    def __init__(self) -> None:
        self.records = self.with_violations = self.compliance_n = 0
        self.compliance_sum = 0.0

    def add(self, digest: RecordDigest) -> None:
        self.records += 1
        self.with_violations += bool(digest.violated)
        if digest.compliance is not None:
            self.compliance_n += 1
            self.compliance_sum += digest.compliance

    def stats(self, name: str) -> GroupStats:
        mean = round(self.compliance_sum / self.compliance_n, 4) if self.compliance_n else None
        return GroupStats(name, self.records, self.with_violations, mean)


class SummaryBuilder:
    """Folds digests (in input order, so that float sums are the same for any --jobs)."""

    def __init__(self, rulebook: Rulebook, as_of: str | None = None,
                 unused_columns: Iterable[tuple[str, str]] = (),
                 passed_over: Iterable[tuple[str, str]] = (), as_of_basis: str = "given"):
        self.rulebook = rulebook
        self.as_of_basis = as_of_basis
        self.passed_over = tuple(passed_over)
        self.ids = _IdLedger()
        self.as_of = as_of
        self.unused_columns = tuple(unused_columns)
        self.records_read = 0
        self.status: Counter[str] = Counter()
        self.with_violations = self.with_review = self.with_pending = 0
        # [applicable, violations, needs_review, policy only] per rule, per (rule, month);
        # per (rule, station) in the station ledger
        self.rule_total: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
        self.rule_month: dict[str, dict[str, list[int]]] = defaultdict(
            lambda: defaultdict(lambda: [0, 0, 0, 0]))  # month -> rule -> counts
        self.stations = _StationLedger()
        self.months: dict[str, _Group] = defaultdict(_Group)
        self.all = _Group()
        self.buckets = [0] * (BUCKETS + 1)
        self.no_applicable = 0
        self.worst: list[tuple[tuple[float, int, int], RecordDigest]] = []
        self.unmatched: Counter[tuple[str, str]] = Counter()
        self.unmatched_other = 0

    def add(self, digest: RecordDigest) -> None:
        self.records_read += 1
        self.status[digest.status] += 1
        for pair in digest.unmatched:
            if pair in self.unmatched or len(self.unmatched) < UNMATCHED_KEPT:
                self.unmatched[pair] += 1
            else:
                self.unmatched_other += 1
        if digest.status != CHECKED:
            return
        if digest.record_id is not None:
            self.ids.add(digest.record_id, where(digest.source, digest.line))
        station = _station_key(digest.station)
        month = digest.month or NO_MONTH
        # Every finding comes from a rule that applied (findings_for), so applied covers all.
        # Each rule that applied counts once, and again in each of its tallies that it hit
        # (a few rules a record; counting them alone is most of the parent's work saved).
        totals, by_month = self.rule_total, self.rule_month[month]
        for rule in digest.applied:
            totals[rule][0] += 1
            by_month[rule][0] += 1
        applied = set(digest.applied)
        for column, rules in ((1, digest.violated), (2, digest.review), (3, digest.policy_only)):
            for rule in set(rules):
                if rule in applied:
                    totals[rule][column] += 1
                    by_month[rule][column] += 1
        self.stations.add(station, digest)
        self.with_violations += bool(digest.violated)
        self.with_review += bool(digest.review)
        self.with_pending += bool(digest.pending)
        self.months[month].add(digest)
        self.all.add(digest)
        compliance = digest.compliance
        if compliance is None:
            self.no_applicable += 1
            return
        satisfied = len(digest.applied) - len(digest.violated)
        bucket = BUCKETS if satisfied == len(digest.applied) else \
            satisfied * BUCKETS // len(digest.applied)
        self.buckets[bucket] += 1
        if digest.violated:
            self.worst.append(((compliance, -digest.violations, digest.index), digest))
            if len(self.worst) > 4 * WORST_KEPT:
                self._trim_worst()

    def _trim_worst(self) -> None:
        self.worst.sort(key=lambda pair: pair[0])
        del self.worst[WORST_KEPT:]

    def build(self, restarts: int = 0) -> AuditSummary:
        self._trim_worst()
        rule_station, station_groups = self.stations.tallies()
        stations = sorted(station_groups)
        months = sorted(self.months)
        known = [rule.id for rule in self.rulebook.rules]
        extra = sorted(set(self.rule_total) - set(known))
        rule_month = {(rule, month): counts for month, counted in self.rule_month.items()
                      for rule, counts in counted.items()}
        rules = []
        for rule_id in known + extra:
            spec = next((r for r in self.rulebook.rules if r.id == rule_id), None)
            rules.append(RuleStats(
                rule=rule_id,
                title=spec.title if spec else "",
                severity=spec.severity.value if spec else "",
                citations=spec.citations if spec else (),
                total=Tally(*self.rule_total.get(rule_id, (0, 0, 0, 0))),
                by_station=_tallies(rule_station, rule_id, stations),
                by_month=_tallies(rule_month, rule_id, months),
            ))
        unmatched = sorted(self.unmatched.items(), key=lambda kv: (-kv[1], kv[0]))
        duplicated, duplicates = self.ids.duplicates()
        checked, rejected, failed = (self.status[s] for s in (CHECKED, REJECTED, FAILED))
        if checked + rejected + failed != self.records_read:
            # The audit's promise: every record read is checked, rejected or failed, once.
            raise AuditAborted(f"{self.records_read} records read, but {checked} checked, "
                               f"{rejected} rejected and {failed} failed")
        return AuditSummary(
            records_read=self.records_read,
            checked=checked, rejected=rejected, failed=failed,
            with_violations=self.with_violations, with_needs_review=self.with_review,
            with_pending=self.with_pending,
            rules=tuple(rules),
            stations=tuple(station_groups[name].stats(name) for name in stations),
            months=tuple(self.months[name].stats(name) for name in months),
            compliance_buckets=tuple(self.buckets),
            no_applicable_rules=self.no_applicable,
            mean_compliance=self.all.stats("").mean_compliance,
            worst=tuple(_worst(d) for _, d in self.worst),
            unmatched=tuple(Unmatched(c, v, n) for (c, v), n in unmatched),
            unmatched_other=self.unmatched_other,
            unused_columns=self.unused_columns,
            ruleset_version=self.rulebook.version,
            ruleset_digest=self.rulebook.digest,
            as_of=self.as_of,
            restarts=restarts,
            records_with_duplicate_id=duplicated,
            duplicate_ids=duplicates,
            passed_over=self.passed_over,
            as_of_basis=self.as_of_basis,
        )


def _station_key(station: str | None) -> str:
    if not station:
        return NO_STATION
    return station if len(station) <= STATION_CHARS else station[:STATION_CHARS - 3] + "..."


class _StationLedger:
    """Rates by station, in memory that does not grow with the number of distinct names.

    While the audit runs only each station's number of records is counted (for at most
    STATIONS_COUNTED names, each cut to STATION_CHARS; a name first seen after that is
    counted as "other"); each checked record's station and rules wait in a temporary file.
    At the end the STATIONS_KEPT stations with the most records get their own rows and the
    rest are summed as OTHER_STATIONS: the file is read once more, in input order (so that
    float sums are the same for any --jobs)."""

    def __init__(self) -> None:
        self.records: Counter[str] = Counter()
        self.spool: IO[bytes] | None = None

    def add(self, station: str, digest: RecordDigest) -> None:
        if station in self.records or len(self.records) < STATIONS_COUNTED:
            self.records[station] += 1
        if self.spool is None:
            self.spool = tempfile.TemporaryFile()  # noqa: SIM115 (closed by tallies())
        self.spool.write(_spool_line([station, digest.applied, digest.violated, digest.review,
                                      digest.policy_only]))

    def tallies(self) -> tuple[dict[tuple[str, str], list[int]], dict[str, _Group]]:
        table: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
        groups: dict[str, _Group] = defaultdict(_Group)
        if self.spool is None:
            return table, groups
        ranked = sorted(self.records.items(), key=lambda kv: (-kv[1], kv[0]))
        kept = {name for name, _ in ranked[:STATIONS_KEPT]}
        self.spool.seek(0)
        for line in self.spool:
            station, applied, violated, review, policy_only = _spooled(line)
            name = station if station in kept else OTHER_STATIONS
            groups[name].add(RecordDigest(0, CHECKED, "", None, None, applied=tuple(applied),
                                          violated=tuple(violated)))
            hits_v, hits_r, hits_p = set(violated), set(review), set(policy_only)
            for rule in applied:
                counts = table[rule, name]
                counts[0] += 1
                counts[1] += rule in hits_v
                counts[2] += rule in hits_r
                counts[3] += rule in hits_p
        self.spool.close()
        self.spool = None
        return table, groups


class _IdLedger:
    """Every checked record's id, to find the ones carried twice, in 8 bytes a record of
    memory (a 64-bit hash); the ids and places themselves wait in a temporary file."""

    def __init__(self) -> None:
        self.hashes = array("q")
        self.spool: IO[bytes] | None = None

    @staticmethod
    def _hash(record_id: str) -> int:
        digest = hashlib.blake2b(record_id.encode("utf-8", "surrogatepass"), digest_size=8)
        return int.from_bytes(digest.digest(), "little", signed=True)

    def add(self, record_id: str, place: str) -> None:
        if self.spool is None:
            self.spool = tempfile.TemporaryFile()  # noqa: SIM115 (closed by duplicates())
        self.hashes.append(self._hash(record_id))
        self.spool.write(_spool_line([record_id, place]))

    def duplicates(self) -> tuple[int, tuple[DuplicateId, ...]]:
        """(records whose id is carried by another, the first DUPLICATES_KEPT such ids)."""
        if self.spool is None:
            return 0, ()
        ordered = sorted(self.hashes)
        repeated = {a for a, b in itertools.pairwise(ordered) if a == b}
        del ordered
        found: dict[str, list[str]] = {}
        counts: Counter[str] = Counter()
        self.spool.seek(0)
        for hashed, line in zip(self.hashes, self.spool, strict=True):
            if hashed not in repeated:
                continue
            record_id, place = _spooled(line)
            counts[record_id] += 1
            if record_id in found or len(found) < DUPLICATES_KEPT:
                places = found.setdefault(record_id, [])
                if len(places) < PLACES_KEPT:
                    places.append(place)
        self.spool.close()
        self.spool = None
        # Two ids with one hash are told apart here: only ids really seen twice count.
        real = {record_id for record_id, n in counts.items() if n > 1}
        listed = tuple(DuplicateId(record_id, counts[record_id], tuple(places))
                       for record_id, places in found.items() if record_id in real)
        return sum(counts[record_id] for record_id in real), listed


def _spool_line(value: list[Any]) -> bytes:
    """One line of a summary's temporary file: JSON on one line. orjson (UTF-8; a newline
    inside a string is escaped) in a fraction of the standard encoder's time; what it refuses
    (a lone surrogate in a record's text) the standard way, escaped to ASCII, after a NUL byte
    (no JSON starts with one) so that it is read back the standard way too."""
    try:
        return orjson.dumps(value) + b"\n"
    except orjson.JSONEncodeError:
        return (b"\0" + json.dumps(value, ensure_ascii=True, separators=(",", ":")).encode()
                + b"\n")


def _spooled(line: bytes) -> Any:
    """A line written by `_spool_line`, read back as the same values."""
    if line.startswith(b"\0"):
        return json.loads(line[1:])
    return orjson.loads(line)


def _tallies(table: Mapping[tuple[str, str], list[int]], rule: str, names: Sequence[str]
             ) -> tuple[tuple[str, Tally], ...]:
    return tuple((name, Tally(*table[rule, name])) for name in names if (rule, name) in table)


def _worst(digest: RecordDigest) -> WorstRecord:
    assert digest.compliance is not None
    return WorstRecord(digest.index, digest.record_id, digest.source, digest.line,
                       digest.station, digest.month, digest.compliance, len(digest.applied),
                       digest.violated, digest.violations)
