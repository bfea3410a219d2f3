"""`missionbot audit verify|checkpoint` exit codes, and processes that refuse to run without an audit key."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.core.audit import Audit
from tests.bot.core.audit_streams import filled
from tests.bot.core.test_audit_verify import FORGERIES
from tests.support.redis_server import cleanup, new_prefix

ROOT = Path(__file__).resolve().parents[3]


def cli(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=timeout,
    )


def keyless() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("MISSIONBOT_AUDIT_KEY")}


def test_verify_and_checkpoint_on_an_intact_chain(rt, settings, tmp_path):
    filled(rt)
    ok = cli("audit", "verify")
    assert ok.returncode == 0 and "intact: 5 events" in ok.stdout
    checkpoints = tmp_path / "checkpoints.jsonl"
    assert cli("audit", "checkpoint", "--out", str(checkpoints)).returncode == 0
    filled(rt, 2)
    assert cli("audit", "checkpoint", "--out", str(checkpoints)).returncode == 0
    lines = [json.loads(line) for line in checkpoints.read_text().splitlines()]
    assert [cp["seq"] for cp in lines] == [5, 7] and all(cp["sig"] and cp["chain"] for cp in lines)
    assert cli("audit", "verify", "--since-checkpoint", str(checkpoints)).returncode == 0


def test_verify_exits_non_zero_on_each_forgery(rt, settings):
    """Every forgery on a stream of its own, the CLIs run side by side (each is a full interpreter start)."""
    runs = {}
    for name, (forge, code, _) in FORGERIES.items():
        prefix = new_prefix()
        audit = Audit(redis=rt.redis, prefix=prefix, clock=rt.clock, keys=rt.audit.keys)
        for i in range(5):
            audit.record("test.event", actor=f"U{i}", worker="support-triage", n=i)
        forge(audit)
        env = {**os.environ, "MISSIONBOT_KEY_PREFIX": prefix}
        runs[name] = (
            code,
            prefix,
            subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "audit", "verify"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
            ),
        )
    for name, (code, prefix, proc) in runs.items():
        stdout, _ = proc.communicate(timeout=120)
        cleanup(rt.redis, prefix)
        assert proc.returncode == code != 0 and ("TAMPERED" if code == 1 else "LOST") in stdout, (
            name,
            stdout,
        )


def test_a_checkpoint_ahead_of_the_stream_is_lost_events_with_its_own_exit_code(rt, settings, tmp_path):
    audit = filled(rt)
    checkpoints = tmp_path / "checkpoints.jsonl"
    assert cli("audit", "checkpoint", "--out", str(checkpoints)).returncode == 0
    rows = rt.redis.xrange(audit.stream)
    for entry_id, _ in rows[3:]:  # a failover to a replica that never got the last two events
        rt.redis.xdel(audit.stream, entry_id)
    rt.redis.set(audit.head, f"3:{rows[2][1][b'mac'].decode()}")
    lost = cli("audit", "verify", "--since-checkpoint", str(checkpoints))
    assert lost.returncode == 3 and "events were LOST" in lost.stdout and "2 event(s) lost" in lost.stderr
    refused = cli("audit", "checkpoint", "--out", str(checkpoints))
    assert refused.returncode == 3 and "no checkpoint written" in refused.stdout
    assert cli("audit", "checkpoint", "--out", str(checkpoints), "--accept-lost").returncode == 0
    assert (
        cli("audit", "verify", "--since-checkpoint", str(checkpoints)).returncode == 0
    )  # reviewed, re-anchored


def test_a_forged_checkpoint_file_is_tampering(rt, settings, tmp_path):
    filled(rt)
    checkpoints = tmp_path / "checkpoints.jsonl"
    cli("audit", "checkpoint", "--out", str(checkpoints))
    forged = json.loads(checkpoints.read_text())
    checkpoints.write_text(json.dumps({**forged, "seq": 3}) + "\n")
    bad = cli("audit", "verify", "--since-checkpoint", str(checkpoints))
    assert bad.returncode == 1 and "signature invalid" in bad.stderr


def test_verify_needs_the_key(rt, settings):
    filled(rt)
    out = cli("audit", "verify", env=keyless())
    assert out.returncode == 2 and "MISSIONBOT_AUDIT_KEY" in out.stderr
    assert cli("audit", "verify", "--insecure-audit-key", env=keyless()).returncode == 1  # not what signed it


@pytest.mark.parametrize("command", [["serve"], ["worker", "--burst"], ["scheduler"]])
def test_long_running_processes_refuse_to_start_without_a_key(settings, command):
    out = cli(*command, env=keyless())
    assert out.returncode == 2, out.stderr
    assert "MISSIONBOT_AUDIT_KEY" in out.stderr and "--insecure-audit-key" in out.stderr


def test_a_key_file_from_a_secret_store_is_used(settings, tmp_path):
    key = tmp_path / "audit.key"
    key.write_text("a-key-mounted-from-a-secret-store\n")
    out = cli("worker", "--burst", "--simple", env={**keyless(), "MISSIONBOT_AUDIT_KEY_FILE": str(key)})
    assert out.returncode == 0, out.stderr


def test_insecure_audit_key_runs_with_a_loud_warning_and_a_verifiable_chain(rt, settings):
    out = cli("worker", "--burst", "--simple", "--insecure-audit-key", env=keyless())
    assert out.returncode == 0 and "PUBLISHED key" in out.stderr, out.stderr
    kinds = [e["kind"] for e in rt.audit.events()]
    assert "config.loaded" in kinds  # written by the worker, signed with the published key
    assert cli("audit", "verify", "--insecure-audit-key", env=keyless()).returncode == 0
    assert "key we do not hold" in cli("audit", "verify").stderr  # a real key does not vouch for them


def test_trim_drops_only_what_a_checkpoint_covers_and_verify_still_passes(rt, settings, tmp_path):
    filled(rt, 4)
    checkpoints = tmp_path / "checkpoints.jsonl"
    refused = cli("audit", "trim", "--keep-days", "0")
    assert refused.returncode == 2 and "no checkpoint" in refused.stderr
    assert cli("audit", "checkpoint", "--out", str(checkpoints)).returncode == 0
    filled(rt, 2)  # after the checkpoint: kept
    done = cli("audit", "trim", "--keep-days", "0")
    assert done.returncode == 0 and "trimmed 4 events" in done.stdout, done.stderr
    plain = cli("audit", "verify")
    assert plain.returncode == 0 and "trimmed prefix: seq 1..4" in plain.stdout, plain.stderr
    assert cli("audit", "verify", "--since-checkpoint", str(checkpoints)).returncode == 0
    kept = cli("audit", "trim", "--keep-days", "30", "--checkpoint", str(checkpoints))
    assert kept.returncode == 0 and "trimmed 0 events" in kept.stdout
