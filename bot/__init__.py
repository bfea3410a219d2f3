"""missionbot: governed AI workers in Slack and Microsoft Teams (missions, approvals, audit).

The product API, top down (ARCHITECTURE.md draws it). Every name below is importable from `bot` and is
loaded on first use, so `import bot` costs nothing (bot/core/exports.py says why):

- `create_runtime(settings=..., redis=...)` builds the `Runtime` every part takes; `for_job()` is the one RQ
  jobs use (`bot/app.py`, the composition root).
- `MissionService(rt)`: the one way in for every surface: `submit` a `Request`, `decide` a `Proposal`,
  `kill`/`resume`/`set_autonomy` a worker (owner only), `request_undo`, `digest`.
- `Settings` (the environment), `WorkerConfig` (one worker's YAML), the records (`Mission`, `Proposal`,
  `MessageRef`, `Control`), the `Card` every platform renders and the `Messenger` it implements.
- The error tree: every error a person can see is a `MissionbotError` whose text is written for them.
- `Planner` (`Parked` or `Finished`) is what a new planner implements; `Tool`/`ToolSpec` a tool integration.

Packages: `bot.core` (records and rules), `bot.missions` (the governed loop), `bot.platforms` (Slack, Teams
and console adapters), `bot.tools`, `bot.demo`; `handlers` (listeners) and `jobs` (RQ entry points) sit beside
`bot`; `bot.cli.main` is the `missionbot` command.
"""

from bot.core.exports import lazy

__all__, __getattr__, __dir__ = lazy(
    __name__,
    {
        "bot.app": ["create_runtime", "for_job"],
        "bot.core.runtime": ["Runtime"],
        "bot.core.settings": ["Settings"],
        "bot.missions.service": ["MissionService", "Submitted"],
        "bot.core.models": ["Request", "Mission", "Proposal", "MessageRef", "Control"],
        "bot.core.config": ["WorkerConfig"],
        "bot.core.cards": ["Card"],
        "bot.core.messenger": ["Messenger", "Messengers"],
        "bot.core.errors": [
            "MissionbotError",
            "ConfigError",
            "BadRequest",
            "NotFound",
            "NotAuthorized",
            "AlreadyDecided",
            "Halted",
            "ToolError",
            "RateLimited",
        ],
        "bot.missions.planners.base": ["Planner", "Parked", "Finished"],
        "bot.tools.base": ["Tool", "ToolSpec"],
    },
)
