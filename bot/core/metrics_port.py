"""`--metrics-port` of `missionbot worker` and `scheduler`: `GET /metrics` and `GET /healthz` (this process
answers) on a small threaded HTTP server, and the multiprocess directory the worker's children write to.

The worker supervisor owns the directory: it empties it at start (a previous run's files would add old
counts to new ones), exports it to its children, and at each scrape folds the files of processes that have
exited (one per RQ work-horse, so one per job) into one archive file per type, under the scrape's lock, so
the directory does not grow with every job and no scrape reads a count twice. One race is left: a new
work-horse that gets a just-exited horse's pid in the instant between the fold and the file's removal loses
that job's counts (pids are reused only after the kernel's pid range wraps).
"""

from __future__ import annotations

import glob
import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client.mmap_dict import MmapedDict

from bot.core import metrics

log = logging.getLogger(__name__)
SUMMED = ("counter", "histogram")  # the types whose per-process values add up (no gauges are written)


def prepare_multiprocess_dir() -> tuple[str, bool]:
    """The directory from `PROMETHEUS_MULTIPROC_DIR` (made if missing) or a fresh temporary one (True: the
    caller removes it at exit), emptied of a previous run's files and exported to this process's children."""
    given = metrics.multiprocess_dir()
    path = given or tempfile.mkdtemp(prefix="missionbot-metrics-")
    os.makedirs(path, exist_ok=True)
    for stale in glob.glob(os.path.join(path, "*.db")):
        os.remove(stale)
    os.environ[metrics.MULTIPROC_ENV] = path
    return path, given is None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process reuses the pid: keep the file for now
        return True
    return True


def compact(path: str) -> int:
    """Fold the counter and histogram files of exited processes into `<type>_archive.db`; returns how
    many files were folded. The caller holds the lock scrapes take, so no scrape sees a file twice or
    not at all."""
    folded = 0
    for kind in SUMMED:
        dead = []
        for name in glob.glob(os.path.join(path, f"{kind}_*.db")):
            pid = os.path.basename(name)[len(kind) + 1 : -3]
            if pid.isdigit() and not _alive(int(pid)):
                dead.append(name)
        if not dead:
            continue
        archive = os.path.join(path, f"{kind}_archive.db")
        totals: dict[str, float] = {}
        for name in [archive, *dead] if os.path.exists(archive) else dead:
            for key, value, _timestamp, _pos in MmapedDict.read_all_values_from_file(name):
                totals[key] = totals.get(key, 0.0) + value
        staging = os.path.join(path, f"{kind}_staging.tmp")  # not *.db: a scrape never reads it
        merged = MmapedDict(staging)
        for key, value in totals.items():
            merged.write_value(key, value, 0.0)
        merged.close()
        os.replace(staging, archive)
        for name in dead:
            os.remove(name)
        folded += len(dead)
    return folded


class MetricsServer:
    """Serves `body()` at /metrics and 200 at /healthz on `port` (0: any free port) in daemon threads."""

    def __init__(self, *, port: int, body: Callable[[], bytes], host: str = "0.0.0.0") -> None:
        lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                path = self.path.split("?", 1)[0]
                if path == "/healthz":
                    self._send(200, b'{"status": "ok"}', "application/json")
                elif path == "/metrics":
                    with lock:
                        payload = body()
                    self._send(200, payload, metrics.CONTENT_TYPE)
                else:
                    self._send(404, b"not found", "text/plain")

            def _send(self, status: int, payload: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *_: object) -> None:  # scrapes every few seconds: not worth a log line
                pass

        self.httpd = ThreadingHTTPServer((host, port), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, name="metrics", daemon=True).start()
        log.info("metrics on :%d (/metrics, /healthz)", self.port)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def supervisor_body(path: str) -> Callable[[], bytes]:
    def body() -> bytes:
        compact(path)
        return metrics.exposition()

    return body


@contextmanager
def supervisor_metrics(port: int | None) -> Iterator[None]:
    """`missionbot worker --metrics-port`: the directory and the server for the supervisor's lifetime
    (nothing when `port` is None); a temporary directory it made is removed at exit."""
    if port is None:
        yield
        return
    path, temporary = prepare_multiprocess_dir()
    server = MetricsServer(port=port, body=supervisor_body(path))
    try:
        yield
    finally:
        server.close()
        if temporary:
            shutil.rmtree(path, ignore_errors=True)
