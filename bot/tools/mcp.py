"""Tools from MCP servers (`integrations:` with stdio or streamable_http), behind the sync Tool interface.

Connections are the MCP SDK's `ClientSession`, over our stdio transport (`bot.tools.mcp_stdio`) or, for
HTTP, langchain-mcp-adapters' session factory (its `sessions` module, which needs only the MCP SDK, not
LangChain), and stay open (`bot.tools.mcp_sessions`); each call is bounded by the server's
`timeout_seconds`, so a server that is down, slow or failing becomes a `ToolError` (an observation and a
clear verdict), never a hung worker. The tool list is cached per session. A call that finds its session
broken (the server died since the last call) is run again on a new session only when it carries an
idempotency key, so the server applies its effect once; any other call fails and the next one reconnects.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, TypeVar

from langchain_mcp_adapters.sessions import create_session
from mcp import ClientSession
from mcp.types import CallToolResult

from bot.core.config.models import WorkerConfig
from bot.core.config.tools import HttpIntegration, StdioIntegration
from bot.core.errors import ToolError
from bot.tools.base import ToolSpec, normalize_args
from bot.tools.json_schema import declares_dry_run, model_from_schema
from bot.tools.mcp_sessions import Held, SessionBroken, pool, reason
from bot.tools.mcp_stdio import stdio_streams
from bot.tools.pins import definition_hash

T = TypeVar("T")
PREFIX_ENV, PREFIX_META = "MISSIONBOT_KEY_PREFIX", "missionbot.dev/key_prefix"
McpIntegration = StdioIntegration | HttpIntegration


@dataclass(frozen=True, kw_only=True)
class Offered:
    """One tool as a server describes it."""

    name: str
    description: str
    input_schema: dict[str, Any]
    read_only: bool | None  # readOnlyHint
    destructive: bool | None  # destructiveHint
    annotations: dict[str, Any] = field(default_factory=dict)  # all of them, as the server sent them

    @property
    def definition_hash(self) -> str:
        """What a proposal pins (bot/tools/pins.py)."""
        return definition_hash(
            name=self.name,
            description=self.description,
            input_schema=self.input_schema,
            annotations=self.annotations,
        )

    @property
    def suggested_tier(self) -> str:
        """readOnlyHint -> read; unannotated or destructive -> execute. A hint only: the config decides."""
        return "read" if self.read_only and not self.destructive else "execute"


def connection(integration: McpIntegration, *, env: dict[str, str] | None = None) -> dict[str, Any]:
    read_timeout = {"read_timeout_seconds": timedelta(seconds=integration.timeout_seconds)}
    if isinstance(integration, StdioIntegration):
        # `python` means this interpreter, so a server shipped in the package runs inside the same venv.
        command = sys.executable if integration.command in {"python", "python3"} else integration.command
        return {
            "transport": "stdio",
            "command": command,
            "args": list(integration.args),
            "env": {**os.environ, **(env or {}), **integration.env},
            "session_kwargs": read_timeout,
        }
    return {
        "transport": "streamable_http",
        "url": integration.url,
        "headers": dict(integration.headers),
        "timeout": timedelta(seconds=integration.timeout_seconds),
        "session_kwargs": read_timeout,
    }


def _run(server: McpServer, use: Callable[[Held], Awaitable[T]], *, what: str, retry: bool = False) -> T:
    timeout = server.integration.timeout_seconds
    try:
        return pool.run(server.key, server.open, use, timeout=timeout, retry=retry)
    except TimeoutError:
        raise ToolError(f"{what}: no answer within {timeout:g}s") from None
    except SessionBroken as exc:
        again = "failed again on a new session" if retry else "not retried: the call has no idempotency key"
        raise ToolError(
            f"{what}: the MCP session broke, the server may have exited ({exc}); {again}"
        ) from None
    except ToolError:
        raise
    except BaseException as exc:  # anyio wraps transport failures in exception groups
        if isinstance(exc, KeyboardInterrupt | SystemExit):
            raise
        raise ToolError(f"{what}: {reason(exc)}") from None


class McpServer:
    """One configured server; calls go through this process's long-lived session to it."""

    def __init__(self, name: str, integration: McpIntegration, *, env: dict[str, str] | None = None) -> None:
        self.name, self.integration = name, integration
        self.connection = connection(integration, env=env)
        # Calls name the runtime's key prefix in `_meta` (servers that keep missionbot-shaped state, like the
        # demo helpdesk, honour it), so runtimes that differ only by prefix share one session.
        prefix = (env or {}).get(PREFIX_ENV)
        self.meta = {PREFIX_META: prefix} if prefix else None
        shared_env = {k: v for k, v in (env or {}).items() if k != PREFIX_ENV}
        self.key = f"{name}|{integration.model_dump_json()}|{json.dumps(shared_env, sort_keys=True)}"

    @asynccontextmanager
    async def open(self) -> AsyncIterator[ClientSession]:
        async with self._session() as session:
            await session.initialize()
            yield session

    def _session(self) -> AbstractAsyncContextManager[ClientSession]:
        c = self.connection
        if c["transport"] != "stdio":
            return create_session(c)  # type: ignore[arg-type]
        return _stdio_session(c)

    def list_tools(self) -> list[Offered]:
        async def go(held: Held) -> list[Offered]:
            if held.tools is None:  # listed once per session: the list is configuration, not state
                listed = await held.ready.result().list_tools()
                held.tools = [
                    Offered(
                        name=t.name,
                        description=t.description or "",
                        input_schema=t.inputSchema or {},
                        read_only=t.annotations.readOnlyHint if t.annotations else None,
                        destructive=t.annotations.destructiveHint if t.annotations else None,
                        annotations=t.annotations.model_dump(exclude_none=True) if t.annotations else {},
                    )
                    for t in listed.tools
                ]
            return held.tools

        # Listing has no side effect, so a broken session is retried like a keyed call.
        return _run(self, go, what=f"MCP server {self.name} is unreachable", retry=True)

    def call(self, tool: str, args: dict[str, Any]) -> dict[str, Any]:
        """One tool call; retried once on a new session if its session broke and `args` has an
        idempotency key."""

        async def go(held: Held) -> CallToolResult:
            return await held.ready.result().call_tool(tool, args, meta=self.meta)

        keyed = args.get("idempotency_key") is not None
        result = _run(self, go, what=f"{self.name}.{tool} failed", retry=keyed)
        text = "\n".join(c.text for c in result.content if getattr(c, "type", "") == "text")
        if result.isError:
            raise ToolError(f"{self.name}.{tool}: {text or 'the server reported an error'}")
        if isinstance(result.structuredContent, dict):
            return dict(result.structuredContent)
        try:
            value = json.loads(text)
        except ValueError:
            return {"text": text}
        return value if isinstance(value, dict) else {"result": value}


