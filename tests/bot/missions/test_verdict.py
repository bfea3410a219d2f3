"""The verdict states the facts from the store: what ran, who decided, what was refused; only the product's
own words keep their mentions, and arguments are shown redacted."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core.config import load_workers
from bot.core.defang import ProductText, trusted
from bot.core.models import Mission, Proposal
from bot.missions.verdict import compose
from tests.bot.core.config.shipped import ROOT

NOW = datetime(2026, 3, 2, 10, tzinfo=UTC)
ZW = "\u200b"


def mission(**changes) -> Mission:
    base = dict(
        id="M-ABC234",
        worker="support-triage",
        mission="triage_escalation",
        platform="console",
        conversation="C0SUPPORT",
        thread=None,
        requester="U0AGENT",
        text="ESC-1042",
        created_at=NOW,
        updated_at=NOW,
    )
    return Mission(**{**base, **changes})


def proposal(status: str, **changes) -> Proposal:
    base = dict(
        id=f"P-{status}",
        mission_id="M-ABC234",
        worker="support-triage",
        tool="helpdesk.issue_credit",
        args={"amount": 40},
        tier="execute",
        requester="U0AGENT",
        created_at=NOW,
        status=status,
    )
    return Proposal(**{**base, **changes})


def test_the_head_says_how_the_mission_ended():
    def head(**kw) -> str:
        return compose(mission(), planner_text=None, **kw).splitlines()[0]

    # Neutral text (no platform markup), the outcome's own icon: never ✅ for a rejection.
    assert head(proposals=[], refusals=[], failed=False) == "☑️ Verdict for mission M-ABC234: Done."
    executed = head(proposals=[proposal("executed", decided_by="U0OWNER1")], refusals=[], failed=False)
    assert executed == "✅ Verdict for mission M-ABC234: Resolved."
    rejected = head(proposals=[proposal("rejected", decided_by="U0OWNER1")], refusals=[], failed=False)
    assert rejected == "✋ Verdict for mission M-ABC234: Rejected."
    assert head(proposals=[proposal("expired")], refusals=[], failed=False).endswith("Expired.")
    assert head(proposals=[proposal("halted", halted_by="U0MANAGER")], refusals=[], failed=False).startswith(
        "🛑"
    )
    assert head(proposals=[], refusals=["x"], failed=False) == "🚫 Verdict for mission M-ABC234: Refused."
    assert head(proposals=[], refusals=["x"], failed=True).endswith("Failed.")


def test_each_proposal_line_names_who_decided_and_what_happened():
    text = compose(
        mission(tokens=1234),
        [
            proposal("executed", decided_by="U0OWNER1"),
            proposal("executed", id="P-auto", decided_by="auto", rule="amount ≤ 50"),
            proposal("rejected", decided_by="U0OWNER2", reason_code="wrong_amount", comment="too high"),
            proposal("failed", decided_by="U0OWNER1", error="helpdesk down"),
            proposal("halted", halted_by="U0MANAGER", args={"amount": 40.0}),
        ],
        refusals=["helpdesk.delete_account (tier forbidden)"],
        planner_text=None,
        failed=False,
    )
    assert isinstance(text, ProductText)
    lines = text.splitlines()[1:]
    assert lines[0] == "✅ helpdesk.issue_credit (Amount: 40) was executed, approved by @U0OWNER1"
    assert (
        lines[1] == "✅ helpdesk.issue_credit (Amount: 40) was executed, approved automatically (amount ≤ 50)"
    )
    assert lines[2] == (
        "✋ helpdesk.issue_credit (Amount: 40) was rejected by @U0OWNER2 (wrong amount: too high)"
        "; nothing was done"
    )
    assert (
        lines[3]
        == "⛔ helpdesk.issue_credit (Amount: 40) was approved by @U0OWNER1 but failed: helpdesk down"
    )
    # who pulled the switch, and 40.0 reads 40 as on the card
    assert lines[4] == (
        "🛑 helpdesk.issue_credit (Amount: 40) was halted: @U0MANAGER pulled the kill switch"
        "; nothing was done"
    )
    assert lines[5] == "🚫 Refused: helpdesk.delete_account (tier forbidden)"
    assert lines[6] == "Tokens used: 1,234"


def test_untrusted_parts_are_defanged_and_secrets_redacted():
    text = compose(
        mission(),
        [proposal("failed", decided_by="U0OWNER1", args={"api_key": "k-1"}, error="see evil.com @here")],
        refusals=[],
        planner_text="ask <@U0EVIL>",
        failed=True,
    )
    assert "API key: [redacted]" in text and "k-1" not in text
    assert f"see evil[.]com @{ZW}here" in text and f"ask @{ZW}U0EVIL" in text


def test_the_planners_own_product_text_keeps_its_mentions():
    text = compose(
        mission(), [], refusals=[], planner_text=trusted("Ask @U0MANAGER to raise it."), failed=True
    )
    assert "Ask @U0MANAGER to raise it." in text


def test_arguments_read_as_on_the_card_in_the_requesters_locale():
    worker = load_workers(ROOT / "worker_configs")["support-triage"]
    executed = [proposal("executed", decided_by="U0OWNER1", args={"account_id": "ACME-7", "amount": 40.0})]
    line = compose(mission(), executed, refusals=[], planner_text=None, failed=False, worker=worker)
    assert "(Account ID: ACME-7, Amount: $40)" in line  # as the card's facts read, not 40.0
    german = compose(
        mission(locale="de-DE"), executed, refusals=[], planner_text=None, failed=False, worker=worker
    )
    assert "Amount: 40\u00a0$" in german
