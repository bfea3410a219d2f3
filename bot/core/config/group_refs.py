"""`worker_configs/_groups.yml` and the group references of each worker, located with file and line.

A worker names a group in `escalation.approvers`/`backup` as `@name` (defined in `_groups.yml`) or as a
Slack user group id `S…` (its members come from Slack at run time), and in a tool's `from_groups` by name.
An unknown name, or a defined group with no account and no Slack user group, is an error: a card nobody
may decide would wait for the escalation ladder to expire it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

from bot.core.config.file_issues import Loc, read_model
from bot.core.config.models import WorkerConfig
from bot.core.config.people import GroupDef, GroupsFile

GROUPS_FILE = "_groups.yml"


def load_groups(directory: Path) -> dict[str, GroupDef]:
    """`_groups.yml` of the directory (none: no groups); ConfigError with file and line."""
    path = directory / GROUPS_FILE
    if not path.is_file():
        return {}
    return read_model(path, GroupsFile)[1].groups


def _is_slack_group_id(entry: str) -> bool:
    return entry.startswith("S") and entry[1:].isalnum() and entry.isupper() and len(entry) > 2


def group_problems(worker: WorkerConfig, groups: Mapping[str, GroupDef]) -> Iterator[tuple[Loc, str]]:
    """Every group a worker names exists and has somebody in it."""

    def check(loc: Loc, name: str) -> Iterator[tuple[Loc, str]]:
        group = groups.get(name)
        if group is None:
            known = ", ".join(sorted(groups)) or f"none; define groups in {GROUPS_FILE}"
            yield loc, f"unknown group {name!r} (known: {known})"
        elif not group.accounts and not group.slack_usergroup:
            yield loc, f"group {name!r} is empty: list accounts or a slack_usergroup in {GROUPS_FILE}"

    for field in ("approvers", "backup"):
        for i, entry in enumerate(getattr(worker.escalation, field)):
            if entry.startswith("@"):
                yield from check(("escalation", field, i), entry[1:])
    for i, entry in enumerate(worker.requesters):
        if entry.startswith("@"):
            yield from check(("requesters", i), entry[1:])
    for tool, policy in worker.tools.items():
        for i, name in enumerate(policy.from_groups):
            if not _is_slack_group_id(name):
                yield from check(("tools", tool, "from_groups", i), name.removeprefix("@"))
        if policy.from_groups and len(policy.from_groups) != policy.approvals_required:
            yield (
                ("tools", tool, "from_groups"),
                f"from_groups names {len(policy.from_groups)} groups for approvals_required: "
                f"{policy.approvals_required} (one approval from each group)",
            )
