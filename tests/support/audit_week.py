"""A generated audit trail at scale: missions shaped as a playbook `support-triage` mission records them,
XADDed straight into a runtime's audit stream at the events' own times (benchmarks/digest_scale.py, and
the test that the digest's rollups agree with a pass over the stream).

Per mission: created, started, 3 tool reads with observations, a proposal and then 81% approved by a
human after 1-90 minutes (1% of all missions later undone), 12% rejected with a reason code, 3%
auto-approved, 2% answered in shadow mode, 2% left pending and reminded; 17 events for an executed credit.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import orjson
from redis import Redis

from bot.core.models import Mission
from bot.missions.undo import UNDO_SUFFIX

WORKER = "support-triage"
WEEK = timedelta(days=7)


def body(at: datetime, kind: str, actor: str, mission: str, proposal: str | None, **data: object) -> str:
    event = {
        "at": at.isoformat(),
        "kind": kind,
        "actor": actor,
        "worker": WORKER,
        "mission": mission,
        "proposal": proposal,
        "data": data,
        "kid": "bench",
        "writer": "0123456789abcdef",
        "wseq": 1,
    }
    return orjson.dumps(event).decode()  # as json.dumps(separators=(",", ":")) for ASCII, 10x faster


ARGS = {"account_id": "ACME-7", "amount": 40.0, "reason": "outage"}
EDIT = {"original_args": ARGS, "edited_args": {**ARGS, "amount": 30.0}, "edited_by": "U0OWNER2"}


def mission_events(rng: random.Random, at: datetime, mid: str) -> Iterator[tuple[datetime, str]]:
    pid, w = f"{mid}-s5", f"worker:{WORKER}"
    step = timedelta(milliseconds=40)
    yield (
        at,
        body(
            at,
            "mission.created",
            "U0AGENT",
            mid,
            None,
            platform="console",
            conversation="C0SUPPORT",
            route="triage_escalation",
            text="ESC-1042 checkout down",
        ),
    )
    yield at + step, body(at + step, "mission.started", w, mid, None)
    for i, tool in enumerate(("helpdesk.get_ticket", "helpdesk.get_account_history", "helpdesk.get_policy")):
        t = at + step * (2 + 2 * i)
        yield t, body(t, "tool.called", w, mid, None, tool=tool, args={"ticket_id": "1042"})
        yield (
            t + step,
            body(
                t + step,
                "observation",
                w,
                mid,
                None,
                key=f"s{i + 1}",
                text="Ticket 1042: Checkout down for the EU storefront since 09:12; account ACME-7, "
                "tier gold, SLA 4h, requested credit 40.00 EUR. " * 2,
            ),
        )
    t = at + step * 9
    yield (
        t,
        body(
            t,
            "observation",
            w,
            mid,
            None,
            key="s4",
            text="Policy gold: credits up to 50 EUR per incident, approved by an escalation owner.",
        ),
    )
    roll = rng.random()
    auto = 0.95 <= roll < 0.98
    yield (
        t + step,
        body(
            t + step,
            "proposal.created",
            w,
            mid,
            pid,
            tool="helpdesk.issue_credit",
            args=ARGS,
            rationale="Requested 40 within the gold policy.",
            rule="auto_approve" if auto else "tier:write",
            shadow=False,
            tier="write",
        ),
    )
    yield (
        t + 2 * step,
        body(
            t + 2 * step,
            "observation",
            w,
            mid,
            None,
            key="s5",
            text="Proposed helpdesk.issue_credit for 40.0; waiting for an approver.",
        ),
    )
    if roll >= 0.97 and not auto:  # left pending: reminded after 31 minutes
        r = t + timedelta(minutes=31)
        yield r, body(r, "escalation.reminded", "system:escalation", mid, pid, to=["U0OWNER2"])
        return
    decided = t + (timedelta(seconds=1) if auto else timedelta(minutes=rng.uniform(1, 90)))
    if auto:
        yield decided, body(decided, "decision.auto_approved", "system:policy", mid, pid, rule="credit <= 50")
    elif roll < 0.02:
        edit = EDIT if roll < 0.01 else {}  # an approval with changes: the override's "edited" term
        yield (
            decided,
            body(decided, "decision.shadow_approved", "U0OWNER1", mid, pid, platform="console", **edit),
        )
        return
    elif roll < 0.14:
        yield (
            decided,
            body(
                decided,
                "decision.rejected",
                rng.choice(["U0OWNER1", "U0OWNER2"]),
                mid,
                pid,
                comment=None,
                config_version="v1",
                platform="console",
                reason_code=rng.choice(["wrong_amount", "policy_violation", "needs_more_info"]),
            ),
        )
        yield (
            decided + step,
            body(
                decided + step,
                "mission.done",
                w,
                mid,
                None,
                verdict="Verdict (support-triage): closed. The credit was rejected.",
            ),
        )
        return
    else:
        yield (
            decided,
            body(
                decided,
                "decision.approved",
                rng.choice(["U0OWNER1", "U0OWNER2", "U0LEAD"]),
                mid,
                pid,
                comment=None,
                config_version="v1",
                platform="console",
                reason_code=None,
                **(EDIT if roll < 0.17 else {}),  # from the same roll: the other draws stay as they were
            ),
        )
    e = decided + step
    yield e, body(e, "execution.started", w, mid, pid, tool="helpdesk.issue_credit")
    yield (
        e + step,
        body(
            e + step,
            "execution.executed",
            w,
            mid,
            pid,
            tool="helpdesk.issue_credit",
            error=None,
            result={"credit_id": f"CR-{mid}", "amount": 40.0, "replayed": False},
        ),
    )
    yield (
        e + 2 * step,
        body(e + 2 * step, "observation", w, mid, None, key="s6", text="Credited 40.0 to ACME-7."),
    )
    yield (
        e + 3 * step,
        body(
            e + 3 * step,
            "mission.done",
            w,
            mid,
            None,
            verdict="Verdict (support-triage): resolved. Credited 40.0 EUR.",
        ),
    )
    yield e + 4 * step, body(e + 4 * step, "observation", w, mid, None, key="s7", text="Done.")
    if roll > 0.94:  # undone the next hour
        u = e + timedelta(hours=1)
        yield (
            u,
            body(
                u,
                "execution.executed",
                w,
                mid,
                pid + UNDO_SUFFIX,
                tool="helpdesk.reverse_credit",
                error=None,
                result={},
            ),
        )


def command(*args: bytes) -> bytes:
    """One command in Redis's protocol (RESP), as a pipeline sends it."""
    return b"".join([b"*%d\r\n" % len(args), *(b"$%d\r\n%s\r\n" % (len(a), a) for a in args)])


