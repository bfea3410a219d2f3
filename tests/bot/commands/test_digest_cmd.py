"""`missionbot digest <worker> --post` on the console: the digest goes to the shell's outbox, the chart to a
file whose path the command prints (and the shell shows after the digest)."""

from __future__ import annotations

import os

from bot.platforms.console.messenger import ConsoleMessenger
from tests.bot.commands.test_audit_cmd import cli


def test_post_on_the_console_writes_the_chart_and_prints_its_path(rt, tmp_path):
    run = cli("digest", "support-triage", "--post", env={**os.environ, "MISSIONBOT_CHART_DIR": str(tmp_path)})
    assert run.returncode == 0, run.stderr
    posted, chart_line = run.stdout.splitlines()
    assert posted == "posted to C0MANAGERS on console"
    path = tmp_path / chart_line.removeprefix("chart: ").rsplit("/", 1)[-1]
    assert chart_line == f"chart: {path}" and path.read_bytes().startswith(b"\x89PNG")
    shown = [m["text"] for _, m in ConsoleMessenger(redis=rt.redis, prefix=rt.settings.key_prefix).read()]
    assert shown[0].startswith("Weekly digest: Support Triage") and shown[1].startswith(f"📈 Chart: {path}")
