"""What a log line is about: the process role and the ids (mission, proposal, worker, job, request) of the
work in hand, in contextvars, so every line logged while a job or a request runs carries them.

Contextvars rather than arguments or `extra=`: the ids are set once, where the work starts (the RQ worker
class for a job, the server for a request), and reach every logger below it, threads from `to_thread` and
tasks spawned after an ack included (both copy the context). The role is process-wide: one per process.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from types import MappingProxyType

# The keys a log line may carry, in the order they are written.
KEYS = ("mission_id", "proposal_id", "worker_id", "job_id", "request_id")

_ids: ContextVar[Mapping[str, str]] = ContextVar("missionbot_log_ids", default=MappingProxyType({}))
_role = "cli"  # any `missionbot` command that does not say otherwise


def set_role(role: str) -> None:
    """serve, worker, scheduler or cli: said once by the command that starts the process."""
    global _role
    _role = role


def role() -> str:
    return _role


def current() -> dict[str, str]:
    """The ids bound here, only the known ones."""
    return dict(_ids.get())


def _merged(ids: Mapping[str, object]) -> Mapping[str, str]:
    unknown = set(ids) - set(KEYS)
    if unknown:
        raise ValueError(f"unknown log context keys: {sorted(unknown)}")
    merged = {**_ids.get(), **{k: str(v) for k, v in ids.items() if v is not None and v != ""}}
    return MappingProxyType(merged)


def bind(**ids: object) -> None:
    """Add ids to this context until it ends (a job's or a request's own context; see `bound` otherwise)."""
    _ids.set(_merged(ids))


@contextlib.contextmanager
def bound(**ids: object) -> Iterator[None]:
    """Add ids for the `with` block only."""
    token = _ids.set(_merged(ids))
    try:
        yield
    finally:
        _ids.reset(token)


def for_job(meta: Mapping[str, object] | None) -> dict[str, str]:
    """The ids an enqueued job carries in its meta (`queueing`), read back leniently: a job enqueued by an
    older release has none, and a malformed value is dropped rather than failing the job."""
    found = meta.get("log") if meta else None
    if not isinstance(found, Mapping):
        return {}
    return {k: str(v) for k, v in found.items() if k in KEYS and isinstance(v, str | int)}
