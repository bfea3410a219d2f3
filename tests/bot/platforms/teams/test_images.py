"""The digest's chart on Teams: a card whose Image points at a signed URL `serve` answers; a bad or expired
signature is a 403 that reads nothing."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from aiohttp.test_utils import TestClient, TestServer

from bot.commands.serve_app import server
from bot.platforms.teams.images import KEEP
from tests.bot.platforms.teams.test_messenger import recording_messenger
from tests.support.teams_harness import APPROVALS

PNG = b"\x89PNG\r\n\x1a\n" + b"chart" * 10_000  # 50 KB: more than a Teams message may carry inline


def with_public_url(rt):
    rt.settings = rt.settings.model_copy(update={"public_url": "https://bot.example.com/"})
    return rt


async def test_the_chart_card_points_at_a_signed_url_serve_answers(rt, teams_connector, monkeypatch):
    rt = with_public_url(rt)
    teams, _ = recording_messenger(rt, teams_connector)
    teams.post_image(conversation=APPROVALS, png=PNG, title="Weekly digest", alt_text="missions 10 (was 1)")
    [posted] = [p for p in teams_connector.posts() if p.body.get("attachments")]
    card = posted.body["attachments"][0]["content"]
    [image] = [b for b in card["body"] if b["type"] == "Image"]
    assert image["altText"] == "missions 10 (was 1)" and len(str(posted.body)) < 28_000
    url = urlsplit(image["url"])
    assert url.netloc == "bot.example.com" and url.path.startswith("/images/") and "sig=" in url.query
    path = f"{url.path}?{url.query}"
    async with TestClient(TestServer(server(rt, slack=None))) as client:
        ok = await client.get(path)
        assert ok.status == 200 and ok.content_type == "image/png" and await ok.read() == PNG
        forged = path[:-4] + ("0000" if not path.endswith("0000") else "1111")
        assert (await client.get(forged)).status == 403
        assert (await client.get(url.path)).status == 403  # no signature at all
        later = rt.clock() + KEEP + timedelta(hours=1)
        monkeypatch.setattr(rt, "clock", lambda: later)
        assert (await client.get(path)).status == 403  # expired


def test_without_a_public_url_no_chart_is_posted(rt, teams_connector):
    teams, _ = recording_messenger(rt, teams_connector)
    teams.post_image(conversation=APPROVALS, png=PNG, title="Weekly digest", alt_text="x")
    assert not [p for p in teams_connector.posts() if p.body.get("attachments")]
