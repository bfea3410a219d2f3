"""Makes tests/fixtures/previous_release/: the Redis data the previous release (RELEASE) leaves behind.

`python -m tests.support.previous_release` exports that commit's tree (git archive) to a scratch folder
and runs it in a subprocess against a scratch prefix: a mission parked on a pending card, one whose card
was approved (its execution job still queued) and one submitted but not yet run (its job queued). The
keys are then written as JSON (tests/support/snapshot.py), signed with a fixed audit key.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import uuid
from pathlib import Path

from redis import Redis

from tests.support import snapshot

RELEASE = "fc55f08"
ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "previous_release" / f"{RELEASE}.json"
AUDIT_KEY = "previous-release-fixture-audit-key-0001"  # a test key: these events are not secret

DRIVER = """
import io
import json
from bot import app
from bot.core.models import Request
from bot.core.settings import Settings
from bot.demo.helpdesk import HelpdeskBackend
from bot.missions.service import MissionService
from redis import Redis
from tests.support.redis_server import drain

settings = Settings()
redis = Redis.from_url(settings.redis_url)
rt = app.create_runtime(settings=settings, redis=redis)
HelpdeskBackend(redis=redis, prefix=settings.key_prefix, clock=rt.clock).seed()
app.install(rt)
service = MissionService(rt)
request = Request(platform="console", conversation="C0SUPPORT", requester="U0AGENT", text="ESC-1042")
pending, approved = service.submit(request).mission.id, service.submit(request).mission.id
drain(rt)
approved_pid = rt.store.mission(approved).proposals[0]
service.decide(approved_pid, actor="U0OWNER1", approve=True, platform="console")
queued = service.submit(request).mission.id
print(json.dumps({"pending": pending, "pending_proposal": rt.store.mission(pending).proposals[0],
                  "approved": approved, "approved_proposal": approved_pid, "queued": queued}))
"""


def make(redis_url: str) -> dict:
    prefix = f"mbprev{uuid.uuid4().hex[:8]}"
    redis = Redis.from_url(redis_url)
    with tempfile.TemporaryDirectory(prefix="missionbot-prev-") as folder:
        archive = subprocess.run(["git", "archive", RELEASE], cwd=ROOT, capture_output=True, check=True)
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            tar.extractall(folder, filter="data")
        env = {
            **os.environ,
            "PYTHONPATH": folder,
            "REDIS_URL": redis_url,
            "MISSIONBOT_KEY_PREFIX": prefix,
            "MISSIONBOT_CONFIG_DIR": str(Path(folder) / "worker_configs"),
            "MISSIONBOT_AUDIT_KEY": AUDIT_KEY,
        }
        run = subprocess.run(
            [sys.executable, "-c", DRIVER], cwd=folder, env=env, capture_output=True, text=True, check=True
        )
    try:
        ids = json.loads(run.stdout.strip().splitlines()[-1])
        return {"release": RELEASE, "ids": ids, **snapshot.dump(redis, prefix)}
    finally:
        for key in redis.scan_iter(match=f"*{prefix}*", count=1000):
            redis.delete(key)
        for queue in redis.smembers("rq:queues"):
            if prefix in queue.decode():
                redis.srem("rq:queues", queue)


if __name__ == "__main__":
    FIXTURE.write_text(
        json.dumps(make(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")), indent=1) + "\n"
    )
    print(f"wrote {FIXTURE}")
