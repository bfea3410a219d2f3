"""What a mission says in its thread and on its cards, through its platform's Messenger.

Every text and card leaves through here redacted (the runtime's one Redactor) and defanged: a `ProductText`
keeps the mentions the product wrote, any other string is treated as untrusted whole
(`bot.core.defang.shown`).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from bot.core import precedent, tracing
from bot.core.atomic import Ahead
from bot.core.audit import Sealed
from bot.core.cards import Card, card_for
from bot.core.defang import ProductText, shown
from bot.core.messenger import Messenger
from bot.core.models import MessageRef, Mission, Observation, Proposal
from bot.core.precedent import Precedent
from bot.core.runtime import Runtime
from bot.core.sender import Sender, sender_for
from bot.missions import delegation
from bot.missions.card_reads import Read, card_reads

log = logging.getLogger(__name__)


def post_status(
    messenger: Messenger, *, conversation: str, thread: str | None, text: str, cancel: str | None
) -> MessageRef:
    """A mission's first status message, with the requester's Cancel button (`cancel`: the mission id) on a
    platform that draws one (an optional `post_status` of its messenger); plain text elsewhere."""
    if hasattr(messenger, "post_status"):
        return messenger.post_status(conversation=conversation, thread=thread, text=text, cancel=cancel)
    return messenger.post(conversation=conversation, thread=thread, text=text)


class Notifier:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def shown(self, text: str) -> str:
        """Redacted, then defanged (a `ProductText` keeps its mentions). Redaction runs on the text as
        composed: the redactor also knows each secret's defanged form,
        so a defanged part cannot slip a value through."""
        redacted = self.rt.redactor.text(text)
        return shown(ProductText(redacted) if isinstance(text, ProductText) else redacted)

    def sender(self, worker: str) -> Sender | None:
        """The worker's name and icon for what it posts (None for a worker no longer configured)."""
        found = self.rt.workers.get(worker)
        return sender_for(found) if found is not None else None

    def card(
        self,
        proposal: Proposal,
        *,
        mission: Mission | None = None,
        precedents: list[Precedent] | None = None,
    ) -> Card:
        """The card with a link to the request's thread, where its platform has one, its values in the
        requester's locale when their platform gave it (else the worker's). `mission` and `precedents`:
        as the caller read them already (its thread and locale never change)."""
        worker = self.rt.worker(proposal.worker)
        mission = mission if mission is not None else self._mission(proposal.mission_id)
        return card_for(
            proposal,
            worker,
            redactor=self.rt.redactor,
            thread_link=self.thread_link(proposal.mission_id, mission=mission),
            precedents=self.precedents(proposal) if precedents is None else precedents,
            formats=worker.formats.for_reader(mission.locale if mission else None),
        )

    def precedents(self, proposal: Proposal) -> list[Precedent]:
        """How similar proposals were decided, while this one waits for a decision (one bounded read)."""
        if proposal.status != "pending":
            return []
        found = precedent.similar(
            self.rt.redis,
            self.rt.store.key,
            worker=proposal.worker,
            tool=proposal.tool,
            args=proposal.args,
            exclude=proposal.id,
        )
        return [p.model_copy(update={"link": self._link(p)}) for p in found]

    def _link(self, entry: Precedent) -> str | None:
        """The precedent's mission thread, made by its platform's messenger (no round trip on Slack or
        Teams; the console has no URL: its id is shown)."""
        if not (entry.platform and entry.conversation and entry.thread):
            return None
        try:
            return self.rt.messengers.permalink(
                entry.platform, conversation=entry.conversation, message=entry.thread
            )
        except Exception:  # a link is a convenience, as the thread's own
            log.warning("no link for precedent mission %s", entry.mission, exc_info=True)
            return None

    def _mission(self, mission_id: str) -> Mission | None:
        try:
            return self.rt.store.mission(mission_id)
        except Exception:  # the card is still shown (the worker's locale, no link)
            log.warning("no mission %s for its card", mission_id, exc_info=True)
            return None

    def thread_link(self, mission_id: str, *, mission: Mission | None = None) -> str | None:
        try:
            mission = mission or self.rt.store.mission(mission_id)
            root = mission.thread_root
            if root is None:
                return None
            return self.rt.messengers.permalink(
                mission.platform, conversation=mission.conversation, message=root
            )
        except Exception:  # a link is a convenience: a missing record or platform error never costs the card
            log.warning("no thread link for mission %s", mission_id, exc_info=True)
            return None

    def observe(
        self,
        mission: Mission,
        key: str,
        text: str,
        detail: dict[str, Any] | None = None,
        *,
        change: Callable[[Mission], Mission] | None = None,
        first: Sealed | None = None,
        first_done: str = "",
        ahead: Ahead | None = None,
    ) -> Mission | None:
        """Record once, post once: a retried mission neither stores nor posts a step twice. `change`: the
        mission's progress saved with the observation, in the same script; the changed mission comes back
        (None: not applied, the caller saves it). `first`: the step's tool-read event, sealed and not yet
        appended: it goes in with the observation's (or on its own if the step was recorded before).
        `first_done`: `first`'s own done marker: it goes in once (as `Audit.append_once`), with the
        observation or, when written apart before, not again. `ahead` (with `change`): the next step's call
        start, read in the same script (`ahead.reply` stays None when it was not)."""
        text = self.shown(text)
        obs = Observation(key=key, text=text, at=self.rt.clock(), detail=self.rt.redactor.value(detail or {}))
        store, audit = self.rt.store, self.rt.audit
        event = {"actor": f"worker:{mission.worker}", "worker": mission.worker, "mission": mission.id}
        # One round trip: the observation, its audit event and the posted marker (bot/core/atomic.py).
        sealed = audit.seal("observation", **event, key=key, text=obs.text, after=first)
        write = functools.partial(store.record_observation, mission.id, obs, audit=audit, change=change)
        recorded, changed = write(sealed=sealed, first=first, first_done=first_done, ahead=ahead)
        if recorded.first_apart:  # `first` went in apart before: the observation alone, sealed on its own
            sealed = audit.seal("observation", **event, key=key, text=obs.text)
            recorded, changed = write(sealed=sealed)
        elif first is not None and not recorded.appended:
            if first_done:  # once: it went in with the observation (or apart) unless a crash came between
                audit.append_once(first, done=(store.key("done", mission.id), first_done))
            else:  # the read ran again: its event all the same
                audit.append(first)
        post = recorded.post
        if recorded.audit_missing:  # recorded before its event (a crash between): audit what was recorded
            obs = store.observation(mission.id, key) or obs
            audit.record_once(
                "observation",
                done=(store.key("done", mission.id), f"obs-{key}"),
                **event,
                key=key,
                text=obs.text,
            )
            post = store.mark_posted(mission.id, key)
        if post:
            try:
                self.rt.messengers.get(mission.platform, sender=self.sender(mission.worker)).post(
                    conversation=mission.conversation, thread=mission.thread, text=text
                )
            except Exception:
                self.rt.store.unmark_posted(mission.id, key)  # the retried job posts it again
                raise
        return changed

    def status(self, mission: Mission, text: str) -> None:
        """Best effort: the status line is a convenience (its message may be deleted); the mission goes on."""
        if mission.status_ref is None:
            return
        try:
            messenger = self.rt.messengers.get(mission.platform, sender=self.sender(mission.worker))
            cancel = mission.id if mission.is_open else None  # the requester's button, while it may be used
            if hasattr(messenger, "update_status"):
                messenger.update_status(mission.status_ref, text=self.shown(text), cancel=cancel)
            else:
                messenger.update(mission.status_ref, text=self.shown(text))
        except Exception:  # any platform error; the thread and the verdict still carry the news
            log.warning("status of mission %s not updated", mission.id, exc_info=True)

    def post_card(self, proposal: Proposal, mission: Mission, *, reads: Read | None = None) -> Proposal:
        """Post the card where its approvers look (and copies on their other platforms); the proposal as
        its last card left it comes back. `reads`: the card's reads as its caller made them already."""
        worker = self.rt.worker(proposal.worker)
        precedents, delegations = reads or card_reads(self.rt, proposal, worker)
        card = self.card(proposal, mission=mission, precedents=precedents)
        by_platform = worker.escalation.approvals_channels
        channel = by_platform.get(mission.platform)
        if not channel and mission.platform in {"slack", "console"}:
            channel = worker.escalation.approvals_channel  # a Slack channel id: meaningless on Teams
        conversation, thread = (channel, None) if channel else (mission.conversation, mission.thread)
        sender = self.sender(proposal.worker)
        messenger = self.rt.messengers.get(mission.platform, sender=sender)
        with tracing.span("card post", **{"missionbot.proposal": proposal.id}):
            ref = messenger.post(
                conversation=conversation, thread=thread, text=card.notification(), card=card
            )
        carded = self.rt.store.add_card(proposal.id, ref)
        for platform, elsewhere in by_platform.items():  # copies for approvers on the other platforms
            if platform == mission.platform or platform not in self.rt.messengers:
                continue
            try:
                ref = self.rt.messengers.get(platform, sender=sender).post(
                    conversation=elsewhere, thread=None, text=card.notification(), card=card
                )
            except Exception:  # one platform's outage must not cost the others their card
                log.exception("card %s not posted on %s", proposal.id, platform)
                continue
            carded = self.rt.store.add_card(proposal.id, ref)
        return self._to_delegates(carded, delegations, platform=mission.platform)

    def _to_delegates(
        self, proposal: Proposal, delegations: list[bytes | None], *, platform: str
    ) -> Proposal:
        """A card for an approver who delegated also reaches their delegate (bot/missions/delegation.py):
        `delegations`, their records as `card_reads` found them."""
        delegates = delegation.delegates_among(self.rt, delegations, requester=proposal.requester)
        if not delegates:
            return proposal
        try:
            self.direct_copies(proposal, delegates, platform=platform, actor="system:delegation")
        except Exception:  # the card is posted where approvers look; a missed copy must not fail it
            log.exception("copy of %s to delegates %s failed", proposal.id, delegates)
        return self.rt.store.proposal(proposal.id)

    def direct_copies(self, proposal: Proposal, users: list[str], *, platform: str, actor: str) -> None:
        """A direct-message copy of the card to each user, kept in sync like every other copy. On Slack (and
        the console) a user id is a conversation; Teams opens a 1:1 only with someone who wrote to the bot."""
        card = self.card(proposal)  # with the request thread's link, as on the channel's card
        messenger = self.rt.messengers.get(platform, sender=self.sender(proposal.worker))
        for user in users:
            if platform != "teams":
                ref = messenger.post(conversation=user, thread=None, text=card.notification(), card=card)
            else:
                ref = messenger.direct(user=user, text=card.notification(), card=card)  # type: ignore[attr-defined]
                if ref is None:  # never met them (or Teams refused the chat): nobody to send it to, ever
                    log.warning(
                        "no Teams 1:1 with %s (not written to the bot yet); %s skipped", user, proposal.id
                    )
                    self.rt.audit.record(
                        "teams.undeliverable",
                        actor=actor,
                        worker=proposal.worker,
                        mission=proposal.mission_id,
                        proposal=proposal.id,
                        user=user,
                    )
                    continue
            self.rt.store.add_card(proposal.id, ref)

    def sync_cards(self, proposal_id: str, *, strict: bool = False) -> None:
        """Every copy of a card, on every platform, shows the proposal's current state. Best effort per copy
        (the decision is recorded; the buttons refuse a second one anyway), so a deleted card never fails an
        execution or a mission; `strict` (the card-sync job) raises after trying every copy, so RQ retries."""
        failed: list[Exception] = []
        proposal = self.rt.store.proposal(proposal_id)
        card = self.card(proposal)
        for ref in proposal.cards:
            if ref.platform not in self.rt.messengers:
                log.warning("no messenger for %s; card %s not updated there", ref.platform, proposal_id)
                continue
            try:
                self.rt.messengers.get(ref.platform, sender=self.sender(proposal.worker)).update(
                    ref, text=card.notification(), card=card
                )
            except Exception as exc:  # any platform error; see the docstring
                log.warning("card %s not updated at %s", proposal_id, ref, exc_info=True)
                failed.append(exc)
        if strict and failed:
            raise failed[0]
