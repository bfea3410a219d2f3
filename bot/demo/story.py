"""`missionbot demo --script`: the support escalation story, played and checked step by step."""

from __future__ import annotations

import time
from collections.abc import Callable

from bot.core.audit import Audit
from bot.core.audit_verify import check
from bot.core.models import Mission
from bot.core.runtime import Runtime
from bot.demo.helpdesk import HelpdeskBackend
from bot.demo.worker_process import WorkerProcess
from handlers.console.shell import ConsoleSurface


class StoryFailed(Exception):
    pass


class Story:
    def __init__(self, rt: Runtime, worker: WorkerProcess) -> None:
        self.rt, self.worker = rt, worker
        self.shell = ConsoleSurface(rt, user="U0AGENT", channel="C0SUPPORT")
        self.helpdesk = HelpdeskBackend(redis=rt.redis, prefix=rt.settings.key_prefix, clock=rt.clock)
        self.step_no = 0

    def step(self, title: str) -> None:
        self.step_no += 1
        print(f"\n━━ {self.step_no}. {title} " + "━" * max(0, 60 - len(title)), flush=True)

    def say(self, user: str, line: str) -> str:
        self.shell.user = user
        print(f"{user}@{self.shell.channel}> {line}")
        out = self.shell.handle(line)
        if out:
            print(out)
        self.show()
        return out

    def show(self) -> None:
        for line in self.shell.drain():
            print(line)

    def wait(self, what: str, check: Callable[[], bool], timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if check():
                self.show()
                return
            time.sleep(0.05)
        self.show()
        raise StoryFailed(f"timed out waiting for: {what}")

    def expect(self, what: str, ok: bool) -> None:
        print(f"   {'✔' if ok else '✘'} {what}")
        if not ok:
            raise StoryFailed(what)

    def card_shows(self, proposal_id: str, status: str) -> bool:
        """True once a copy of the card was updated to `status` (what the approvers see)."""
        return any(
            m["op"] == "update"
            and m.get("card", {}).get("proposal_id") == proposal_id
            and m["card"]["status"] == status
            for _, m in self.shell.outbox.read()
        )

    def latest(self) -> Mission:
        ids = self.rt.store.missions_of("support-triage")
        return self.rt.store.mission(ids[-1])

    def mission_in(self, status: str) -> Callable[[], bool]:
        return lambda: self.latest().status == status

    def play(self) -> None:
        store = self.rt.store
        self.step("Trigger: an escalation arrives in #support")
        self.say("U0AGENT", "ESC-1042 checkout was down for six hours, customer asks for a credit")
        mission = self.latest()
        self.expect(f"mission {mission.id} queued for support-triage", mission.worker == "support-triage")

        self.step("Gather: ticket, account history, entitlement policy (all read-only)")
        self.wait("the mission to park on a proposal", self.mission_in("awaiting_approval"))
        keys = [o.key for o in store.observations(mission.id)]
        self.expect("three reads and one observation recorded", keys[:4] == ["s1", "s2", "s3", "s4"])

        self.step("Reason and propose: the credit goes to the escalation owner as a card")
        proposal = store.proposal(self.latest().proposals[0])
        self.expect(
            f"proposal {proposal.tool} amount={proposal.args['amount']} is pending",
            proposal.status == "pending",
        )
        self.expect("no credit issued before approval", self.helpdesk.credits() == [])
        self.say("U0AGENT", f"/approve {self.shell.number(proposal.id)}")
        self.expect(
            "someone who is not an approver cannot decide", store.proposal(proposal.id).status == "pending"
        )

        self.step("Approve and act: the owner approves, only then the credit is issued")
        self.say("U0OWNER1", f"/approve {self.shell.number(proposal.id)}")
        self.wait("the credit to execute", lambda: store.proposal(proposal.id).status == "executed")
        self.expect("exactly one credit issued", len(self.helpdesk.credits()) == 1)

        self.step("Verdict: resolved, with the credit and the approval recorded")
        self.wait("the verdict", self.mission_in("done"))
        self.expect("verdict names the approver", "U0OWNER1" in (self.latest().verdict or ""))

        self.step(
            "Autonomy: the owner switches to autonomous; a 30 credit is auto-approved (rule amount ≤ 50)"
        )
        self.say("U0MANAGER", "/autonomy support-triage autonomous")
        self.say("U0AGENT", "ESC-1046 dashboard slow all afternoon, customer wants a goodwill credit")
        self.wait("the auto-approved mission to finish", self.mission_in("done"))
        auto = store.proposal(self.latest().proposals[0])
        self.expect(
            "executed under the auto_approve rule", auto.status == "executed" and auto.decided_by == "auto"
        )

        self.step("A larger credit (180) still waits for a human, even in autonomous mode")
        self.say("U0OWNER2", "ESC-1043 third outage this quarter, customer asks for 180")
        self.wait("the larger credit to wait", self.mission_in("awaiting_approval"))
        big = store.proposal(self.latest().proposals[0])
        self.expect("pending for an approver", big.status == "pending")
        refusal = self.say("U0OWNER2", f"/approve {self.shell.number(big.id)}")
        self.expect(
            "four-eyes: an approver cannot approve a mission they asked for",
            "four-eyes" in refusal and store.proposal(big.id).status == "pending",
        )

        self.step("A forbidden action (credit of 900 > 500) is refused")
        self.say("U0AGENT", "ESC-1044 refund the whole year please")
        self.wait("the refusal", self.mission_in("done"))
        self.expect(
            "refused by the forbid rule, no proposal",
            not self.latest().proposals and "refused" in (self.latest().verdict or "").lower(),
        )

        self.step("Kill switch: a queued mission is cancelled, the pending card is halted")
        self.worker.stop()  # no worker is free: the next mission stays queued
        self.say("U0AGENT", "ESC-1045 invoice question")
        queued = self.latest()
        self.say("U0MANAGER", "/kill support-triage")
        self.worker.start()
        self.expect("queued mission cancelled", store.mission(queued.id).status == "cancelled")
        self.wait("the pending card to show 'halted'", lambda: self.card_shows(big.id, "halted"))
        self.expect("still exactly two credits issued", len(self.helpdesk.credits()) == 2)
        self.say("U0MANAGER", "/resume support-triage")

        self.step("Audit: the hash chain verifies")
        problems = check(
            Audit(
                redis=self.rt.redis,
                prefix=self.rt.settings.key_prefix,
                clock=self.rt.clock,
                keys=self.rt.audit.keys,
            )
        ).problems
        for problem in problems[:5]:
            print("   ", problem)
        self.expect(f"audit verify passes ({sum(1 for _ in self.rt.audit.events())} events)", problems == [])


def play(rt: Runtime, *, worker: WorkerProcess) -> int:
    story = Story(rt, worker)
    try:
        story.play()
    except StoryFailed as exc:
        print(f"\nDEMO FAILED: {exc}")
        return 1
    print("\nDemo complete: every step happened as shown.")
    return 0
