"""Map a pydantic error location (('tools', 'x', 'tier')) back to its line in the YAML source."""

from __future__ import annotations

from collections.abc import Sequence

import yaml


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


def compose(text: str) -> yaml.Node | None:
    return yaml.compose(text, Loader=yaml.SafeLoader)
