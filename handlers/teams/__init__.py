"""Teams listeners: `turns` (messages and card invokes), `actions` (what a card action does), and `register`,
which gives the Teams endpoint (bot/platforms/teams) these listeners."""

from bot.core.runtime import Runtime
from bot.missions.service import MissionService
from bot.platforms.teams.endpoint import TeamsEndpoint
from handlers.teams import actions, turns

__all__ = ["actions", "register", "turns"]


def register(endpoint: TeamsEndpoint, *, service: MissionService, rt: Runtime) -> None:
    """Wired once by the composition root (bot/commands/serve_app.py), as `handlers.slack.register` is."""
    endpoint.listen(turns.TeamsTurns(service=service, rt=rt))
