"""Handling what a surface put in the inbox (bot/core/inbox.py) before its ack: a request becomes a
mission (`create`, the "queued" reply, `launch`), an Approve click a decision.

`handle` takes one entry, posting through the runtime's messengers: serve's handling process reads the
entries (bot/missions/inbox_consumer.py), or serve itself right after its ack (in-process handling, whose
Slack listeners answer through bolt's client); the recovery sweep handles those a dead process left or nobody
read (`recover`). Handling an entry twice changes nothing the
first handling did: the mission id is reserved per entry before the mission is created, the reply is
claimed per entry before it is posted (a second handling reuses the posted reply's reference, or stops
while the first is still posting), and a decision is recorded once (a second one by the same actor is the
first one seen again).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.core import log_context, tracing
from bot.core.card_edits import version_of
from bot.core.errors import AlreadyDecided, MissionbotError
from bot.core.inbox import CLICK, REQUEST, REQUEST_ID, TRACE_FIELDS, Entry, Inbox
from bot.core.models import MessageRef, Request
from bot.core.outage import REDIS_DOWN
from bot.core.sender import sender_for
from bot.missions.notify import post_status
from bot.missions.poison import Poison
from bot.missions.service import MissionService, Submitted

log = logging.getLogger(__name__)

__all__ = ["CLICK", "REQUEST", "Intake", "ReplyInFlight", "click_fields", "request_fields"]
MISSION_ID_TTL = 7 * 86_400  # far past any sweep that could still find the entry pending
# How long a handling may take to post its reply before another may post it (its process died meanwhile).
REPLY_CLAIM_TTL = 120
POSTING = b"posting"


class ReplyInFlight(Exception):
    """Another handling of the entry is posting its reply now: this one stops, the entry stays pending."""


def request_fields(request: Request) -> dict[str, str]:
    return {
        "platform": request.platform,
        "conversation": request.conversation,
        "thread": request.thread or "",
        "requester": request.requester,
        "text": request.text,
        "locale": request.locale or "",
    }


def click_fields(
    *, proposal_id: str, actor: str, platform: str, conversation: str | None, version: int | None = None
) -> dict[str, str]:
    """An Approve click; `conversation` is where its refusal is shown ("" from a home view); `version`: the
    arguments' version on the clicked card (bot/core/card_edits.py), "" when unknown."""
    return {
        "proposal": proposal_id,
        "actor": actor,
        "platform": platform,
        "conversation": conversation or "",
        "version": "" if version is None else str(version),
    }


@dataclass(frozen=True, kw_only=True)
class Recovered:
    requests: list[str]  # entry ids
    clicks: list[str]

    def __len__(self) -> int:
        return len(self.requests) + len(self.clicks)


