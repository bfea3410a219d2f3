"""Run `missionbot worker` in a subprocess whose helpdesk blocks in one call, so a test can SIGKILL it there.

The helpdesk is an MCP server the worker starts over stdio, so the blocking call lives in that server:
`python -m tests.support.crashkit worker METHOD` runs a burst worker whose support-triage helpdesk is
`python -m tests.support.crashkit serve METHOD`, the shipped server with METHOD patched to block (env as
for `missionbot worker`). The blocked call waits on a Redis list the test never fills; `CRASHKIT_AFTER=1`
blocks after the side effect instead. A blocked server exits once its worker is gone.
"""

from __future__ import annotations

import functools
import os
import sys


def block_in(method: str, *, after: bool) -> None:
    from bot.demo.helpdesk import HelpdeskBackend

    original = getattr(HelpdeskBackend, method)
    parent = os.getppid()

    @functools.wraps(original)
    def blocking(self: HelpdeskBackend, *args: object, **kwargs: object) -> object:
        result = original(self, *args, **kwargs) if after else None
        self.redis.rpush(f"{self.key}:crashkit:entered", method)
        while not self.redis.blpop([f"{self.key}:crashkit:never"], timeout=1):
            if os.getppid() != parent:  # the worker was killed: this call has no one to answer
                os._exit(0)
        return result if after else original(self, *args, **kwargs)

    setattr(HelpdeskBackend, method, blocking)


def serve(method: str) -> None:
    from bot.demo import helpdesk_mcp

    block_in(method, after=os.environ.get("CRASHKIT_AFTER") == "1")
    helpdesk_mcp.main([])


def work(method: str) -> bool:
    from rq import SimpleWorker

    from bot import runtime
    from bot.commands.common import process_runtime
    from bot.config.models import StdioIntegration
    from bot.settings import Settings

    rt = process_runtime(Settings(), "worker")
    blocking = StdioIntegration(transport="stdio", command="python", timeout_seconds=300,
                                args=["-m", "tests.support.crashkit", "serve", method])
    triage = rt.workers["support-triage"]
    rt.workers["support-triage"] = triage.model_copy(update={"integrations": {"helpdesk": blocking}})
    runtime.install(rt)
    worker = SimpleWorker([rt.missions_queue, rt.actions_queue], connection=rt.redis)
    return worker.work(burst=True)


if __name__ == "__main__":
    role, method = sys.argv[1:3]
    if role == "serve":
        serve(method)
    else:
        sys.exit(0 if work(method) else 1)
