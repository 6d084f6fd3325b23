"""Rules as data: the YAML rule files under rules/, loaded into frozen RuleSpec values.

A rule file holds one rule of the catalogue: its id, title, severity, citations and prose, a
`trigger` (when the rule applies), one or more `checks` (what breaches it, each with its own
status and message) and `examples` that must and must not fire. The condition language is small
on purpose (docs/engine.md says why); `engine.compile` turns it into durable-rules JSON.

The package, one job per module:

* `model`: the rule model (`RuleSpec`, `Check`, `Pattern`, `Severity`, `Status`...);
* `parse`: the rule file reader (through `custody_rules.safe_yaml`, the one safe YAML loader
  of the tool, keeping every line) and the condition language's parser;
* `load`: the catalogue, every file of a directory, into one `Rulebook`;
* `operators`: what each operator means, in Python and in durable-rules' JSON, side by side;
* `evaluate`: the condition language evaluated in plain Python (`applies`, `combinations`,
  `outcomes`), the same matches as the engine (tests/test_parity.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from custody_rules.rulebook.load import (
    RULESET_VERSION,
    builtin_rules_dir,
    load_rulebook,
    rule_files,
    ruleset_digest,
)
from custody_rules.rulebook.model import (
    APPLIES,
    DEADLINE,
    END_ALIAS,
    OPERATORS,
    RESERVED_FIELDS,
    TIME_FIELDS,
    Check,
    Condition,
    Example,
    ExpectedFinding,
    Expr,
    Pattern,
    Rulebook,
    RuleSpec,
    Scalar,
    Severity,
    Status,
)

if TYPE_CHECKING:
    from custody_rules.rulebook.parse import parse_rule_file

__all__ = [
    "APPLIES", "DEADLINE", "END_ALIAS", "OPERATORS", "RESERVED_FIELDS", "RULESET_VERSION",
    "TIME_FIELDS", "Check", "Condition", "Example", "ExpectedFinding", "Expr", "Pattern",
    "RuleSpec", "Rulebook", "Scalar", "Severity", "Status", "builtin_rules_dir", "load_rulebook",
    "parse_rule_file", "rule_files", "ruleset_digest",
]


def __getattr__(name: str) -> Any:
    # The parser (and the YAML loader it brings) is imported on first use: a rulebook read
    # from the compiled cache needs neither.
    if name == "parse_rule_file":
        from custody_rules.rulebook.parse import parse_rule_file

        return parse_rule_file
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
