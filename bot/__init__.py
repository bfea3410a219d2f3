"""missionbot: governed AI workers in Slack and Microsoft Teams (missions, approvals, audit).

The product API, top down (ARCHITECTURE.md draws it):

- `bot.app.create_runtime(settings=..., redis=...)` builds the `bot.core.runtime.Runtime` every part takes;
  `bot.app.for_job()` is the one RQ jobs use.
- `bot.missions.service.MissionService(rt)`: the one way in for every surface: `submit` a request, `decide` a
  proposal, `kill`/`resume`/`set_autonomy` a worker (owner only), `request_undo`, `digest`.
- `bot.core`: records and rules (`store.Store`, `policy.gate`, `audit.Audit`, `config.WorkerConfig`).
- `bot.platforms`: the Slack, Teams and console adapters; `handlers`: their listeners; `jobs`: RQ entry points.
- `bot.cli.main`: the `missionbot` command.
"""

__all__ = ["app", "cli", "commands", "core", "demo", "evals", "missions", "platforms", "tools"]
