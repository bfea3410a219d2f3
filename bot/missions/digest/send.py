"""Deliver a digest: to `digest_channel`, else a DM to the owner, through the configured platform's Messenger.

The digest is laid out for the messenger, from the same computed weeks: one that exposes
`post_adaptive_card` (Teams) gets `render.adaptive_card` with the chart inside it; one that exposes
`post_blocks` (Slack) gets `render.blocks`; every other one the plain text. Then one that exposes
`post_image(*, conversation, png, title, alt_text)` gets the chart after it (Slack: a file upload into
the same channel or DM; the console: a file whose path it prints).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.config.primitives import WEEKDAYS
from bot.core.models import MessageRef
from bot.core.runtime import Runtime
from bot.missions.digest import chart, home, render
from bot.missions.digest.compute import compute, up_to_now
from bot.missions.digest.model import Digest


def send(rt: Runtime, worker_name: str, *, end: datetime | None = None) -> tuple[Digest, MessageRef]:
    worker = rt.worker(worker_name)
    digest = compute(rt, worker_name, end=end or up_to_now(rt))
    messenger = rt.messengers.get(worker.digest.platform)
    conversation = worker.digest_channel or worker.owner
    ref, file_id = _post(messenger, conversation, digest)
    if file_id is not None:
        home.remember_chart(rt, worker_name, worker.digest.platform, file_id)
    rt.audit.record(
        "digest.sent",
        actor="system:digest",
        worker=worker_name,
        conversation=conversation,
        platform=worker.digest.platform,
        start=digest.start.isoformat(),
        end=digest.end.isoformat(),
    )
    return digest, ref


def _post(messenger: Any, conversation: str, d: Digest) -> tuple[MessageRef, str | None]:
    """The digest as the messenger can show it, then its chart; the chart's id when the platform gave one."""
    heading, alt = render.title(d), chart.alt_text(d)
    card = getattr(messenger, "post_adaptive_card", None)
    if callable(card):  # the chart inside the card: one message
        ref = card(
            conversation=conversation,
            summary=heading,
            card=render.adaptive_card(d),
            png=chart.render_png(d),
            alt_text=alt,
        )
        return ref, None
    blocks = getattr(messenger, "post_blocks", None)
    if callable(blocks):
        ref = blocks(conversation=conversation, text=heading, blocks=render.blocks(d))
    else:
        ref = messenger.post(conversation=conversation, thread=None, text=render.text(d))
    image = getattr(messenger, "post_image", None)
    if not callable(image):
        return ref, None
    file_id = image(conversation=conversation, png=chart.render_png(d), title=heading, alt_text=alt)
    return ref, file_id if isinstance(file_id, str) else None


def due_week(rt: Runtime, worker_name: str) -> str | None:
    """The ISO week to send for when the local day and hour have come (the rest of that day catches up)."""
    schedule = rt.worker(worker_name).digest
    local = rt.clock().astimezone(ZoneInfo(schedule.timezone))
    if local.weekday() != WEEKDAYS.index(schedule.day) or local.hour < schedule.hour:
        return None
    year, week, _ = local.isocalendar()
    return f"{year}-W{week:02d}"


def send_if_due(rt: Runtime, worker_name: str) -> bool:
    """Once per worker and week, however many schedulers enqueue the check (SET NX on the week)."""
    week = due_week(rt, worker_name)
    if week is None:
        return False
    marker = rt.store.key("digest-sent", worker_name, week)
    if not rt.redis.set(marker, rt.clock().isoformat(), nx=True, ex=int(timedelta(days=30).total_seconds())):
        return False
    schedule = rt.worker(worker_name).digest
    local = rt.clock().astimezone(ZoneInfo(schedule.timezone))
    # The week ends at the scheduled local time, so every digest covers the same 7 days whatever the delay.
    end = local.replace(hour=schedule.hour, minute=0, second=0, microsecond=0)
    try:
        send(rt, worker_name, end=end)
    except Exception:
        rt.redis.delete(marker)  # let the next check (or the job's retry) send it
        raise
    return True
