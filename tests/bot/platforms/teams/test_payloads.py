"""bot/platforms/teams/payloads.py: where a Teams activity's serviceUrl may point."""

from __future__ import annotations

import pytest

from bot.core.settings import Settings
from bot.platforms.teams.payloads import service_url_allowed

PRODUCTION = Settings(MICROSOFT_APP_ID="app")
LOCAL = Settings()  # no app id: local development (Agents Playground, Emulator)


@pytest.mark.parametrize(
    "url",
    [
        "https://smba.trafficmanager.net/amer/",
        "https://smba.trafficmanager.net/teams/",
        "https://smba.infra.gcc.teams.microsoft.com/gcc/",
        "https://europe.webchat.botframework.com/",
        "https://SMBA.trafficmanager.net./emea/",
    ],
)
def test_microsofts_connectors_over_https(url: str) -> None:
    assert service_url_allowed(url, settings=PRODUCTION) and service_url_allowed(url, settings=LOCAL)


@pytest.mark.parametrize(
    "url",
    [
        "http://smba.trafficmanager.net/amer/",
        "https://smba.trafficmanager.net.evil.example/",
        "https://evilsmba.trafficmanager.net/",
        "https://user:pw@smba.trafficmanager.net/",
        "https://evil.example/",
        "https://192.0.2.2/",
        "ftp://smba.trafficmanager.net/",
        "not a url",
        "",
        "https://[::1",
        "https://smba.trafficmanager.net:99999/",
        None,
        5,
        "http://127.0.0.1:3978/",
        "http://localhost:56150/_connector",
        "//localhost/",
    ],
)
def test_anything_else_is_refused_in_production(url: object) -> None:
    assert not service_url_allowed(url, settings=PRODUCTION)


def test_loopback_only_in_local_development_or_when_named() -> None:
    for url in ("http://localhost:56150/_connector", "http://127.0.0.1:3978/", "http://[::1]:3978/"):
        assert service_url_allowed(url, settings=LOCAL)
    named = Settings(MICROSOFT_APP_ID="app", MISSIONBOT_TEAMS_SERVICE_HOSTS="127.0.0.1")
    assert service_url_allowed("http://127.0.0.1:3978/", settings=named)
    assert not service_url_allowed(
        "https://smba.trafficmanager.net/amer/", settings=named
    )  # the list replaces
    assert not service_url_allowed("http://192.0.2.2:3978/", settings=LOCAL)  # a LAN host is not loopback
