"""The demo helpdesk as a real MCP server (stdio by default): `python -m bot.demo.helpdesk_mcp`.

State lives in Redis (`REDIS_URL`, `MISSIONBOT_KEY_PREFIX`), shared with the built-in integration, so
the demo and the tests see the same tickets and credits. A call may name its key prefix in the request's
`_meta` (`missionbot.dev/key_prefix`; missionbot sends its own), so one server process can serve several
runtimes on the same Redis, e.g. a test run where every test has its own prefix. Side effects honour
`idempotency_key` (missionbot passes the proposal id), so a retried execution issues one credit;
`issue_credit` also takes `dry_run: true` (what it would change, changing nothing), the convention a
worker's `preview: {dry_run: true}` relies on.
Annotations tell `missionbot tools` which tools look read-only; the worker config still decides every
tier. Results are plain JSON text, without an output schema: a `dict[str, Any]` schema tells a client
nothing, and the SDK checks it against the JSON Schema metaschema on both ends of every call (~0.8 ms of
a ~1.8 ms call).
"""

from __future__ import annotations

import argparse
import os
from datetime import UTC, datetime
from typing import Annotated, Any

import anyio
from mcp.server.fastmcp import Context, FastMCP
from mcp.types import ToolAnnotations
from pydantic import Field

from bot.core import log_redaction
from bot.core.redis_client import redis_from_url
from bot.demo.helpdesk import HelpdeskBackend
from bot.demo.mcp_stdio import thread_free_stdio

READ = ToolAnnotations(readOnlyHint=True, destructiveHint=False, idempotentHint=True, openWorldHint=False)
CREDIT = ToolAnnotations(readOnlyHint=False, destructiveHint=False, idempotentHint=True, openWorldHint=False)
DESTRUCTIVE = ToolAnnotations(
    readOnlyHint=False, destructiveHint=True, idempotentHint=False, openWorldHint=False
)
CREDIT_NOTE_ENV = "HELPDESK_CREDIT_NOTE"  # appended to issue_credit's description: a changed tool definition
PREFIX_META = (
    "missionbot.dev/key_prefix"  # = bot.tools.mcp.PREFIX_META (not imported: the client stack is heavy)
)


def backend() -> HelpdeskBackend:
    redis = redis_from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    return HelpdeskBackend(
        redis=redis,
        prefix=os.environ.get("MISSIONBOT_KEY_PREFIX", "missionbot"),
        clock=lambda: datetime.now(UTC),
    )


def build_server(hd: HelpdeskBackend | None = None, **settings: Any) -> FastMCP:
    default = hd or backend()
    namespaces: dict[str, HelpdeskBackend] = {}
    seeded: set[str] = set()

    def desk(ctx: Context) -> HelpdeskBackend:
        meta = ctx.request_context.meta
        prefix = (meta.model_extra or {}).get(PREFIX_META) if meta else None
        if not isinstance(prefix, str) or not prefix:
            chosen = default
        else:
            chosen = namespaces.setdefault(
                prefix, HelpdeskBackend(redis=default.redis, prefix=prefix, clock=default.clock)
            )
        if chosen.key not in seeded:
            # Demo data on first use, so `worker` + `serve` work without `missionbot demo` (SET NX: never
            # overwrites). Not at start: listing tools (`missionbot check`) must not need Redis.
            chosen.seed()
            seeded.add(chosen.key)
        return chosen

    server = FastMCP(
        "helpdesk",
        instructions="Demo helpdesk: tickets, accounts, entitlement policies, credits.",
        log_level="WARNING",
        **settings,
    )

    @server.tool(annotations=READ, structured_output=False)
    def get_ticket(ticket_id: str, ctx: Context) -> dict[str, Any]:
        """Read one support ticket (subject, account, tier, SLA, requested credit, body)."""
        return desk(ctx).get_ticket(ticket_id)

    @server.tool(annotations=READ, structured_output=False)
    def get_account_history(account_id: str, ctx: Context) -> dict[str, Any]:
        """Read a customer's account and credit history."""
        return desk(ctx).get_account_history(account_id)

    @server.tool(annotations=READ, structured_output=False)
    def get_entitlement_policy(tier: str, ctx: Context) -> dict[str, Any]:
        """Read the entitlement policy (credit caps) for a tier: gold, silver or bronze."""
        return desk(ctx).get_entitlement_policy(tier)

    @server.tool(annotations=READ, structured_output=False)
    def preview_credit(account_id: str, amount: float, ctx: Context) -> dict[str, Any]:
        """What a credit would change, changing nothing: balance before and after, credits this quarter."""
        return desk(ctx).preview_credit(account_id=account_id, amount=amount)

    # A changed definition, read at start (tests of pinned definitions restart the server with it set).
    note = os.environ.get(CREDIT_NOTE_ENV, "")
    credit_doc = "Issue a service credit to an account. The same idempotency_key never credits twice."

    @server.tool(annotations=CREDIT, structured_output=False, description=f"{credit_doc} {note}".strip())
    def issue_credit(
        ctx: Context,
        account_id: str,
        amount: Annotated[float, Field(gt=0)],
        reason: str = "support credit",
        idempotency_key: str | None = None,
        dry_run: bool = False,
    ) -> dict[str, Any]:
        if amount <= 0:
            raise ValueError("amount must be positive")
        if dry_run:  # the server's dry-run convention: missionbot's `preview: {dry_run: true}` calls it
            return {"dry_run": True, **desk(ctx).preview_credit(account_id=account_id, amount=amount)}
        return desk(ctx).issue_credit(
            account_id=account_id, amount=amount, reason=reason, idempotency_key=idempotency_key
        )

    @server.tool(annotations=CREDIT, structured_output=False)
    def reverse_credit(ctx: Context, credit_id: str, idempotency_key: str | None = None) -> dict[str, Any]:
        """Reverse an earlier credit. The same idempotency_key never reverses twice."""
        return desk(ctx).reverse_credit(credit_id=credit_id, idempotency_key=idempotency_key)

    @server.tool(annotations=DESTRUCTIVE, structured_output=False)
    def delete_account(account_id: str) -> dict[str, Any]:
        """Delete a customer account (offered by the API; AI workers are not allowed to use it)."""
        raise PermissionError("delete_account is not available to AI workers")

    return server


async def serve_stdio(server: FastMCP) -> None:
    """`server.run("stdio")`, the session reading and writing stdin and stdout itself (mcp_stdio.py)."""
    async with thread_free_stdio() as (read, write):
        await server._mcp_server.run(read, write, server._mcp_server.create_initialization_options())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transport", choices=["stdio", "streamable-http"], default="stdio")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args(argv)
    log_redaction.install()  # a tool error that echoes a token must not reach the server's log either
    if args.transport == "stdio":
        anyio.run(serve_stdio, build_server())
    else:
        build_server(host="127.0.0.1", port=args.port).run("streamable-http")


if __name__ == "__main__":
    main()
