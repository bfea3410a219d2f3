"""The audit stream is a keyed hash chain, appended once per event by any number of threads and processes.

What verification finds in a forged stream is in test_audit_verify.py; the keys in test_audit_keys.py.
"""

from __future__ import annotations

import json
import multiprocessing
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from redis.exceptions import ResponseError

from bot.core.audit import parse_head
from bot.core.audit_verify import check
from tests.bot.core.audit_streams import entries, filled

ROOT = Path(__file__).resolve().parents[3]


def test_intact_chain_verifies_and_exports(rt, tmp_path):
    audit = filled(rt)
    assert check(audit).problems == [] and check(audit).exit_code == 0
    out = tmp_path / "audit.jsonl"
    with out.open("w") as fh:
        assert audit.export(fh) == 5
    events = [json.loads(line) for line in out.read_text().splitlines()]
    assert [e["seq"] for e in events] == [1, 2, 3, 4, 5] and events[1]["prev"] == events[0]["mac"]
    assert {e["kid"] for e in events} == {rt.audit.keys.kid} and [e["wseq"] for e in events] == [
        1,
        2,
        3,
        4,
        5,
    ]
    assert {"kind", "actor", "at", "worker", "mission", "proposal", "data", "seq"} <= set(events[0])
    assert parse_head(rt.redis.get(audit.head)) == (5, events[-1]["mac"])


def test_a_retried_append_is_not_doubled(rt):
    audit = filled(rt, 1)
    event = audit.redis.xrange(audit.stream)[0][1]
    args = [event[b"event"].decode(), event[b"mac"].decode()]
    assert audit._append(keys=[audit.stream, audit.head], args=args) == 0  # a retry after a lost reply
    assert len(entries(audit)) == 1 and check(audit).exit_code == 0


def test_threads_and_forked_children_write_a_valid_chain(rt):
    audit = filled(rt, 2)
    threads = [threading.Thread(target=filled, args=(rt, 20)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    child = multiprocessing.get_context("fork").Process(target=filled, args=(rt, 3))
    child.start()
    child.join()
    filled(rt, 2)  # the parent carries on after its child wrote with the state it inherited
    verdict = check(audit)
    assert child.exitcode == 0 and verdict.problems == [] and verdict.events == 2 + 80 + 3 + 2


WRITER = """
import sys
from redis import Redis
from bot.core.audit import Audit
from bot.core.audit_keys import AuditKeys
from bot.core.runtime import utc_now
from bot.core.settings import Settings
audit = Audit(redis=Redis.from_url(sys.argv[1]), prefix=sys.argv[2], clock=utc_now,
              keys=AuditKeys.from_settings(Settings()))
for i in range(int(sys.argv[3])):
    audit.record("load.event", actor="U1", worker="w", n=i)
"""


def test_concurrent_writer_processes_produce_one_chain_without_gaps(rt, redis_url):
    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER, redis_url, rt.settings.key_prefix, "150"], cwd=ROOT)
        for _ in range(4)
    ]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0, 0]
    verdict = check(rt.audit)
    assert verdict.problems == [] and verdict.events == 600 and verdict.seq == 600
    assert len({e["writer"] for e in rt.audit.events()}) == 4


def test_secrets_never_reach_the_audit_stream(rt):
    rt.audit.record("x", actor="U1", text="token xoxb-1234567890-abcdefghij and sk-proj-ABCDEFGHIJKLMNOPQRST")
    stored = rt.redis.xrange(rt.audit.stream)[-1][1][b"event"].decode()
    assert "xoxb-1234567890" not in stored and "sk-proj-ABC" not in stored and "[redacted]" in stored


def test_appends_carry_on_from_a_head_written_before_the_chain_was_keyed(rt):
    rt.redis.set(rt.audit.head, json.dumps({"seq": 7, "hash": "ab" * 32}))
    assert rt.audit.record("after.upgrade", actor="U1")["seq"] == 8
    rt.redis.set(rt.audit.head, "garbage")
    with pytest.raises(ResponseError, match="audit head unreadable"):
        rt.audit.record("x", actor="U1")
    assert any("unreadable" in p for p in check(rt.audit).problems)
