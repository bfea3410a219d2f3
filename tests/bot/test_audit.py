"""The audit stream is hash-chained: edits, deletions and a cut tail are detected."""

from __future__ import annotations

import json
import subprocess
import sys

from bot.audit import Audit


def filled(rt, n: int = 5) -> Audit:
    for i in range(n):
        rt.audit.record("test.event", actor=f"U{i}", worker="support-triage", n=i)
    return rt.audit


def test_intact_chain_verifies_and_exports(rt, tmp_path):
    audit = filled(rt)
    assert audit.verify() == []
    out = tmp_path / "audit.jsonl"
    with out.open("w") as fh:
        assert audit.export(fh) == 5
    events = [json.loads(line) for line in out.read_text().splitlines()]
    assert [e["seq"] for e in events] == [1, 2, 3, 4, 5] and events[1]["prev"] == events[0]["hash"]


def test_an_edited_event_is_detected(rt):
    audit = filled(rt)
    entries = rt.redis.xrange(audit.stream)
    # An attacker with Redis access rewrites the stream, keeping every id and changing one actor.
    rt.redis.delete(audit.stream)
    for i, (entry_id, fields) in enumerate(entries):
        event = json.loads(fields[b"event"])
        if i == 2:
            event["actor"] = "U_FORGED"
        rt.redis.xadd(audit.stream, {"event": json.dumps(event)}, id=entry_id)
    problems = audit.verify()
    assert any("altered" in p for p in problems)


def test_a_deleted_event_and_a_cut_tail_are_detected(rt):
    audit = filled(rt)
    ids = [entry for entry, _ in rt.redis.xrange(audit.stream)]
    rt.redis.xdel(audit.stream, ids[1])
    assert any("jumps from 1 to 3" in p for p in audit.verify())
    audit2 = Audit(redis=rt.redis, prefix=rt.settings.key_prefix + "b", clock=rt.clock)
    for i in range(3):
        audit2.record("x", actor="U", n=i)
    rt.redis.xdel(audit2.stream, rt.redis.xrange(audit2.stream)[-1][0])
    assert any("tail deleted" in p for p in audit2.verify())
    rt.redis.delete(audit2.stream, audit2.head)


def test_secrets_never_reach_the_audit_stream(rt):
    rt.audit.record("x", actor="U1", text="token xoxb-1234567890-abcdefghij and sk-proj-ABCDEFGHIJKLMNOPQRST")
    stored = rt.redis.xrange(rt.audit.stream)[-1][1][b"event"].decode()
    assert "xoxb-1234567890" not in stored and "sk-proj-ABC" not in stored and "[redacted]" in stored


def test_audit_verify_command_exit_codes(rt, settings):
    filled(rt)
    ok = subprocess.run([sys.executable, "-m", "bot.cli", "audit", "verify"], capture_output=True, text=True)
    assert ok.returncode == 0 and "intact" in ok.stdout
    rt.redis.xdel(rt.audit.stream, rt.redis.xrange(rt.audit.stream)[0][0])
    bad = subprocess.run([sys.executable, "-m", "bot.cli", "audit", "verify"], capture_output=True, text=True)
    assert bad.returncode == 1 and "BROKEN" in bad.stdout
