"""The fold's batched read of the audit stream gives each event as `Audit.events` does (its body and id)."""

from __future__ import annotations

from datetime import timedelta

from bot.missions.digest.stream import batches
from tests.bot.missions.digest.test_signals import START, WORKER, clock  # noqa: F401 - the fixture

IGNORED = {"seq", "prev", "mac"}  # the entry's own fields: the fold reads only the event's body


def test_batches_read_what_the_audit_reads_from_a_start_id_on(clock):  # noqa: F811
    rt = clock.rt
    for n in range(7):
        clock.now = START + timedelta(minutes=n)
        rt.audit.record("mission.created", actor="U0AGENT", worker=WORKER, mission=f"M-{n}", n=n)
    everything = list(rt.audit.events())
    start = everything[2]["_id"]
    got = [e for batch in batches(rt, start, size=2) for e in batch]
    want = [{k: v for k, v in e.items() if k not in IGNORED} for e in everything[2:]]
    assert [{k: v for k, v in e.items() if k not in IGNORED} for e in got] == want
    assert [len(batch) for batch in batches(rt, "-", size=3)] == [3, 3, 1]
    assert list(batches(rt, f"({everything[-1]['_id']}")) == []  # nothing after the last one
