"""`audit --format json`: one JSON document, written as the records arrive.

    {"records": [ <findings JSON of each checked record, one per line, input order> ],
     "not_checked": [ <each rejected or failed record, as in the --rejects file> ],
     "summary": { ... AuditSummary.to_dict() ... }}

Each record object is `formatters.json.result_to_dict` (docs/record-format.md) plus
`source`, `line` and `compliance`. Records are streamed; rejected and failed ones wait in a
temporary file until the records are done, so memory stays flat.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from collections.abc import Iterator
from typing import IO

import orjson

from custody_rules.audit.sink import Output, RenderRecord
from custody_rules.audit.summary import CHECKED, AuditSummary, RecordDigest
from custody_rules.findings import RecordResult
from custody_rules.formatters.json import result_to_dict
from custody_rules.views.handover import handover_for


def record_json(result: RecordResult, digest: RecordDigest) -> bytes:
    """One record's line of the report (run in the worker that checked it)."""
    handover = handover_for(result) if result.timeline.still_held else None
    body = result_to_dict(result, handover)
    body["source"] = digest.source
    body["line"] = digest.line
    compliance = digest.compliance
    body["compliance"] = round(compliance, 4) if compliance is not None else None
    return _dumps(body)


class JsonReport:
    def renderer(self) -> RenderRecord | None:
        return record_json

    def __init__(self, out: Output):
        self.out = out
        self.records = 0
        self.not_checked = 0
        # Lives as long as the report; finish() closes it.
        self.spool: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115
        out.write(b'{"records": [')

    def record(self, digest: RecordDigest, output: bytes) -> None:
        if digest.status == CHECKED:
            self.out.write(b"\n" if not self.records else b",\n")
            self.out.write(output)
            self.records += 1
        else:
            self.spool.write(b"\n" if not self.not_checked else b",\n")
            self.spool.write(_dumps(digest.not_checked_dict()))
            self.not_checked += 1

    def finish(self, summary: AuditSummary) -> None:
        self.out.write(b"\n],\n" if self.records else b"],\n")
        self.out.write(b'"not_checked": [')
        self.spool.seek(0)
        shutil.copyfileobj(self.spool, self.out)
        self.spool.close()
        self.out.write(b"\n],\n" if self.not_checked else b"],\n")
        self.out.write(b'"summary": ' + indented(summary.to_dict()) + b"}\n")


_INDENT = re.compile(rb"\n((?:  )+)")


def indented(value: object) -> bytes:
    """`json.dumps(value, ensure_ascii=False, indent=1)`, UTF-8, in a fraction of the time.

    The standard encoder writes indented JSON in pure Python: over a second for the summary of
    a large audit (a count per rule and month). orjson writes the same text indented by two
    spaces, which halving every line's leading spaces turns into the standard's one (a string
    never holds a raw newline). Where orjson could write other bytes, the standard way: any
    float whose text differs (orjson writes 1e-05 as 0.00001, NaN as null), and whatever orjson
    refuses (integers past 64 bits, keys that are not strings, lone surrogates)."""
    if all(orjson.dumps(number) == repr(number).encode() for number in _floats(value)):
        try:
            text = orjson.dumps(value, option=orjson.OPT_INDENT_2)
        except orjson.JSONEncodeError:
            pass
        else:
            return _INDENT.sub(lambda m: b"\n" + b" " * (len(m.group(1)) // 2), text)
    return json.dumps(value, ensure_ascii=False, indent=1).encode()


def _floats(value: object) -> Iterator[float]:
    """Every float in a structure of dicts, lists and tuples."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, float):
            yield item
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)


def _dumps(value: object) -> bytes:
    """Compact JSON, UTF-8: orjson writes the same bytes as the standard encoder with
    ensure_ascii=False (floats here are compliance shares rounded to 4 places, written alike)
    in a fraction of the time; what it refuses goes the standard way, to fail as before."""
    try:
        return orjson.dumps(value)
    except orjson.JSONEncodeError:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
