"""Every YAML file the tool reads (policy, profile, scenario header, the shipped policy) is
loaded one safe way, as rule files are: safe tags only (no `!!python/...`), no anchors or
aliases (a few aliases can stand for a document of gigabytes), at most MAX_DEPTH levels of
nesting (deeper is no configuration, and would exhaust the stack), at most MAX_BYTES.

Errors are one line naming the file; they quote no value of the document beyond a short clip,
so a hostile file cannot make an error message huge.
"""

from __future__ import annotations

from typing import Any

import yaml

MAX_DEPTH = 64
MAX_BYTES = 1024 * 1024
CLIP = 60

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YamlProblem(ValueError):
    """A YAML document that is not safe or not well formed: one short line."""


def clip(value: object, width: int = CLIP) -> str:
    """A value as an error message may quote it: its repr, at most `width` characters."""
    text = repr(value) if not isinstance(value, str) else repr(value[: width + 1])
    return text if len(text) <= width else text[: width - 3] + "..."


def load_yaml(text: str) -> Any:
    """The one document in `text`, loaded safely; YamlProblem if it cannot be."""
    if len(text) > MAX_BYTES:
        raise YamlProblem(f"larger than {MAX_BYTES // 1024} KiB")
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise YamlProblem(_at("anchors and aliases are not allowed", event))
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    raise YamlProblem(_at(f"nested more than {MAX_DEPTH} levels deep", event))
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
        return yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        raise YamlProblem(_short(exc)) from None
    except RecursionError:
        raise YamlProblem(f"nested more than {MAX_DEPTH} levels deep") from None


def _at(problem: str, event: Any) -> str:
    mark = getattr(event, "start_mark", None)
    return f"line {mark.line + 1}: {problem}" if mark is not None else problem


def _short(exc: yaml.YAMLError) -> str:
    """PyYAML's message without the quoted snippet of the document, on one line."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    return f"{where}{' '.join(str(problem).split())[:200]}"
