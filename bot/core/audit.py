"""Append-only, keyed audit stream in Redis.

Design: the HMAC key never goes to Redis, and an append is one round trip with no WATCH loop.

- The writer seals the event's content client-side: `mac = HMAC-SHA256(key, body)`, where `body` is the
  JSON of the event (time, kind, actor, ids, redacted data), stored byte for byte as MACed, with the key
  id `kid` and the writer's own sequence: a random `writer` id (one per process and thread) and
  `wseq` = 1, 2, 3... for its events.
- One Lua script (EVALSHA) then reads the head, assigns the stream-wide `seq` = head + 1, XADDs the entry
  with `prev` = the previous entry's MAC, and sets the head to (seq, mac): atomic, so writers never fork
  the chain and never retry. The head read there also drops a client's retry of the append it just made.
- Reading (`events`, `start_at`, `export`) is in bot/core/audit_reads.py.
- `verify` (bot/core/audit_verify.py), holding the key, checks every MAC (an edited event fails), that `seq`
  has no gap and each `prev` links to the previous MAC (a deleted or reordered event, unless the attacker
  renumbers), that the head exists and matches the last event (a deleted head, a head wound back, a cut
  tail left with its head), and that each writer's `wseq` runs 1, 2, 3... with no gap or repeat: `wseq`
  is under the MAC, so renumbering `seq`/`prev` after deleting an event still leaves its writer's gap.
- The head is anchored outside Redis: `audit checkpoint` signs (seq, a SHA-256 over every MAC up to it,
  time) into a JSONL file; verifying against it catches a cut tail with a rewound head and a rewritten
  prefix. A checkpoint ahead of an intact stream is reported as LOST events (a failover), not tampering.

What someone with Redis write access but no key can still do: delete the newest events (after the last
checkpoint) together with the head; that is why checkpoints should be taken often.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from redis import Redis

from bot.core import metrics
from bot.core.audit_keys import AuditKeys
from bot.core.audit_reads import AuditReader
from bot.core.audit_scripts import APPEND, APPEND_ONCE
from bot.core.audit_scripts import GENESIS as GENESIS  # re-exported: readers (audit_verify) take it from here
from bot.core.redact import redact_value

R = TypeVar("R")


def mac_of(key: bytes, body: str) -> str:
    return hmac.new(key, body.encode(), hashlib.sha256).hexdigest()


def parse_head(raw: bytes | None) -> tuple[int, str] | None:
    if not raw:
        return None
    seq, _, mac = raw.decode().partition(":")
    return int(seq), mac


_forks = [0]  # bumped in every forked child (RQ's Worker forks per job): its writers must not continue ours
os.register_at_fork(after_in_child=lambda: _forks.__setitem__(0, _forks[0] + 1))


@dataclass(frozen=True, kw_only=True)
class Sealed:
    """An event MACed for appending: `body` is stored byte for byte, `mac` over it."""

    event: dict[str, Any]
    body: str
    mac: str


class _Writer(threading.local):
    """This thread's writer identity; a forked child or a failed append starts a new one."""

    id: str = ""
    seq: int = 0
    fork: int = -1


