"""Platform adapters: the aiohttp server, and one folder per platform (client, messenger, renderer,
payload screening, retries)."""

__all__ = ["console", "server", "slack", "teams"]
