"""The demo helpdesk's entitlement policy, read from the knowledge document the support worker cites.

`knowledge/support/entitlements.md` is the single source: its "2 Credit caps by tier" subsections give
each tier's hourly rate and cap, so the figures a playbook proposes against and the section an LLM
worker finds by searching are the same text. Edit the document and the helpdesk answers with it.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from bot.core.errors import ToolError

PROJECT = Path(__file__).resolve().parents[2]
DOCUMENT = "knowledge/support/entitlements.md"
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_TIER = re.compile(r"^2\.\d+\s+(?P<tier>\w+)$")
_RATE = re.compile(r"(?P<rate>\d+(?:\.\d+)?)\s+per hour of outage")
_CAP = re.compile(r"maximum credit of\s+(?P<cap>\d+(?:\.\d+)?)")


def _number(text: str) -> float | int:
    value = float(text)
    return int(value) if value.is_integer() else value


@lru_cache(maxsize=4)
def _parse(path: Path, mtime_ns: int) -> dict[str, dict[str, Any]]:
    """Tier -> policy, from every `2.N Tier` section that states a rate and a cap
    (cached per file version)."""
    policies: dict[str, dict[str, Any]] = {}
    title, body = None, []
    for line in [*path.read_text().splitlines(), "# end"]:
        heading = _HEADING.match(line)
        if not heading:
            body.append(line)
            continue
        if title and (tier := _TIER.match(title)):
            text = " ".join(body)
            rate, cap = _RATE.search(text), _CAP.search(text)
            if rate and cap:
                policies[tier["tier"].lower()] = {
                    "max_credit": _number(cap["cap"]),
                    "credit_per_outage_hour": _number(rate["rate"]),
                    "document": DOCUMENT,
                    "section": title,
                    "citation": f"{DOCUMENT} § {title}",
                }
        title, body = heading.group(2), []
    return policies


def policies(root: Path = PROJECT) -> dict[str, dict[str, Any]]:
    path = root / DOCUMENT
    try:
        return _parse(path, path.stat().st_mtime_ns)
    except OSError as exc:
        raise ToolError(f"the entitlement policy document is unreadable: {exc}") from None


def entitlement_policy(tier: str, *, root: Path = PROJECT) -> dict[str, Any]:
    found = policies(root).get(tier.lower())
    if found is None:
        raise ToolError(f"no entitlement policy for tier {tier!r} in {DOCUMENT}")
    return {"tier": tier, **found}
