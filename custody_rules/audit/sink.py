"""What a report format is to the audit, and all the audit knows of one: where it writes
(`Output`), the function it gives the workers to render each checked record (`RenderRecord`)
and the calls it takes (`ReportSink`). The formats themselves live in
`custody_rules.formatters.audit_*`; this package imports none of them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from custody_rules.audit.summary import AuditSummary, RecordDigest
from custody_rules.findings import RecordResult

# What a report shows of each checked record, rendered in the worker that checked it. A module
# level function, so that a spawned worker can be sent it.
RenderRecord = Callable[[RecordResult, RecordDigest], bytes]


class Output(Protocol):
    """Where a report or the rejects go: anything bytes can be written to."""

    def write(self, data: bytes, /) -> int: ...


class ReportSink(Protocol):
    """A report format. `renderer` gives the function that renders each checked record for
    it, in the worker that checked it (None: the report needs nothing per record)."""

    def renderer(self) -> RenderRecord | None: ...

    def record(self, digest: RecordDigest, output: bytes) -> None: ...

    def finish(self, summary: AuditSummary) -> None: ...
