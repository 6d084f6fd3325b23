"""Policy thresholds: defaults shipped with the package, overridable by a YAML file."""

from __future__ import annotations

from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from attrs import frozen

from custody_rules.errors import PolicyError

THRESHOLD_KEYS = frozenset({"minutes", "meaning"})


@frozen
class Threshold:
    name: str
    minutes: int
    meaning: str

    @property
    def seconds(self) -> int:
        return self.minutes * 60

    def describe(self) -> str:
        """`aa_request_within = 60 min`, as findings state the threshold they rest on."""
        return f"{self.name} = {format_minutes(self.minutes)}"


@frozen
class Policy:
    thresholds: Mapping[str, Threshold]
    source: str

    def __getitem__(self, name: str) -> Threshold:
        return self.thresholds[name]

    def __contains__(self, name: object) -> bool:
        return name in self.thresholds


def format_minutes(minutes: int) -> str:
    if minutes % 60 == 0 and minutes >= 60:
        return f"{minutes // 60}h"
    return f"{minutes} min"


# The YAML loader is imported where a policy is read, not with this module: `check` with a
# warm rulebook cache takes its policy from the cache and reads no YAML (engine/cache.py).


def default_policy() -> Policy:
    from custody_rules.safe_yaml import load_yaml

    text = resources.files("custody_rules").joinpath("policy.yaml").read_text(encoding="utf-8")
    raw = load_yaml(text)
    thresholds = {
        name: Threshold(name, int(entry["minutes"]), str(entry["meaning"]))
        for name, entry in raw.items()
    }
    return Policy(thresholds, "defaults")


def load_policy(path: Path | None) -> Policy:
    """The default policy, with the thresholds named in `path` overridden."""
    from custody_rules.safe_yaml import YamlProblem, clip, read_yaml_file

    policy = default_policy()
    if path is None:
        return policy
    try:
        raw: Any = read_yaml_file(path)
    except YamlProblem as exc:
        raise PolicyError(f"{path}: cannot read policy: {exc}") from None
    if not isinstance(raw, dict):
        raise PolicyError(f"{path}: expected a mapping of threshold name to minutes")
    thresholds = dict(policy.thresholds)
    for name, value in raw.items():
        if name not in thresholds:
            known = ", ".join(sorted(thresholds))
            raise PolicyError(f"{path}: unknown threshold {clip(name)} (known: {known})")
        if isinstance(value, dict):
            unknown = sorted(str(key) for key in value if key not in THRESHOLD_KEYS)
            if unknown:
                raise PolicyError(f"{path}: {name}: unknown key {clip(unknown[0])} (a threshold "
                                  "has only minutes, and optionally its meaning)")
        minutes = value.get("minutes") if isinstance(value, dict) else value
        if isinstance(minutes, bool) or not isinstance(minutes, int) or not 0 <= minutes <= 100_000:
            raise PolicyError(f"{path}: {name}: expected whole minutes, got {clip(minutes)}")
        thresholds[name] = Threshold(name, minutes, thresholds[name].meaning)
    return Policy(thresholds, str(path))
