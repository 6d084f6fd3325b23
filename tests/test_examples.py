"""Each example record gives exactly the findings in its `.expected.json` beside it.

The expected files were produced by the tool and then checked by hand against the catalogue's
scenarios (S1 Cambridgeshire, S2 Gateshead); a change to any finding must be a decision.
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import ROOT
from tests.helpers import invoke

EXAMPLES = ROOT / "examples"
CASES = sorted(p.name.removesuffix(".expected.json") for p in EXAMPLES.glob("*.expected.json"))


def test_every_example_record_has_expected_findings() -> None:
    records = sorted(p.stem for p in EXAMPLES.glob("*.json")
                     if not p.name.endswith(".expected.json"))
    assert records == CASES


@pytest.mark.parametrize("name", CASES)
def test_example_gives_exactly_its_expected_findings(name: str) -> None:
    expected = json.loads((EXAMPLES / f"{name}.expected.json").read_text())
    args = ["check", str(EXAMPLES / f"{name}.json"), "--format", "json"]
    record = json.loads((EXAMPLES / f"{name}.json").read_text())
    if record.get("closed_at") is None:
        args += ["--as-of", expected["as_of"]]  # a live record is judged at its stated moment
    violated = any(f["status"] == "violated" for f in expected["findings"])
    result = invoke(args, exit_code=1 if violated else 0)
    output = json.loads(result.stdout)
    assert output["record_id"] == expected["record_id"]
    assert output["as_of"] == expected["as_of"]
    assert output["findings"] == expected["findings"]
