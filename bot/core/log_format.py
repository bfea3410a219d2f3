"""How a process writes its log: the plain text lines of old, or one JSON object per line
(`MISSIONBOT_LOG_FORMAT=json`) for a log pipeline to index.

Records arrive here already redacted (bot/core/log_redaction.py is the record factory: message and
traceback), so both formats only render; the ids come from bot/core/log_context.py.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

from bot.core import log_context

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    """One line per record: time (UTC, ISO 8601), level, logger, message, role, pid, the ids known where the
    record was logged, and the exception or stack as text fields (newlines escaped, so still one line)."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "role": log_context.role(),
            "pid": record.process,
        }
        line.update(log_context.current())
        if record.exc_info and record.exc_info[0] is not None:
            line["exc_type"] = record.exc_info[0].__name__
            # The redacting factory renders `exc_text` when the record is made; a record made elsewhere
            # (another factory, a test) is rendered here.
            line["exception"] = record.exc_text or self.formatException(record.exc_info)
        elif record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = record.stack_info
        return json.dumps(line, ensure_ascii=False, default=str)


def formatter(fmt: str) -> logging.Formatter:
    return JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT)


def configure(*, fmt: str, role: str, level: str | int = logging.INFO) -> None:
    """The process's logging: its role, then a stderr handler in `fmt` on the root logger at `level`.

    Like `logging.basicConfig` (which it replaces in serve, worker and scheduler), it leaves a root logger
    that already has handlers it did not add (pytest's) alone; one it added before (`missionbot` set up
    the cli role first) gets the new format and level."""
    log_context.set_role(role)
    root = logging.getLogger()
    ours = [h for h in root.handlers if getattr(h, "missionbot", False)]
    if root.handlers and not ours:
        return
    if not ours:
        handler = logging.StreamHandler(sys.stderr)
        handler.missionbot = True  # type: ignore[attr-defined]
        root.addHandler(handler)
        ours = [handler]
    for handler in ours:
        handler.setFormatter(formatter(fmt))
    root.setLevel(level)
