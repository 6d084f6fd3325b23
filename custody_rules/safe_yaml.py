"""Every YAML file the tool reads (rule files, policy, profile, scenario header, the shipped
policy) is loaded here, one safe way: safe tags only (no `!!python/...`), no anchors or aliases
(a few aliases can stand for a document of gigabytes), at most MAX_DEPTH levels of nesting
(deeper is no configuration, and would exhaust the stack), at most MAX_BYTES.

Two ways to load, under that one policy:

* `load_yaml` (`read_yaml_file` for a file): the values (policy, profile, scenario header);
* `load_with_lines`: the values and the line of every mapping, list, key and item, so that a
  rule file's every error names its line; times stay text there, as in a record file.

A refusal is a YamlProblem: one line, the line number of the document apart (`line`), quoting no
value of the document beyond a short clip, so a hostile file cannot make an error huge.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import yaml

MAX_DEPTH = 64
MAX_BYTES = 1024 * 1024
CLIP = 60
# libyaml's own cap on nesting (1000 levels), met first on a line of thousands of `[`.
_LIBYAML_TOO_DEEP = "exceeded maximum nesting depth"

# libyaml parses ten times faster than pure Python; the constructor (what becomes a Python
# value: safe tags only) is the same Python SafeConstructor either way.
_SafeBase: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YamlProblem(ValueError):
    """A YAML document that is not safe or not well formed: one short line.

    `problem` is what is wrong, `line` (1-based) where, if known; str() gives both."""

    def __init__(self, problem: str, line: int | None = None, column: int | None = None):
        where = "" if line is None else f"line {line}: " if column is None else (
            f"line {line}, column {column}: ")
        super().__init__(where + problem)
        self.problem = problem
        self.line = line


def clip(value: object, width: int = CLIP) -> str:
    """A value as an error message may quote it: its repr, at most `width` characters."""
    text = repr(value) if not isinstance(value, str) else repr(value[: width + 1])
    return text if len(text) <= width else text[: width - 3] + "..."


def load_yaml(text: str) -> Any:
    """The one document in `text`, loaded safely; YamlProblem if it cannot be."""
    return _load(_SafeBase, text)[0]


def read_yaml_file(path: Path) -> Any:
    """The one document of the UTF-8 file at `path`, loaded safely; YamlProblem (one line, no
    path: the caller names the file and what it is for) if it cannot be read or loaded."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise YamlProblem(exc.strerror or str(exc)) from None
    except UnicodeDecodeError:
        raise YamlProblem("not UTF-8 text") from None
    return load_yaml(text)


@attrs.frozen
class Lines:
    """Where the values of a document loaded by `load_with_lines` stand: keyed by the id() of
    each mapping and list of the value (alive as long as the value is)."""

    of: dict[int, int]  # the line of each mapping and list
    of_keys: dict[int, dict[Any, int]]  # of each key of a mapping, each index of a list


def load_with_lines(text: str) -> tuple[Any, Lines]:
    """The one document in `text`, loaded safely, with the line of every part of it."""
    value, loader = _load(_LineLoader, text)
    return value, Lines(loader.lines, loader.key_lines)


def _load(loader_class: Any, text: str) -> tuple[Any, Any]:
    if len(text) > MAX_BYTES:
        raise YamlProblem(f"larger than {MAX_BYTES // 1024} KiB")
    try:
        _refuse_unsafe(text)
        loader = loader_class(text)
        try:
            return loader.get_single_data(), loader
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        raise _problem(exc) from None
    except RecursionError:
        raise YamlProblem(f"nested more than {MAX_DEPTH} levels deep") from None


def _refuse_unsafe(text: str) -> None:
    """Read the document's events (nothing is built yet) and refuse an alias, an anchor or
    nesting beyond MAX_DEPTH. An alias is reported at its own line, before any anchor: that is
    where the document reuses a part of itself."""
    depth = 0
    anchor: Any = None
    for event in yaml.parse(text, Loader=_SafeBase):
        if isinstance(event, yaml.AliasEvent):
            raise _at("anchors and aliases are not allowed", event)
        if anchor is None and getattr(event, "anchor", None):
            anchor = event
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                raise _at(f"nested more than {MAX_DEPTH} levels deep", event)
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1
    if anchor is not None:
        raise _at("anchors and aliases are not allowed", anchor)


def _at(problem: str, event: Any) -> YamlProblem:
    mark = getattr(event, "start_mark", None)
    return YamlProblem(problem, mark.line + 1 if mark is not None else None)


def _problem(exc: yaml.YAMLError) -> YamlProblem:
    """PyYAML's message without the quoted snippet of the document, on one line."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    short = " ".join(str(problem).split())[:200]
    if short == _LIBYAML_TOO_DEEP:  # its scanner can stop before our count reaches MAX_DEPTH
        short = f"nested more than {MAX_DEPTH} levels deep"
    if mark is None:
        return YamlProblem(short)
    return YamlProblem(short, mark.line + 1, mark.column + 1)


class _LineLoader(_SafeBase):  # type: ignore[misc]
    """The safe loader that also remembers the line of every mapping and list it builds and of
    each key and item."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.lines: dict[int, int] = {}
        self.key_lines: dict[int, dict[Any, int]] = {}

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        mapping: dict[Any, Any] = super().construct_mapping(node, deep=True)
        return mapping

    def construct_line_map(self, node: yaml.MappingNode) -> Iterator[dict[Any, Any]]:
        # SafeLoader builds a mapping as a temporary dict copied into the one it returns, so
        # the lines are kept against the returned dict (ids of temporaries are reused).
        data: dict[Any, Any] = {}
        yield data
        data.update(self.construct_mapping(node))
        self.lines[id(data)] = node.start_mark.line + 1
        self.key_lines[id(data)] = {
            key_node.value: key_node.start_mark.line + 1
            for key_node, _ in node.value if isinstance(key_node, yaml.ScalarNode)
        }

    def construct_line_seq(self, node: yaml.SequenceNode) -> Iterator[list[Any]]:
        data: list[Any] = []
        yield data
        data.extend(self.construct_sequence(node))
        self.lines[id(data)] = node.start_mark.line + 1
        self.key_lines[id(data)] = {
            index: item.start_mark.line + 1 for index, item in enumerate(node.value)
        }


_LineLoader.add_constructor("tag:yaml.org,2002:map", _LineLoader.construct_line_map)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _LineLoader.construct_line_seq)

# Times stay text, exactly as a record file would carry them (and `at: 2022-...` unquoted would
# otherwise become a datetime that the record format never has).
_LineLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
