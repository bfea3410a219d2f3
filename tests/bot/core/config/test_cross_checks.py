"""Rules across fields and files: each names the file, the field and the line it is about."""

from __future__ import annotations

import pytest

from bot.core.config.cross_checks import knowledge_issues, offered_tool_issues
from bot.core.config.loader import load_worker_file
from bot.core.errors import ConfigError
from tests.bot.core.config.shipped import GOOD, broken, line_of


@pytest.mark.parametrize(
    ("old", "new", "field", "needle", "message"),
    [
        (
            "  helpdesk.get_ticket:\n",
            "  helpdesk.get_tikcet:\n",
            "tools.helpdesk.get_tikcet",
            "helpdesk.get_tikcet",
            "unknown tool",
        ),
        (
            "{tool: helpdesk.get_account_history,",
            "{tool: helpdesk.get_acount_history,",
            "missions.triage_escalation.steps.1.tool",
            "helpdesk.get_acount_history",
            "unknown tool",
        ),
        (  # a preview only reads
            "      tool: helpdesk.preview_credit\n",
            "      tool: helpdesk.reverse_credit\n",
            "tools.helpdesk.issue_credit.preview.tool",
            "tool: helpdesk.reverse_credit",
            "preview tool 'helpdesk.reverse_credit' is not listed with tier read",
        ),
        (
            "autonomy: assisted",
            "autonomy: assisted\nmodel_timeout_seconds: 200\nmodel_max_retries: 2",
            "model_timeout_seconds",
            "model_timeout_seconds: 200",
            "is 600s; keep it within 360s",
        ),
    ],
)
def test_each_cross_field_error_names_file_field_and_line(tmp_path, old, new, field, needle, message):
    path = broken(tmp_path, old, new) / "support-triage.yml"
    with pytest.raises(ConfigError) as err:
        load_worker_file(path)
    issue = next(i for i in err.value.issues if i.field == field)
    assert (issue.file, issue.line) == (str(path), line_of(path.read_text(), needle))
    assert message in issue.message


def test_a_tool_its_server_does_not_offer_and_an_argument_its_schema_lacks(tmp_path):
    path = tmp_path / "support-triage.yml"
    path.write_text(GOOD)
    worker = load_worker_file(path)
    offered = {"get_ticket": {"properties": {"ticket_id": {}}}, "issue_credit": {"properties": {"note": {}}}}
    issues = {i.field: i for i in offered_tool_issues(path, worker, "helpdesk", offered)}
    assert (
        "offers helpdesk.get_ticket, helpdesk.issue_credit" in issues["tools.helpdesk.reverse_credit"].message
    )
    amount = issues["tools.helpdesk.issue_credit.auto_approve.amount"]
    assert amount.message == "helpdesk.issue_credit has no argument 'amount'"
    assert amount.line == line_of(GOOD, "auto_approve: {amount:")


def test_a_missing_knowledge_path_is_reported_and_a_present_one_is_not(tmp_path):
    path = (
        broken(tmp_path, "autonomy: assisted", "autonomy: assisted\nknowledge: [{path: kb/}]")
        / "support-triage.yml"
    )
    worker = load_worker_file(path)
    [issue] = knowledge_issues(path, worker)
    assert (issue.field, issue.line) == (
        "knowledge.0.path",
        line_of(path.read_text(), "knowledge: [{path: kb/}]"),
    )
    assert issue.message.startswith("knowledge path 'kb/' does not exist")
    (tmp_path / "kb").mkdir()
    assert knowledge_issues(path, worker) == []


@pytest.mark.parametrize(
    ("old", "new", "field", "needle", "message"),
    [
        (
            "    summary: 'Ticket {{ ticket_id }}:",
            "    summary: 'Ticket {{ ticket_id :",
            "tools.helpdesk.get_ticket.summary",
            "summary: 'Ticket {{ ticket_id :",
            "template error",
        ),
        ("locale: en-US", "locale: klingon", "locale", "locale: klingon", "unknown locale"),
        ("currency: USD", "currency: XYZ", "currency", "currency: XYZ", "unknown currency"),
        ("\ntimezone: Europe/Berlin", "\ntimezone: Mars/Base", "timezone", "Mars/Base", "unknown timezone"),
        (
            "fields: {requested_credit: {format: currency}}",
            "fields: {requested_credit: {format: money}}",
            "tools.helpdesk.get_ticket.fields.requested_credit.format",
            "format: money",
            "'currency'",
        ),
        (
            "identity: {icon_emoji: ':ticket:'}",
            "identity: {icon_emoji: robot}",
            "identity.icon_emoji",
            "icon_emoji: robot",
            "should match pattern",
        ),
        (
            "identity: {icon_emoji: ':ticket:'}",
            "identity: {icon_emoji: ':robot_face:', icon_url: 'https://x.test/a.png'}",
            "identity",
            "identity:",
            "not both",
        ),
    ],
)
def test_formatting_summary_and_identity_errors_name_file_field_and_line(
    tmp_path, old, new, field, needle, message
):
    test_each_cross_field_error_names_file_field_and_line(tmp_path, old, new, field, needle, message)
