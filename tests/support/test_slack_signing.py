"""The signing helper must produce what Slack sends, or Bolt answers every test request with 401."""

from __future__ import annotations

import json
import time
from pathlib import Path
from urllib.parse import parse_qs

from slack_sdk.signature import SignatureVerifier

from tests.support.slack_signing import command_body, form_body, sign

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "slack"


def test_sign_matches_slacks_documented_vector() -> None:
    vector = json.loads((FIXTURES / "signature_test_vector.json").read_text())
    headers = sign(vector["signing_secret"], vector["body"].encode(), int(vector["timestamp"]))
    assert headers == {
        "X-Slack-Request-Timestamp": vector["timestamp"],
        "X-Slack-Signature": vector["valid_signature"],
    }


def test_signed_form_body_passes_slack_sdk_verification_now() -> None:
    payload = json.loads((FIXTURES / "block_actions_button_in_message.json").read_text())
    body = form_body(payload)
    headers = sign("secret", body)

    assert abs(int(headers["X-Slack-Request-Timestamp"]) - time.time()) < 5
    assert SignatureVerifier("secret").is_valid_request(body, headers)
    assert not SignatureVerifier("other").is_valid_request(body, headers)
    assert json.loads(parse_qs(body.decode())["payload"][0]) == payload


def test_command_body_is_plain_form_fields() -> None:
    assert parse_qs(command_body({"command": "/mission", "text": "status 42"}).decode()) == {
        "command": ["/mission"],
        "text": ["status 42"],
    }
