"""What a piece of work costs besides wall-clock time: its Redis round trips (`counting`), and the CPU this
process and the Redis server spent on it together (`cpu_spent`), for comparisons that a loaded machine
does not blur as much as wall-clock rates do: time waiting for a core is not counted.

The server's part is `INFO cpu` (its main thread and its others, user and system): on a Redis shared with
other clients it counts their commands too, so point REDIS_URL at a private `redis-server` for this figure.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from redis import Redis
from redis.connection import AbstractConnection


def server_cpu_s(redis: Redis) -> float:
    info = redis.info("cpu")
    return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])


class Spent:
    ms = 0.0  # client + server CPU, milliseconds


@contextmanager
def cpu_spent(redis: Redis) -> Iterator[Spent]:
    """The CPU this process and the Redis server spent inside the block (one INFO before and after)."""
    spent = Spent()
    # This process's clock read inside the two INFOs, so their own client work is left out: a block of a
    # few dozen operations, as the interleaved chunks are, would otherwise carry two round trips' CPU.
    server = server_cpu_s(redis)
    client = time.process_time()
    try:
        yield spent
    finally:
        client = time.process_time() - client
        spent.ms = (client + server_cpu_s(redis) - server) * 1000


class _Count:
    def __init__(self) -> None:
        self.n = 0

    def take(self) -> int:
        taken, self.n = self.n, 0
        return taken


@contextmanager
def counting() -> Iterator[_Count]:
    """Count round trips: every command or pipeline is one write of packed commands to a connection."""
    count, real = _Count(), AbstractConnection.send_packed_command

    def send(self: AbstractConnection, command: Any, check_health: bool = True) -> None:
        count.n += 1
        real(self, command, check_health)

    AbstractConnection.send_packed_command = send  # type: ignore[method-assign]
    try:
        yield count
    finally:
        AbstractConnection.send_packed_command = real  # type: ignore[method-assign]
