"""The whole audit output, pinned: a digest of `audit --format json` over 2,000 generated records.

Work on speed (the engine driver, validation, output) must not change one byte of any finding,
report or error message. This test audits a fixed set of generated records, plus a few broken
copies of them (so that the rejection messages are pinned too), and compares the SHA-256 of
the report with the one stored here. The input's own digest is stored beside it, so that a
failure says which side moved: the generator (a new input) or the pipeline (new output).

When a change is *meant* to change findings or messages (a rule fixed, a message reworded, a
field added to the generator), regenerate both digests from the repository root and paste them
below, saying why in the commit message:

    python -m tests.test_audit_digest

The audit runs with --jobs 2, so the merge of the workers' results is part of what is pinned.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from custody_rules.generate import generate_records

RECORDS = 2000
SEED = 7
AS_OF = "2026-01-01T00:00:00+00:00"
INPUT_SHA256 = "bc828b0e2aec365417124d3a595b45b7a4345fe500c85b0d950d2fd4e431b034"
OUTPUT_SHA256 = "02d945698c2c4e651ccf063d3b0e042a9a5796973e99ffb5d52f7bb23b941f80"


def _broken(record: dict[str, Any], how: int) -> dict[str, Any]:
    """A copy of a record with one of a few kinds of damage auditors meet in exports."""
    broken = copy.deepcopy(record)
    broken["record_id"] = f"{record['record_id']}-BROKEN-{how}"
    events = broken["events"]
    if how == 0:
        del events[-1]["at"]
    elif how == 1:
        events[0]["at"] = events[0]["at"][:19]  # no UTC offset
    elif how == 2:
        events.append(copy.deepcopy(events[0]))  # a duplicate event id
    elif how == 3:
        broken["person"] = "a string"
    elif how == 4:
        events[1]["type"] = 7
    elif how == 5:
        broken["unexpected"] = True
        events[-1]["by"] = {"rank": "admiral"}
    return broken


def input_lines() -> Iterator[bytes]:
    for index, record in enumerate(generate_records(RECORDS, SEED)):
        yield json.dumps(record).encode() + b"\n"
        if index % 150 == 149:
            yield json.dumps(_broken(record, index // 150 % 6)).encode() + b"\n"
    yield b"{not json\n"


def audit_output(directory: Path) -> tuple[str, str]:
    """(input digest, output digest), auditing in `directory` so that the report names the
    input by a relative path."""
    from tests.helpers import invoke

    data = b"".join(input_lines())
    (directory / "records.jsonl").write_bytes(data)
    previous = Path.cwd()
    os.chdir(directory)
    try:
        result = invoke(["audit", "records.jsonl", "--format", "json", "--as-of", AS_OF,
                         "--jobs", "2", "--quiet"], exit_code=1)
    finally:
        os.chdir(previous)
    return hashlib.sha256(data).hexdigest(), hashlib.sha256(result.stdout_bytes).hexdigest()


@pytest.mark.slow  # an audit of thousands of records
def test_the_audit_report_is_byte_for_byte_as_pinned(tmp_path: Path) -> None:
    input_digest, output_digest = audit_output(tmp_path)
    if input_digest != INPUT_SHA256:
        pytest.fail("the generator now makes other records: if that is meant, regenerate the "
                    "digests (python -m tests.test_audit_digest) and say why in the commit")
    assert output_digest == OUTPUT_SHA256, (
        "the audit report changed: a finding, message or report byte differs from the pinned "
        "output. If that is meant (a rule or message fixed on purpose), regenerate the digests "
        "(python -m tests.test_audit_digest) and say why in the commit")


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as where:
        found = audit_output(Path(where))
    print(f'INPUT_SHA256 = "{found[0]}"\nOUTPUT_SHA256 = "{found[1]}"', file=sys.stdout)
