"""A local Bot Framework side for tests: the connector (the activity's serviceUrl) that records replies and
updates, and OpenID metadata + signing keys for the JWTs it mints. Runs in its own thread and loop, because
the SDK fetches keys with blocking `requests` and RQ jobs post from synchronous code."""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

ISSUER = "https://api.botframework.com"
APP_ID = "00000000-1111-2222-3333-444444444444"
OUTBOUND_TOKEN = "local-outbound-token"


@dataclass
class Call:
    method: str
    path: str  # decoded, e.g. /v3/conversations/19:x@thread.skype;messageid=1/activities/act-1
    body: dict[str, Any]
    authorization: str | None


@dataclass
class LocalConnector:
    calls: list[Call] = field(default_factory=list)
    url: str = ""
    kid: str = "local-key-1"

    def __post_init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._fail: list[tuple[int, dict[str, str]]] = []
        self._ids = itertools.count(1)
        self._ready = threading.Event()
        self._lock = threading.Lock()

    # -- what tests use ----------------------------------------------------------------
    def token(self, *, service_url: str | None = None, **claims: Any) -> str:
        now = int(time.time())
        payload = {
            "iss": ISSUER,
            "aud": APP_ID,
            "serviceurl": service_url or self.url,
            "nbf": now - 10,
            "iat": now - 10,
            "exp": now + 3600,
            **claims,
        }
        return jwt.encode(payload, self.key, algorithm="RS256", headers={"kid": self.kid})

    def fail_next(self, status: int, *, times: int = 1, headers: dict[str, str] | None = None) -> None:
        with self._lock:
            self._fail += [(status, headers or {})] * times

    def posts(self) -> list[Call]:
        return [c for c in self.calls if c.method == "POST" and c.path != "/v3/conversations"]

    def updates(self) -> list[Call]:
        return [c for c in self.calls if c.method == "PUT"]

    # -- the server ----------------------------------------------------------------------
    async def _openid(self, _: web.Request) -> web.Response:
        return web.json_response({"issuer": ISSUER, "jwks_uri": f"{self.url}/keys"})

    async def _keys(self, _: web.Request) -> web.Response:
        jwk = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        return web.json_response(
            {"keys": [{**jwk, "kid": self.kid, "use": "sig", "endorsements": ["msteams"]}]}
        )

    async def _conversations(self, request: web.Request) -> web.Response:
        body = await request.json() if request.can_read_body else {}
        path = unquote(request.path)
        with self._lock:
            self.calls.append(Call(request.method, path, body, request.headers.get("Authorization")))
            failure = self._fail.pop(0) if self._fail else None
        if failure:
            return web.json_response(
                {"error": {"code": "Failure", "message": f"HTTP {failure[0]}"}},
                status=failure[0],
                headers=failure[1],
            )
        if request.method == "PUT":
            return web.json_response({"id": path.rsplit("/", 1)[-1]})
        return web.json_response({"id": f"act-{next(self._ids)}"})

    async def _create(self, request: web.Request) -> web.Response:
        """POST /v3/conversations (create_conversation): a 1:1 chat's id is stable per member, as in Teams."""
        body = await request.json()
        with self._lock:
            self.calls.append(Call(request.method, request.path, body, request.headers.get("Authorization")))
            failure = self._fail.pop(0) if self._fail else None
        if failure:
            return web.json_response(
                {"error": {"code": "Failure", "message": f"HTTP {failure[0]}"}},
                status=failure[0],
                headers=failure[1],
            )
        member = (body.get("members") or [{}])[0].get("id", "")
        return web.json_response({"id": f"a:dm-{member}", "serviceUrl": self.url})

    def created(self) -> list[Call]:
        return [c for c in self.calls if c.method == "POST" and c.path == "/v3/conversations"]

    def _serve(self) -> None:
        self.loop = asyncio.new_event_loop()
        app = web.Application()
        app.router.add_get("/openid", self._openid)
        app.router.add_get("/keys", self._keys)
        app.router.add_post("/v3/conversations", self._create)
        app.router.add_route("*", "/v3/conversations/{tail:.*}", self._conversations)
        self._runner = web.AppRunner(app)
        self.loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        self.loop.run_until_complete(site.start())
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"
        self._ready.set()
        self.loop.run_forever()
        self.loop.run_until_complete(self._runner.cleanup())
        self.loop.close()

    def start(self) -> LocalConnector:
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()
        self._ready.wait(10)
        return self

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