@asynccontextmanager
async def _stdio_session(c: dict[str, Any]) -> AsyncIterator[ClientSession]:
    """The SDK's `ClientSession` over our stdio transport (bot/tools/mcp_stdio.py: no relay tasks)."""
    async with (
        stdio_streams(c["command"], c["args"], c["env"]) as (read, write),
        ClientSession(read, write, **c["session_kwargs"]) as session,  # type: ignore[arg-type]
    ):
        yield session


@dataclass(frozen=True, kw_only=True)
class McpTool:
    spec: ToolSpec
    server: McpServer
    remote_name: str
    takes_idempotency_key: bool = False
    unavailable: str | None = None  # set when the server could not be listed

    def call(self, args: Any, *, idempotency_key: str | None, dry_run: bool = False) -> dict[str, Any]:
        if self.unavailable:
            raise ToolError(self.unavailable)
        if dry_run and not self.spec.dry_run:  # never the effect in place of a dry run
            raise ToolError(f"{self.spec.name} declares no dry_run input: it has no dry run")
        payload = normalize_args(self.spec, args)
        payload.pop(
            "dry_run", None
        )  # only missionbot sets it: an execution is never a dry run, nor the reverse
        if dry_run:
            payload["dry_run"] = True  # and no idempotency key: nothing is applied
        elif self.takes_idempotency_key and idempotency_key is not None:
            # The proposal id travels to the integration, which applies a side effect once per key.
            payload["idempotency_key"] = idempotency_key
        return self.server.call(self.remote_name, {k: v for k, v in payload.items() if v is not None})


_failed: dict[str, tuple[float, ToolError]] = {}


def offered(server: McpServer) -> list[Offered]:
    """The server's tools (cached by its session); a failure is remembered briefly so calls fail fast."""
    hit = _failed.get(server.key)
    if hit and hit[0] > time.monotonic():
        raise hit[1]
    try:
        return server.list_tools()
    except ToolError as exc:
        _failed[server.key] = (time.monotonic() + min(10.0, server.integration.timeout_seconds), exc)
        raise


def mcp_tools(
    name: str, integration: McpIntegration, worker: WorkerConfig, *, env: dict[str, str] | None = None
) -> dict[str, McpTool]:
    """The worker's listed tools of one server, named `server.tool`; a down server yields failing tools."""
    server = McpServer(name, integration, env=env)
    wanted = {t.split(".", 1)[1]: t for t in worker.tools if t.split(".", 1)[0] == name and "." in t}
    try:
        tools = {t.name: t for t in offered(server)}
    except ToolError as exc:
        open_args = model_from_schema(name, None)
        return {
            full: McpTool(
                spec=ToolSpec(name=full, description=f"(unavailable) {exc}", args_model=open_args),
                server=server,
                remote_name=short,
                unavailable=str(exc),
            )
            for short, full in wanted.items()
        }
    found = {}
    for short, full in wanted.items():
        tool = tools.get(short)
        if tool is None:
            continue  # listed in the config but not offered: the gate reports it unavailable
        props = tool.input_schema.get("properties") or {}
        ours = {"idempotency_key", "dry_run"}  # set by missionbot, never by a planner
        schema = {
            **tool.input_schema,
            "properties": {k: v for k, v in props.items() if k not in ours},
            "required": [r for r in tool.input_schema.get("required", []) if r not in ours],
        }
        found[full] = McpTool(
            spec=ToolSpec(
                name=full,
                description=tool.description,
                args_model=model_from_schema(full, schema),
                read_only=bool(tool.read_only),
                definition_hash=tool.definition_hash,
                dry_run=declares_dry_run(tool.input_schema),
            ),
            server=server,
            remote_name=short,
            takes_idempotency_key="idempotency_key" in props,
        )
    return found
