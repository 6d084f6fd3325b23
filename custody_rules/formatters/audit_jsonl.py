"""`audit --format jsonl`: one line per record, in input order, then one summary line, so that
an audit of 100,000 records streams into other tools (jq, pandas.read_json(lines=True)).

    {"record_id": ..., "findings": [...], ..., "source": ..., "line": ..., "compliance": ...}
    {"status": "rejected", "source": ..., "line": ..., "record_id": ..., "problems": [...]}
    {"summary": { ... the same summary as --format json ... }}

A checked record's line is the same object as in `--format json`; a record not checked is the
same object as in the --rejects file (it has a `status`; checked records have none).
"""

from __future__ import annotations

import json

from custody_rules.audit.sink import Output, RenderRecord
from custody_rules.audit.summary import CHECKED, AuditSummary, RecordDigest
from custody_rules.formatters.audit_json import record_json


class JsonLinesReport:
    def __init__(self, out: Output):
        self.out = out

    def renderer(self) -> RenderRecord | None:
        return record_json

    def record(self, digest: RecordDigest, output: bytes) -> None:
        if digest.status == CHECKED:
            self.out.write(output + b"\n")
        else:
            self.out.write(_dumps(digest.not_checked_dict()) + b"\n")

    def finish(self, summary: AuditSummary) -> None:
        self.out.write(_dumps({"summary": summary.to_dict()}) + b"\n")


def _dumps(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
