"""manifest.yml must be a Slack app manifest Slack accepts, with exactly the scopes and events the bot needs.

Validation goes through Slack's own dispatcher schema (manifest.schema.json), which picks the v1 or
v2 schema from ``_metadata.major_version``; its remote $refs are served from the local copies.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from tests.support.mock_slack_api import BOT_SCOPES as MOCK_SCOPES

ROOT = Path(__file__).resolve().parents[1]
SCHEMAS = Path(__file__).resolve().parent / "fixtures" / "slack_manifest"
# The dispatcher $refs these URLs; SOURCES.md says which snapshot the local files come from.
REMOTE = "https://raw.githubusercontent.com/slackapi/manifest-schema/v0.5.0/schemas/manifest.schema.{}.json"

# Scope each Web API method the code calls needs (https://api.slack.com/methods). A method missing
# here fails the test below: look up its scope and add it, then the manifest follows.
METHOD_SCOPES: dict[str, set[str]] = {
    "auth.test": set(),  # bolt's own call
    # to a user id too: that posts in the app's DM, no im:write; under the worker's name and icon (customize)
    "chat.postMessage": {"chat:write", "chat:write.customize"},
    "chat.postEphemeral": {"chat:write"},
    "chat.update": {"chat:write"},
    "views.open": set(),
    "views.publish": set(),
    "conversations.open": {"im:write"},  # the digest owner's DM, to share the chart file in
    "files.upload_v2": {"files:write"},  # slack_sdk: files.getUploadURLExternal + completeUploadExternal
    "usergroups.users.list": {"usergroups:read"},
}
# Scope each subscribed event needs; a slash command needs `commands`.
EVENT_SCOPES: dict[str, set[str]] = {
    "app_mention": {"app_mentions:read"},
    "message.im": {"im:history"},
    "message.channels": {"channels:history"},
    "message.groups": {"groups:history"},
    "app_home_opened": set(),
    "subteam_members_changed": {"usergroups:read"},
}
BOT_EVENTS = {"app_mention", "message.im", "message.channels", "message.groups", "app_home_opened"}
_FAMILIES = (
    "admin|apps|auth|bookmarks|bots|calls|canvases|chat|conversations|dialog|dnd|emoji|files|pins|"
    "reactions|reminders|search|stars|team|usergroups|users|views|workflows"
)
_CLIENT_CALL = re.compile(rf"\.({_FAMILIES})_(\w+)\(")  # client.chat_postMessage( -> chat.postMessage
_API_CALL = re.compile(r"api_call\(\s*[\"']([\w.]+)[\"']")  # client.api_call("chat.postMessage")


def methods_called() -> set[str]:
    """Every Slack Web API method named in bot/ and handlers/ (slack_sdk method names or api_call)."""
    found: set[str] = set()
    for path in [*(ROOT / "bot").rglob("*.py"), *(ROOT / "handlers").rglob("*.py")]:
        text = path.read_text()
        found |= {f"{family}.{method}" for family, method in _CLIENT_CALL.findall(text)}
        found |= set(_API_CALL.findall(text))
    return found | {"auth.test"}


def _load_json(name: str) -> dict[str, Any]:
    return json.loads((SCHEMAS / name).read_text())


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft7Validator:
    registry: Registry = Registry().with_resources(
        (REMOTE.format(v), Resource.from_contents(_load_json(f"schemas_manifest.schema.{v}.json"), DRAFT7))
        for v in ("1.0.0", "2.0.0")
    )
    return jsonschema.Draft7Validator(_load_json("manifest.schema.json"), registry=registry)


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "manifest.yml").read_text())


def _errors(validator: jsonschema.Draft7Validator, document: dict[str, Any]) -> list[str]:
    # oneOf failures hide the useful message in .context; flatten it for readable assertions.
    found: list[str] = []
    for error in validator.iter_errors(document):
        for e in error.context or [error]:
            found.append(f"{'/'.join(map(str, e.absolute_path))}: {e.message}")
    return found


def test_manifest_is_valid_against_slacks_schema(
    validator: jsonschema.Draft7Validator, manifest: dict[str, Any]
) -> None:
    assert manifest["_metadata"]["major_version"] == 1
    assert _errors(validator, manifest) == []


def test_schema_can_fail(validator: jsonschema.Draft7Validator, manifest: dict[str, Any]) -> None:
    assert _errors(validator, _load_json("tests_manifests_v2_manifest.valid.json")) == []
    assert _errors(validator, _load_json("tests_manifests_v2_manifest.invalid.json")) != []
    broken = copy.deepcopy(manifest)
    broken["features"]["slash_commands"][0]["command"] = "mission"  # must start with "/"
    assert _errors(validator, broken) != []


def test_bot_scopes_are_exactly_what_the_code_uses(manifest: dict[str, Any]) -> None:
    called = methods_called()
    assert {"chat.postMessage", "chat.update", "views.open"} <= called  # the grep finds real calls
    unknown = called - METHOD_SCOPES.keys()
    assert not unknown, f"add the scope of {sorted(unknown)} to METHOD_SCOPES"
    events = manifest["settings"]["event_subscriptions"]["bot_events"]
    needed = set().union(*(METHOD_SCOPES[m] for m in called), *(EVENT_SCOPES[e] for e in events))
    if manifest["features"].get("slash_commands"):
        needed.add("commands")
    scopes = manifest["oauth_config"]["scopes"]["bot"]
    assert len(scopes) == len(set(scopes))
    assert set(scopes) == needed, (
        f"unused: {sorted(set(scopes) - needed)}, missing: {sorted(needed - set(scopes))}"
    )


def test_the_mock_web_api_answers_with_the_manifests_scopes(manifest: dict[str, Any]) -> None:
    assert set(MOCK_SCOPES.split(",")) == set(manifest["oauth_config"]["scopes"]["bot"])


def test_every_subscribed_event_has_a_listener(manifest: dict[str, Any]) -> None:
    listened = set()
    for path in (ROOT / "handlers" / "slack").glob("*.py"):
        listened |= set(re.findall(r"@app\.event\(\"(\w+)\"\)", path.read_text()))
    for event in manifest["settings"]["event_subscriptions"]["bot_events"]:
        assert event.split(".")[0] in listened, event


def test_events_interactivity_and_command_point_at_the_bot(manifest: dict[str, Any]) -> None:
    settings = manifest["settings"]
    assert set(settings["event_subscriptions"]["bot_events"]) >= BOT_EVENTS
    assert settings["interactivity"]["is_enabled"] is True
    (command,) = manifest["features"]["slash_commands"]
    assert command["command"] == "/mission"
    urls = {
        settings["event_subscriptions"]["request_url"],
        settings["interactivity"]["request_url"],
        command["url"],
    }
    assert urls == {"https://YOUR-HOST/slack/events"}
    assert settings["socket_mode_enabled"] is False
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
