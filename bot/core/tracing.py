"""Optional OpenTelemetry tracing: one trace follows a request from the Slack/Teams ack through the RQ job
to the tool call and the card.

Off unless the `otel` extra is installed (`pip install 'missionbot[otel]'`) and a standard `OTEL_*`
variable says where traces go (`OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, or
`OTEL_TRACES_EXPORTER=otlp|console`); the exporter reads the other `OTEL_*` variables itself (protocol,
headers, `OTEL_SERVICE_NAME`...). Off, every function here is a no-op that imports nothing from
opentelemetry, so a process without the extra pays nothing.

Spans: `<platform> ack` (bot/platforms/server.py), `job <function>` (bot/core/rq_worker.py, continuing
the trace its enqueuer put in `job.meta["trace"]`, bot/core/queueing.py), `tool <name>`
(bot/core/metrics.py's `timed_tool`), `card post` (bot/missions/notify.py). The tracer provider is this
module's own, set once per process by `configure` (or `install`, for tests), not OpenTelemetry's global.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from typing import Any

_provider: Any = None  # an opentelemetry.sdk.trace.TracerProvider once configured
_ENDPOINTS = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")


def wanted(environ: Mapping[str, str]) -> str | None:
    """The exporter the environment asks for ("otlp", "console"), or None: tracing stays off."""
    chosen = environ.get("OTEL_TRACES_EXPORTER", "").strip().lower()
    if chosen in {"otlp", "console"}:
        return chosen
    if chosen == "" and any(environ.get(name) for name in _ENDPOINTS):
        return "otlp"
    return None


def _exporter(kind: str, environ: Mapping[str, str]) -> Any:
    if kind == "console":
        from opentelemetry.sdk.trace.export import ConsoleSpanExporter

        return ConsoleSpanExporter()
    if environ.get("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf") == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
    else:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    return OTLPSpanExporter()


def configure(*, role: str, environ: Mapping[str, str] = os.environ) -> bool:
    """At a process's start: tracing on when the environment asks for it; False when off. A missing
    extra while `OTEL_*` asks for traces is an error (ImportError names the extra), not a silent off."""
    kind = wanted(environ)
    if kind is None:
        return False
    try:
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError as err:
        raise ImportError("OTEL_* asks for traces: install missionbot[otel]") from err
    provider = TracerProvider(resource=Resource.create({"missionbot.role": role}))
    provider.add_span_processor(BatchSpanProcessor(_exporter(kind, environ)))
    install(provider)
    return True


def install(provider: Any) -> None:
    """Use `provider` (a TracerProvider; None turns tracing off)."""
    global _provider
    _provider = provider


def enabled() -> bool:
    """Tracing is on: a caller on a hot path skips building a span's arguments otherwise."""
    return _provider is not None


def _tracer() -> Any:
    return _provider.get_tracer("missionbot")


@contextlib.contextmanager
def span(name: str, **attributes: str) -> Iterator[None]:
    """A span around the block, child of the current one (nothing when tracing is off)."""
    if _provider is None:
        yield
        return
    with _tracer().start_as_current_span(name, attributes=attributes):
        yield


def carrier() -> dict[str, str]:
    """The current trace context as W3C `traceparent` headers, for a job's meta ({} when off)."""
    if _provider is None:
        return {}
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

    found: dict[str, str] = {}
    TraceContextTextMapPropagator().inject(found)
    return found


@contextlib.contextmanager
def continued(headers: Mapping[str, str] | None, name: str, **attributes: str) -> Iterator[None]:
    """A span in the trace `headers` carry (a job's meta), or a new trace without them."""
    if _provider is None:
        yield
        return
    from opentelemetry.trace import SpanKind
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

    parent = TraceContextTextMapPropagator().extract(dict(headers or {}))
    with _tracer().start_as_current_span(name, context=parent, kind=SpanKind.CONSUMER, attributes=attributes):
        yield


def flush() -> None:
    """Export what is buffered now: a forked work horse ends with os._exit, which would drop it."""
    if _provider is not None:
        _provider.force_flush()
