"""Cards show the redacted, defanged copy of what a model, a tool or a person wrote, on every renderer."""

from __future__ import annotations

import json

from bot.core.cards import card_for
from bot.core.redact import Redactor
from bot.platforms.console import text
from bot.platforms.slack import app_home, blockkit, modals
from bot.platforms.teams import adaptive
from tests.bot.core.card_factories import DECIDED, proposal, support_triage
from tests.guarantees.test_redact_defang import links_in

TOKEN = "xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOpQr"
CONFIGURED = "no-shape-configured-value"
HOSTILE = "<!channel> @U0EVIL99 [pay](evil-pay.com/login) <https://evil.example|x> evil-pay.com"


def hostile_card(**change):
    args = {
        "account_id": "ACME-7",
        "amount": 120.0,
        "reason": f"{HOSTILE} {TOKEN} {CONFIGURED}",
        "@U0OWNER1 [k](evil.example)": "v",
        "db_password": "hunter2",
        "nested": {"api_key": "k1", "n": 1},
    }
    p = proposal(args=args, rationale=f"{HOSTILE} key {TOKEN}", context=[f"{HOSTILE} {CONFIGURED}"], **change)
    return p, card_for(p, support_triage(), redactor=Redactor(values=[CONFIGURED]))


def rendered(card) -> dict[str, str]:
    return {
        "slack": json.dumps(blockkit.card_blocks(card), ensure_ascii=False),
        "modal": json.dumps(modals.reject_modal(card), ensure_ascii=False),
        "home": json.dumps(app_home.home_view([card]), ensure_ascii=False),
        "teams": json.dumps(adaptive.card_payload(card)["body"], ensure_ascii=False),
        "console": text.render_card(card),
    }


def test_no_secret_and_no_link_on_any_renderer_while_the_proposal_keeps_the_real_arguments():
    p, card = hostile_card()
    assert TOKEN in p.args["reason"] and p.args["db_password"] == "hunter2"  # what executes is untouched
    for where, out in rendered(card).items():
        for secret in (TOKEN, CONFIGURED, "hunter2", '"k1"'):
            assert secret not in out, (where, secret)
        assert "U0EVIL99>" not in out and "<@U0OWNER1" not in out, where
        assert "evil-pay.com" not in out and "evil.example" not in out and "](" not in out, where
    assert links_in(" ".join(v for _, v in card.fields) + card.rationale + " ".join(card.context)) == []
    assert ("Db password", "[redacted]") in card.fields and "[redacted]" in dict(card.fields)["Reason"]


def test_a_decided_card_still_mentions_the_decider_the_product_resolved():
    _, card = hostile_card(
        status="rejected",
        decided_by="U0OWNER1",
        decided_at=DECIDED,
        decided_on="slack",
        reason_code="other",
        comment=f"see {HOSTILE}",
    )
    slack = rendered(card)["slack"]
    assert "Rejected by <@U0OWNER1>" in slack and "U0EVIL99>" not in slack and "evil-pay.com" not in slack


def test_a_card_reads_its_values_and_times_in_the_readers_locale():
    decided = proposal(status="rejected", decided_by="U0OWNER1", decided_at=DECIDED, decided_on="slack")
    worker = support_triage()
    assert dict(card_for(decided, worker).fields)["Amount"] == "$120"
    german = card_for(decided, worker, formats=worker.formats.for_reader("de-DE"))
    assert dict(german.fields)["Amount"] == "120\u00a0$"
    assert german.when(DECIDED) == "06.05.2024, 11:41 CEST"  # the worker's timezone, the reader's style
    assert "at 06.05.2024, 11:41 CEST" in text.render_card(german)
    assert "at 06.05.2024, 11:41 CEST" in adaptive.decision_line(german)
