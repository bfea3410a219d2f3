"""Proposal records: created once (and once per content), changed under the mission's and the control's
watch, indexed while pending, and the cards they were posted as. A part of `Store` (bot/core/store.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from redis.client import Pipeline
from redis.exceptions import NoScriptError

from bot.core import lua
from bot.core.errors import NotFound
from bot.core.models import MessageRef, Proposal
from bot.core.store_records import KeyedRecords

# The record and, when pending, its place in the pending index, together; with a content index, the first
# proposal of identical content claims it (bot/missions/proposing.py) in the same script. KEYS: proposal,
# pending, content index ('': none). ARGV: JSON, id, created-at score ('' when not pending), content
# digest, key prefix. {1} when created, {0, existing JSON} when it existed, {2, first JSON, first id} when a
# proposal of the same content exists under another id (nothing written).
_CREATE_PROPOSAL = """
if KEYS[3] ~= '' then
  redis.call('HSETNX', KEYS[3], ARGV[4], ARGV[2])
  local first = redis.call('HGET', KEYS[3], ARGV[4])
  if first ~= ARGV[2] then
    local other = redis.call('GET', ARGV[5] .. ':proposal:' .. first)
    if other then return {2, other, first} end
  end
end
if not redis.call('SET', KEYS[1], ARGV[1], 'NX') then return {0, redis.call('GET', KEYS[1])} end
if ARGV[3] ~= '' then redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2]) end
return {1}
"""


class Reads(Protocol):
    """Reads a caller sends with a proposal's creation (bot/missions/card_reads.py)."""

    def queue(self, pipe: Pipeline) -> int: ...

    def take(self, replies: list[Any]) -> None: ...


class ProposalRecords(KeyedRecords):
    def create_proposal(
        self,
        proposal: Proposal,
        *,
        content: tuple[str, str] | None = None,
        reads: Reads | None = None,
    ) -> tuple[Proposal, bool]:
        """Create once; a retried mission gets the existing proposal back (created=False). `content`: (index
        key, digest) of the proposal's content; when another proposal claimed it first and exists, that one
        comes back (created=False) and nothing is written. `reads`: reads queued after the script, sent in
        the same round trip; their replies go to its `take`. One round trip."""
        key, raw = self.key("proposal", proposal.id), proposal.model_dump_json()
        score = proposal.created_at.timestamp() if proposal.status == "pending" else ""
        index, digest = content or ("", "")
        keys, args = [key, self.key("pending"), index], [raw, proposal.id, score, digest, self.prefix]
        script = lua.script(self.redis, _CREATE_PROPOSAL)
        if reads is None:
            reply = script(keys=keys, args=args)
        else:
            with self.redis.pipeline(transaction=False) as pipe:
                pipe.evalsha(script.sha, len(keys), *keys, *args)
                reads.queue(pipe)
                reply, *replies = pipe.execute(raise_on_error=False)
            for failed in (r for r in replies if isinstance(r, Exception)):
                raise failed
            reads.take(replies)
            if isinstance(reply, NoScriptError):  # not cached (a restarted Redis): the script loads it
                reply = script(keys=keys, args=args)
            elif isinstance(reply, Exception):
                raise reply
        outcome = int(reply[0])
        if outcome == 1:
            self.records.saw(key, raw)
            return proposal, True
        return self.proposal_from(reply[2].decode() if outcome == 2 else proposal.id, reply[1]), False

    def proposal(self, proposal_id: str) -> Proposal:
        found = self._get(self.key("proposal", proposal_id), Proposal)
        if found is None:
            raise NotFound(f"no proposal {proposal_id}")
        return found

    def mutate_proposal(
        self,
        proposal_id: str,
        change: Callable[[Proposal], Proposal],
        *,
        worker: str | None = None,
        mission: str | None = None,
    ) -> Proposal:
        # Watching the worker's control key makes "kill switch pulled" and "approved" exclusive; watching
        # the mission key makes "mission closed" and "approved" (or "executing") exclusive.
        watch = [self.key("control", worker)] if worker else []
        watch += [self.key("mission", mission)] if mission else []
        updated = self._mutate(self.key("proposal", proposal_id), Proposal, change, watch=watch)
        if updated.status != "pending":
            self.redis.zrem(self.key("pending"), proposal_id)
        return updated

    def pending_proposals(self) -> list[Proposal]:
        ids = [p.decode() for p in self.redis.zrange(self.key("pending"), 0, -1)]
        return [self.proposal(pid) for pid in ids]

    def add_card(self, proposal_id: str, ref: MessageRef) -> Proposal:
        def add(p: Proposal) -> Proposal:
            return p if ref in p.cards else p.model_copy(update={"cards": [*p.cards, ref]})

        return self.mutate_proposal(proposal_id, add)

    def proposal_from(self, proposal_id: str, raw: bytes) -> Proposal:
        """A proposal read by a script (bot/core/limits.py), remembered for a later compare-and-set."""
        self.records.saw(self.key("proposal", proposal_id), raw)
        return Proposal.model_validate_json(raw)
