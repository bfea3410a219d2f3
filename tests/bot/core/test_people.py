"""Four-eyes per person, not per account: a person's Slack and Teams accounts count as one."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.core.config.loader import config_files, load_people, load_workers
from bot.core.config.people import Person
from bot.core.errors import ConfigError, NotAuthorized
from bot.core.models import Request
from bot.core.people import People, learn_slack_user
from bot.missions.service import MissionService
from bot.platforms.teams.adaptive import APPROVE
from bot.platforms.teams.users import TeamsUsers, configured_ids, learn_email
from handlers.teams.actions import answer, card_action

ROOT = Path(__file__).resolve().parents[3]
WORKER = "support-triage"
AGENT_AAD, AGENT_MRI = "aad-agent-0001", "29:xyz"  # the requester U0AGENT's Teams identity


def with_teams_approver(rt, *, linked: bool) -> None:
    """support-triage also lists U0AGENT's Teams MRI as an approver; `linked`: _people.yml says it is them."""
    worker = rt.worker(WORKER)
    escalation = worker.escalation.model_copy(update={"approvers": [*worker.escalation.approvers, AGENT_MRI]})
    rt.workers[WORKER] = worker.model_copy(update={"escalation": escalation})
    persons = [Person(name="Ada Agent", slack=["U0AGENT"], teams_aad=[AGENT_AAD], teams_mri=[AGENT_MRI])]
    rt.people = People(persons=persons if linked else [], store=rt.store)


def parked(rt, run_jobs, *, requester: str = "U0AGENT") -> str:
    mission = (
        MissionService(rt)
        .submit(Request(platform="console", conversation="C0SUPPORT", requester=requester, text="ESC-1042"))
        .mission
    )
    run_jobs()
    return rt.store.mission(mission.id).proposals[0]


def teams_click(rt, pid: str, sender: dict) -> dict:
    raw = {
        "type": "invoke",
        "from": sender,
        "value": {"action": {"verb": APPROVE, "data": {"proposal_id": pid}}},
    }
    return answer(MissionService(rt), card_action(raw, configured_ids(rt)))


def test_a_cross_platform_self_approval_is_refused(rt, run_jobs):
    with_teams_approver(rt, linked=True)
    pid = parked(rt, run_jobs)  # asked as the Slack id U0AGENT
    with pytest.raises(NotAuthorized, match="four-eyes"):
        MissionService(rt).decide(pid, actor=AGENT_MRI, approve=True, platform="teams")
    body = teams_click(rt, pid, {"id": AGENT_MRI, "aadObjectId": AGENT_AAD})  # the real Teams card path
    assert "four-eyes" in body["value"]
    assert rt.store.proposal(pid).status == "pending"
    assert pid not in [p.id for p in MissionService(rt).pending_for(AGENT_MRI)]
    assert pid not in [p.id for p in MissionService(rt).pending_for(AGENT_AAD)]


def test_an_unlinked_teams_approver_still_works(rt, run_jobs):
    with_teams_approver(rt, linked=False)  # 29:xyz is an approver and nobody says it is U0AGENT
    pid = parked(rt, run_jobs)
    assert pid in [p.id for p in MissionService(rt).pending_for(AGENT_MRI)]
    teams_click(rt, pid, {"id": AGENT_MRI, "aadObjectId": AGENT_AAD})
    assert (rt.store.proposal(pid).status, rt.store.proposal(pid).decided_by) == ("approved", AGENT_MRI)


def test_a_linked_account_of_an_approver_may_approve_and_a_linked_requester_add_context(rt, run_jobs):
    rt.people = People(
        persons=[
            Person(name="Olivia", slack=["U0OWNER1"], teams_mri=["29:olivia"]),
            Person(name="Ada", slack=["U0AGENT"], teams_mri=["29:ada"]),
        ],
        store=rt.store,
    )
    pid = parked(rt, run_jobs)
    svc = MissionService(rt)
    with pytest.raises(NotAuthorized):
        svc.add_context(rt.store.proposal(pid).mission_id, user="29:olivia", text="not mine")
    svc.decide(pid, actor="29:olivia", approve=True, platform="teams")  # U0OWNER1 on Teams
    assert rt.store.proposal(pid).decided_by == "29:olivia"
    assert TeamsUsers(store=rt.store, people=rt.people).mris(["U0OWNER1"], limit=5) == ["29:olivia"]


