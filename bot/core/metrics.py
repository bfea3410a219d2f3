"""Every Prometheus metric missionbot exports, defined here and counted where the event happens.

Most counters are read off the audit stream: `Audit.commit` hands each event it appended to `observe_event`,
so missions, decisions, executions, SLA breaches, expiries and autonomy demotions are counted once per event
whatever code path recorded it (including the ones sealed into a store transaction). What the audit does not
see is timed in place: time to decision (`bot/missions/decisions.py`), tool-call latency (session and
execution), acks and HTTP answers (the server's middleware), token spend (`bot/core/limits.py`), Slack and
Teams API errors (their clients). Gauges that describe Redis (queues, pending proposals, live RQ workers) are
computed at scrape (`bot/core/metrics_redis.py`).

RQ forks a work-horse per job, so a worker's counts would die with each horse: `missionbot worker
--metrics-port` runs its children in prometheus-client's multiprocess mode (`PROMETHEUS_MULTIPROC_DIR`, see
`bot/core/metrics_port.py`), where each process writes its values to mmap files the supervisor sums at
scrape. Chosen over counting in Redis: no extra round trip on the mission path, and each process reports
only its own work (totals kept in Redis and scraped from every replica would be summed once per replica).

Labels are bounded: worker and tool names come from the configs, outcomes and reason codes from fixed sets
(`bounded` folds anything else to "other"); no mission, proposal or user id is ever a label.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest, values
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from bot.core import tracing

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# Set but empty is "not set" to us; prometheus-client took it as multiprocess files in the current directory.
if os.environ.get(MULTIPROC_ENV) == "":
    del os.environ[MULTIPROC_ENV]
    values.ValueClass = values.get_value_class()

MISSIONS_CREATED = Counter("missionbot_missions_submitted_total", "Missions created", ["worker"])
MISSIONS = Counter("missionbot_missions_total", "Missions settled, by outcome", ["worker", "outcome"])
PROPOSALS = Counter("missionbot_proposals_total", "Proposals created", ["worker"])
DECISIONS = Counter(
    "missionbot_decisions_total", "Decisions on proposals", ["worker", "outcome", "reason_code"]
)
DECISION_SECONDS = Histogram(
    "missionbot_decision_seconds",
    "Time from a proposal's creation to a person's decision",
    ["worker"],
    buckets=(10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14400, 28800, 86400),
)
EXECUTIONS = Counter("missionbot_executions_total", "Executions of approved actions", ["worker", "outcome"])
TOOL_SECONDS = Histogram(
    "missionbot_tool_call_seconds",
    "Tool-call latency (reads in a mission and approved actions)",
    ["tool"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
ACK_SECONDS = Histogram(
    "missionbot_ack_seconds",
    "Time to answer a Slack or Teams request (Slack retries after 3 s)",
    ["platform"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10),
)
HTTP_REQUESTS = Counter("missionbot_http_requests_total", "HTTP answers of serve", ["route", "code"])
HANDLER_RESTARTS = Counter(
    "missionbot_serve_handler_restarts_total", "serve's handling process died and was started again"
)
INBOX_DEAD_LETTERS = Counter(
    "missionbot_inbox_dead_letters_total",
    "Inbox entries moved to the dead letters after MISSIONBOT_INBOX_MAX_ATTEMPTS failed deliveries",
    ["kind"],
)
SLA_BREACHES = Counter(
    "missionbot_sla_breaches_total",
    "Proposals past their response target (reminded, rerouted)",
    ["worker", "step"],
)
EXPIRIES = Counter(
    "missionbot_expiries_total", "Proposals and missions that expired undecided", ["worker", "what"]
)
DEMOTIONS = Counter("missionbot_autonomy_demotions_total", "Automatic drops from autonomous", ["worker"])
TOKENS = Counter("missionbot_tokens_total", "Model tokens spent", ["worker"])
PLATFORM_ERRORS = Counter(
    "missionbot_platform_api_errors_total",
    "Failed Slack/Teams API calls (status: 429, 4xx, 5xx, network); each attempt counts",
    ["platform", "status"],
)

MISSION_OUTCOMES = frozenset({"done", "failed", "cancelled", "halted", "expired", "withdrawn"})
DECISION_OUTCOMES = frozenset({"approved", "rejected", "shadow_approved", "shadow_rejected", "auto_approved"})
EXECUTION_OUTCOMES = frozenset({"executed", "failed", "halted"})
SLA_STEPS = frozenset({"reminded", "rerouted"})
INBOX_KINDS = frozenset({"request", "click"})


def bounded(value: object, allowed: Iterable[str]) -> str:
    return value if isinstance(value, str) and value in allowed else "other"


def reason_label(value: object) -> str:
    """Reason codes come from the worker config: short identifiers; anything else is folded."""
    if value in (None, ""):
        return "none"
    text = str(value)
    return text if len(text) <= 40 and text.replace("_", "").replace("-", "").isalnum() else "other"


def observe_event(event: Mapping[str, Any]) -> None:
    """Count one appended audit event (called by `Audit.commit`); never raises into the caller's step."""
    with contextlib.suppress(Exception):  # a metric must never fail a mission step
        _observe(event)


def _observe(event: Mapping[str, Any]) -> None:
    group, _, what = str(event.get("kind", "")).partition(".")
    worker = event.get("worker") or "none"
    data = event.get("data") or {}
    if group == "mission":
        if what == "created":
            MISSIONS_CREATED.labels(worker=worker).inc()
        elif what in MISSION_OUTCOMES:
            MISSIONS.labels(worker=worker, outcome=what).inc()
            if what == "expired":
                EXPIRIES.labels(worker=worker, what="mission").inc()
    elif group == "proposal" and what == "created":
        PROPOSALS.labels(worker=worker).inc()
    elif group == "decision":
        reason = reason_label(data.get("reason_code"))
        DECISIONS.labels(worker=worker, outcome=bounded(what, DECISION_OUTCOMES), reason_code=reason).inc()
    elif group == "execution" and what != "started":
        EXECUTIONS.labels(worker=worker, outcome=bounded(what, EXECUTION_OUTCOMES)).inc()
    elif group == "escalation":
        if what in SLA_STEPS:
            SLA_BREACHES.labels(worker=worker, step=what).inc()
        elif what == "expired":
            EXPIRIES.labels(worker=worker, what="proposal").inc()
    elif group == "control" and data.get("previous") == "autonomous" and data.get("autonomy") != "autonomous":
        DEMOTIONS.labels(worker=worker).inc()  # only the trust monitor records `previous`


@contextmanager
def timed_tool(tool: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        with tracing.span(f"tool {tool}", **{"missionbot.tool": tool}):
            yield
    finally:
        TOOL_SECONDS.labels(tool=tool).observe(time.perf_counter() - start)


def status_class(status: int | None) -> str:
    """A failed API attempt's label: 429 on its own (rate limits), else the class, or no answer at all."""
    if status is None:
        return "network"
    return "429" if status == 429 else f"{status // 100}xx"


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROC_ENV) or None


def exposition(*extra: Collector) -> bytes:
    """This process's metrics in the text format: the multiprocess files when they are in use (every
    process writes there), else this process's registry; then `extra` collectors (scrape-time gauges)."""
    path = multiprocess_dir()
    if path:
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=path)
        body = generate_latest(registry)
    else:
        body = generate_latest(REGISTRY)
    for collector in extra:
        registry = CollectorRegistry(auto_describe=False)
        registry.register(collector)
        body += generate_latest(registry)
    return body
