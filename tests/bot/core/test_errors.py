"""One shallow error tree:
every error a person can see is a MissionbotError whose text is written for them."""

from __future__ import annotations

import inspect

from bot.core import errors
from bot.core.errors import AlreadyDecided, ConfigError, ConfigIssue, MissionbotError, RateLimited


def test_every_error_derives_directly_from_the_one_base():
    classes = [c for _, c in inspect.getmembers(errors, inspect.isclass) if issubclass(c, BaseException)]
    assert MissionbotError in classes and len(classes) >= 9
    for cls in classes:
        if cls is not MissionbotError:
            assert cls.__bases__ == (MissionbotError,), cls  # shallow: catch the base or one kind
    assert MissionbotError.__bases__ == (Exception,)
    assert not issubclass(ConfigIssue, BaseException)  # an issue is data a ConfigError carries


def test_each_error_carries_its_text_for_the_person_and_its_facts_for_the_code():
    decided = AlreadyDecided(status="approved", by="U0OWNER1", at="10:02")
    assert str(decided) == "already approved by U0OWNER1 at 10:02" and decided.by == "U0OWNER1"
    limited = RateLimited("too many missions this hour", retry_after_seconds=90)
    assert str(limited) == "too many missions this hour" and limited.retry_after_seconds == 90
    assert str(errors.NotAuthorized("Only the owner can do that.")) == "Only the owner can do that."


def test_a_config_error_lists_each_issue_with_file_line_and_field():
    issues = [
        ConfigIssue(file="w.yml", line=7, field="tools.x.tier", message="unknown tier"),
        ConfigIssue(file="w.yml", line=None, field="name", message="missing"),
    ]
    err = ConfigError(issues)
    assert err.issues == issues
    assert str(err) == "w.yml:7: tools.x.tier: unknown tier\nw.yml: name: missing"
