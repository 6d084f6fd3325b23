"""The package's shape: modules a reader can take in, and the layering contracts checked."""

from __future__ import annotations

import configparser
import subprocess
import sys

from tests.conftest import ROOT

MAX_MODULE_LINES = 800


def test_no_module_is_over_800_lines() -> None:
    long = {str(path.relative_to(ROOT)): count
            for path in sorted((ROOT / "custody_rules").rglob("*.py"))
            if (count := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES}
    assert not long, f"split these modules: {long}"


def test_the_layering_contracts_hold() -> None:
    """The import-linter contracts of setup.cfg (also run by .ci/run as `lint-imports`)."""
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    contracts = {section for section in config.sections()
                 if section.startswith("importlinter:contract:")}
    assert {"importlinter:contract:layers", "importlinter:contract:acyclic"} <= contracts
    # In a process of its own: import-linter configures logging, which later tests read.
    code = ("import sys; from importlinter.cli import lint_imports; "
            "sys.exit(lint_imports(config_filename='setup.cfg', no_cache=True, no_logo=True))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
