"""Slack's Block Kit and message limits, as the mock Web API enforces them.

The mock must reject what Slack rejects, or a test passes while production answers
``invalid_blocks``. Per-field limits live in one table (``LIMITS``) walked by one function
(``limit_errors``); error texts copy Slack's ``response_metadata.messages`` format, e.g.
``[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]``.

Sources: docs.slack.dev Block Kit reference (block/element/view field limits), chat.postMessage
docs (40,000-character ``text``, 50 blocks), views docs (100 blocks).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_TEXT_CHARS = 40_000
# APPROXIMATION: Slack's cumulative msg_blocks_too_long limit is undocumented. Reports put it near
# 12,000-13,300 characters of block text (slackapi/bolt-js#2509, #2867); we measure the compact JSON
# of the blocks, which is a little stricter than counting text alone.
MAX_BLOCKS_JSON_CHARS = 13_000

Kind = Literal["block", "element", "view"]


@dataclass(frozen=True)
class Limit:
    kind: Kind
    type: str  # block/element/view "type", or "*" for any
    path: tuple[str, ...]  # keys from the object; "*" steps into every list item
    max: int
    items: bool = False  # count list items instead of characters


LIMITS: tuple[Limit, ...] = (
    Limit("block", "*", ("block_id",), 255),
    Limit("block", "section", ("text", "text"), 3000),
    Limit("block", "section", ("fields",), 10, items=True),
    Limit("block", "section", ("fields", "*", "text"), 2000),
    Limit("block", "header", ("text", "text"), 150),
    Limit("block", "context", ("elements",), 10, items=True),
    Limit("block", "context", ("elements", "*", "text"), 3000),
    Limit("block", "actions", ("elements",), 25, items=True),
    Limit("element", "*", ("action_id",), 255),
    Limit("element", "button", ("text", "text"), 75),
    Limit("element", "button", ("value",), 2000),
    Limit("element", "button", ("url",), 3000),
    Limit("view", "*", ("callback_id",), 255),
    Limit("view", "*", ("private_metadata",), 3000),
    Limit("view", "modal", ("title", "text"), 24),
    Limit("view", "modal", ("submit", "text"), 24),
    Limit("view", "modal", ("close", "text"), 24),
)


def _values(obj: Any, path: tuple[str, ...], pointer: str) -> Iterator[tuple[str, Any]]:
    """Yield (json-pointer, value) for every value the path reaches; missing keys yield nothing."""
    if not path:
        yield pointer, obj
        return
    head, rest = path[0], path[1:]
    if head == "*":
        if isinstance(obj, list):
            for i, item in enumerate(obj):
                yield from _values(item, rest, f"{pointer}/{i}")
    elif isinstance(obj, dict) and head in obj:
        yield from _values(obj[head], rest, f"{pointer}/{head}")


def limit_errors(kind: Kind, obj: Any, pointer: str) -> list[str]:
    """Every LIMITS row matching this object's kind and type, as Slack-style error messages."""
    if not isinstance(obj, dict):
        return [f"[ERROR] must provide an object [json-pointer:{pointer}]"]
    errors: list[str] = []
    for limit in LIMITS:
        if limit.kind != kind or limit.type not in ("*", obj.get("type")):
            continue
        for where, value in _values(obj, limit.path, pointer):
            if limit.items and isinstance(value, list) and len(value) > limit.max:
                errors.append(f"[ERROR] no more than {limit.max} items allowed [json-pointer:{where}]")
            elif not limit.items and isinstance(value, str) and len(value) > limit.max:
                errors.append(f"[ERROR] must be less than {limit.max + 1} characters [json-pointer:{where}]")
    return errors


def _elements(block: dict[str, Any], pointer: str) -> Iterator[tuple[str, Any]]:
    """Interactive elements of a block: section accessory, actions elements, input element."""
    if "accessory" in block:
        yield f"{pointer}/accessory", block["accessory"]
    if "element" in block:
        yield f"{pointer}/element", block["element"]
    if block.get("type") == "actions" and isinstance(block.get("elements"), list):
        for i, element in enumerate(block["elements"]):
            yield f"{pointer}/elements/{i}", element


def block_errors(blocks: Any, *, max_blocks: int, pointer: str = "/blocks") -> list[str]:
    """Count, per-field limits and block_id uniqueness for one message's or view's blocks."""
    if not isinstance(blocks, list):
        return [f"[ERROR] must provide an array [json-pointer:{pointer}]"]
    errors: list[str] = []
    if len(blocks) > max_blocks:
        errors.append(f"[ERROR] no more than {max_blocks} items allowed [json-pointer:{pointer}]")
    seen_ids: set[str] = set()
    for i, block in enumerate(blocks):
        where = f"{pointer}/{i}"
        errors += limit_errors("block", block, where)
        if not isinstance(block, dict):
            continue
        block_id = block.get("block_id")
        if block_id is not None:
            if block_id in seen_ids:
                errors.append(f"[ERROR] duplicate block_id [json-pointer:{where}/block_id]")
            seen_ids.add(block_id)
        for element_at, element in _elements(block, where):
            errors += limit_errors("element", element, element_at)
    return errors


def _failure(error: str, messages: list[str] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"ok": False, "error": error}
    if messages:
        body["response_metadata"] = {"messages": messages}
    return body


def message_error(params: dict[str, Any]) -> dict[str, Any] | None:
    """Slack's answer for an unacceptable chat.postMessage/update/postEphemeral body, else None.

    Order of checks is our choice (Slack does not document it); the more specific
    invalid_blocks is reported before the cumulative msg_blocks_too_long.
    """
    text, blocks, attachments = params.get("text"), params.get("blocks"), params.get("attachments")
    if not text and not blocks and not attachments:  # Slack also accepts attachment-only messages
        return _failure("no_text")
    if isinstance(text, str) and len(text) > MAX_TEXT_CHARS:
        return _failure("msg_too_long")
    if blocks is None:
        return None
    if isinstance(blocks, str):  # a form field that was not valid JSON
        return _failure("invalid_blocks_format")
    errors = block_errors(blocks, max_blocks=MAX_MESSAGE_BLOCKS)
    if errors:
        return _failure("invalid_blocks", errors)
    if len(json.dumps(blocks, separators=(",", ":"), ensure_ascii=False)) > MAX_BLOCKS_JSON_CHARS:
        return _failure("msg_blocks_too_long")
    return None


def view_error(view: Any) -> dict[str, Any] | None:
    """Slack's answer for an unacceptable views.open/push/update/publish ``view``, else None.

    Slack reports view problems (including bad blocks) as ``invalid_arguments``, not
    ``invalid_blocks``, with json-pointers under ``/view``.
    """
    if not isinstance(view, dict):
        return _failure("invalid_arguments", ["[ERROR] must provide an object [json-pointer:/view]"])
    if view.get("type") not in ("modal", "home"):
        return _failure("invalid_arguments", ["[ERROR] must be one of modal, home [json-pointer:/view/type]"])
    errors = limit_errors("view", view, "/view")
    errors += block_errors(view.get("blocks", []), max_blocks=MAX_VIEW_BLOCKS, pointer="/view/blocks")
    return _failure("invalid_arguments", errors) if errors else None
