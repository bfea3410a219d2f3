"""The platform-neutral words of what people read: a card's state header, labelled facts, rules in plain
words, a mission's outcome and its status line. Renderers (Block Kit, Adaptive Cards, console text) choose
the markup; nothing here is Slack, Teams or console syntax.

People are never baked into text: a `Who` callable (Slack mention, Teams name, console `@id`) names them
when a renderer builds its words, so one model serves every platform.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from bot.core.errors import AlreadyDecided

Who = Callable[[str], str]  # a user id -> how this platform shows that person
PLATFORM_NAMES = {"slack": "Slack", "teams": "Teams", "console": "the console"}  # "decided on …"
SYSTEM = "the system"  # the actor of what no person did (a mission closed, an expiry)


def at_id(user: str) -> str:
    """The neutral way to show a person: the core's `@id` marker (Slack turns `@U…` into a mention)."""
    return "auto-approval" if user == "auto" else f"@{user}"


_ACRONYMS = {"id", "api", "url", "sla", "ip"}


def label(name: str) -> str:
    """An argument name as a fact label: `account_id` -> "Account ID"."""
    words = [
        (w.upper() if w.lower() in _ACRONYMS else w) for w in name.replace("_", " ").replace("-", " ").split()
    ]
    text = " ".join(words)
    return text[:1].upper() + text[1:] if text else name


def value_text(value: object) -> str:
    """An argument's value as people read it: 40.0 shows as 40, the same on a card and in a verdict."""
    return value if isinstance(value, str) else format(value, "g") if isinstance(value, float) else str(value)


def reason_words(code: str | None) -> str:
    """A reason code as people say it: `wrong_amount` -> "wrong amount"."""
    return (code or "").replace("_", " ")


_TIER_WORDS = {
    "write": "it changes data",
    "execute": "it acts for real",
}


def rule_words(rule: str | None, *, tier: str) -> str:
    """Why a person is asked, in plain words instead of the gate's shorthand (policy/tool_gate.py)."""
    if not rule or rule.endswith("tier needs an approver"):
        return f"An approver must say yes before this runs ({_TIER_WORDS.get(tier, 'it changes something')})."
    if rule.startswith("forbid: "):
        return f"Not allowed: the owner blocks this when {rule.removeprefix('forbid: ')}."
    if rule.startswith("auto_approve: "):
        return f"Approved automatically: the owner allows it when {rule.removeprefix('auto_approve: ')}."
    if rule.startswith("shadow mode"):
        return "Shadow mode: nothing runs whatever you choose; your answer trains the worker."
    if rule == "kill switch is pulled":
        return "The owner has stopped this worker."
    if rule.endswith(" is forbidden"):
        return "The owner forbids this action."
    if rule.endswith(" is not listed under tools"):
        return "This worker may not use it (not in its config)."
    return rule[:1].upper() + rule[1:]


# A mission's outcome: its own icon and word, shared by the status line and the verdict.
OUTCOMES = {
    "resolved": ("✅", "Resolved"),
    "rejected": ("✋", "Rejected"),
    "expired": ("⌛", "Expired"),
    "halted": ("🛑", "Halted"),
    "cancelled": ("⏹", "Cancelled"),
    "failed": ("⛔", "Failed"),
    "refused": ("🚫", "Refused"),
    "closed": ("⏹", "Closed"),
    "done": ("☑️", "Done"),
}


def outcome(mission_status: str, proposal_statuses: Iterable[str], *, refused: bool = False) -> str:
    """Resolved only when something ran; a rejection is never shown as a success. `refused`: the gate
    refused a tool call (the verdict knows)."""
    if mission_status in {"failed", "halted", "cancelled", "expired"}:
        return mission_status
    statuses = set(proposal_statuses)
    for status, name in (
        ("executed", "resolved"),
        ("failed", "failed"),
        ("rejected", "rejected"),
        ("halted", "halted"),
        ("expired", "expired"),
    ):
        if status in statuses:
            return name
    return "closed" if statuses else "refused" if refused else "done"


def status_line(display_name: str, mission_id: str, state: str) -> str:
    """The message at the top of a thread: the worker's display name, the mission id, the outcome's icon."""
    icon, word = OUTCOMES.get(state, ("⏳", state[:1].upper() + state[1:]))
    return f"{icon} {display_name} · mission {mission_id}: {word}"


def already_decided(err: AlreadyDecided, *, who: Who = at_id) -> str:
    """Why a click changed nothing: "Already rejected by @U0OWNER1 at 2026-11-21 19:55 UTC; nothing changed."
    A closed mission has no person behind it: no "by"."""
    status = err.status.replace("_", " ")
    by = f" by {who(err.by)}" if err.by and err.by != SYSTEM else ""
    return f"Already {status}{by} at {err.at}; nothing changed."
