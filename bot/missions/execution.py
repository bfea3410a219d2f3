"""Run an approved action exactly once: a state change in Redis plus the proposal id as idempotency key."""

from __future__ import annotations

import logging

from bot.core import metrics
from bot.core.cards import VOIDED
from bot.core.errors import ToolError
from bot.core.models import Proposal
from bot.core.policy import edits
from bot.core.queueing import enqueue_card_sync, enqueue_mission
from bot.core.readable import summarize
from bot.core.runtime import Runtime
from bot.missions import closing, kill_switch, preview
from bot.missions.asking_again import ask_again
from bot.missions.notify import Notifier
from bot.missions.undo import mark_reversed

log = logging.getLogger(__name__)
OUTCOMES = {"executed", "failed"}  # settled by an execution (halted and closed are settled by others)


class Executor:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.notify = Notifier(rt)

    def execute(self, proposal_id: str) -> Proposal:
        store = self.rt.store
        proposal = store.proposal(proposal_id)
        if proposal.status in OUTCOMES:
            self._record_outcome(proposal)  # a run that died after settling may not have recorded it
            return proposal
        if proposal.status not in {"approved", "executing"}:
            return proposal  # pending, or settled otherwise: nothing to run
        killed = claimed = False
        closed: list[Proposal] = []

        def start(p: Proposal) -> Proposal:
            nonlocal killed, claimed
            closed.clear()
            claimed = p.status == "approved"  # this run claims it (else a retry of a started execution)
            if p.status not in {"approved", "executing"}:
                return p
            # Under the WATCH on the mission key: a mission that closed before this claim runs nothing.
            settled = closing.settle_if_closed(self.rt, p)
            if settled is not None:
                closed.append(settled)
                return settled
            # Read under the WATCH on the control key: a kill landing before this commit aborts it, and the
            # retry sees the switch. An `executing` proposal started before the kill;
            # its retry replays the key.
            killed = p.status == "approved" and kill_switch.is_halted(self.rt, p.worker)
            return p if killed else p.model_copy(update={"status": "executing"})

        proposal = store.mutate_proposal(
            proposal_id, start, worker=proposal.worker, mission=proposal.mission_id
        )
        if closed:
            closing.announce(
                self.rt,
                store.mission(proposal.mission_id),
                actor=f"worker:{proposal.worker}",
                proposals=[proposal_id],
            )
            return proposal
        if killed:
            return self.settle(proposal_id, status="halted", error="kill switch pulled before execution")
        if proposal.status != "executing":
            return proposal
        tool = self.rt.toolbox.tools_for(self.rt.worker(proposal.worker)).get(proposal.tool)
        now = tool.spec.definition_hash if tool is not None else None
        if proposal.tool_hash and now and now != proposal.tool_hash:
            return self._void(proposal, now=now)
        # Only the run that claims it checks the preview: a retry may follow the effect itself (which moves
        # the preview) and replays the idempotency key instead.
        moved = preview.recheck(self.rt, proposal) if claimed else None
        if moved is not None:  # the world changed since the approvers saw the preview: ask them again
            return ask_again(self.rt, proposal, fresh=moved[0], changed=moved[1])
        self.rt.audit.record(
            "execution.started",
            actor=f"worker:{proposal.worker}",
            worker=proposal.worker,
            mission=proposal.mission_id,
            proposal=proposal.id,
            tool=proposal.tool,
        )
        try:
            if tool is None:
                raise ToolError(f"{proposal.tool} is not available to this worker")
            # The proposal id (with the edited arguments' digest) is the idempotency key: a retried job
            # cannot issue a second credit.
            with metrics.timed_tool(proposal.tool):
                result = tool.call(proposal.args, idempotency_key=edits.idempotency_key(proposal))
        except ToolError as exc:
            return self.settle(proposal_id, status="failed", error=str(exc))
        return self.settle(proposal_id, status="executed", result=result)

    def _void(self, proposal: Proposal, *, now: str) -> Proposal:
        """The tool's definition changed since the proposal was made (and approved): the approval was for
        what the tool said then, so nothing runs, the proposal settles as failed saying why, and the owner
        is told (once: a retry finds the proposal settled and stops before here)."""
        error = (
            f"{VOIDED} {proposal.tool}'s definition changed since it was proposed "
            f"({(proposal.tool_hash or '')[:19]}… → {now[:19]}…); nothing ran, propose it again"
        )
        settled = self.settle(proposal.id, status="failed", error=error)
        if settled.error == error:
            worker = self.rt.worker(proposal.worker)
            self.rt.messengers.get(worker.digest.platform).post(
                conversation=worker.owner,
                thread=None,
                text=f"⚠️ {worker.display_name}: approved {proposal.tool} in mission {proposal.mission_id} "
                f"did not run: the MCP server now describes the tool differently. Review the change, "
                f"then `missionbot tools {worker.name} --pin`.",
            )
        return settled

    def follow_up(self, proposal: Proposal) -> None:
        """What a settled proposal owes the rest, enqueued by the execution job on every run of it: a re-run
        after a crash between the settlement and here enqueues what the dead run did not. The job ids derive
        from the work, so a second call adds nothing. One card sync for the outcome (the decision had its
        own), and the mission parked on the proposal resumes."""
        enqueue_card_sync(self.rt, proposal.id, reason=proposal.status)
        mark_reversed(self.rt, proposal)  # an executed undo: the action it reversed says so
        enqueue_mission(self.rt, proposal.mission_id, reason=f"after-{proposal.id}")

    def fail(self, proposal_id: str, *, error: str) -> Proposal:
        return self.settle(proposal_id, status="failed", error=error)

    def settle(
        self, proposal_id: str, *, status: str, result: dict | None = None, error: str | None = None
    ) -> Proposal:
        """Record the outcome, audit it and say it in the thread. The cards are not touched here: the
        execution job's `follow_up` syncs them (an inline execution, auto-approved, has no card). A proposal
        settled already keeps its outcome, and that outcome is what is recorded."""
        proposal = self.rt.store.mutate_proposal(
            proposal_id,
            lambda p: (
                p if p.settled else p.model_copy(update={"status": status, "result": result, "error": error})
            ),
        )
        self._record_outcome(proposal)
        return proposal

    def _readable(self, proposal: Proposal) -> str:
        """The result as a sentence or a few facts (the tool's `summary:`), redacted before it is cut."""
        result = self.rt.redactor.value(proposal.result or {})
        return summarize(result, tool=proposal.tool, worker=self.rt.worker(proposal.worker))

    def _record_outcome(self, proposal: Proposal) -> None:
        """The outcome's audit event and its line in the thread, once each, whichever run gets here: the
        marker is set after the event (a crash in between repeats the event, never loses it) and the
        thread line is keyed by the proposal."""
        store, marker = self.rt.store, f"outcome-{proposal.id}"
        if not store.done(proposal.mission_id, marker):
            self.rt.audit.record(
                f"execution.{proposal.status}",
                actor=f"worker:{proposal.worker}",
                worker=proposal.worker,
                mission=proposal.mission_id,
                proposal=proposal.id,
                tool=proposal.tool,
                result=proposal.result,
                error=proposal.error,
            )
            store.mark_done(proposal.mission_id, marker)
        outcome = (
            f"✅ Executed {proposal.tool}: {self._readable(proposal)}"
            if proposal.status == "executed"
            else f"⛔ {proposal.tool} {proposal.status}: {proposal.error}"
        )
        self.notify.observe(store.mission(proposal.mission_id), f"exec-{proposal.id}", outcome)
