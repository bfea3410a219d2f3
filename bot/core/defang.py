"""Make untrusted text (model output, tool results, tool names, argument keys, errors) unable to ping or link.

Platform-neutral: the Slack renderer still escapes mrkdwn (`bot/platforms/slack/mrkdwn.py`); this runs before
text reaches any messenger, so the console, Teams and Slack all receive it inert.

Text for people is typed at the boundary: a `ProductText` is a template the product wrote (it may mention
the ids the product resolved, e.g. "@U0OWNER1" from the config) whose untrusted parts were defanged when it
was composed (`product`, `join`). Any other string is untrusted as a whole: `shown` defangs it entirely,
so a caller that forgets to type its text loses a mention, never leaks a link.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable
from typing import Any

from bot.core.string_tree import map_strings
from bot.core.tlds import TLDS

_ZW = "\u200b"  # a zero-width space after "@" breaks every platform's mention parser, and reads the same
_SLACK_SPECIAL = re.compile(r"<!([a-z^][^>|]*)(?:\|([^>]*))?>", re.IGNORECASE)  # <!channel>, <!subteam^S1|x>
_SLACK_USER = re.compile(r"<@([A-Z0-9]+)(?:\|[^>]*)?>")
_SLACK_CHANNEL = re.compile(r"<#([A-Z0-9]+)(?:\|([^>]*))?>")
_SLACK_LINK = re.compile(
    r"<([a-z][a-z0-9+.-]*:[^>|]*)(?:\|([^>]*))?>", re.IGNORECASE
)  # <https://x|y>, <mailto:…>
_TEAMS_AT = re.compile(r"</?at\b[^>]*>", re.IGNORECASE)
_HTML_LINK = re.compile(r"</?a\b[^>]*>", re.IGNORECASE)
_MD_LINK = re.compile(r"!?\[([^\]\n]*)\]\(([^)\n]*)\)")  # [x](evil-pay.com/login), ![img](…)
_MD_REF = re.compile(r"^[ \t]*\[[^\]\n]+\]:[ \t]*\S+", re.MULTILINE)  # [1]: evil.com (a reference definition)
_BROADCAST = re.compile(r"@(channel|here|everyone|all)\b", re.IGNORECASE)
_USER_REF = re.compile(r"@([UW][A-Z0-9]{2,})\b")
_URL = re.compile(
    r"\b(?:[a-z][a-z0-9+.-]*://|www\.|mailto:|javascript:|data:[a-z]+/)\S*"
    r"|(?<![\w:/])//[\w-]+\.\S*",
    re.IGNORECASE,
)  # also protocol-relative "//evil.com/x"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
# A host with a path or port is a link whatever its last label; a bare host is one when its TLD is real.
_HOST_PATH = re.compile(
    rf"(?<![\w/.@-])(?:{_LABEL}\.)+[A-Za-z][A-Za-z0-9-]+(?::\d+)?[/?#]\S*"
    r"|(?<![\w/.])\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?(?:[/?#]\S*)?"
)
_HOST = re.compile(rf"(?<![\w./\\-])((?:{_LABEL}\.)+)((?:xn--)?[A-Za-z][A-Za-z0-9-]*)(?![\w-])")
# What is left of Slack markup ("<@", "<!", "<#", "<https:") or an HTML/Teams tag ("<a", "<at") once
# the closed forms are gone: never markup, even if a later message closed it.
_ANGLE_SIGIL = re.compile(r"<(?=[@!#]|at?\b|https?:)", re.IGNORECASE)
LINK_REMOVED = "[link removed]"
_SHORT = 200  # texts up to this length are remembered: tool names, keys, ids and field values recur


class ProductText(str):
    """Text the product wrote, whose untrusted parts are already defanged:
    its own `@U…` may become mentions."""


def defang_broadcasts(text: str) -> str:
    """Broadcast mentions in any platform syntax become plain words. Core text keeps its own @U… refs."""
    text = _SLACK_SPECIAL.sub(
        lambda m: "@" + _ZW + (m.group(2) or m.group(1).split("^")[0]).lstrip("@"), text
    )
    text = _SLACK_USER.sub(lambda m: "@" + _ZW + m.group(1), text)
    text = _TEAMS_AT.sub("", text)
    return _BROADCAST.sub(lambda m: "@" + _ZW + m.group(1), text)


def _bare_host(match: re.Match[str]) -> str:
    labels, tld = match.group(1), match.group(2)
    if tld.lower() not in TLDS and not tld.lower().startswith("xn--"):
        return match.group(0)
    return labels[:-1].replace(".", "[.]") + "[.]" + tld  # "evil[.]com": readable, never linked


def defang(text: str) -> str:
    """Untrusted text: no broadcast, no mention of a person, no link (with or without a scheme), no markup.
    Idempotent: a rule's output may meet an earlier rule, so it runs until nothing changes
    (twice, nearly always)."""
    return _defang_short(text) if len(text) <= _SHORT else _defang(text)


def _defang(text: str) -> str:
    for _ in range(4):
        done = _defang_once(text)
        if done == text:
            break
        text = done
    return text


# Pure, so short texts are remembered (typed: a `ProductText` keeps its own entry and comes back as it was).
_defang_short = functools.lru_cache(maxsize=4096, typed=True)(_defang)


def _defang_once(text: str) -> str:
    text = _SLACK_LINK.sub(lambda m: f"{m.group(2) or ''} {LINK_REMOVED}".strip(), text)
    text = _SLACK_CHANNEL.sub(lambda m: "#" + (m.group(2) or m.group(1)), text)
    text = _MD_LINK.sub(lambda m: f"{m.group(1)} {LINK_REMOVED}".strip(), text).replace("](", "] (")
    text = _MD_REF.sub(LINK_REMOVED, text)
    text = _HTML_LINK.sub("", text)
    text = defang_broadcasts(text)
    text = _USER_REF.sub(lambda m: "@" + _ZW + m.group(1), text)
    text = _URL.sub(LINK_REMOVED, text)
    text = _HOST_PATH.sub(LINK_REMOVED, text)
    text = _HOST.sub(_bare_host, text)
    return _ANGLE_SIGIL.sub("<" + _ZW, text)


def defang_value(value: Any) -> Any:
    return map_strings(defang, value)


def as_text(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


def trusted(text: str) -> ProductText:
    """Text written entirely by the product from its own config and ids (an approvers list, a status)."""
    return ProductText(text)


def product(template: str, /, **untrusted: object) -> ProductText:
    """The product's `template` (str.format fields) filled with untrusted parts, each defanged."""
    return ProductText(template.format_map({k: defang(as_text(v)) for k, v in untrusted.items()}))


def join(separator: str, parts: Iterable[str]) -> ProductText:
    """Join product lines and untrusted ones: only `ProductText` parts keep their mentions."""
    return ProductText(separator.join(shown(p) for p in parts))


def shown(text: str) -> str:
    """What a person may see of `text`: product text keeps its mentions, anything else is defanged whole."""
    return defang_broadcasts(text) if isinstance(text, ProductText) else defang(text)
