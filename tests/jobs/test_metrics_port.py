"""`missionbot worker --metrics-port` and `scheduler --metrics-port`, real processes: what the forked RQ
work-horses counted reaches the supervisor's /metrics (multiprocess mode), the exited horses' files are
folded into one archive without changing a total, and the scheduler exports the Redis gauges."""

from __future__ import annotations

import glob
import os

from bot.core.models import Request
from bot.core.queueing import fresh_workers
from bot.missions.service import MissionService
from tests.support.fleet import ROOT, free_port, wait_for
from tests.support.scrape import get, parse, value


def scrape(port: int) -> dict:
    status, text = get(f"http://127.0.0.1:{port}/metrics")
    assert status == 200
    return parse(text)


def answers(port: int) -> bool:
    try:
        return get(f"http://127.0.0.1:{port}/healthz")[0] == 200
    except OSError:
        return False


def test_forked_work_horses_are_counted_on_the_worker_metrics_port(rt, fleet, tmp_path):
    folder = tmp_path / "prom"
    folder.mkdir()
    (folder / "counter_999999.db").write_bytes(b"stale")  # a previous run's file: removed at start
    port, cron_port = free_port(), free_port()
    worker = fleet.start(
        "worker", "worker", "--metrics-port", str(port), PROMETHEUS_MULTIPROC_DIR=str(folder)
    )
    fleet.start("scheduler", "scheduler", "--metrics-port", str(cron_port))
    wait_for(
        lambda: answers(port),
        timeout=60,
        what="the worker's metrics port",
        alive=lambda: worker.poll() is None,
    )
    assert not (folder / "counter_999999.db").exists()

    service = MissionService(rt)
    mission = service.submit(
        Request(platform="console", conversation="C0SUPPORT", requester="U0AGENT", text="ESC-1042")
    ).mission
    wait_for(lambda: rt.store.mission(mission.id).proposals, timeout=120, what="the mission's proposal")
    [proposal_id] = rt.store.mission(mission.id).proposals
    service.decide(proposal_id, actor="U0OWNER1", approve=True, platform="console")
    wait_for(lambda: rt.store.mission(mission.id).status == "done", timeout=120, what="the mission done")

    def counted() -> dict:
        return scrape(port)

    wait_for(
        lambda: value(counted(), "missionbot_missions_total", worker=mission.worker, outcome="done") == 1,
        timeout=30,
        what="the horse's count on the supervisor's port",
    )

    def horses() -> list[str]:
        scrape(port)  # each scrape folds the files of horses that have exited
        return [p for p in glob.glob(str(folder / "counter_*.db")) if not p.endswith("archive.db")]

    # The last horse may still be finishing its job after it counted the mission done; once it has
    # exited, its file is folded at the next scrape, leaving at most the two queue workers' own files.
    wait_for(lambda: len(horses()) <= 2, timeout=30, what="the exited horses' files folded")
    assert os.path.exists(folder / "counter_archive.db")
    first = scrape(port)
    assert value(first, "missionbot_executions_total", worker=mission.worker, outcome="executed") == 1
    assert value(first, "missionbot_tool_call_seconds_count", tool="helpdesk.issue_credit") == 1
    assert value(first, "missionbot_tool_call_seconds_count", tool="helpdesk.get_ticket") >= 1
    assert scrape(port) == first  # folding changed no total

    cron = scrape(cron_port)
    assert value(cron, "missionbot_redis_up") == 1
    assert value(cron, "missionbot_rq_workers", queue="missions") == 1
    assert value(cron, "missionbot_queue_depth", queue="missions") == 0
    assert value(cron, "missionbot_proposals_pending", worker=mission.worker) == 0
    assert answers(cron_port)
    assert fleet.stop() == {"worker": 0, "scheduler": 0}


def test_without_a_directory_the_worker_makes_a_temporary_one_and_removes_it(rt, fleet, tmp_path):
    tmp, port = tmp_path / "tmp", free_port()
    tmp.mkdir()
    worker = fleet.start(
        "worker", "worker", "--metrics-port", str(port), PROMETHEUS_MULTIPROC_DIR="", TMPDIR=str(tmp)
    )
    wait_for(lambda: answers(port), timeout=60, what="the metrics port", alive=lambda: worker.poll() is None)
    [made] = list(tmp.iterdir())
    assert made.name.startswith("missionbot-metrics-") and scrape(port) is not None
    # Stopped once both queue workers are up (a child SIGTERMed while still importing dies of it).
    wait_for(lambda: fresh_workers(rt) == {"missions": 1, "actions": 1}, timeout=120, what="workers up")
    codes = fleet.stop()
    assert codes == {"worker": 0}, fleet.log("worker")  # the supervisor's and its children's lines
    assert list(tmp.iterdir()) == []
    # The empty variable is "not set": prometheus-client alone took it as files in the working directory.
    assert not list(ROOT.glob(f"*_{worker.pid}.db"))
