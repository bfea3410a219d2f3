"""Run `missionbot worker` in a subprocess with one helpdesk call that blocks, so a test can SIGKILL it there.

Usage: python -m tests.support.crashkit METHOD  (env as for `missionbot worker`). The blocked call
waits on a Redis list the test never fills; `after=True` blocks after the side effect instead.
"""

from __future__ import annotations

import functools
import os
import sys

from bot.cli import main
from bot.demo.helpdesk import HelpdeskBackend


def block_in(method: str, *, after: bool) -> None:
    original = getattr(HelpdeskBackend, method)

    @functools.wraps(original)
    def blocking(self: HelpdeskBackend, *args: object, **kwargs: object) -> object:
        result = original(self, *args, **kwargs) if after else None
        self.redis.rpush(f"{self.key}:crashkit:entered", method)
        self.redis.blpop([f"{self.key}:crashkit:never"], timeout=120)
        return result if after else original(self, *args, **kwargs)

    setattr(HelpdeskBackend, method, blocking)


if __name__ == "__main__":
    block_in(sys.argv[1], after=os.environ.get("CRASHKIT_AFTER") == "1")
    sys.exit(main(["worker", "--burst", "--simple"]))
