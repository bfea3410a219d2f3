"""The audit keys: from the environment or a file, never in Redis; retired keys still verify."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.core.audit import Audit
from bot.core.audit_keys import ENV_KEY, MIN_LENGTH, AuditKeys, MissingAuditKey, key_id, throwaway_key
from bot.core.audit_verify import check
from bot.core.settings import Settings
from tests.bot.core.audit_streams import filled


def test_the_key_never_reaches_redis(rt):
    filled(rt, 3)
    stored = b""
    for name in rt.redis.scan_iter(match=f"{rt.settings.key_prefix}:*"):
        if rt.redis.type(name) == b"stream":
            stored += b"".join(v for _, fields in rt.redis.xrange(name) for v in fields.values())
        elif rt.redis.type(name) == b"string":
            stored += rt.redis.get(name)
    assert b"test.event" in stored and rt.audit.keys.current not in stored


def test_rotated_keys_still_verify_old_events(rt):
    old = filled(rt, 2)
    rotated = AuditKeys(current=b"the-new-key-after-rotation-0123", previous=(old.keys.current,))
    new = Audit(redis=rt.redis, prefix=old.prefix, clock=rt.clock, keys=rotated)
    new.record("after.rotation", actor="U1")
    assert check(new).problems == []
    assert any("key we do not hold" in p for p in check(old).problems)  # the old key alone cannot vouch


@pytest.fixture
def no_key_env(monkeypatch):
    """The test run's own key (tests/conftest.py) is in the environment; these tests set theirs."""
    for name in (ENV_KEY, "MISSIONBOT_AUDIT_KEY_FILE", "MISSIONBOT_AUDIT_PREVIOUS_KEYS"):
        monkeypatch.delenv(name, raising=False)


def test_the_key_comes_from_the_setting_or_its_file_and_retired_keys_from_a_list(tmp_path, no_key_env):
    key_file = tmp_path / "audit.key"
    key_file.write_text("from-a-mounted-file-0123456789\n")
    from_file = AuditKeys.from_settings(Settings(MISSIONBOT_AUDIT_KEY_FILE=key_file))
    assert from_file.current == b"from-a-mounted-file-0123456789"
    keys = AuditKeys.from_settings(
        Settings(
            MISSIONBOT_AUDIT_KEY=" current-key-0123456789 ", MISSIONBOT_AUDIT_PREVIOUS_KEYS="old-1, ,old-2"
        )
    )
    assert keys.current == b"current-key-0123456789" and keys.previous == (b"old-1", b"old-2")
    assert keys.for_id(key_id(b"old-2")) == b"old-2" and keys.for_id(key_id(b"never-held")) is None


def test_the_key_id_names_a_key_without_revealing_it():
    keys = AuditKeys(current=b"a-long-enough-secret-key")
    assert keys.kid == key_id(b"a-long-enough-secret-key") and keys.kid != key_id(b"another-key-entirely")
    assert "secret" not in keys.kid and "secret" not in repr(keys)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({}, "MISSIONBOT_AUDIT_KEY"),
        ({"MISSIONBOT_AUDIT_KEY": "short"}, f"shorter than {MIN_LENGTH}"),
        ({"MISSIONBOT_AUDIT_KEY_FILE": Path("/nonexistent/audit.key")}, "cannot read"),
    ],
)
def test_a_missing_short_or_unreadable_key_is_refused_saying_which(values, message, no_key_env):
    with pytest.raises(MissingAuditKey, match=message):
        AuditKeys.from_settings(Settings(**values))


def test_a_throwaway_key_is_used_only_when_none_is_configured(no_key_env, capsys):
    configured = Settings(MISSIONBOT_AUDIT_KEY="configured-key-0123456789")
    assert throwaway_key(configured, command="demo") is configured
    fresh = throwaway_key(Settings(), command="demo")
    assert fresh.audit_key is not None and len(fresh.audit_key.get_secret_value()) == 64
    # In the environment too, so the processes this one starts sign with the same key.
    assert os.environ[ENV_KEY] == fresh.audit_key.get_secret_value()
    assert "throwaway audit key" in capsys.readouterr().err
