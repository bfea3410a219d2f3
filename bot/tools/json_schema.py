"""A pydantic model from an MCP tool's JSON Schema, so the gate judges MCP arguments as typed values.

Covers what MCP servers publish for tool inputs (flat objects of scalars, arrays and objects);
anything richer is accepted as-is rather than guessed at.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, create_model

# JSON Schema bounds pydantic can enforce,
# so e.g. `exclusiveMinimum: 0` refuses a zero credit before the gate.
_BOUNDS = {
    "minimum": "ge",
    "maximum": "le",
    "exclusiveMinimum": "gt",
    "exclusiveMaximum": "lt",
    "minLength": "min_length",
    "maxLength": "max_length",
    "pattern": "pattern",
}
_SCALARS: dict[str, Any] = {
    "string": str,
    "integer": int,
    "number": float,
    "boolean": bool,
    "array": list,
    "object": dict,
    "null": type(None),
}


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class _Closed(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _type_of(prop: dict[str, Any]) -> Any:
    kind = prop.get("type")
    if isinstance(kind, list):
        types = tuple(_SCALARS.get(k, Any) for k in kind)
        return Any if Any in types else types[0] if len(types) == 1 else _union(types)
    if kind is None and "anyOf" in prop:
        return _union(tuple(_type_of(p) for p in prop["anyOf"]))
    return _SCALARS.get(kind, Any) if kind else Any


def _union(types: tuple[Any, ...]) -> Any:
    if Any in types:
        return Any
    result = types[0]
    for t in types[1:]:
        result = result | t
    return result


def model_from_schema(name: str, schema: dict[str, Any] | None) -> type[BaseModel]:
    """Required properties stay required, defaults are kept,
    extra properties are refused if the schema says so."""
    schema = schema or {}
    props: dict[str, Any] = schema.get("properties") or {}
    if not props and schema.get("additionalProperties", True) is not False:
        return create_model(_model_name(name), __base__=_Open)
    required = set(schema.get("required") or [])
    fields: dict[str, Any] = {}
    for prop, spec in props.items():
        annotation = _type_of(spec)
        description = spec.get("description")
        bounds = {
            arg: spec[key]
            for key, arg in _BOUNDS.items()
            if key in spec and isinstance(spec[key], int | float | str)
        }
        if prop in required:
            fields[prop] = (annotation, Field(description=description, **bounds))
        else:
            fields[prop] = (
                annotation | None if annotation is not Any else Any,
                Field(default=spec.get("default"), description=description, **bounds),
            )
    base = _Closed if schema.get("additionalProperties") is False or props else _Open
    return create_model(_model_name(name), __base__=base, **fields)


def _model_name(name: str) -> str:
    return re.sub(r"\W", "_", name).title().replace("_", "") + "Args"


def declares_dry_run(input_schema: Mapping[str, Any]) -> bool:
    """How a dry run is detected: the tool's input schema has a boolean `dry_run` property (the server's
    convention: called with `dry_run: true`, it says what would change and changes nothing)."""
    props = input_schema.get("properties")
    found = props.get("dry_run") if isinstance(props, dict) else None
    return isinstance(found, dict) and found.get("type") == "boolean"
