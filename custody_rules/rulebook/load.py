"""Loading the catalogue: every rule file of a directory, checked, into one Rulebook."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path

from custody_rules.errors import RuleFileError
from custody_rules.policy import Policy
from custody_rules.rulebook.model import Rulebook

RULESET_VERSION = "2026.11"


def builtin_rules_dir() -> Traversable:
    """The shipped catalogue: installed as custody_rules/catalogue, or rules/ in a checkout."""
    installed = resources.files("custody_rules").joinpath("catalogue")
    if installed.is_dir():
        return installed
    return Path(__file__).resolve().parents[2] / "rules"


def load_rulebook(policy: Policy, directory: Traversable | Path | None = None) -> Rulebook:
    """Load every rule file; a bad file raises RuleFileError naming the file, rule and line."""
    # Imported here: a rulebook read from the compiled cache (engine/cache.py) needs no parser,
    # nor the YAML loader it brings.
    from custody_rules.rulebook.parse import parse_rule_file

    files = rule_files(directory)
    rules = [parse_rule_file(text, relative, policy) for relative, text in files]
    ids = [rule.id for rule in rules]
    for rule in rules:
        if ids.count(rule.id) > 1:
            others = ", ".join(other.path for other in rules if other.id == rule.id
                               and other is not rule)
            raise RuleFileError(f"{rule.path}:{rule.line}",
                                f"rule id also used by {others}", rule.id)
    rules.sort(key=lambda rule: _id_sort_key(rule.id))
    return Rulebook(tuple(rules), policy, RULESET_VERSION, ruleset_digest(files)[:16])


def rule_files(directory: Traversable | Path | None = None) -> list[tuple[str, str]]:
    """(path relative to the catalogue, text) of every rule file, in path order."""
    root = directory if directory is not None else builtin_rules_dir()
    return [(relative, entry.read_text(encoding="utf-8"))
            for relative, entry in sorted(_yaml_files(root), key=lambda item: item[0])]


def ruleset_digest(files: list[tuple[str, str]]) -> str:
    """SHA-256 of the rule files' names and texts (hex): the ruleset's identity."""
    digest = hashlib.sha256()
    for relative, text in files:
        digest.update(relative.encode() + b"\0" + text.encode() + b"\0")
    return digest.hexdigest()


def _id_sort_key(rule_id: str) -> tuple[str, int]:
    prefix, _, number = rule_id.partition("-")
    return prefix, int(number) if number.isdigit() else 0


def _yaml_files(root: Traversable | Path, prefix: str = "") -> Iterator[tuple[str, Traversable]]:
    for entry in root.iterdir():
        name = prefix + entry.name
        if entry.is_dir() and not entry.name.startswith(("_", ".")):
            yield from _yaml_files(entry, name + "/")
        elif entry.name.endswith(".yaml") and not entry.name.startswith("_"):
            yield name, entry
