"""The Notifier: everything a mission says leaves redacted and defanged, once, through its platform's
messenger; status lines and card updates are best effort, the card-sync job is strict."""

from __future__ import annotations

import pytest

from bot.core.audit_verify import check
from bot.core.defang import trusted
from bot.core.models import MessageRef
from bot.missions.notify import Notifier
from tests.bot.missions.asks import ask, parked

ZW = "\u200b"


class Recorder:
    platform = "console"

    def __init__(self, *, broken: bool = False) -> None:
        self.sent: list[tuple[str, str]] = []
        self.broken = broken

    def post(self, *, conversation, thread, text, card=None) -> MessageRef:
        self.sent.append(("post", text))
        return MessageRef(
            platform="console", conversation=conversation, ts=str(len(self.sent)), thread=thread
        )

    def update(self, ref, *, text, card=None) -> None:
        if self.broken:
            raise RuntimeError("message_not_found")
        self.sent.append(("update", text))

    def ephemeral(self, *, conversation, user, text) -> None:
        self.sent.append(("ephemeral", text))


@pytest.fixture
def recorder(rt) -> Recorder:
    messenger = Recorder()
    rt.messengers.add(messenger)
    return messenger


def test_text_is_redacted_then_defanged_and_only_product_text_keeps_mentions(rt):
    notify = Notifier(rt)
    assert notify.shown("ask @U0OWNER1 at evil.com with xoxb-1234567890-abcdefghij") == (
        f"ask @{ZW}U0OWNER1 at evil[.]com with [redacted]"
    )
    assert notify.shown(trusted("@U0OWNER1 please decide")) == "@U0OWNER1 please decide"


def test_an_observation_is_recorded_audited_and_posted_once(rt, recorder):
    mission = ask(rt, "ESC-1042").mission
    notify = Notifier(rt)
    notify.observe(mission, "k1", "looked at @here", detail={"api_key": "k-123"})
    notify.observe(mission, "k1", "looked at @here")
    assert recorder.sent == [("post", f"looked at @{ZW}here")]
    [obs] = rt.store.observations(mission.id)
    assert obs.detail == {"api_key": "[redacted]"}
    audited = [e for e in rt.audit.events() if e["kind"] == "observation" and e["mission"] == mission.id]
    assert len(audited) == 1


def test_a_marked_first_event_goes_in_once_with_the_observation_or_not_again(rt, recorder):
    """`first_done`: the step's proposal event goes in with its observation and the mission's change, in
    one script, once per marker; written apart before (an earlier version's crash between), it is not
    repeated and the observation goes in alone. The chain stays whole either way."""
    audit, store = rt.audit, rt.store
    for key, apart in (("k1", False), ("k2", True)):
        mission = ask(rt, "ESC-1042").mission
        marker = f"audit-{key}"
        if apart:
            audit.record_once("proposal.created", done=(store.key("done", mission.id), marker), actor="a")
        for _ in range(2):  # a retried step
            sealed = audit.seal("proposal.created", actor="a", mission=mission.id)
            Notifier(rt).observe(
                store.mission(mission.id),
                key,
                "proposed",
                change=lambda m, key=key: m.model_copy(update={"proposals": [key]}),
                first=sealed,
                first_done=marker,
            )
        kinds = [e["kind"] for e in audit.events() if e["mission"] in (mission.id, None)]
        assert kinds.count("proposal.created") == 1 and kinds.count("observation") == 1
        assert store.done(mission.id, marker) and store.mission(mission.id).proposals == [key]
    assert recorder.sent == [("post", "proposed")] * 2
    assert check(audit).problems == [] and check(audit).gaps == []


def test_a_failed_post_is_posted_again_by_the_retry(rt):
    mission = ask(rt, "ESC-1042").mission
    failing = Recorder()
    failing.post = lambda **_: (_ for _ in ()).throw(RuntimeError("rate limited"))
    rt.messengers.add(failing)
    with pytest.raises(RuntimeError):
        Notifier(rt).observe(mission, "k1", "first look")
    retry = Recorder()
    rt.messengers.add(retry)
    Notifier(rt).observe(mission, "k1", "first look")
    assert retry.sent == [("post", "first look")]


def test_a_status_update_that_fails_does_not_fail_the_mission(rt):
    mission = ask(rt, "ESC-1042").mission
    Notifier(rt).status(mission, "no status message: nothing to do")  # no status_ref yet
    ref = MessageRef(platform="console", conversation="C0SUPPORT", ts="1")
    rt.messengers.add(Recorder(broken=True))
    Notifier(rt).status(mission.model_copy(update={"status_ref": ref}), "running")  # logged, not raised


def test_a_card_goes_to_the_approvals_channel_and_every_copy_is_synced(rt, run_jobs, recorder):
    pid = parked(rt, run_jobs)
    proposal = rt.store.proposal(pid)
    assert [c.conversation for c in proposal.cards] == ["C0APPROVALS"]
    # the card, its notification text in the header's words: the state, then the action in plain words
    assert any(
        k == "post" and t.startswith("Approval needed · Issue a service credit") for k, t in recorder.sent
    )
    recorder.sent.clear()
    Notifier(rt).post_card(proposal, rt.store.mission(proposal.mission_id))
    assert len(rt.store.proposal(pid).cards) == 2 and recorder.sent[0][0] == "post"
    Notifier(rt).sync_cards(pid)
    assert [kind for kind, _ in recorder.sent[1:]] == ["update", "update"]


def test_the_card_sync_job_raises_after_trying_every_copy(rt, run_jobs):
    pid = parked(rt, run_jobs)
    rt.messengers.add(Recorder(broken=True))
    Notifier(rt).sync_cards(pid)  # best effort for an execution or a mission
    with pytest.raises(RuntimeError, match="message_not_found"):
        Notifier(rt).sync_cards(pid, strict=True)  # the job: RQ retries
