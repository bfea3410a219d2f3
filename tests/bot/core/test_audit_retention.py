"""Trimming the audit stream: only what a checkpoint covers goes, and the kept stream still verifies."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from bot.core.audit_retention import trim
from bot.core.audit_trim import trimmed_key
from bot.core.audit_verify import TAMPERED_EXIT, check, sign_checkpoint
from tests.bot.core.audit_streams import edited, entries, filled


def _later(rt) -> datetime:
    return rt.clock() + timedelta(days=1)  # every event so far is older than this


def test_a_trim_stops_at_the_checkpoint_and_the_rest_still_verifies(rt):
    audit = filled(rt, 3)
    checkpoint = sign_checkpoint(audit, check(audit), at=rt.clock())
    filled(rt, 2)  # not covered yet: must stay
    done = trim(audit, checkpoint=checkpoint, before=_later(rt), now=rt.clock())
    assert (done.events, done.seq, done.refused) == (3, 3, [])
    assert [int(f[b"seq"]) for _, f in entries(audit)] == [4, 5]
    verdict = check(audit)
    assert verdict.problems == [] and (verdict.trimmed, verdict.events, verdict.seq) == (3, 2, 5)
    assert check(audit, checkpoint=checkpoint).problems == []  # `verify --since-checkpoint`
    filled(rt, 2)  # the same writers carry on after the trim
    later = sign_checkpoint(audit, check(audit), at=rt.clock())
    assert check(audit, checkpoint=later).problems == [] and later["seq"] == 7


def test_a_trim_keeps_what_the_retention_keeps(rt):
    audit = filled(rt, 4)
    checkpoint = sign_checkpoint(audit, check(audit), at=rt.clock())
    third = datetime.fromisoformat(json.loads(entries(audit)[2][1][b"event"])["at"])
    done = trim(audit, checkpoint=checkpoint, before=third, now=rt.clock())
    assert done.seq < 3 and check(audit, checkpoint=checkpoint).problems == []
    assert [int(f[b"seq"]) for _, f in entries(audit)][-2:] == [3, 4]


def test_a_trim_of_everything_covered_then_new_events_verify(rt):
    audit = filled(rt, 3)
    checkpoint = sign_checkpoint(audit, check(audit), at=rt.clock())
    assert trim(audit, checkpoint=checkpoint, before=_later(rt), now=rt.clock()).events == 3
    assert entries(audit) == [] and check(audit, checkpoint=checkpoint).problems == []
    again = trim(audit, checkpoint=checkpoint, before=_later(rt), now=rt.clock())
    assert (again.events, again.refused) == (0, [])
    filled(rt, 1)
    assert check(audit).problems == [] and check(audit).seq == 4


def test_nothing_is_trimmed_without_a_checkpoint_or_from_a_tampered_stream(rt):
    audit = filled(rt, 3)
    assert trim(audit, checkpoint=None, before=_later(rt), now=rt.clock()).code == 2
    checkpoint = sign_checkpoint(audit, check(audit), at=rt.clock())
    entry_id, fields = entries(audit)[1]
    audit.redis.xdel(audit.stream, entry_id)
    audit.redis.xadd(audit.stream, edited(fields, actor="U_FORGED"))
    refused = trim(audit, checkpoint=checkpoint, before=_later(rt), now=rt.clock())
    assert refused.code == TAMPERED_EXIT and refused.events == 0 and len(entries(audit)) == 3


def test_a_forged_or_missing_trim_marker_is_tampering(rt):
    audit = filled(rt, 4)
    checkpoint = sign_checkpoint(audit, check(audit), at=rt.clock())
    trim(audit, checkpoint=checkpoint, before=_later(rt), now=rt.clock())
    filled(rt, 1)
    marker = json.loads(audit.redis.get(trimmed_key(audit)))
    audit.redis.set(trimmed_key(audit), json.dumps({**marker, "seq": 2}))  # no key: cannot re-sign
    assert any("trim marker" in p for p in check(audit).tampered)
    audit.redis.delete(trimmed_key(audit))  # a prefix deleted without a signed trim
    assert check(audit).exit_code == TAMPERED_EXIT
