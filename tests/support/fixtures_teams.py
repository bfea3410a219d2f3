"""pytest fixtures for Teams: a local connector/OpenID server, the SDK pointed at it, outbound test tokens."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from botframework.connector.auth import MicrosoftAppCredentials, PasswordServiceClientCredentialFactory

from bot.platforms.teams import endpoint as teams_surface
from tests.support.teams_connector import OUTBOUND_TOKEN, LocalConnector


class _LocalTokenCredentials(MicrosoftAppCredentials):
    def get_access_token(self, force_refresh: bool = False) -> str:
        return OUTBOUND_TOKEN  # no call to login.microsoftonline.com


class LocalCredentials(PasswordServiceClientCredentialFactory):
    """Outbound calls carry a fixed token the local connector can check, instead of an Entra token."""

    async def create_credentials(self, app_id, oauth_scope, login_endpoint, validate_authority):
        if await self.is_authentication_disabled():
            return MicrosoftAppCredentials.empty()
        return _LocalTokenCredentials(app_id, "unused", oauth_scope=oauth_scope)


@pytest.fixture
def teams_connector(monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalConnector]:
    connector = LocalConnector().start()
    # The SDK's own hook for the channel's OpenID metadata URL: keys come from this server, never the network.
    monkeypatch.setattr(
        teams_surface.ChannelValidation, "open_id_metadata_endpoint", f"{connector.url}/openid"
    )
    yield connector
    connector.stop()
