"""What a secret looks like without its value: key names by whole components, token shapes by provider."""

from __future__ import annotations

import pytest

from bot.core.secret_shapes import SECRET_KEY_VALUE, SECRET_NEAR_WORD, SHAPES, is_secret_key, looks_like_token


@pytest.mark.parametrize(
    "name",
    ["db_password", "X-Api-Key", "clientSecret", "Authorization", "refresh_token", "SIGNING_KEY", "apikey"],
)
def test_secret_looking_names(name):
    assert is_secret_key(name)


@pytest.mark.parametrize("name", ["tokens", "total_tokens", "key", "author", "monkey", "passenger_count"])
def test_names_that_only_look_alike_are_not_secret(name):
    assert not is_secret_key(name)


def test_a_token_is_long_random_and_not_a_path_url_or_sentence():
    assert looks_like_token("dsn-Z9y8X7w6V5u4T3s2")
    for value in (
        "short-1",
        "/usr/local/bin/x1",
        "https://example.invalid/a1",
        "a sentence with 1 digit in it",
    ):
        assert not looks_like_token(value), value
    assert not looks_like_token("no-digits-in-this-value")


@pytest.mark.parametrize(
    "token",
    [
        "xoxb-1234567890-0987654321-AbCdEfGhIjKl",
        "xapp-1-A0123456789-0123456789-abcdef",
        "https://hooks.slack.com/services/T000/B000/XXXX",
        "sk-proj-AbCdEf0123456789_ghIJ",
        "AKIAIOSFODNN7EXAMPLE",
        "ghp_0123456789abcdefghijABCDEFGHIJ012345",
        "AIzaSyA-0123456789abcdefghijklmnopqrstu",
        "sk_live_0123456789abcdefABCDEF",
        "Bearer abcdefghijklmnop0123",
        "eyJhbGciOiJI.eyJzdWIiOiIx.dozjgNryP4J3",
        "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----",
    ],
)
def test_each_known_token_shape_is_recognised(token):
    assert any(shape.search(token) for shape in SHAPES), token


def test_a_password_in_a_url_is_the_only_part_taken():
    found = [m.group(0) for shape in SHAPES for m in shape.finditer("redis://user:hunter2@db:6379/0")]
    assert found == ["user:hunter2"]


def test_key_value_and_near_word_patterns_capture_only_the_value():
    assert SECRET_KEY_VALUE.search('"db_password": "hunter 2"')["value"] == '"hunter 2"'
    assert SECRET_KEY_VALUE.search("password=abc&user=x")["value"] == "abc"
    assert SECRET_KEY_VALUE.search("total: 5") is None
    hexed = "8f14e45fceea167a5a36dedd4bea2543"
    assert SECRET_NEAR_WORD.search(f"the signing secret is {hexed}.")["value"] == hexed
    assert SECRET_NEAR_WORD.search(f"commit {hexed}") is None
