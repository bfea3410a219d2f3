"""Route a request to a worker and one of its missions: `worker-name:` prefix, channel binding, `match`."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any

from bot.core import regexes
from bot.core.config.models import WorkerConfig

log = logging.getLogger(__name__)

_PREFIX = re.compile(r"^\s*([a-z0-9-]+)\s*:\s*(.*)$", re.DOTALL)
_MENTION = re.compile(r"<@[A-Z0-9]+>|<at>[^<]*</at>")


@dataclass(frozen=True)
class Route:
    worker: WorkerConfig
    mission: str
    text: str
    vars: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class NoRoute:
    candidates: list[WorkerConfig]  # what is available here, for the help answer
    worker: WorkerConfig | None = None  # set when the worker was clear but no mission matched


def clean(text: str) -> str:
    """Drop the bot's own @-mention (Slack `<@U..>`, Teams `<at>..</at>`) and outer whitespace."""
    return _MENTION.sub("", text).strip()


def _match(worker: WorkerConfig, text: str) -> tuple[str, dict[str, Any]] | None:
    for name, spec in worker.missions.items():
        for pattern in spec.match:
            try:
                found = regexes.search(pattern, text)
            except regexes.PatternTimeout as exc:  # a slow pattern is a no-match, never a frozen server
                log.warning("routing to %s/%s: %s; treated as no match", worker.name, name, exc)
                continue
            if found:
                return name, {k: v for k, v in found.groupdict().items() if v is not None}
    return None


def _within(worker: WorkerConfig, text: str) -> Route | NoRoute:
    hit = _match(worker, text)
    if hit:
        return Route(worker=worker, mission=hit[0], text=text, vars=hit[1])
    if len(worker.missions) == 1:
        return Route(worker=worker, mission=next(iter(worker.missions)), text=text)
    return NoRoute(candidates=[worker], worker=worker)


def route(workers: dict[str, WorkerConfig], *, conversation: str, text: str) -> Route | NoRoute:
    text = clean(text)
    prefixed = _PREFIX.match(text)
    if prefixed and prefixed.group(1) in workers:
        return _within(workers[prefixed.group(1)], prefixed.group(2).strip())
    bound = [w for w in workers.values() if conversation in w.channels]
    for worker in bound:
        hit = _match(worker, text)
        if hit:
            return Route(worker=worker, mission=hit[0], text=text, vars=hit[1])
    if len(bound) == 1:
        return _within(bound[0], text)
    for worker in workers.values():
        hit = _match(worker, text)
        if hit:
            return Route(worker=worker, mission=hit[0], text=text, vars=hit[1])
    return NoRoute(candidates=bound or list(workers.values()))


def help_text(result: NoRoute) -> str:
    if result.worker is not None:
        w = result.worker
        lines = [f"{w.display_name} did not recognise that request. It handles:"]
        lines += [f"• {name}: {spec.description}" for name, spec in w.missions.items()]
        return "\n".join(lines)
    lines = ["I could not tell which worker should take that. Available here:"]
    for w in result.candidates:
        lines.append(f"• `{w.name}:` {w.display_name}: {w.description}")
        lines += [f"    – {spec.description}" for spec in w.missions.values()]
    lines.append("Start your message with `worker-name:` to pick one.")
    return "\n".join(lines)
