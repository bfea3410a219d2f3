"""The worker config schema: a worker, its escalation, missions, limits and digest. Its tools' policies are
in bot/core/config/tools.py, people and groups in bot/core/config/people.py."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    Discriminator,
    Field,
    Tag,
    field_validator,
)

from bot.core.config.primitives import Pattern, Strict, Weekday, known_zone
from bot.core.config.tools import Integration, ToolPolicy
from bot.core.formatting import Formats, check_currency, check_locale

Autonomy = Literal["shadow", "assisted", "autonomous"]


class WorkingHours(Strict):
    """The SLA clock runs only inside these hours; outside them escalation waits."""

    days: list[Weekday] = Field(default=["mon", "tue", "wed", "thu", "fri"], min_length=1)
    hours: tuple[int, int] = (9, 17)  # [start, end) local hours
    timezone: str = "UTC"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        return known_zone(name)

    @field_validator("hours")
    @classmethod
    def _ordered(cls, hours: tuple[int, int]) -> tuple[int, int]:
        if not 0 <= hours[0] < hours[1] <= 24:
            raise ValueError("hours is [start, end) with 0 <= start < end <= 24")
        return hours


class Escalation(Strict):
    approvers: list[str] = Field(min_length=1)
    approvals_channel: str | None = None
    response_target_minutes: int = Field(default=30, ge=1)
    backup: list[str] = []
    expire_after_minutes: int = Field(default=1440, ge=1)
    allow_self_approval: bool = False
    reason_codes: list[str] = Field(
        default=["wrong_amount", "policy_violation", "needs_more_info", "other"], min_length=1
    )
    working_hours: WorkingHours | None = None
    # Per platform ({teams: "19:…@thread.tacv2", slack: C0…}): every listed platform with a messenger gets a
    # copy of each card; the first decision wins and every copy flips. Unset: approvals_channel / the thread.
    approvals_channels: dict[str, str] = {}
    # A rejection with one of these codes asks the requester for more and re-proposes with their answer.
    more_info_codes: list[str] = ["needs_more_info"]
    # A proposal nobody decided within expire_after_minutes: `fail` settles it as expired and fails the
    # mission; `escalate_to_owner` sends the card to the owner, who may then decide it for one more window;
    # `keep_pending` leaves it waiting (reminders and the re-route still go out).
    on_expiry: Literal["fail", "escalate_to_owner", "keep_pending"] = "fail"


class ToolStep(Strict):
    tool: str
    args: dict[str, Any] = {}
    save_as: str | None = None


class ObserveStep(Strict):
    observe: str


class ProposeStep(Strict):
    propose: str
    args: dict[str, Any] = {}
    rationale: str = ""
    save_as: str | None = None


def _step_kind(value: Any) -> str | None:
    # Tag a step by its verb so an error names one kind of step, not all three.
    keys = value if isinstance(value, dict) else vars(value)
    return next((k for k in ("tool", "observe", "propose") if k in keys), None)


Step = Annotated[
    Annotated[ToolStep, Tag("tool")]
    | Annotated[ObserveStep, Tag("observe")]
    | Annotated[ProposeStep, Tag("propose")],
    Discriminator(
        _step_kind,
        custom_error_type="step",
        custom_error_message="a step needs one of tool, observe, propose",
    ),
]


class MissionSpec(Strict):
    description: str
    match: list[Pattern] = []
    instructions: str | None = None
    steps: list[Step] = Field(default=[], max_length=5)
    verdict: str | None = None


class KnowledgeSource(Strict):
    # Relative paths: the config file's directory first, then its parent
    # (see bot/tools/knowledge.py `resolve`).
    path: str = Field(min_length=1)


class Limits(Strict):
    missions_per_hour: int = Field(default=120, ge=1)
    concurrency: int = Field(default=4, ge=1)
    weekly_token_budget: int = Field(default=2_000_000, ge=0)
    # Enforced before every model call of an agent mission (0: no cap); tool calls beyond these are not run.
    tokens_per_mission: int = Field(default=250_000, ge=0)
    tool_calls_per_turn: int = Field(default=8, ge=1)
    tool_calls_per_mission: int = Field(default=40, ge=1)
    missions_per_person_per_hour: int = Field(default=0, ge=0)  # 0: no cap (bot/missions/requesters.py)


class ErrorBudget(Strict):
    max_reject_rate: float = Field(default=0.2, ge=0, le=1)
    window_days: int = Field(default=7, ge=1)


class DigestSchedule(Strict):
    """When the weekly digest goes out, in the manager's timezone, and through which platform."""

    day: Weekday = "mon"
    hour: int = Field(default=9, ge=0, le=23)
    timezone: str = "UTC"
    platform: str = "console"
    # An estimate the owner states: minutes a person would have spent, per mission kind or per executed tool.
    minutes_saved_per_mission: dict[str, Annotated[float, Field(ge=0, le=10_000)]] = {}

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        return known_zone(name)


class Promotion(Strict):
    """Evidence the digest needs before it suggests an auto_approve rule (never applied automatically)."""

    min_decisions: int = Field(default=20, ge=1)
    min_acceptance: float = Field(default=0.95, ge=0, le=1)


# A mission job is killed by RQ after 600 s (bot/core/queueing.py); one model call, retries included,
# ends well before.
MODEL_CALL_BOUND_SECONDS = 360


class Identity(Strict):
    """How the worker appears in chat: Slack `username`/`icon_*` (chat:write.customize), Teams card header."""

    icon_emoji: str | None = Field(default=None, pattern=r"^:[a-z0-9_+'-]+:$")
    icon_url: str | None = Field(default=None, pattern=r"^https://\S+$")


class WorkerConfig(Strict):
    name: str = Field(pattern=r"^[a-z0-9-]+$")
    display_name: str
    description: str
    owner: str
    digest_channel: str | None = None
    channels: list[str] = []
    requesters: list[str] = []  # who may start missions (people or groups); empty: anyone in its channels
    autonomy: Autonomy = "assisted"
    model: str = "playbook"
    # Each model call: the provider's HTTP timeout, then at most this many retries (timeouts, 429, 5xx,
    # connection errors), so a silent provider holds a worker for at most timeout x (retries + 1) + backoff.
    model_timeout_seconds: float = Field(default=60, gt=0, le=300)
    model_max_retries: int = Field(default=2, ge=0, le=5)
    escalation: Escalation
    integrations: dict[str, Integration] = {}
    tools: dict[str, ToolPolicy] = {}
    knowledge: list[KnowledgeSource] = []
    limits: Limits = Limits()
    error_budget: ErrorBudget = ErrorBudget()
    digest: DigestSchedule = DigestSchedule()
    promotion: Promotion | None = None
    missions: dict[str, MissionSpec] = Field(min_length=1)
    identity: Identity = Identity()
    # How numbers, money and times read when the reader's platform gives no locale.
    locale: Annotated[str, AfterValidator(check_locale)] = "en-US"
    currency: Annotated[str, AfterValidator(check_currency)] = "USD"
    timezone: str = "UTC"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        return known_zone(name)

    @property
    def formats(self) -> Formats:
        return Formats(locale=self.locale, currency=self.currency, timezone=self.timezone)

    def field_format(self, tool: str, field: str) -> str:
        policy = self.tools.get(tool)
        spec = policy.fields.get(field) if policy else None
        return spec.format if spec else "auto"

    @property
    def is_playbook(self) -> bool:
        return self.model == "playbook"

    def policy(self, tool: str) -> ToolPolicy | None:
        return self.tools.get(tool)