def test_accounts_are_linked_when_slack_and_teams_report_the_same_verified_email(rt, run_jobs):
    with_teams_approver(rt, linked=False)
    pid = parked(rt, run_jobs)
    people = rt.people
    slack_user = {"id": "U0AGENT", "is_email_confirmed": True, "profile": {"email": "Ada.Agent@Example.com"}}
    assert not learn_slack_user(people, {**slack_user, "is_email_confirmed": False})  # unconfirmed: ignored
    assert learn_slack_user(people, slack_user)  # Slack users.info
    assert not people.same("U0AGENT", AGENT_MRI)  # one platform alone links nothing
    raw = {"from": {"id": AGENT_MRI, "aadObjectId": AGENT_AAD, "userPrincipalName": "ada.agent@example.com"}}
    assert learn_email(people, raw)  # Teams' member record
    assert people.same("U0AGENT", AGENT_MRI) and people.same(AGENT_AAD, "U0AGENT")
    with pytest.raises(NotAuthorized, match="four-eyes"):
        MissionService(rt).decide(pid, actor=AGENT_MRI, approve=True, platform="teams")
    people.learn_email(account=AGENT_MRI, email="someone.else@example.com")  # the address changed: unlinked
    assert not people.same("U0AGENT", AGENT_MRI)
    assert not people.learn_email(account="U0X", email="not an address")


def test_people_file_is_not_a_worker_and_the_example_loads(tmp_path):
    configs = ROOT / "worker_configs"
    assert all(not p.name.startswith("_") for p in config_files(configs))
    assert "_people" not in load_workers(configs)
    assert load_people(configs) == []  # the example links nobody: the demo ids stay separate people
    example = [
        line.removeprefix("# ")
        for line in (configs / "_people.yml").read_text().splitlines()
        if line.startswith("# people:") or line.startswith("#   ")
    ]
    (tmp_path / "_people.yml").write_text("\n".join(example) + "\n")
    [olivia] = load_people(tmp_path)  # the commented example is valid as it stands
    assert olivia.accounts[0] == "U0OWNER1" and olivia.teams_mri == ["29:1olivia-owner-example-mri"]


@pytest.mark.parametrize(
    ("text", "line", "field", "message"),
    [
        (
            "people:\n  - name: A\n    slack: [U1]\n  - name: B\n    slack: [U2, U1]\n",
            5,
            "people.1.slack.1",
            "already A's account",
        ),
        ('people:\n  - name: A\n    teams_mri: ["8:bad"]\n', 3, "people.0.teams_mri", "29:"),
        ("people:\n  - name: A\n    phone: 123\n", 3, "people.0.phone", "Extra inputs"),
        ("people:\n  - name: A\n", 2, "people.0", "has no account"),
    ],
)
def test_people_file_errors_name_file_and_line(tmp_path, text, line, field, message):
    for worker in config_files(ROOT / "worker_configs"):
        shutil.copy(worker, tmp_path)
    (tmp_path / "_people.yml").write_text(text)
    with pytest.raises(ConfigError) as err:
        load_workers(tmp_path)
    [issue] = err.value.issues
    assert (issue.file, issue.line, issue.field) == (str(tmp_path / "_people.yml"), line, field)
    assert message in issue.message


def test_missionbot_check_reports_a_broken_people_file(tmp_path):
    for worker in config_files(ROOT / "worker_configs"):
        shutil.copy(worker, tmp_path)
    (tmp_path / "_people.yml").write_text("people:\n  - name: A\n    slack: U1\n")
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "check", "--offline", "--config-dir", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert f"{tmp_path / '_people.yml'}:3: people.0.slack:" in done.stderr
