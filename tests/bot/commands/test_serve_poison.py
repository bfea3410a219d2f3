"""A poison entry beside a real `missionbot serve` (bot/missions/poison.py): its handling child fails it,
the recovery sweep (real grace timer) fails it again until the cap, then dead-letters it once, while the
mentions acked meanwhile are handled by the child as usual. Real processes; no timed assertion."""

from __future__ import annotations

import asyncio
import time

from redis.asyncio import Redis as AsyncRedis

from bot.core.inbox import REQUEST, Inbox
from bot.core.inbox_dead import DeadLetters
from tests.bot.commands.test_serve_handling import inbox_backlog, mention, start_serve
from tests.handlers.slack.harness import SlackHarness
from tests.support.fleet import wait_for

CAP, GRACE = 2, 1


async def append_poison(rt, redis_url: str) -> str:
    """A request the handling cannot take (no requester), left unread for serve's child to read."""
    client = AsyncRedis.from_url(redis_url)
    try:
        inbox = Inbox(redis=rt.redis, prefix=rt.settings.key_prefix, aredis=client, consumer="test")
        fields = {"platform": "slack", "conversation": "C0SUPPORT", "thread": "", "text": "ESC-1042"}
        entry = await inbox.append(REQUEST, fields, deliver=False)
        assert entry is not None
        return entry.id
    finally:
        await client.aclose()


def test_a_poison_entry_is_dead_lettered_once_while_serve_handles_the_rest(
    rt, redis_url, fleet, mock_slack_api, tmp_path, monkeypatch
):
    from jobs.sweeps import sweep_recovery

    update = {"recovery_grace": GRACE, "inbox_max_attempts": CAP}
    monkeypatch.setattr(rt, "settings", rt.settings.model_copy(update=update))
    serve, port = start_serve(fleet, mock_slack_api, tmp_path)
    poison = asyncio.run(append_poison(rt, redis_url))
    wait_for(
        lambda: f"handling inbox entry {poison}" in fleet.log("serve"), timeout=120, what="child fails it"
    )
    harness = SlackHarness(client=None, slack=None, rt=rt, api=mock_slack_api)
    dead, bodies = DeadLetters(redis=rt.redis, prefix=rt.settings.key_prefix), []
    while not len(dead) and len(bodies) < 20:  # a mention acked and handled around each sweep
        bodies.append(harness.mention(f"ESC-1042 please ({len(bodies)})"))
        assert mention(port, bodies[-1]) == 200
        time.sleep(GRACE + 0.2)  # past the grace: the sweep claims the poison entry from the child
        sweep_recovery()
    assert len(bodies) == CAP  # delivered to the child, then to the sweep; the next delivery buries it
    [letter] = dead.read()
    assert letter.fields["inbox_id"] == poison and letter.fields["deliveries"] == str(CAP + 1)
    wait_for(lambda: inbox_backlog(rt) == 0, timeout=120, what="every mention handled")
    threads = [body["event"]["ts"] for body in bodies]
    assert all(rt.store.mission_for_thread("slack", "C0SUPPORT", ts) for ts in threads)
    sweep_recovery()
    assert len(dead) == 1
    serve.terminate()
    assert serve.wait(timeout=60) == 0
