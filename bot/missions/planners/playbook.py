"""The deterministic `playbook` model: a mission's declared steps, run in order, resumable after any step."""

from __future__ import annotations

from typing import Any

from jinja2 import TemplateError

from bot.core.config.models import ObserveStep, ProposeStep, ToolStep
from bot.core.defang import product
from bot.core.models import Proposal
from bot.core.readable import summarize
from bot.core.templating import TemplateLimit, render, render_value
from bot.missions.more_info import attempt
from bot.missions.planners.base import Finished, Parked
from bot.missions.session import Session

STOPS = {"rejected", "expired"}  # no later step runs on an action a person refused or nobody decided


def _stopped(session: Session, key: str, p: Proposal, *, save: dict[str, Any]) -> Finished:
    """Record why the playbook stops (the reason code and comment, or that nobody decided) and stop."""
    if p.status == "rejected":
        why = f"{p.reason_code}" + (f": {p.comment}" if p.comment else "")
        text = product("✋ {tool} rejected ({why}); the playbook stops here", tool=p.tool, why=why)
    else:
        text = product("⌛ {tool} expired, no decision; the playbook stops here", tool=p.tool)
    session.observe(f"{key}-stop", text, save=save)
    return Finished()  # the runner fails a mission with an expired proposal (`on_expiry: fail`)


class PlaybookPlanner:
    def advance(self, session: Session) -> Parked | Finished:
        mission, steps = session.mission, session.spec.steps
        variables: dict[str, Any] = {
            "request": mission.text,
            "requester": mission.requester,
            **mission.vars,
            **mission.state.get("vars", {}),
            "context": mission.context,
        }
        # After the requester answered a request for more information, the step runs again as a new
        # attempt: a new stable key, so a new proposal (the rejected one stays in the record).
        suffix = f"-a{attempt(mission)}" if attempt(mission) > 1 else ""
        start = mission.state.get("cursor", 0)
        helpers = session.worker.formats.helpers()  # money(), number(), when(): not saved with the variables
        for i in range(start, len(steps)):
            step, key = steps[i], f"s{i + 1}{suffix}"
            # the next step's call start goes with this step's observation (one round trip less)
            call_next = (
                f"s{i + 2}{suffix}"
                if i + 1 < len(steps) and not isinstance(steps[i + 1], ObserveStep)
                else None
            )
            if i > start or start == 0:  # a resume re-enters its parked step: no "gathering" flash
                name, mission_id = session.worker.display_name, session.mission.id
                session.progress(f"⏳ {name} · mission {mission_id}: gathering {i + 1}/{len(steps)}")
            saved = False  # the step's progress goes with its observation when it has one: one round trip
            try:
                if isinstance(step, ObserveStep):
                    # the config's template, filled with tool results and the request: untrusted as a whole
                    text = f"💬 {render(step.observe, {**variables, **helpers})}"
                    session.observe(key, text, save={"cursor": i + 1, "vars": variables}, call_next=call_next)
                    saved = True
                else:
                    tool = step.tool if isinstance(step, ToolStep) else step.propose
                    rationale = (
                        render(step.rationale, {**variables, **helpers})
                        if isinstance(step, ProposeStep)
                        else ""
                    )
                    # A read's result is observed next: its event goes with that observation.
                    outcome = session.call(
                        key, tool, render_value(step.args, variables), rationale=rationale, observe_next=True
                    )
                    if outcome.kind == "parked":
                        return Parked(save={"cursor": i, "vars": variables})
                    if outcome.kind == "error" and isinstance(step, ToolStep):
                        return Finished(verdict=f"Could not finish: {outcome.message}", failed=True)
                    if step.save_as:
                        variables[step.save_as] = outcome.as_data()
                    if outcome.kind == "settled" and outcome.proposal and outcome.proposal.status in STOPS:
                        return _stopped(
                            session, key, outcome.proposal, save={"cursor": i + 1, "vars": variables}
                        )
                    if outcome.kind == "result":
                        # redacted before `summarize` cuts it: a cut value would escape the key patterns
                        redacted = session.rt.redactor.value(outcome.result or {})
                        shown = summarize(redacted, tool=tool, worker=session.worker, formats=session.formats)
                        text = product("🔎 {tool}: {result}", tool=tool, result=shown)
                        session.observe(
                            key, text, save={"cursor": i + 1, "vars": variables}, call_next=call_next
                        )
                        saved = True
            except TemplateError as exc:
                session.observe(
                    key, product("⚠️ step {n} could not be prepared: {error}", n=i + 1, error=str(exc))
                )
                why = (
                    "was refused by the template sandbox"
                    if isinstance(exc, TemplateLimit)
                    else "refers to missing data"
                )
                return Finished(verdict=f"Could not finish: step {i + 1} {why} ({exc})", failed=True)
            if not saved:
                session.save(cursor=i + 1, vars=variables)
        verdict = session.spec.verdict
        return Finished(verdict=render(verdict, {**variables, **helpers}) if verdict else None)
