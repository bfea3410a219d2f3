"""Pinned tool definitions: a tool's definition as its MCP server describes it (name, description, input
schema, annotations), hashed over canonical JSON. A proposal stores the hash it was made with, and the
execution refuses to run when the server now describes the tool differently (bot/missions/execution.py);
`missionbot tools <worker> --pin` writes the hashes to `<worker>.pins.yml` beside the config, and
`missionbot check` reports a tool whose definition moved away from its pin.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import yaml

PINS_SUFFIX = ".pins.yml"


def definition_hash(
    *, name: str, description: str, input_schema: dict[str, Any], annotations: dict[str, Any]
) -> str:
    """sha256 of the definition as canonical JSON (sorted keys, no spaces): key order and whitespace in
    the server's answer do not count, every word of the description and every schema field does."""
    definition = {
        "name": name,
        "description": description,
        "input_schema": input_schema,
        "annotations": annotations,
    }
    canonical = json.dumps(definition, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


def pins_path(config: Path) -> Path:
    """`worker_configs/support-triage.yml` -> `worker_configs/support-triage.pins.yml`."""
    return config.with_name(config.name.removesuffix(config.suffix) + PINS_SUFFIX)


def is_pins_file(path: Path) -> bool:
    return path.name.endswith(PINS_SUFFIX)


def read_pins(path: Path) -> dict[str, str]:
    """The pinned hashes by tool (`server.tool`); none when the file does not exist."""
    if not path.is_file():
        return {}
    data = yaml.safe_load(path.read_text()) or {}
    tools = data.get("tools") if isinstance(data, dict) else None
    return {str(k): str(v) for k, v in (tools or {}).items()}


def write_pins(path: Path, *, worker: str, hashes: dict[str, str]) -> None:
    header = (
        f"# Pinned MCP tool definitions of {worker}, written by `missionbot tools {worker} --pin`.\n"
        "# `missionbot check` reports a tool whose definition no longer matches; commit this file.\n"
    )
    path.write_text(header + yaml.safe_dump({"tools": dict(sorted(hashes.items()))}, sort_keys=False))
