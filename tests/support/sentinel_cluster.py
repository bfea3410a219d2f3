"""A real Redis primary, a replica and three Sentinels on loopback (`redis-server --sentinel`), for the
failover and replication tests. Each server gets its own folder; `--enable-debug-command` lets a test
make the replica sleep (DEBUG SLEEP) so a write that did not wait for it would show."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from tests.support.fleet import free_port, wait_for

MASTER = "mymaster"


def server(folder: Path, port: int, *extra: str) -> subprocess.Popen:
    folder.mkdir(parents=True)
    argv = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder), "--save", ""]
    argv += ["--enable-debug-command", "local"]
    return subprocess.Popen([*argv, *extra], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def sentinel(folder: Path, port: int, primary: int) -> subprocess.Popen:
    folder.mkdir(parents=True)
    conf = folder / "sentinel.conf"  # Sentinel rewrites its config file: one each, writable
    conf.write_text(
        f"port {port}\nbind 127.0.0.1\ndir {folder}\n"
        f"sentinel monitor {MASTER} 127.0.0.1 {primary} 2\n"
        f"sentinel down-after-milliseconds {MASTER} 1000\n"
        f"sentinel failover-timeout {MASTER} 3000\n"
    )
    return subprocess.Popen(
        ["redis-server", str(conf), "--sentinel"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def answers(check) -> object:
    try:
        return check()
    except (RedisConnectionError, RedisTimeoutError):
        return None


def stop(procs: dict[str, subprocess.Popen]) -> None:
    for proc in procs.values():
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@contextmanager
def primary_and_replica(folder: Path, *, replica: bool = True) -> Iterator[dict]:
    """A primary and its replica, in sync: {"procs", "primary", "replica"} (ports; no replica when
    `replica` is False: the benchmarks compare the two)."""
    ports = {"primary": free_port(), "replica": free_port()}
    procs = {"primary": server(folder / "primary", ports["primary"])}
    if replica:
        procs["replica"] = server(folder / "replica", ports["replica"], "--replicaof", "127.0.0.1",
                                  str(ports["primary"]))  # fmt: skip
    try:
        up = Redis(port=ports["primary"], socket_timeout=1)
        wait_for(lambda: answers(up.ping), timeout=20, what="primary up")
        link = Redis(port=ports["replica"], socket_timeout=1)
        if replica:
            wait_for(lambda: answers(lambda: link.info("replication")["master_link_status"] == "up"),
                     timeout=20, what="replica in sync")  # fmt: skip
        yield {"procs": procs, **ports}
    finally:
        stop(procs)


@contextmanager
def sentinel_cluster(folder: Path) -> Iterator[dict]:
    """`primary_and_replica` watched by three Sentinels that agree; adds "sentinels" (clients) and "url"."""
    with primary_and_replica(folder) as cluster:
        ports = [free_port() for _ in range(3)]
        for i, port in enumerate(ports):
            cluster["procs"][f"sentinel{i}"] = sentinel(folder / f"sentinel{i}", port, cluster["primary"])
        probes = [Redis(port=p, socket_timeout=1) for p in ports]
        # Each Sentinel knows the replica and the two others (hello messages every 2 s): a quorum of 2.
        wait_for(
            lambda: all(
                answers(
                    lambda s=s: (
                        int(s.sentinel_master(MASTER)["num-other-sentinels"]) == 2
                        and int(s.sentinel_master(MASTER)["num-slaves"]) == 1
                    )
                )
                for s in probes
            ),
            timeout=20,
            what="sentinels agree",
        )
        hosts = ",".join(f"127.0.0.1:{p}" for p in ports)
        yield cluster | {"sentinels": probes, "url": f"redis+sentinel://{hosts}/{MASTER}/0?socket_timeout=2"}
