"""The MCP demo helpdesk seeds its demo data on first use, so `worker` + `serve` work without `demo`."""

from __future__ import annotations

from bot import app
from bot.core.models import Request
from bot.missions.service import MissionService
from tests.support.redis_server import drain


def test_a_fresh_deployment_finds_the_demo_tickets_over_mcp(settings, redis):
    rt = app.create_runtime(settings=settings, redis=redis)  # no seeding here, unlike the `rt` fixture
    assert not redis.exists(f"{settings.key_prefix}:helpdesk:ticket:1042")
    app.install(rt)
    try:
        mission = (
            MissionService(rt)
            .submit(
                Request(platform="console", conversation="C0SUPPORT", requester="U0AGENT", text="ESC-1042")
            )
            .mission
        )
        drain(rt)
        assert rt.store.mission(mission.id).status == "awaiting_approval"
    finally:
        app.install(None)
