"""The shipped support-triage config on the built-in helpdesk, and a way to break it a line at a time."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]
# Tool names are checked statically only for built-in integrations (an MCP server's list is known at run
# time), so the broken variants use the same worker wired to the built-in helpdesk.
SHIPPED = (ROOT / "worker_configs" / "support-triage.yml").read_text()
STDIO = (
    "  helpdesk: {transport: stdio, command: python, args: [-m, bot.demo.helpdesk_mcp], timeout_seconds: 20}"
)
assert STDIO in SHIPPED
GOOD = SHIPPED.replace(STDIO, "  helpdesk: {transport: builtin, module: helpdesk}")


def broken(tmp_path: Path, old: str, new: str, *, name: str = "support-triage.yml") -> Path:
    assert old in GOOD, old
    (tmp_path / name).write_text(GOOD.replace(old, new, 1))
    return tmp_path


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)
