"""A worker SIGKILLed at any moment: its job is found and run again within 2 minutes, nothing runs twice.

Real processes throughout: `missionbot worker` (a supervisor and one RQ worker per queue, forking a work
horse per job) and `missionbot scheduler`, whose recovery sweep runs on its interval as in production.
Timings are shortened through `MISSIONBOT_...` settings (tests/support/fleet.py), and waited for for real.
tests/support/crashkit.py stops the worker at the moment under test; the test then kills its whole tree.
"""

from __future__ import annotations

import time
from collections import Counter

from bot.core.housekeeping import LOCK_SECONDS
from bot.core.models import Request
from bot.core.queueing import mission_job_id
from bot.demo.helpdesk import HelpdeskBackend
from bot.missions.service import MissionService
from bot.platforms.console.messenger import ConsoleMessenger
from tests.support import crashkit
from tests.support.fleet import wait_entered, wait_for

BOUND = 120  # seconds from a worker's death until its job has run again


def submit(rt) -> str:
    return (
        MissionService(rt)
        .submit(Request(platform="console", conversation="C0SUPPORT", requester="U0AGENT", text="ESC-1042"))
        .mission.id
    )


def settled(rt, mission_id: str, status: str = "awaiting_approval"):
    return lambda: rt.store.mission(mission_id).status == status


def posted_once(rt, mission_id: str) -> None:
    posts = Counter(
        m["text"][:40]
        for _, m in ConsoleMessenger(redis=rt.redis, prefix=rt.settings.key_prefix).read()
        if m["op"] == "post" and m.get("thread") == mission_id
    )
    assert posts and all(n == 1 for n in posts.values()), posts  # no observation posted twice


def credits(rt) -> list[dict]:
    return HelpdeskBackend(redis=rt.redis, prefix=rt.settings.key_prefix, clock=rt.clock).credits()


def test_killed_right_after_the_pop_the_job_goes_back_to_its_queue(rt, fleet, prefix, tmp_path):
    mission_id = submit(rt)
    fleet.worker(**crashkit.hook_env(tmp_path, "after_pop"))
    wait_entered(rt.redis, prefix, "after_pop")
    fleet.kill("worker")
    died = time.monotonic()
    job = mission_job_id(rt, mission_id)
    # RQ's crash-safe pop: the job is in the queue's intermediate list, in no queue and no registry.
    assert rt.redis.lrange(rt.missions_queue.intermediate_queue_key, 0, -1) == [job.encode()]
    assert len(rt.missions_queue) == 0 and rt.store.mission(mission_id).status == "queued"

    fleet.worker()
    fleet.scheduler()
    wait_for(settled(rt, mission_id), timeout=BOUND - (time.monotonic() - died), what="mission parked")
    mission = rt.store.mission(mission_id)
    assert len(mission.proposals) == 1 and [o.key for o in rt.store.observations(mission_id)] == [
        "s1",
        "s2",
        "s3",
        "s4",
        "s5",
    ]
    posted_once(rt, mission_id)


def test_killed_mid_mission_then_mid_execution_each_job_runs_again_and_the_credit_is_issued_once(
    rt, fleet, prefix, tmp_path
):
    mission_id = submit(rt)
    fleet.worker(config_dir=crashkit.configs(tmp_path, "get_entitlement_policy"))  # step 3 of 5
    wait_entered(rt.redis, prefix, "get_entitlement_policy")
    fleet.kill("worker")
    died = time.monotonic()
    assert rt.store.mission(mission_id).status == "running"
    assert [o.key for o in rt.store.observations(mission_id)] == ["s1", "s2"]

    fleet.scheduler()
    fleet.worker()
    took = wait_for(settled(rt, mission_id), timeout=BOUND - (time.monotonic() - died), what="mission parked")
    assert len(rt.store.mission(mission_id).proposals) == 1
    assert [o.key for o in rt.store.observations(mission_id)] == ["s1", "s2", "s3", "s4", "s5"]
    posted_once(rt, mission_id)

    assert fleet.stop().get("worker") == 0  # SIGTERM: a graceful stop, not a crash
    fleet.scheduler()
    pid = rt.store.mission(mission_id).proposals[0]
    MissionService(rt).decide(pid, actor="U0OWNER1", approve=True, platform="console")
    fleet.worker(config_dir=crashkit.configs(tmp_path, "issue_credit", after=True))  # dies after the credit
    wait_entered(rt.redis, prefix, "issue_credit")
    fleet.kill("worker")
    died = time.monotonic()
    assert rt.store.proposal(pid).status == "executing" and len(credits(rt)) == 1

    fleet.worker()
    wait_for(settled(rt, mission_id, "done"), timeout=BOUND - (time.monotonic() - died), what="mission done")
    assert rt.store.proposal(pid).status == "executed"
    assert len(credits(rt)) == 1, took


def test_killed_during_housekeeping_the_lock_it_leaves_delays_recovery_by_seconds(
    rt, fleet, prefix, tmp_path
):
    mission_id = submit(rt)
    fleet.worker(config_dir=crashkit.configs(tmp_path, "get_entitlement_policy"))
    wait_entered(rt.redis, prefix, "get_entitlement_policy")
    fleet.kill("worker")  # its job is abandoned in the started registry
    died = time.monotonic()

    fleet.worker(**crashkit.hook_env(tmp_path, "housekeeping"))  # its first housekeeping cleans that registry
    wait_entered(rt.redis, prefix, "housekeeping")
    fleet.kill("worker")
    lock = f"{rt.missions_queue.key}:housekeeping"
    assert 0 < rt.redis.ttl(lock) <= LOCK_SECONDS  # left behind: RQ's own lock would hold for 15 minutes
    assert rt.store.mission(mission_id).status == "running"

    fleet.scheduler()
    fleet.worker()
    wait_for(settled(rt, mission_id), timeout=BOUND - (time.monotonic() - died), what="mission parked")
    assert [o.key for o in rt.store.observations(mission_id)] == ["s1", "s2", "s3", "s4", "s5"]
    posted_once(rt, mission_id)
