"""One trace from a Slack mention's ack through the RQ job to the tool calls and the card
(bot/core/tracing.py), read from the OpenTelemetry SDK's in-memory exporter. The jobs run on
missionbot's own RQ worker class (bot/core/rq_worker.py: the span that continues the job's trace)."""

from __future__ import annotations

import logging

import pytest

from bot.core import rq_worker, tracing
from bot.core.outage import Outage

sdk = pytest.importorskip("opentelemetry.sdk.trace", reason="the otel extra (dev installs it)")
from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: E402
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter  # noqa: E402


@pytest.fixture
def spans():
    exporter = InMemorySpanExporter()
    provider = sdk.TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.install(provider)
    yield exporter
    tracing.install(None)


def work(rt) -> None:
    """Every queued job, run by a burst of missionbot's in-process worker (follow-ups included)."""
    outage = Outage(log=logging.getLogger("test"), what="test")
    for _ in range(10):
        if not (len(rt.missions_queue) or len(rt.actions_queue)):
            return
        for queue in (rt.missions_queue, rt.actions_queue):
            rq_worker.build(queue, settings=rt.settings, simple=True, outage=outage).work(burst=True)


async def test_a_mention_is_one_trace_from_the_ack_to_the_tool_calls_and_the_card(slack, spans):
    body = slack.mention("ESC-1042 checkout down, please credit")
    assert (await slack.send_event(body)).status == 200
    await slack.settle()
    work(slack.rt)
    finished = spans.get_finished_spans()
    names = [s.name for s in finished]
    assert "slack ack" in names and "job jobs.missions.run_mission" in names, names
    assert {"tool helpdesk.get_ticket", "card post"} <= set(names), names
    [ack] = [s for s in finished if s.name == "slack ack"]
    assert {s.context.trace_id for s in finished} == {ack.context.trace_id}  # one trace
    by_id = {s.context.span_id: s for s in finished}
    [job] = [s for s in finished if s.name == "job jobs.missions.run_mission"]
    assert job.parent is not None and job.parent.trace_id == ack.context.trace_id
    [card] = [s for s in finished if s.name == "card post"]
    assert by_id[card.parent.span_id] is job  # the card is posted inside the job's span


def test_off_nothing_is_traced_and_jobs_carry_no_trace(rt):
    assert tracing.carrier() == {}
    with tracing.span("ignored"):
        assert tracing.carrier() == {}
