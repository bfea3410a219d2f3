"""`tools.<t>.editable`: what an approver may change, with bounds; a bad one is reported with its line."""

from __future__ import annotations

import pytest

from bot.core.config import load_workers
from bot.core.errors import ConfigError
from tests.bot.commands.test_check import check
from tests.bot.core.config.shipped import broken, line_of

CREDIT = "    forbid: {amount: {gt: 500}}"


def test_editable_bounds_load(tmp_path):
    directory = broken(
        tmp_path, CREDIT, CREDIT + "\n    editable: {amount: {gte: 0, lte: 250}, reason: {max_length: 80}}"
    )
    [worker] = [w for w in load_workers(directory).values() if w.name == "support-triage"]
    editable = worker.tools["helpdesk.issue_credit"].editable
    assert (editable["amount"].gte, editable["amount"].lte, editable["reason"].max_length) == (0, 250, 80)


@pytest.mark.parametrize(
    ("edit", "field", "message"),
    [
        ("{amount: {below: 3}}", "tools.helpdesk.issue_credit.editable.amount.below", "Extra inputs"),
        (
            "{amount: {lte: 9, max_length: 3}}",
            "tools.helpdesk.issue_credit.editable.amount.max_length",
            "text",
        ),
        ("{amount: {max_length: 0}}", "tools.helpdesk.issue_credit.editable.amount.max_length", "greater"),
        ("{amount: {lte: lots}}", "tools.helpdesk.issue_credit.editable.amount.lte", "number"),
        ("{colour: {}}", "tools.helpdesk.issue_credit.editable.colour", "no argument 'colour'"),
    ],
)
def test_a_bad_editable_names_file_field_and_line(tmp_path, edit, field, message):
    directory = broken(tmp_path, CREDIT, f"{CREDIT}\n    editable: {edit}")
    with pytest.raises(ConfigError) as err:
        load_workers(directory)
    issue = next(i for i in err.value.issues if i.field == field)
    assert issue.file.endswith("support-triage.yml") and message in issue.message
    assert issue.line == line_of((directory / "support-triage.yml").read_text(), "editable:")


def test_check_refuses_editable_on_a_read_tool_with_the_line(tmp_path):
    directory = broken(
        tmp_path,
        "helpdesk.get_ticket:\n    tier: read",
        "helpdesk.get_ticket:\n    tier: read\n    editable: {ticket_id: {}}",
    )
    bad = check(directory, "--offline")
    line = line_of((directory / "support-triage.yml").read_text(), "editable: {ticket_id")
    assert bad.returncode == 1
    assert f"support-triage.yml:{line}: tools.helpdesk.get_ticket.editable" in bad.stderr
    assert "only to write and execute tools" in bad.stderr
