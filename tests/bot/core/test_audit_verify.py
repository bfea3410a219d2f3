"""Verifying the chain: every forgery someone with only Redis write access can try is caught.

Each forgery is done directly in Redis, without the key; `check` (and the CLI, in
tests/bot/commands/test_audit_cmd.py) must report it, as tampering or as lost events, and exit non-zero.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.audit import Audit
from bot.core.audit_keys import AuditKeys
from bot.core.audit_verify import LOST_EXIT, TAMPERED_EXIT, check, latest_checkpoint, sign_checkpoint
from tests.bot.core.audit_streams import edited, entries, filled, rewrite


def _delete_head(audit: Audit) -> None:
    audit.redis.delete(audit.head)


def _wind_head_back_and_edit_later(audit: Audit) -> None:
    rows = entries(audit)
    audit.redis.set(audit.head, f"3:{rows[2][1][b'mac'].decode()}")
    for entry_id, fields in rows[3:]:
        audit.redis.xdel(audit.stream, entry_id)
        audit.redis.xadd(audit.stream, edited(fields, actor="U_FORGED"))


def _edit_and_recompute_every_later_hash(audit: Audit) -> None:
    rows = [fields for _, fields in entries(audit)]
    rows[1] = edited(rows[1], actor="U_FORGED")
    rewrite(audit, rows)


def _delete_a_middle_event_and_renumber(audit: Audit) -> None:
    rows = [fields for _, fields in entries(audit)]
    rewrite(audit, rows[:2] + rows[3:])


def _swap_two_events_and_renumber(audit: Audit) -> None:
    rows = [fields for _, fields in entries(audit)]
    rows[1], rows[2] = rows[2], rows[1]
    rewrite(audit, rows)


def _replay_an_event(audit: Audit) -> None:
    rows = [fields for _, fields in entries(audit)]
    rewrite(audit, [*rows, rows[1]])


def _sign_with_another_key(audit: Audit) -> None:
    forger = Audit(
        redis=audit.redis,
        prefix=audit.prefix,
        clock=audit.clock,
        keys=AuditKeys(current=b"an-attackers-own-key-0123456789"),
    )
    forger.record("decision.approved", actor="U_FORGED", worker="support-triage")


def _delete_a_middle_event_without_renumbering(audit: Audit) -> None:
    audit.redis.xdel(audit.stream, entries(audit)[2][0])


FORGERIES = {
    "head deleted": (_delete_head, TAMPERED_EXIT, "head is missing"),
    "head wound back, later events edited": (_wind_head_back_and_edit_later, TAMPERED_EXIT, "altered"),
    "event edited, every later link recomputed": (
        _edit_and_recompute_every_later_hash,
        TAMPERED_EXIT,
        "altered",
    ),
    "middle event deleted, seq renumbered": (_delete_a_middle_event_and_renumber, LOST_EXIT, "missing"),
    "middle event deleted": (_delete_a_middle_event_without_renumbering, TAMPERED_EXIT, "jumps from 2 to 4"),
    "two events swapped, seq renumbered": (_swap_two_events_and_renumber, TAMPERED_EXIT, "repeats"),
    "an event replayed": (_replay_an_event, TAMPERED_EXIT, "repeats"),
    "an event signed with another key": (_sign_with_another_key, TAMPERED_EXIT, "key we do not hold"),
}


@pytest.mark.parametrize("name", FORGERIES)
def test_each_forgery_in_redis_is_detected(rt, name):
    forge, code, message = FORGERIES[name]
    audit = filled(rt)
    forge(audit)
    verdict = check(audit)
    assert verdict.exit_code == code, verdict.problems
    assert any(message in p for p in verdict.problems), verdict.problems


def test_a_cut_tail_with_a_rewound_head_is_caught_by_the_checkpoint_as_lost_events(rt):
    audit = filled(rt)
    checkpoint = sign_checkpoint(audit, check(audit), at=rt.clock())
    rows = entries(audit)
    for entry_id, _ in rows[3:]:
        audit.redis.xdel(audit.stream, entry_id)
    audit.redis.set(audit.head, f"3:{rows[2][1][b'mac'].decode()}")
    assert check(audit).exit_code == 0  # consistent in Redis alone: only an anchor outside it can tell
    verdict = check(audit, checkpoint=checkpoint)
    assert verdict.exit_code == LOST_EXIT and verdict.tampered == []
    assert any("2 event(s) lost" in p for p in verdict.lost)
    audit.record("after.failover", actor="U1")  # the same writer carries on: its own sequence shows the gap
    assert any("events 4..5 are missing" in p for p in check(audit).lost)
    reviewed = sign_checkpoint(audit, check(audit), at=rt.clock())  # `audit checkpoint --accept-lost`
    assert check(audit, checkpoint=reviewed).problems == []  # gaps up to a checkpoint were vetted there


def test_a_stream_continued_after_a_failover_is_lost_not_tampered(rt):
    audit = filled(rt)
    checkpoint = sign_checkpoint(audit, check(audit), at=rt.clock())
    rows = entries(audit)
    for entry_id, _ in rows[3:]:  # the replica never got the last two
        audit.redis.xdel(audit.stream, entry_id)
    audit.redis.set(audit.head, f"3:{rows[2][1][b'mac'].decode()}")
    fresh = Audit(redis=rt.redis, prefix=audit.prefix, clock=rt.clock, keys=audit.keys)  # a new process
    for i in range(3):
        fresh.record("after.failover", actor="U1", n=i)
    verdict = check(fresh, checkpoint=checkpoint)
    assert verdict.exit_code == LOST_EXIT and any("written after the checkpoint" in p for p in verdict.lost)


def test_a_rewritten_prefix_differs_from_the_checkpoint(rt):
    audit = filled(rt)
    checkpoint = sign_checkpoint(audit, check(audit), at=rt.clock())
    _swap_two_events_and_renumber(audit)
    assert any("differs from the checkpoint" in p for p in check(audit, checkpoint=checkpoint).tampered)


def test_a_forged_checkpoint_line_is_tampering(rt, tmp_path):
    audit = filled(rt)
    path = tmp_path / "checkpoints.jsonl"
    good = sign_checkpoint(audit, check(audit), at=rt.clock())
    path.write_text(json.dumps(good) + "\n" + json.dumps({**good, "seq": 2}) + "\n")
    latest, forged = latest_checkpoint(audit, path)
    assert latest == {k: good[k] for k in ("prefix", "seq", "chain", "at", "kid")}
    assert forged and "signature invalid" in forged[0]


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(payloads=st.lists(JSONISH, min_size=1, max_size=4), junk=st.binary(max_size=30), at=st.integers(0, 3))
def test_any_payload_verifies_and_any_junk_entry_is_caught(rt, payloads, junk, at):
    audit = Audit(redis=rt.redis, prefix=f"{rt.settings.key_prefix}:fz", clock=rt.clock, keys=rt.audit.keys)
    rt.redis.delete(audit.stream, audit.head)
    for payload in payloads:
        audit.record("fuzz", actor="U1", payload=payload)
    assert check(audit).problems == []
    rows, victim = entries(audit), min(at, len(payloads) - 1)
    audit.redis.delete(audit.stream)
    for i, (entry_id, fields) in enumerate(rows):
        audit.redis.xadd(
            audit.stream,
            {**fields, b"event": fields[b"event"] + junk} if i == victim else fields,
            id=entry_id,
        )
    assert (check(audit).exit_code != 0) == bool(junk)


def test_a_checkpoint_of_an_empty_stream_holds_until_events_arrive(rt):
    checkpoint = sign_checkpoint(rt.audit, check(rt.audit), at=rt.clock())
    assert checkpoint["seq"] == 0 and check(rt.audit, checkpoint=checkpoint).problems == []
    filled(rt, 2)
    assert check(rt.audit, checkpoint=checkpoint).problems == []
