"""The demo: helpdesk and directory backends, the scripted story `missionbot demo --script` plays.

Loaded on first use (bot/core/exports.py).
"""

from bot.core.exports import lazy

__all__, __getattr__, __dir__ = lazy(
    __name__,
    {
        "bot.demo.helpdesk": ["HelpdeskBackend"],
        "bot.demo.it_access": ["DirectoryBackend"],
        "bot.demo.story": ["Story", "StoryFailed", "play"],
        "bot.demo.worker_process": ["WorkerProcess"],
    },
)
