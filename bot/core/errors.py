"""One shallow hierarchy: every error a user or operator can see derives from MissionbotError."""

from __future__ import annotations


class MissionbotError(Exception):
    """Base class; `str(err)` is written for the person who caused it."""


class ConfigError(MissionbotError):
    """A worker config is invalid; `issues` carry file, line and field."""

    def __init__(self, issues: list[ConfigIssue]) -> None:
        self.issues = issues
        super().__init__("\n".join(str(i) for i in issues))


class ConfigIssue:
    def __init__(self, *, file: str, line: int | None, field: str, message: str) -> None:
        self.file, self.line, self.field, self.message = file, line, field, message

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.field}: {self.message}"


class BadRequest(MissionbotError):
    """The request cannot become a mission (too long, empty, unknown worker)."""


class NotFound(MissionbotError):
    """No such mission, proposal or worker."""


class NotAuthorized(MissionbotError):
    """The acting user may not do this."""


class AlreadyDecided(MissionbotError):
    def __init__(self, *, status: str, by: str, at: str) -> None:
        self.status, self.by, self.at = status, by, at
        super().__init__(f"already {status} by {by} at {at}")


class Halted(MissionbotError):
    """The worker's kill switch is pulled."""


class ToolError(MissionbotError):
    """A tool call failed in a way the mission should report, not retry."""


class RateLimited(MissionbotError):
    def __init__(self, message: str, *, retry_after_seconds: int) -> None:
        self.retry_after_seconds = retry_after_seconds
        super().__init__(message)
