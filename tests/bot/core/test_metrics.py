"""The metric definitions (bot/core/metrics.py): audit events counted with bounded labels, the multiprocess
files of exited processes folded without changing a total, and the alert rules and the example dashboard
in deploy/ naming only metrics and labels the bot exports."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import yaml
from prometheus_client import REGISTRY

from bot.core import limits, metrics
from bot.core.metrics_port import compact
from bot.core.metrics_redis import RedisCollector
from tests.support.scrape import parse, value

ROOT = Path(__file__).resolve().parents[3]
ALERTS = ROOT / "deploy" / "prometheus" / "alerts.yml"
DASHBOARD = ROOT / "deploy" / "grafana" / "missionbot.json"
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum"), "gauge": ("",)}


def exported(rt) -> tuple[set[str], set[str]]:
    """Every sample name the bot can export, and every label name."""
    families = [f for f in REGISTRY.collect() if f.name.startswith("missionbot_")]
    families += list(RedisCollector(rt).collect())
    names = {f.name + suffix for f in families for suffix in SUFFIXES[f.type]}
    labels = {"le"} | {label for f in families for s in f.samples for label in s.labels}
    for collector in (c for c in REGISTRY._collector_to_names if hasattr(c, "_labelnames")):
        labels |= set(collector._labelnames)
    return names, labels


def check_expr(expr: str, names: set[str], labels: set[str]) -> None:
    used = set(re.findall(r"\bmissionbot_[a-z_]+\b", expr))
    assert used, expr
    assert used <= names, used - names
    for group in re.findall(r"\bby \(([^)]*)\)", expr):
        assert {g.strip() for g in group.split(",")} <= labels, group


def test_every_alert_rule_names_metrics_and_labels_the_bot_exports(rt):
    names, labels = exported(rt)
    rules = [rule for group in yaml.safe_load(ALERTS.read_text())["groups"] for rule in group["rules"]]
    for rule in rules:
        assert rule["alert"].startswith("Missionbot") and rule["labels"]["severity"] in {
            "critical",
            "warning",
            "info",
        }
        assert rule["annotations"]["summary"]
        check_expr(rule["expr"], names, labels)
    topics = " ".join(rule["expr"] for rule in rules)
    for needed in ("missionbot_rq_workers", "queue_oldest_job_age", 'missions_total{outcome="failed"}'):
        assert needed in topics
    assert "missionbot_autonomy_demotions_total" in topics  # the error budget's breach
    assert "missionbot_sla_breaches_total" in topics and 'code=~"5.."' in topics


def test_the_dashboard_shows_every_metric_with_known_names(rt):
    names, labels = exported(rt)
    dashboard = json.loads(DASHBOARD.read_text())
    exprs = [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    for expr in exprs:
        check_expr(expr, names, labels)
    shown = " ".join(exprs)
    families = {n.removesuffix("_total") for n in names if not n.endswith(("_bucket", "_count", "_sum"))}
    families |= {n.removesuffix("_bucket") for n in names if n.endswith("_bucket")}
    missing = {f for f in families if f not in shown and f != "missionbot_redis_up"}
    assert not missing, missing


def count(event: dict) -> dict:
    before = parse(metrics.exposition().decode())
    metrics.observe_event(event)
    after = parse(metrics.exposition().decode())
    changed = {
        k
        for k in after
        if k[0].startswith("missionbot_") and not k[0].endswith("_created") and after[k] != before.get(k, 0.0)
    }
    return {k: after[k] - before.get(k, 0.0) for k in changed}


def test_audit_events_are_counted_with_bounded_labels():
    rejected = count(
        {"kind": "decision.rejected", "worker": "w", "mission": "m-1", "data": {"reason_code": "policy"}}
    )
    assert rejected == {
        (
            "missionbot_decisions_total",
            frozenset({"worker": "w", "outcome": "rejected", "reason_code": "policy"}.items()),
        ): 1
    }
    odd = count({"kind": "decision.sideways", "worker": "w", "data": {"reason_code": "<@U123> free text!"}})
    [(name, labels)] = odd
    assert dict(labels) == {"worker": "w", "outcome": "other", "reason_code": "other"}
    demoted = count(
        {"kind": "control.changed", "worker": "w", "data": {"autonomy": "assisted", "previous": "autonomous"}}
    )
    assert list(demoted) == [("missionbot_autonomy_demotions_total", frozenset({("worker", "w")}))]
    assert count({"kind": "control.changed", "worker": "w", "data": {"autonomy": "assisted"}}) == {}
    assert count({"kind": "mission.expired", "worker": "w"}).keys() == {
        ("missionbot_missions_total", frozenset({"worker": "w", "outcome": "expired"}.items())),
        ("missionbot_expiries_total", frozenset({"worker": "w", "what": "mission"}.items())),
    }
    assert list(count({"kind": "mission.withdrawn", "worker": "w"})) == [  # the requester's cancel
        ("missionbot_missions_total", frozenset({"worker": "w", "outcome": "withdrawn"}.items()))
    ]
    assert list(count({"kind": "escalation.rerouted", "worker": "w", "proposal": "p-1"})) == [
        ("missionbot_sla_breaches_total", frozenset({"worker": "w", "step": "rerouted"}.items()))
    ]
    assert list(count({"kind": "escalation.expired", "worker": "w"})) == [
        ("missionbot_expiries_total", frozenset({"worker": "w", "what": "proposal"}.items()))
    ]
    assert count({"kind": None, "data": "not a mapping"}) == {}  # never raises into the caller


def test_token_spend_is_counted_by_worker(rt):
    def spent() -> float:
        return value(parse(metrics.exposition().decode()), "missionbot_tokens_total", worker="support-agent")

    before = spent()
    limits.add_tokens(rt, "support-agent", 1234)
    assert spent() - before == 1234


CHILD = """
from bot.core import limits, metrics
metrics.MISSIONS.labels(worker="w", outcome="done").inc({n})
metrics.TOOL_SECONDS.labels(tool="t").observe(0.2)
"""


def test_exited_processes_files_are_folded_into_one_archive_without_changing_a_total(tmp_path, monkeypatch):
    env = {**os.environ, metrics.MULTIPROC_ENV: str(tmp_path), "PYTHONPATH": str(ROOT)}
    for n in (1, 2, 3):  # three processes, like three work-horses, each gone when it ends
        subprocess.run([sys.executable, "-c", CHILD.format(n=n)], env=env, check=True, cwd=ROOT)
    monkeypatch.setenv(metrics.MULTIPROC_ENV, str(tmp_path))
    before = parse(metrics.exposition().decode())
    assert value(before, "missionbot_missions_total", worker="w", outcome="done") == 6
    assert len(list(tmp_path.glob("*.db"))) == 6
    assert compact(str(tmp_path)) == 6
    assert sorted(p.name for p in tmp_path.iterdir()) == ["counter_archive.db", "histogram_archive.db"]
    assert parse(metrics.exposition().decode()) == before
    subprocess.run([sys.executable, "-c", CHILD.format(n=4)], env=env, check=True, cwd=ROOT)
    assert compact(str(tmp_path)) == 2
    after = parse(metrics.exposition().decode())
    assert value(after, "missionbot_missions_total", worker="w", outcome="done") == 10
    assert value(after, "missionbot_tool_call_seconds_count", tool="t") == 4
