"""The safe YAML loader for rule files: safe tags only, no aliases, and the line of every
mapping, list, key and item kept, so that every error names its line."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yaml

# libyaml parses the catalogue ten times faster than pure Python; the constructor (what
# becomes a Python value: safe tags only) is the same Python SafeConstructor either way.
_SafeBase: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class LineLoader(_SafeBase):  # type: ignore[misc]
    """A safe loader (no tags, no code: `!!python/...` is refused) that remembers the line of
    every mapping and list it builds and of each key and item, and refuses aliases (a few
    aliases can stand for an exponentially large document)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.lines: dict[int, int] = {}
        self.key_lines: dict[int, dict[Any, int]] = {}

    def load(self) -> Any:
        """The one document, refusing a node reached twice (that is what an alias makes)."""
        node = self.get_single_node()
        if node is None:
            return None
        seen: set[int] = set()
        stack: list[tuple[yaml.Node, yaml.Node]] = [(node, node)]
        while stack:
            current, where = stack.pop()
            if id(current) in seen:
                raise yaml.composer.ComposerError(
                    None, None, "anchors and aliases are not allowed in rule files",
                    where.start_mark)
            seen.add(id(current))
            # Pushed in reverse, so that nodes are met in document order: the second use is
            # the alias, and its line is the one reported.
            if isinstance(current, yaml.MappingNode):
                for key, value in reversed(current.value):
                    stack += [(value, key), (key, key)]
            elif isinstance(current, yaml.SequenceNode):
                stack += [(item, item) for item in reversed(current.value)]
        return self.construct_document(node)

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


LineLoader.add_constructor("tag:yaml.org,2002:map", LineLoader.construct_line_map)
LineLoader.add_constructor("tag:yaml.org,2002:seq", LineLoader.construct_line_seq)


# Times stay text, exactly as a record file would carry them (and `at: 2022-...` unquoted would
# otherwise become a datetime that the record format never has).
LineLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
