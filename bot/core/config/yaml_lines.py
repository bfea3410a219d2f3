"""Read worker-config YAML within limits, and map an error location (('tools', 'x', 'tier')) to its line.

Aliases stay allowed: configs legitimately share an approver list or a condition between tools. A cap on
their number alone would not stop a "billion laughs" (nine levels of ten aliases expand to 10^9 nodes from
90 aliases), so the document is measured as it would be expanded, before anything is constructed or
validated, and refused past `MAX_NODES`; recursive aliases, deep nesting and big files are refused too.
Every refusal carries the line it is about.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import yaml
from yaml.events import AliasEvent

MAX_BYTES = 256 * 1024
MAX_ALIASES = 50
MAX_DEPTH = 64
MAX_NODES = 50_000  # counting every alias as a copy of what it names


class YamlLimitError(yaml.MarkedYAMLError):
    """The document is over one of the limits above (a bomb, or a config far bigger than any real one)."""


class _BoundedLoader(yaml.SafeLoader):
    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.aliases = 0
        self.depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        if self.check_event(AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                mark = self.peek_event().start_mark
                raise YamlLimitError(problem=f"more than {MAX_ALIASES} aliases", problem_mark=mark)
        self.depth += 1
        if self.depth > MAX_DEPTH:
            mark = self.peek_event().start_mark
            raise YamlLimitError(problem=f"nested deeper than {MAX_DEPTH} levels", problem_mark=mark)
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def load(text: str) -> tuple[yaml.Node | None, Any]:
    """The document's node tree (for lines) and its data; YAMLError (YamlLimitError past a limit)."""
    if len(text.encode()) > MAX_BYTES:
        raise YamlLimitError(problem=f"the file is larger than {MAX_BYTES // 1024} KiB")
    loader = _BoundedLoader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return None, None
        _check_expansion(root)
        return root, loader.construct_document(root)
    finally:
        loader.dispose()


def compose(text: str) -> yaml.Node | None:
    return load(text)[0]


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _check_expansion(root: yaml.Node) -> None:
    """Count nodes as if every alias were copied out; linear in the document (each node measured once)."""
    sizes: dict[int, int] = {}
    open_: set[int] = set()  # nodes being measured: meeting one again below itself is a cycle
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, measured = stack.pop()
        if measured:
            open_.discard(id(node))
            sizes[id(node)] = 1 + sum(sizes[id(child)] for child in _children(node))
            if sizes[id(node)] > MAX_NODES:
                raise YamlLimitError(
                    problem=f"expands to more than {MAX_NODES:,} values (aliases inside aliases)",
                    problem_mark=node.start_mark,
                )
            continue
        if id(node) in sizes:
            continue
        if id(node) in open_:
            raise YamlLimitError(
                problem="a recursive alias (a node that contains itself)", problem_mark=node.start_mark
            )
        open_.add(id(node))
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node))


def line_of(root: yaml.Node | None, loc: Sequence[str | int]) -> int | None:
    """1-based line of the deepest node along `loc` that exists in the document."""
    node = root
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        if node is None:
            break
        if isinstance(node, yaml.MappingNode):
            match = next(((k, v) for k, v in node.value if k.value == str(part)), None)
            if match is None:
                break
            key, node = match
            line = key.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line
