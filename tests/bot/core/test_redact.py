"""The one Redactor: configured values, secret-looking keys whatever the quoting, token shapes; idempotent."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.config.tools import HttpIntegration, StdioIntegration
from bot.core.defang import defang
from bot.core.redact import MASK, Redactor, redact
from bot.core.secret_shapes import SHAPES
from bot.core.settings import Settings

SIGNING = "8f14e45fceea167a5a36dedd4bea2543"
TOKENS = [
    "xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUvWx",
    "xapp-1-A0123456789-0123456789-abcdef0123",
    "sk-proj-AbCdEf0123456789_ghIJklMNopQRstuv",
    "sk-ant-api03-AbCdEf0123456789_ghIJklMNop",
    "AKIAIOSFODNN7EXAMPLE",
    "ghp_0123456789abcdefghijABCDEFGHIJ012345",
    "github_pat_11ABCDEFG0123456789_abcdefghijklmnop",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    "AIzaSyA-0123456789abcdefghijklmnopqrstu",
    "sk_live_0123456789abcdefABCDEF",
]


def test_configured_values_from_settings_mcp_env_headers_and_the_environment_are_masked():
    settings = Settings(SLACK_SIGNING_SECRET=SIGNING, MICROSOFT_APP_PASSWORD="teams-pass-Qw3rty!")
    worker = type(
        "W",
        (),
        {
            "integrations": {
                "a": StdioIntegration(
                    transport="stdio",
                    command="x",
                    env={"DB_PASS": "pw4mcp", "LOG_LEVEL": "debug", "DSN": "dsn-Z9y8X7w6V5u4T3s2"},
                ),
                "b": HttpIntegration(
                    transport="streamable_http", url="http://x", headers={"Authorization": "Bearer hdr-T0k3n"}
                ),
            }
        },
    )()
    r = Redactor.from_config(
        settings=settings,
        workers={"w": worker},
        environ={"OPENAI_API_KEY": "plain-looking-key", "HOME": "/home/u"},
    )
    text = (
        f"sig {SIGNING} teams teams-pass-Qw3rty! mcp pw4mcp dsn dsn-Z9y8X7w6V5u4T3s2 header hdr-T0k3n "
        "env plain-looking-key level debug home /home/u"
    )
    out = r.text(text)
    assert out == (
        f"sig {MASK} teams {MASK} mcp {MASK} dsn {MASK} header {MASK} env {MASK} level debug home /home/u"
    )
    assert redact(text) == text  # no shape or secret-ish word gives any of them away…
    dotted = Redactor(values=["corp-pass.io"])
    assert (
        defang("see corp-pass.io") == "see corp-pass[.]io"
    )  # model text is defanged before the Notifier redacts
    assert dotted.text(defang("see corp-pass.io")) == "see [redacted]"  # …so the redactor knows that form too


def test_values_under_secret_looking_keys_whatever_the_quoting():
    r = Redactor()
    cases = {
        '{"db_password": "hunter 2", "user": "bob"}': '{"db_password": "[redacted]", "user": "bob"}',
        "{'api_key': 'k-1'}": "{'api_key': '[redacted]'}",
        'blob: {\\"client_secret\\": \\"cs\\"}': 'blob: {\\"client_secret\\": \\"[redacted]\\"}',
        "password=abc&user=x": "password=[redacted]&user=x",
        "db_password: Tr0ub4dor&3": "db_password: [redacted]",
        "Authorization: Bearer abc.def": "Authorization: [redacted]",
        "X-Api-Key: 12345": "X-Api-Key: [redacted]",
        "PRIVATE_KEY=abc": "PRIVATE_KEY=[redacted]",
        "total_tokens: 120, tokens used: 1,234, key: obs-1": (
            "total_tokens: 120, tokens used: 1,234, key: obs-1"
        ),
        "redis://:pw@db:6379/0": "redis://[redacted]@db:6379/0",
        f"the signing secret is {SIGNING}.": "the signing secret is [redacted].",
        f"commit {SIGNING}": f"commit {SIGNING}",  # a hex id with no secret-ish word nearby stays
    }
    for given_text, expected in cases.items():
        assert r.text(given_text) == expected, given_text
    nested = {
        "db_password": {"a": 1},
        "list": [{"apiKey": "k"}],
        "usage": {"total_tokens": 5},
        "Token": None,
        "note": "password: x",
    }
    assert r.value(nested) == {
        "db_password": MASK,
        "list": [{"apiKey": MASK}],
        "usage": {"total_tokens": 5},
        "Token": None,
        "note": "password: [redacted]",
    }
    assert json.loads(r.text(json.dumps({"password": 'a"b', "n": 1}))) == {"password": MASK, "n": 1}


text_around = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)


@settings(max_examples=300, deadline=None)
@given(
    before=text_around,
    after=text_around,
    token=st.sampled_from(TOKENS),
    sep=st.sampled_from([" ", "\n", ": ", "="]),
)
def test_no_token_shape_survives_and_a_second_pass_changes_nothing(before, after, token, sep):
    r = Redactor(values=["configured-secret-1"])
    out = r.text(f"{before}{sep}{token} {after} configured-secret-1")
    assert token not in out and "configured-secret-1" not in out
    assert not any(shape.search(out) for shape in SHAPES)
    assert r.text(out) == out


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=120))
def test_redaction_is_idempotent_on_any_text(text):
    r = Redactor(values=[SIGNING])
    once = r.text(text)
    assert r.text(once) == once and SIGNING not in once