class Intake:
    """`consumer`: the inbox consumer (process) this handles for, named in its reply claims so that whoever
    adopts a dead consumer's entries (`forget_claims_of`) may post the replies it left half-done."""

    def __init__(self, service: MissionService, *, consumer: str = "") -> None:
        self.service, self.rt = service, service.rt
        self.claim = POSTING + b":" + consumer.encode()
        self.dead: set[bytes] = set()  # claims of consumers known to be dead (their supervisor saw them exit)
        self.poison = Poison(self.rt)

    def forget_claims_of(self, consumer: str) -> None:
        """`consumer` died mid-handling: a reply it was posting is taken over at once, not after
        REPLY_CLAIM_TTL (had Slack taken it before the process died, that reply shows twice)."""
        self.dead.add(POSTING + b":" + consumer.encode())

    # -- requests ------------------------------------------------------------------------
    def create(self, entry: Entry) -> Submitted:
        """`MissionService.create` under the id reserved for this entry: the same mission every time."""
        f = entry.fields
        request = Request(
            platform=f["platform"],
            conversation=f["conversation"],
            thread=f.get("thread") or None,
            requester=f["requester"],
            text=f["text"],
            locale=f.get("locale") or None,
        )
        mission_id, reserved_now = self._mission_id(entry)
        return self.service.create(request, mission_id=mission_id, reserved_now=reserved_now)

    def _mission_id(self, entry: Entry) -> tuple[str, bool]:
        """A fresh id (True: reserved now), or the one an earlier handling of the entry reserved (SET NX
        GET: one round trip)."""
        fresh = self.rt.new_id()
        key = self.rt.store.key("inbox", "mission", entry.id)
        earlier = self.rt.redis.set(key, fresh, nx=True, get=True, ex=MISSION_ID_TTL)
        return (earlier.decode(), False) if earlier else (fresh, True)

    def launch(self, submitted: Submitted, *, status: MessageRef | None) -> bool:
        return self.service.launch(submitted, status=status)

    def handle_request(self, entry: Entry) -> Submitted:
        """The mission (or the help/refusal answer), its "queued" reply through the runtime's messenger
        for the platform, then `launch` makes the reply the status message and starts the mission, so no
        worker runs ahead of it. A failed reply still launches the mission, without it; a failed answer
        with no mission raises, and the entry stays pending for the sweep to answer again."""
        submitted = self.create(entry)
        status = submitted.mission.status_ref if submitted.mission else None
        if status is None:  # not attached yet: posted by an earlier handling, or not posted
            status = self._reply(entry, submitted)
        self.launch(submitted, status=status)
        return submitted

    def _reply(self, entry: Entry, submitted: Submitted) -> MessageRef | None:
        """Post the reply once per entry: SET NX GET claims it (a loaded `serve` and the recovery sweep
        can handle the same entry at once); the claim then holds the reply's reference for a later
        handling to attach. A failed post releases the claim."""
        key = self.rt.store.key("inbox", "replied", entry.id)
        earlier = self.rt.redis.set(key, self.claim, nx=True, get=True, ex=REPLY_CLAIM_TTL)
        if earlier and earlier.startswith(POSTING):  # b"posting" alone: claimed by an older release
            if earlier not in self.dead:
                raise ReplyInFlight(f"inbox entry {entry.id}: its reply is being posted by another handling")
            self.rt.redis.set(key, self.claim, ex=REPLY_CLAIM_TTL)
        elif earlier:
            return MessageRef.model_validate_json(earlier)
        f, mission = entry.fields, submitted.mission
        try:
            sender = sender_for(self.rt.worker(mission.worker)) if mission else None
            ref = post_status(
                self.rt.messengers.get(f["platform"], sender=sender),
                conversation=f["conversation"],
                thread=f.get("thread") or None,
                text=submitted.text,
                cancel=mission.id if mission else None,
            )
        except Exception:
            self.rt.redis.delete(key)
            if mission is None:
                raise
            log.exception("could not post the reply to mission %s", mission.id)
            return None
        self.rt.redis.set(key, ref.model_dump_json(), ex=MISSION_ID_TTL)
        return ref

    # -- clicks --------------------------------------------------------------------------
    def decide(self, entry: Entry, *, again: bool = False) -> MissionbotError | None:
        """The Approve decision; returns why it was refused (to show the clicker), None when recorded.
        `again`: the entry may have been handled before a crash, so the actor's own decision is no refusal."""
        f = entry.fields
        try:
            seen = version_of(f.get("version"))  # entries of an older release have none
            self.service.decide(
                f["proposal"], actor=f["actor"], approve=True, platform=f["platform"], seen_version=seen
            )
        except AlreadyDecided as err:
            return None if again and err.by == f["actor"] and err.status.endswith("approved") else err
        except MissionbotError as err:
            return err
        return None

    # -- what a dead process left ---------------------------------------------------------
    def recover(self, inbox: Inbox) -> Recovered:
        """Entries idle for `settings.recovery_grace` seconds (their process died after its ack): handled
        here. One that fails stays pending and is claimed again by a later sweep, until its deliveries pass
        `settings.inbox_max_attempts` (bot/missions/poison.py)."""
        done = Recovered(requests=[], clicks=[])
        idle_ms = self.rt.settings.recovery_grace * 1000
        for entry in [*inbox.claim_stale(idle_ms=idle_ms), *inbox.claim_unread(idle_ms=idle_ms)]:
            if self.poison.buried(inbox, entry):
                continue
            try:
                self.handle(entry)
            except REDIS_DOWN:
                raise  # nothing else can be handled either; the next sweep starts over
            except ReplyInFlight as busy:
                log.info("%s; left pending", busy)  # its process is alive after all
                continue
            except Exception:
                log.exception("recovery of inbox entry %s (%s) failed", entry.id, entry.kind)
                continue
            inbox.done_sync(entry)
            (done.requests if entry.kind == REQUEST else done.clicks).append(entry.id)
        if done:
            log.warning(
                "handled %d request(s) and %d click(s) a dead process had accepted or nobody had read",
                *map(len, (done.requests, done.clicks)),
            )
        return done

    def handle(self, entry: Entry) -> None:
        """One entry, whoever reads it, under the request's log id and trace (bot/core/inbox.py): raises
        `ReplyInFlight` (another handling holds it) and what Redis raises; the caller leaves it pending."""
        f = entry.fields
        trace = {name: f[name] for name in TRACE_FIELDS if name in f}
        with log_context.bound(request_id=f.get(REQUEST_ID)), tracing.continued(trace, f"inbox {entry.kind}"):
            self._handle(entry)

    def _handle(self, entry: Entry) -> None:
        f = entry.fields
        if entry.kind == REQUEST:
            self.handle_request(entry)
        elif entry.kind == CLICK:
            refused = self.decide(entry, again=True)
            if refused is not None and f.get("conversation"):
                self.rt.messengers.get(f["platform"]).ephemeral(
                    conversation=f["conversation"], user=f["actor"], text=str(refused)
                )
        else:
            log.error("inbox entry %s has an unknown kind %r; dropped", entry.id, entry.kind)
