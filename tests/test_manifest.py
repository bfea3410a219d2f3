"""manifest.yml must be a Slack app manifest Slack accepts, with exactly the scopes and events the bot needs.

Validation goes through Slack's own dispatcher schema (manifest.schema.json), which picks the v1 or
v2 schema from ``_metadata.major_version``; its remote $refs are served from the local copies.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

ROOT = Path(__file__).resolve().parents[1]
SCHEMAS = Path(__file__).resolve().parent / "fixtures" / "slack_manifest"
# The dispatcher $refs these URLs; SOURCES.md says which snapshot the local files come from.
REMOTE = "https://raw.githubusercontent.com/slackapi/manifest-schema/v0.5.0/schemas/manifest.schema.{}.json"

BOT_SCOPES = {
    "app_mentions:read",
    "channels:history",
    "groups:history",
    "im:history",
    "im:read",
    "im:write",
    "chat:write",
    "commands",
    "users:read",
}
BOT_EVENTS = {"app_mention", "message.im", "message.channels", "message.groups", "app_home_opened"}


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


def test_bot_scopes_are_exactly_what_the_bot_needs(manifest: dict[str, Any]) -> None:
    scopes = manifest["oauth_config"]["scopes"]["bot"]
    assert len(scopes) == len(set(scopes))
    assert set(scopes) == BOT_SCOPES


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
