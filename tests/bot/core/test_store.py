"""The Redis store: keys under the prefix, records created once, read-modify-write under WATCH, and a close
that settles the mission's proposals in the same transaction."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.audit_verify import check
from bot.core.errors import NotFound
from bot.core.models import Control, MessageRef, Mission, Observation, Proposal
from bot.core.store import Store

NOW = datetime(2026, 3, 2, 10, tzinfo=UTC)


@pytest.fixture
def store(redis, prefix) -> Store:
    return Store(redis=redis, prefix=prefix)


def mission(mission_id: str = "M-1", **changes) -> Mission:
    base = dict(
        id=mission_id, worker="w", mission="m", platform="slack", conversation="C1", thread="1.2",
        requester="U1", text="ESC-1", created_at=NOW, updated_at=NOW,
    )  # fmt: skip
    return Mission(**{**base, **changes})


def proposal(proposal_id: str = "P-1", **changes) -> Proposal:
    base = dict(
        id=proposal_id, mission_id="M-1", worker="w", tool="t.x", args={"n": 1}, tier="write",
        requester="U1", created_at=NOW,
    )  # fmt: skip
    return Proposal(**{**base, **changes})


def test_every_key_lives_under_the_prefix(store, prefix, redis):
    store.create_mission(mission())
    store.create_proposal(proposal())
    assert store.key("a", "b") == f"{prefix}:a:b"
    assert all(k.decode().startswith(prefix + ":") for k in redis.scan_iter(match=f"*{prefix}*"))


def test_a_mission_is_indexed_by_worker_thread_and_openness(store):
    store.create_mission(mission("M-1"))
    store.create_mission(mission("M-2", thread="3.4", created_at=NOW + timedelta(hours=1)))
    assert store.mission("M-1").text == "ESC-1" and store.open_missions("w") == ["M-1", "M-2"]
    assert store.mission_for_thread("slack", "C1", "3.4") == "M-2"
    assert store.mission_for_thread("slack", "C1", "9.9") is None
    assert store.missions_of("w", since=NOW + timedelta(minutes=30)) == ["M-2"]
    with pytest.raises(NotFound, match="no mission M-9"):
        store.mission("M-9")


def test_closing_a_mission_settles_its_open_proposals_in_the_same_step(store):
    store.create_mission(mission(proposals=["P-1", "P-2", "P-3"]))
    store.create_proposal(proposal("P-1"))
    store.create_proposal(proposal("P-2", status="approved"))
    store.create_proposal(proposal("P-3", status="executed"))
    assert [p.id for p in store.pending_proposals()] == ["P-1"]
    store.mutate_mission("M-1", lambda m: m.model_copy(update={"status": "failed"}))
    assert [store.proposal(p).status for p in ("P-1", "P-2", "P-3")] == ["closed", "closed", "executed"]
    assert store.proposal("P-1").closed_because == "failed"
    assert store.pending_proposals() == [] and store.open_missions("w") == []


def test_a_proposal_is_created_once_and_leaves_the_pending_index_when_decided(store):
    first, created = store.create_proposal(proposal())
    again, created_again = store.create_proposal(proposal(args={"n": 2}))
    assert created and not created_again and again.args == {"n": 1}
    store.mutate_proposal(
        "P-1", lambda p: p.model_copy(update={"status": "approved"}), worker="w", mission="M-1"
    )
    assert store.pending_proposals() == []
    with pytest.raises(NotFound):
        store.mutate_proposal("P-9", lambda p: p)


def test_a_change_that_raises_aborts_and_writes_nothing(store):
    store.create_proposal(proposal())

    def refuse(p: Proposal) -> Proposal:
        raise ValueError("no")

    with pytest.raises(ValueError):
        store.mutate_proposal("P-1", refuse)
    assert store.proposal("P-1").status == "pending"


def test_a_card_is_added_once(store):
    store.create_proposal(proposal())
    ref = MessageRef(platform="slack", conversation="C0APPROVALS", ts="5.5")
    store.add_card("P-1", ref)
    store.add_card("P-1", ref)
    assert store.proposal("P-1").cards == [ref]


def test_observations_keep_their_order_and_are_recorded_once(store):
    def obs(key: str, text: str) -> Observation:
        return Observation(key=key, text=text, at=NOW)

    assert store.add_observation("M-1", obs("s1", "first"))
    assert store.add_observation("M-1", obs("s2", "second"))
    assert not store.add_observation("M-1", obs("s1", "first, retried"))
    assert [o.text for o in store.observations("M-1")] == ["first", "second"]
    assert store.observation("M-1", "s2").text == "second" and store.observation("M-1", "s9") is None
    assert store.observations("M-empty") == []


def test_posted_and_done_markers(store):
    assert store.mark_posted("M-1", "s1") and not store.mark_posted("M-1", "s1")
    store.unmark_posted("M-1", "s1")
    assert store.mark_posted("M-1", "s1")
    assert not store.done("M-1", "audit-P-1")
    store.mark_done("M-1", "audit-P-1")
    assert store.done("M-1", "audit-P-1")


def test_a_workers_control_defaults_to_its_config_until_set(store, redis):
    assert store.control("w", default_autonomy="shadow") == Control(autonomy="shadow")
    store.set_control("w", Control(autonomy="autonomous", killed=True))
    assert store.control("w", default_autonomy="shadow").killed
    store.set_json("digest-seen", {"a": 1}, ttl=60)
    assert 0 < redis.ttl(store.key("digest-seen")) <= 60


def test_a_marked_event_goes_in_once_with_the_change_or_after_a_close(rt):
    """`once`: the event with the compare-and-set only while its done marker is unset (and the marker set
    with it); a change that closes the mission (the WATCH path) appends it after, once all the same."""
    store, audit = rt.store, rt.audit

    def kinds(mission_id: str) -> list[str]:
        return [e["kind"] for e in audit.events() if e["mission"] == mission_id]

    for mission_id, status in (("M-1", "running"), ("M-2", "done")):
        store.create_mission(mission(mission_id))
        done = (store.key("done", mission_id), "audit-P")
        for _ in range(2):  # a retried step: the marker keeps it to one event
            sealed = audit.seal("proposal.created", actor="worker:w", mission=mission_id)
            store.mutate_mission(
                mission_id,
                lambda m, status=status: m.model_copy(update={"status": status}),
                event=lambda before, after, sealed=sealed: (audit, sealed),
                once=done,
            )
        assert kinds(mission_id) == ["proposal.created"] and store.done(mission_id, "audit-P")
        assert store.mission(mission_id).status == status
    assert check(audit).problems == [] and check(audit).gaps == []


class Reads:
    """Reads sent with a proposal's creation (as bot/missions/card_reads.py's)."""

    def __init__(self, key: str) -> None:
        self.key, self.taken = key, None

    def queue(self, pipe) -> int:
        pipe.get(self.key)
        return 1

    def take(self, replies) -> None:
        self.taken = replies


@pytest.mark.parametrize("cached", [True, False])
def test_reads_sent_with_a_proposals_creation_come_back_with_it(store, redis, monkeypatch, cached):
    """One round trip: the script, then the reads; a script Redis does not hold (a restarted server) is
    loaded and run all the same."""
    from bot.core import store_proposals

    if not cached:  # a script text whose digest this server never saw
        unseen = f"{store_proposals._CREATE_PROPOSAL}\n-- {uuid.uuid4().hex}"
        monkeypatch.setattr(store_proposals, "_CREATE_PROPOSAL", unseen)
    redis.set(store.key("note"), "seen")
    reads = Reads(store.key("note"))
    made, created = store.create_proposal(proposal(), reads=reads)
    assert created and made.id == "P-1" and reads.taken == [b"seen"]
    assert store.proposal("P-1").status == "pending" and store.pending_proposals() == [made]