class RawPipe:
    """Commands written straight to one connection with replies off (`CLIENT REPLY OFF`): nothing is
    parsed per command, which is what made generating 100,000 missions a week take minutes. An error
    goes unseen, so `generate` checks the stream's length at the end."""

    def __init__(self, redis: Redis, *, flush_bytes: int = 1 << 20) -> None:
        self.conn = redis.connection_pool.make_connection()
        self.conn.connect()
        self.conn.send_packed_command([command(b"CLIENT", b"REPLY", b"OFF")])
        self.parts: list[bytes] = []
        self.size, self.flush_bytes = 0, flush_bytes

    def send(self, packed: bytes) -> None:
        self.parts.append(packed)
        self.size += len(packed)
        if self.size >= self.flush_bytes:
            self.conn.send_packed_command([b"".join(self.parts)], check_health=False)
            self.parts, self.size = [], 0

    def close(self) -> None:
        last = b"".join([*self.parts, command(b"CLIENT", b"REPLY", b"ON")])
        self.conn.send_packed_command([last], check_health=False)
        assert self.conn.read_response() == b"OK"  # every command before it has run
        self.conn.disconnect()


def generate(redis: Redis, prefix: str, *, start: datetime, end: datetime, per_week: int, seed: int) -> int:
    """Every mission created in [start, end), evenly spaced; its events XADDed in time order.
    Returns events."""
    rng, stream, zkey = (
        random.Random(seed),
        f"{prefix}:audit".encode(),
        f"{prefix}:missions:{WORKER}".encode(),
    )
    gap = WEEK / per_week
    pending: list[tuple[datetime, int, str]] = []
    count, order, at, n = 0, 0, start, 0
    before = redis.xlen(stream)
    pipe = RawPipe(redis)
    # XADD stream <ms>-* event <body> mac 0... seq <n> prev x, its fixed parts framed once
    head = b"*11\r\n$4\r\nXADD\r\n$%d\r\n%s\r\n" % (len(stream), stream)
    tail = b"$3\r\nmac\r\n$64\r\n" + b"0" * 64 + b"\r\n$3\r\nseq\r\n"

    def flush(until: datetime) -> None:
        nonlocal count
        while pending and pending[0][0] < until:
            when, _, text = heapq.heappop(pending)
            count += 1
            entry, event, seq = b"%d-*" % int(when.timestamp() * 1000), text.encode(), b"%d" % count
            pipe.send(
                b"%s$%d\r\n%s\r\n$5\r\nevent\r\n$%d\r\n%s\r\n%s$%d\r\n%s\r\n$4\r\nprev\r\n$1\r\nx\r\n"
                % (head, len(entry), entry, len(event), event, tail, len(seq), seq)
            )

    while at < end:
        mid = f"M-{seed}-{n:07d}"
        for when, text in mission_events(rng, at, mid):
            heapq.heappush(pending, (when, order, text))
            order += 1
        record = mission_record(mid, at, tokens=(n % 7) * 100).encode()
        pipe.send(command(b"ZADD", zkey, repr(at.timestamp()).encode(), mid.encode()))
        pipe.send(command(b"SET", f"{prefix}:mission:{mid}".encode(), record))
        flush(at)
        at += gap
        n += 1
    flush(datetime.max.replace(tzinfo=UTC))
    pipe.close()
    if redis.xlen(stream) != before + count:  # replies were off: a refused XADD shows only here
        raise RuntimeError(f"{count} events sent, {redis.xlen(stream) - before} in the stream")
    return count


def mission_record(mid: str, at: datetime, *, tokens: int) -> str:
    """As the store writes it (`Store` keeps `model_dump_json`)."""
    return Mission(
        id=mid,
        worker=WORKER,
        mission="triage_escalation",
        platform="console",
        conversation="C0SUPPORT",
        thread=None,
        requester="U0AGENT",
        text="ESC-1042 checkout down",
        vars={"ticket_id": "1042"},
        status="done",
        created_at=at,
        updated_at=at,
        cursor=7,
        verdict="Verdict (support-triage): resolved.",
        proposals=[f"{mid}-s5"],
        tokens=tokens,
    ).model_dump_json()