class Audit(AuditReader):
    def __init__(
        self,
        *,
        redis: Redis,
        prefix: str,
        clock: Callable[[], datetime],
        keys: AuditKeys,
        redact: Callable[[Any], Any] = redact_value,
    ) -> None:
        # redact: the runtime's configured Redactor.value (bot/core/redact.py); shapes-only without a runtime
        self.redis, self.clock, self.keys, self.prefix, self.redact = redis, clock, keys, prefix, redact
        self.stream = f"{prefix}:audit"
        self.head = f"{prefix}:audit:head"
        self._append = redis.register_script(APPEND)
        self._append_once = redis.register_script(APPEND_ONCE)
        self._writer, self._kid = _Writer(), keys.kid

    def _me(self) -> _Writer:
        writer = self._writer
        if writer.fork != _forks[0] or not writer.id:
            writer.id, writer.seq, writer.fork = secrets.token_hex(8), 0, _forks[0]
        return writer

    def seal(
        self,
        kind: str,
        *,
        actor: str,
        worker: str | None = None,
        mission: str | None = None,
        proposal: str | None = None,
        after: Sealed | None = None,
        **data: Any,
    ) -> Sealed:
        """The event as it would be appended next by this writer, MACed; `commit` appends it (or a script
        does, with `APPEND_FN`). An event sealed but never appended costs nothing: `wseq` moves on commit.
        `after`: an event sealed and not committed yet that goes first, in the same round trip."""
        writer = self._me()
        previous = writer.seq
        if after is not None and after.event["writer"] == writer.id:
            previous = after.event["wseq"]
        event = {
            "at": self.clock().isoformat(),
            "kind": kind,
            "actor": actor,
            "worker": worker,
            "mission": mission,
            "proposal": proposal,
            "data": self.redact(data),
            "kid": self._kid,
            "writer": writer.id,
            "wseq": previous + 1,
        }
        # The MAC covers these exact bytes, stored as they are: no canonical form is needed to verify.
        body = json.dumps(event, separators=(",", ":"), default=str)
        return Sealed(event=event, body=body, mac=mac_of(self.keys.current, body))

    def commit(
        self, sealed: Sealed | Sequence[Sealed], run: Callable[[], R], *, appended: Callable[[R], bool]
    ) -> R:
        """Run the round trip that appends `sealed` (a script built on `APPEND_FN`, or a transaction with
        `append_script`); `appended(result)` says whether the event went in. Keeps the writer's sequence.
        Several events (sealed in order, each `after` the previous): all went in or none."""
        writer, events = self._writer, [sealed] if isinstance(sealed, Sealed) else list(sealed)
        try:
            result = run()
        except BaseException:  # also a kill (SystemExit) in a process that carries on, as in the tests
            # Landed or not? Unknown: a new writer id keeps an unknowable outcome from looking like a gap.
            writer.id = ""
            raise
        if appended(result):
            for event in events:
                if writer.id == event.event["writer"]:
                    writer.seq += 1
                metrics.observe_event(event.event)  # the one hook most counters hang on (bot/core/metrics.py)
        return result

    def append(self, sealed: Sealed) -> int:
        """Append an event sealed earlier (and not committed since) on its own: one round trip."""
        seq = self.commit(
            sealed,
            lambda: self._append(keys=self.keys_for_script, args=[sealed.body, sealed.mac]),
            appended=lambda _: True,
        )
        return int(seq)

    @property
    def append_script(self) -> str:
        """The append alone, for an EVAL inside a caller's MULTI: `EVAL script 2 stream head body mac`."""
        return APPEND

    @property
    def keys_for_script(self) -> list[str]:
        """The stream and head keys, in the order `APPEND_FN`'s `audit_append` takes them."""
        return [self.stream, self.head]

    def record(
        self,
        kind: str,
        *,
        actor: str,
        worker: str | None = None,
        mission: str | None = None,
        proposal: str | None = None,
        **data: Any,
    ) -> dict[str, Any]:
        """Append one event in one round trip (see the module docstring)."""
        sealed = self.seal(kind, actor=actor, worker=worker, mission=mission, proposal=proposal, **data)
        return {**sealed.event, "seq": self.append(sealed), "mac": sealed.mac}

    def record_once(
        self,
        kind: str,
        *,
        done: tuple[str, str],
        actor: str,
        worker: str | None = None,
        mission: str | None = None,
        proposal: str | None = None,
        **data: Any,
    ) -> bool:
        """Append the event unless the marker `done` = (hash key, field) is set, and set it, in one
        script: a retried step neither repeats nor loses its event. False: recorded before."""
        sealed = self.seal(kind, actor=actor, worker=worker, mission=mission, proposal=proposal, **data)
        return self.append_once(sealed, done=done)

    def append_once(self, sealed: Sealed, *, done: tuple[str, str]) -> bool:
        """`record_once` of an event sealed earlier (and not committed since)."""
        seq = self.commit(
            sealed,
            lambda: self._append_once(
                keys=[*self.keys_for_script, done[0]], args=[sealed.body, sealed.mac, done[1]]
            ),
            appended=lambda seq: int(seq) >= 0,
        )
        return int(seq) >= 0
