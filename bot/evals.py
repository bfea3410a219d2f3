"""Evals: run a worker's missions in shadow against recorded cases, on an isolated Redis key prefix.

A case (one JSON line): {"id", "request", "channel"?, "requester"?, "status"?, "expect": [{"tool",
"args": {key arguments}, "outcome": "proposed" | "refused"}]}. A case passes when every expected
proposal or refusal happened with those arguments, nothing else was proposed or refused, and the
mission ended in `status` (when given). Shadow mode means nothing ever executes.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict
from redis import Redis

from bot.app import create_runtime
from bot.core.config.models import WorkerConfig
from bot.core.models import Control, Request
from bot.core.runtime import Runtime
from bot.core.settings import Settings
from bot.demo.helpdesk import HelpdeskBackend
from bot.missions.runner import MissionRunner
from bot.missions.service import MissionService


class Expected(BaseModel):
    model_config = ConfigDict(extra="forbid")
    tool: str
    args: dict[str, Any] = {}
    outcome: Literal["proposed", "refused"] = "proposed"


class Case(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    request: str
    channel: str | None = None
    requester: str = "U0EVAL"
    status: str | None = None
    expect: list[Expected] = []
    note: str = ""


class Result(BaseModel):
    id: str
    passed: bool
    expected: list[Expected]
    actual: list[Expected]
    status: str
    problems: list[str]


def load_cases(path: Path) -> list[Case]:
    cases = []
    for n, line in enumerate(path.read_text().splitlines(), 1):
        if line.strip() and not line.lstrip().startswith("//"):
            try:
                cases.append(Case.model_validate_json(line))
            except ValueError as exc:
                raise ValueError(f"{path}:{n}: {exc}") from None
    return cases


def _same(want: Any, got: Any) -> bool:
    if isinstance(want, int | float) and isinstance(got, int | float):
        return abs(float(want) - float(got)) < 1e-9
    return want == got


def _matches(want: Expected, got: Expected) -> bool:
    return (
        want.tool == got.tool
        and want.outcome == got.outcome
        and all(k in got.args and _same(v, got.args[k]) for k, v in want.args.items())
    )


class EvalRun:
    """One isolated runtime (own key prefix, demo data seeded, worker forced to shadow) for a dataset."""

    def __init__(self, *, redis: Redis, worker: WorkerConfig, workers: dict[str, WorkerConfig]) -> None:
        self.prefix = f"eval-{uuid.uuid4().hex[:12]}"
        self.worker = worker
        self.rt: Runtime = create_runtime(
            settings=Settings(MISSIONBOT_KEY_PREFIX=self.prefix), redis=redis, workers=workers
        )
        HelpdeskBackend(redis=redis, prefix=self.prefix, clock=self.rt.clock).seed()
        self.rt.store.set_control(worker.name, Control(autonomy="shadow", changed_by="eval"))

    def run(self, case: Case) -> Result:
        channel = case.channel or (self.worker.channels[0] if self.worker.channels else "C0EVAL")
        text = case.request if case.channel or self.worker.channels else f"{self.worker.name}: {case.request}"
        submitted = MissionService(self.rt).submit(
            Request(platform="console", conversation=channel, requester=case.requester, text=text)
        )
        if submitted.mission is None:
            return self._judge(case, [], "not_started")
        mission = submitted.mission
        if mission.worker != self.worker.name:
            return self._judge(case, [], f"routed to {mission.worker}")
        status = MissionRunner(self.rt).run(mission.id)  # in process: the eval needs no RQ worker
        mission = self.rt.store.mission(mission.id)
        actual = [
            Expected(tool=p.tool, args=p.args, outcome="proposed")
            for p in (self.rt.store.proposal(pid) for pid in mission.proposals)
        ]
        actual += [
            Expected(tool=e["data"]["tool"], args=e["data"].get("args") or {}, outcome="refused")
            for e in self.rt.audit.events()
            if e["kind"] == "tool.refused" and e["mission"] == mission.id
        ]
        return self._judge(case, actual, status)

    @staticmethod
    def _judge(case: Case, actual: list[Expected], status: str) -> Result:
        problems, left = [], list(actual)
        for want in case.expect:
            hit = next((a for a in left if _matches(want, a)), None)
            if hit is None:
                problems.append(f"missing {want.outcome} {want.tool} {json.dumps(want.args)}")
            else:
                left.remove(hit)
        problems += [f"unexpected {a.outcome} {a.tool} {json.dumps(a.args, default=str)}" for a in left]
        if status in {"not_started"} or status.startswith("routed to"):
            if case.status != status:
                problems.append(
                    f"the request {status.replace('_', ' ')}, not a {case.id} mission of this worker"
                )
        elif case.status and case.status != status:
            problems.append(f"mission ended {status}, expected {case.status}")
        return Result(
            id=case.id,
            passed=not problems,
            expected=case.expect,
            actual=actual,
            status=status,
            problems=problems,
        )

    def cleanup(self) -> None:
        for key in self.rt.redis.scan_iter(match=f"{self.prefix}*", count=1000):
            self.rt.redis.delete(key)
        for queue in self.rt.redis.smembers("rq:queues"):
            if self.prefix in queue.decode():
                self.rt.redis.srem("rq:queues", queue)


def run_cases(
    *, redis: Redis, worker: WorkerConfig, workers: dict[str, WorkerConfig], cases: Iterable[Case]
) -> list[Result]:
    run = EvalRun(redis=redis, worker=worker, workers=workers)
    try:
        return [run.run(case) for case in cases]
    finally:
        run.cleanup()


def table(results: list[Result]) -> str:
    width = max([len(r.id) for r in results] + [4])
    lines = [f"{'case':<{width}}  result  mission            details"]
    for r in results:
        detail = "; ".join(r.problems) or ", ".join(f"{a.outcome} {a.tool}" for a in r.actual) or "no action"
        lines.append(f"{r.id:<{width}}  {'pass' if r.passed else 'FAIL':<6}  {r.status:<17}  {detail}")
    return "\n".join(lines)


def report(worker: str, dataset: str, results: list[Result], threshold: float) -> dict[str, Any]:
    passed = sum(r.passed for r in results)
    rate = passed / len(results) if results else 0.0
    return {
        "worker": worker,
        "dataset": dataset,
        "cases": len(results),
        "passed": passed,
        "pass_rate": rate,
        "threshold": threshold,
        "ok": rate >= threshold,
        "results": [r.model_dump(mode="json") for r in results],
    }
