"""Events API: dedupe and retries, the bot's own messages, DMs, thread replies as context, long traces."""

from __future__ import annotations

import asyncio

from bot.missions.notify import Notifier
from bot.missions.service import BLANK_REQUEST


async def mission_of(slack, body) -> str:
    await slack.settle()
    return slack.rt.store.mission_for_thread("slack", body["event"]["channel"], body["event"]["ts"])


async def test_the_same_event_twice_makes_one_mission(slack):
    body = slack.mention("ESC-1042 please")
    first, again = await asyncio.gather(slack.send_event(body), slack.send_event(body))
    assert (first.status, again.status) == (200, 200)
    await slack.settle()
    assert len(slack.rt.store.open_missions("support-triage")) == 1
    assert len(slack.posted("C0SUPPORT")) == 1
    retried = await slack.send_event(
        body, headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    )
    await slack.settle()
    assert retried.status == 200 and len(slack.rt.store.open_missions("support-triage")) == 1


async def test_a_retry_whose_first_delivery_never_arrived_is_processed(slack):
    body = slack.mention("ESC-1042 please")
    response = await slack.send_event(
        body, headers={"X-Slack-Retry-Num": "2", "X-Slack-Retry-Reason": "http_error"}
    )
    assert response.status == 200
    assert await mission_of(slack, body) is not None


async def test_the_bots_own_messages_are_ignored(slack):
    body = slack.mention("ESC-1042 please")
    body["event"].update(type="message", channel_type="im", bot_id="BBOT", subtype="bot_message")
    assert (await slack.send_event(body)).status == 200
    await slack.settle()
    assert slack.rt.store.open_missions("support-triage") == [] and slack.posted() == []


async def test_a_dm_becomes_a_mission_and_help_goes_in_the_thread(slack):
    dm = slack.mention("ESC-1042 please", channel="D0DM")
    dm["event"].update(type="message", channel_type="im", text="ESC-1042 please")
    assert (await slack.send_event(dm)).status == 200
    assert await mission_of(slack, dm) is not None
    vague = slack.mention("what's the weather?", channel="C0RANDOM")
    await slack.send_event(vague)
    assert await mission_of(slack, vague) is None
    [help_reply] = slack.posted("C0RANDOM", thread=vague["event"]["ts"])
    assert "support-triage" in help_reply["text"]


async def test_the_requesters_thread_reply_becomes_context_and_others_change_nothing(slack):
    body = slack.mention("ESC-1042 please", user="U0AGENT")
    await slack.send_event(body)
    mission_id = await mission_of(slack, body)
    thread = body["event"]["ts"]
    await slack.send_event(slack.thread_reply("the customer says <!channel> it is 2 seats", thread_ts=thread))
    await slack.send_event(slack.thread_reply("just chatting", thread_ts=thread, user="U0OTHER"))
    await slack.settle()
    mission = slack.rt.store.mission(mission_id)
    assert mission.context == ["the customer says <!channel> it is 2 seats"]
    assert [e["kind"] for e in slack.rt.audit.events() if e["mission"] == mission_id].count(
        "mission.context_added"
    ) == 1
    assert any(mission_id in text for text in slack.ephemerals("U0AGENT"))
    assert slack.ephemerals("U0OTHER") == []


async def test_a_40000_character_trace_arrives_in_pieces_slack_accepts(slack, run_jobs):
    body = slack.mention("ESC-1042 please")
    await slack.send_event(body)
    mission = slack.rt.store.mission(await mission_of(slack, body))
    trace = "\n".join(f"line {i}: <!channel> " + "x" * 60 for i in range(560))[:40_000]
    assert len(trace) == 40_000
    await asyncio.to_thread(Notifier(slack.rt).observe, mission, "big", trace)
    pieces = [p for p in slack.posted("C0SUPPORT", thread=mission.thread)[1:]]
    assert len(pieces) >= 14 and not slack.api.calls_to("chat.postMessage", ok=False)
    assert all(len(p["text"]) <= 3000 and "<!channel>" not in p["text"] for p in pieces)
    # Defanging inserts zero-width spaces (a cut-off "<!" at the end becomes "<\u200b!"):
    # words compare without.
    delivered = (
        "\n".join(p["text"] for p in pieces).replace("&lt;", "<").replace("&gt;", ">").replace("\u200b", "")
    )
    # Every word arrived, in order, nothing lost at the cuts (the mention itself is neutralised).
    assert [w for w in delivered.split() if "channel" not in w] == [
        w for w in trace.split() if "channel" not in w
    ]


# Zero-width space/joiner, word joiner, BOM, bidi overrides and isolates, Hangul filler, soft hyphen, a tag
# character, the braille blank, a variation selector: a message that shows nothing.
INVISIBLE = "\u200b\u200d\u2060\ufeff\u202e\u2066\u2069\u3164\u00ad\U000e0041\u2800\ufe0f \t"


async def test_a_mention_of_only_invisible_characters_is_no_mission_and_gets_a_short_answer(slack):
    body = slack.mention(INVISIBLE)
    assert (await slack.send_event(body)).status == 200
    await slack.settle()
    assert slack.rt.store.open_missions("support-triage") == []
    assert [p["text"] for p in slack.posted("C0SUPPORT")] == [BLANK_REQUEST]


async def test_a_new_mention_costs_one_redis_round_trip_before_the_ack_and_its_retry_none_more(slack):
    """The dedupe mark and the inbox entry in one script (bot/core/inbox.py); a thread reply, which may
    be a follow-up instead of a request, is still deduped before its listener."""
    from bot.commands import serve_app
    from bot.platforms.slack.app import event_key

    aredis, sent = serve_app.inbox_of(slack.slack).aredis, []
    execute = aredis.execute_command

    async def counted(*args, **kwargs):
        sent.append(args[0])
        return await execute(*args, **kwargs)

    aredis.execute_command = counted  # counts what the ack path sends; the real client answers
    body = slack.mention("ESC-1042 please")
    assert (await slack.send_event(body)).status == 200
    assert [c for c in sent if c != "INFO"] == ["EVALSHA"]  # INFO: the replica check, cached
    assert 3000 < slack.rt.redis.ttl(event_key(slack.rt, body["event_id"])) <= 3600
    await slack.settle()
    again = await slack.send_event(
        body, headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "timeout"}
    )
    await slack.settle()
    assert again.status == 200 and len(slack.rt.store.open_missions("support-triage")) == 1
    sent.clear()
    reply = slack.thread_reply("more context", thread_ts=body["event"]["ts"])
    await slack.send_event(reply)
    assert sent[0] == "SET"  # the middleware's own SET NX, before the listener
