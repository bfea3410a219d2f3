"""Images for Teams cards, served by `serve` at signed URLs: an inline PNG would exceed Teams' message size
(about 28 KB), so the card's Image points at `GET /images/<id>.png?exp=…&sig=…`.

The PNG is kept in Redis for `KEEP` (a digest is read for weeks); the URL is signed with a key derived
from the audit key (HMAC-SHA256 over the id and the expiry), so nobody can list or guess images, and a
bad or expired signature answers 403 without reading anything.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from datetime import timedelta

from aiohttp import web
from redis import Redis

from bot.core.audit_keys import AuditKeys
from bot.core.settings import Settings

PATH = "/images/{image}.png"
KEEP = timedelta(days=400)  # the URL's expiry too: a year's digests stay readable


def url_key(settings: Settings) -> bytes:
    return hmac.new(
        AuditKeys.from_settings(settings).current, b"missionbot-image-url", hashlib.sha256
    ).digest()


def signature(key: bytes, image: str, expires: int) -> str:
    return hmac.new(key, f"{image}.{expires}".encode(), hashlib.sha256).hexdigest()


class Images:
    def __init__(
        self, *, redis: Redis, prefix: str, settings: Settings, clock: Callable[[], float] = time.time
    ):
        self.redis, self.prefix, self.settings, self.clock = redis, prefix, settings, clock

    def _key(self, image: str) -> str:
        return f"{self.prefix}:images:{image}"

    def put(self, png: bytes) -> str | None:
        """Store the PNG; its signed URL, or None when MISSIONBOT_PUBLIC_URL does not say where serve is."""
        base = (self.settings.public_url or "").rstrip("/")
        if not base:
            return None
        image = secrets.token_urlsafe(16)
        self.redis.set(self._key(image), png, ex=int(KEEP.total_seconds()))
        expires = int(self.clock() + KEEP.total_seconds())
        sig = signature(url_key(self.settings), image, expires)
        return f"{base}/images/{image}.png?exp={expires}&sig={sig}"

    def read(self, image: str, *, expires: str, sig: str) -> bytes | None:
        """The PNG, or None; raises PermissionError on a bad or expired signature."""
        if not expires.isdigit() or int(expires) < self.clock():
            raise PermissionError("expired")
        if not hmac.compare_digest(signature(url_key(self.settings), image, int(expires)), sig):
            raise PermissionError("bad signature")
        return self.redis.get(self._key(image))


def image_route(images: Images) -> web.RouteDef:
    async def serve_image(request: web.Request) -> web.Response:
        query = request.rel_url.query
        try:
            png = images.read(
                request.match_info["image"], expires=query.get("exp", ""), sig=query.get("sig", "")
            )
        except PermissionError:
            return web.Response(status=403, text="forbidden: bad or expired signature")
        if png is None:
            return web.Response(status=404, text="no such image")
        return web.Response(
            body=png, content_type="image/png", headers={"Cache-Control": "private, max-age=86400"}
        )

    return web.get(PATH, serve_image)
