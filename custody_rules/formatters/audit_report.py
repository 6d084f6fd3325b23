"""The shape shared by the audit reports that render only the summary (text and CSV)."""

from __future__ import annotations

from typing import ClassVar

from custody_rules.audit.sink import Output, RenderRecord
from custody_rules.audit.summary import AuditSummary, RecordDigest
from custody_rules.textsafe import scrub


class SummaryReport:
    """Writes nothing per record and the rendered summary at the end."""

    encoding: ClassVar[str] = "utf-8"

    def __init__(self, out: Output):
        self.out = out

    def renderer(self) -> RenderRecord | None:
        return None  # nothing rendered per record

    def record(self, digest: RecordDigest, output: bytes) -> None:
        pass

    def finish(self, summary: AuditSummary) -> None:
        # Station names, record ids, values and column names come from outside.
        self.out.write(self.render(scrub(summary)).encode(self.encoding))

    def render(self, summary: AuditSummary) -> str:
        raise NotImplementedError  # each report renders its own format
