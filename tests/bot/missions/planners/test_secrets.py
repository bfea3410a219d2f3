"""Secrets in what a worker reads never reach the model, the observations or a posted message."""

from __future__ import annotations

import json
import logging
import os

from langchain_core.messages import messages_to_dict

from bot.core.models import Request
from bot.missions.service import MissionService
from bot.platforms.console.messenger import ConsoleMessenger
from tests.support.scripted_model import call, turn

OPENAI = "sk-proj-AbCdEf0123456789_ghIJklMNopQRstuv"
SLACK = "xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUvWx"


def leaky_ticket(rt) -> None:
    """A customer pasted their keys into a ticket (it happens); the helpdesk returns it verbatim."""
    ticket = {
        "ticket_id": "1099",
        "subject": f"Our bot token {SLACK} stopped working",
        "account_id": "ACME-7",
        "sla_hours_left": 5,
        "requested_credit": 20,
        "body": f"Webhooks failed for 2 hours. Our OpenAI key is {OPENAI} and Slack {SLACK}.",
    }
    rt.redis.set(f"{rt.settings.key_prefix}:helpdesk:ticket:1099", json.dumps(ticket))


def test_tokens_in_a_ticket_never_reach_the_model_observations_or_messages(rt, run_jobs, script):
    leaky_ticket(rt)
    model = script(
        [
            turn("Reading the ticket.", call("helpdesk__get_ticket", "c1", ticket_id="1099")),
            turn(
                "Gold cap 250 (knowledge/support/entitlements.md § 2.1 Gold); propose 20.",
                call(
                    "helpdesk__issue_credit", "c2", account_id="ACME-7", amount=20, reason="ESC-1099 webhooks"
                ),
            ),
        ]
    )
    mission = (
        MissionService(rt)
        .submit(
            Request(
                platform="console",
                conversation="C0SUPPORT",
                requester="U0AGENT",
                text=f"ESC-1099 please credit, the key was {OPENAI}",
            )
        )
        .mission
    )
    run_jobs()
    assert rt.store.mission(mission.id).status == "awaiting_approval"

    sent = json.dumps([messages_to_dict(prompt) for prompt in model.seen], ensure_ascii=False)
    assert "Webhooks failed for 2 hours" in sent  # the ticket did reach the model...
    assert (
        OPENAI not in sent and SLACK not in sent and "xoxb-" not in sent and "sk-proj-" not in sent
    )  # ...its keys not
    assert sent.count("[redacted]") >= 4  # request key, subject token, body key, body token

    observations = json.dumps(
        [o.model_dump(mode="json") for o in rt.store.observations(mission.id)], ensure_ascii=False
    )
    assert "Webhooks failed" in observations and "[redacted]" in observations
    assert OPENAI not in observations and SLACK not in observations

    outbox = json.dumps(
        [m for _, m in ConsoleMessenger(redis=rt.redis, prefix=rt.settings.key_prefix).read()],
        ensure_ascii=False,
    )
    assert "[redacted]" in outbox and OPENAI not in outbox and SLACK not in outbox
    audit = json.dumps(list(rt.audit.events()), ensure_ascii=False, default=str)
    assert OPENAI not in audit and SLACK not in audit


def test_tokens_in_an_exception_never_reach_a_log(rt, run_jobs, agent_worker, caplog, capsys, monkeypatch):
    """The CLI installs log redaction; then a worker whose model client fails echoing its keys logs no key."""
    from bot import cli

    monkeypatch.setenv("SLACK_BOT_TOKEN", SLACK)
    monkeypatch.setenv("OPENAI_API_KEY", OPENAI)
    previous = logging.getLogRecordFactory()
    try:
        assert cli.main(["check", "--offline"]) == 0  # any command: the CLI sets logging up before it runs
        capsys.readouterr()

        def broken_client(worker):
            raise RuntimeError(
                f"Incorrect API key provided: {os.environ['OPENAI_API_KEY']} "
                f"(while posting with {os.environ['SLACK_BOT_TOKEN']})"
            )

        rt.model_factory = broken_client
        caplog.set_level(logging.DEBUG)
        mission = (
            MissionService(rt)
            .submit(
                Request(platform="console", conversation="C0SUPPORT", requester="U0AGENT", text="ESC-1042")
            )
            .mission
        )
        run_jobs()
        logging.getLogger("bot.test").warning("settings: token=%s key=%s", SLACK, OPENAI)
    finally:
        logging.setLogRecordFactory(previous)
    logged = caplog.text
    assert (
        "Incorrect API key provided: [redacted]" in logged and "Traceback" in logged
    )  # the failure was logged
    assert "token=[redacted] key=[redacted]" in logged
    assert SLACK not in logged and OPENAI not in logged and "xoxb-" not in logged
    assert rt.store.mission(mission.id).id == mission.id
