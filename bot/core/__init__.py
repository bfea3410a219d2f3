"""The core: settings, config, records, policy, audit, redaction, limits, queues. It imports nothing
from the mission loop, the platforms, the handlers or the jobs (import-linter checks it).

What it offers, by module, loaded on first use (bot/core/exports.py); the gate is `bot.core.policy.gate`.
"""

from bot.core.exports import lazy

__all__, __getattr__, __dir__ = lazy(
    __name__,
    {
        "bot.core.settings": ["Settings"],
        "bot.core.runtime": ["Runtime"],
        "bot.core.config": ["WorkerConfig", "load_workers"],
        "bot.core.models": ["Request", "Mission", "Proposal", "Observation", "MessageRef", "Control"],
        "bot.core.store": ["Store"],
        "bot.core.lifecycle": ["MissionClosed"],
        "bot.core.cards": ["Card", "card_for"],
        "bot.core.messenger": ["Messenger", "Messengers"],
        "bot.core.people": ["People"],
        "bot.core.audit": ["Audit"],
        "bot.core.audit_keys": ["AuditKeys"],
        "bot.core.redact": ["Redactor"],
        "bot.core.errors": [
            "MissionbotError",
            "ConfigError",
            "ConfigIssue",
            "BadRequest",
            "NotFound",
            "NotAuthorized",
            "AlreadyDecided",
            "Halted",
            "ToolError",
            "RateLimited",
        ],
    },
)
