"""`_people.yml` and `_groups.yml`: one person's accounts across Slack and Teams, and the approver groups."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

from bot.core.config.primitives import Strict


def _teams_mris(mris: list[str]) -> list[str]:
    bad = [m for m in mris if not m.startswith("29:")]
    if bad:
        raise ValueError(f"a Teams MRI starts with 29: (not {', '.join(bad)})")
    return mris


TeamsMris = Annotated[list[str], AfterValidator(_teams_mris)]


class Person(Strict):
    """One person's accounts on every platform: four-eyes and "who asked" compare people, not accounts."""

    name: str = Field(min_length=1)
    email: str | None = None
    slack: list[str] = []  # Slack user ids (U…, W…)
    teams_aad: list[str] = []  # Entra object ids (a Teams activity's from.aadObjectId)
    teams_mri: TeamsMris = []  # Teams MRIs (29:…, a Teams activity's from.id)

    @property
    def accounts(self) -> list[str]:
        return [*self.slack, *self.teams_aad, *self.teams_mri]


class PeopleFile(Strict):
    """`worker_configs/_people.yml`: who is who across Slack and Teams."""

    people: list[Person] = []


class GroupDef(Strict):
    """One approver group (`worker_configs/_groups.yml`): accounts of every platform side by side, and/or a
    Slack user group whose live members (cached, bot/core/groups.py) count too."""

    slack: list[str] = []
    teams_aad: list[str] = []
    teams_mri: TeamsMris = []
    slack_usergroup: str | None = Field(default=None, pattern=r"^S[A-Z0-9]+$")

    @property
    def accounts(self) -> list[str]:
        return [*self.slack, *self.teams_aad, *self.teams_mri]


class GroupsFile(Strict):
    """`worker_configs/_groups.yml`: approver groups, named in `escalation.approvers` as `@name`."""

    groups: dict[Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")], GroupDef] = {}
