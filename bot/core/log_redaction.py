"""Tokens never reach a log: every log record is redacted as it is created, tracebacks included.

A record factory rather than a handler filter or formatter, because handlers come and go (each command's
`basicConfig`, RQ's worker handler, pytest's capture) and a logger filter never sees records that propagate
from child loggers. The factory runs only for records a logger will emit, so disabled levels cost nothing.
`bot.cli.main` installs it before any command runs; `create_runtime` hands it the configured redactor (the
one module-level state here: a record factory has no other way to reach it).
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import Any

from bot.core.redact import Redactor

_redactor = Redactor()  # shapes and keys only, until a runtime says which values are secret


def use(redactor: Redactor) -> None:
    """The redactor every record passes from now on (the runtime's, with the configured secret values)."""
    global _redactor
    _redactor = redactor


def _redact(text: str) -> str:
    return _redactor.text(text)


def _redacting(base: Callable[..., logging.LogRecord]) -> Callable[..., logging.LogRecord]:
    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = base(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a malformed call is logging's to report, unredacted args aside
            message = str(record.msg)
        record.msg, record.args = _redact(message), None
        if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
            # Formatters reuse `exc_text` when set, so the traceback is rendered once, already redacted.
            record.exc_text = _redact("".join(traceback.format_exception(*record.exc_info)).rstrip("\n"))
        if record.stack_info:
            record.stack_info = _redact(record.stack_info)
        return record

    factory.redacting = True  # type: ignore[attr-defined]
    return factory


def install() -> None:
    """Idempotent: redact every record this process logs from now on."""
    current = logging.getLogRecordFactory()
    if not getattr(current, "redacting", False):
        logging.setLogRecordFactory(_redacting(current))
