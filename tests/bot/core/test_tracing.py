"""bot/core/tracing.py: off unless an OTEL_* variable asks for traces, and then without importing
opentelemetry at all; on, a process's provider exports what its spans recorded."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bot.core import tracing
from tests.conftest import ROOT


@pytest.mark.parametrize(
    ("environ", "kind"),
    [
        ({}, None),
        ({"OTEL_SERVICE_NAME": "missionbot"}, None),  # a name alone sends nothing anywhere
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, "otlp"),
        ({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4318/v1/traces"}, "otlp"),
        ({"OTEL_TRACES_EXPORTER": "console"}, "console"),
        ({"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"}, None),
    ],
)
def test_wanted_reads_the_standard_variables(environ, kind):
    assert tracing.wanted(environ) == kind


def test_off_missionbot_imports_no_opentelemetry():
    # redis-py (8.x) imports the OpenTelemetry SDK itself when it is installed: that is the baseline.
    code = """
import sys
import redis
before = {m for m in sys.modules if m.startswith("opentelemetry")}
from bot.core import metrics, queueing, rq_worker, tracing
assert tracing.configure(role="worker", environ={}) is False
with tracing.span("x"), metrics.timed_tool("t"):
    assert tracing.carrier() == {}
print(sorted(m for m in sys.modules if m.startswith("opentelemetry") and m not in before))
"""
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def test_on_the_console_exporter_prints_the_spans_of_the_process():
    pytest.importorskip("opentelemetry.sdk.trace", reason="the otel extra (dev installs it)")
    code = """
from bot.core import tracing
assert tracing.configure(role="worker", environ={"OTEL_TRACES_EXPORTER": "console"})
with tracing.span("tool helpdesk.get_ticket"):
    pass
tracing.flush()
"""
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert '"name": "tool helpdesk.get_ticket"' in out.stdout and '"missionbot.role": "worker"' in out.stdout
