"""The inputs of "Approve with changes" on a card: each `editable:` argument with its current value and
bounds, for the renderers (a Slack modal, Adaptive Card inputs, the console's hint). The rule that judges
the submitted values is bot/core/policy/edits.py.

A card also carries the version of the arguments it shows (`Proposal.args_version`, bumped by each edit)
on its Approve button (Slack: the value `<proposal>#v<n>`; Teams: the action's data; the shell: the card
it printed last). The decision compares it inside its transaction (`refuse_if_stale`), so a plain
Approve pressed on a copy shown before an edit never counts toward the edited arguments. A batch list
carries the same value on each item (Slack's checkbox option, Teams' choice; `versions_of`).
"""

from __future__ import annotations

from pydantic import BaseModel, TypeAdapter, ValidationError

from bot.core.config.models import WorkerConfig
from bot.core.errors import BadRequest
from bot.core.inputs import Id
from bot.core.messages import label, value_text
from bot.core.models import Proposal
from bot.core.redact import Redactor


class EditField(BaseModel):
    name: str  # the argument, as submitted back
    label: str
    value: str  # the current value, redacted like the card's facts
    number: bool
    low: float | None = None  # gte (or gt) bound, for an input's min
    high: float | None = None  # lte (or lt) bound, for an input's max
    max_length: int | None = None

    @property
    def hint(self) -> str:
        """ "0 to 250", "at most 80 characters", "": the bounds in words, next to the input."""
        if self.number and (self.low is not None or self.high is not None):
            low = "" if self.low is None else f"{self.low:g}"
            high = "" if self.high is None else f"{self.high:g}"
            return f"{low} to {high}" if low and high else f"at least {low}" if low else f"at most {high}"
        return f"at most {self.max_length} characters" if self.max_length else ""


def _text(value: object) -> str:
    """A number as an input takes it (no thousands separator), anything else as the card shows it."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value:g}" if isinstance(value, float) else str(value)
    return "" if value is None else value_text(value)


def edit_fields(proposal: Proposal, worker: WorkerConfig, redactor: Redactor) -> list[EditField]:
    """The card's editable arguments, while it waits (none for a tool without `editable:`)."""
    policy = worker.policy(proposal.tool)
    if policy is None or proposal.status != "pending":  # a shadow approver may answer with changes too
        return []
    shown = redactor.value(proposal.args)
    fields = []
    for name, bounds in policy.editable.items():
        current = proposal.args.get(name)
        numeric = any(v is not None for v in (bounds.gte, bounds.lte, bounds.gt, bounds.lt))
        fields.append(
            EditField(
                name=name,
                label=label(name),
                value=_text(shown.get(name)),
                number=numeric or (isinstance(current, int | float) and not isinstance(current, bool)),
                low=bounds.gte if bounds.gte is not None else bounds.gt,
                high=bounds.lte if bounds.lte is not None else bounds.lt,
                max_length=bounds.max_length,
            )
        )
    return fields


STALE = "The arguments changed since this card was shown: look again."
_MARK = "#v"
_IDS: TypeAdapter[list[Id]] = TypeAdapter(list[Id])


class Stale(BadRequest):
    """An approval made on a card (or list) showing arguments edited since: a batch names it apart."""


def versioned(proposal_id: str, version: int) -> str:
    """A button value naming the proposal and the arguments' version shown with it: `M-1-s5#v2`."""
    return f"{proposal_id}{_MARK}{version}"


def unversioned(value: str) -> tuple[str, int | None]:
    """(proposal id, version or None) from a button value; a card posted before versions had none."""
    proposal_id, mark, version = value.rpartition(_MARK)
    if not mark or not version.isdigit():
        return value, None
    return proposal_id, int(version)


def version_of(raw: object) -> int | None:
    """A version sent back as data (Teams), if it is one."""
    text = str(raw) if isinstance(raw, int | str) and not isinstance(raw, bool) else ""
    return int(text) if text.isdigit() and len(text) < 10 else None


def refuse_if_stale(proposal: Proposal, seen: int | None) -> None:
    """Called inside the decision's transaction: an approval made on a card showing other arguments
    (`seen`, None: not known) is refused, whatever the approvals already counted."""
    if seen is not None and seen != proposal.args_version:
        raise Stale(STALE)


def versions_of(values: list[object]) -> dict[str, int | None]:
    """{proposal id: version shown} of a batch list's ticked values (`<id>#v<n>`, a bare id from a list
    rendered before versions), in order; ValueError when one is not an id."""
    split = [unversioned(v) if isinstance(v, str) else (v, None) for v in values]
    try:
        ids = _IDS.validate_python([i for i, _ in split])
    except ValidationError:
        raise ValueError("malformed selection") from None
    return dict(zip(ids, (v for _, v in split), strict=True))
