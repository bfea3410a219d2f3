"""Adoption over the digest's weeks: who asks, where, who decides, the time saved (an estimate), and the
autonomy each week ended at. Fed by the pass over the stream and by the hourly rollups alike.

Definitions (repeated in the digest's footnote):
- requesters = distinct people who started a mission that week; new = none of their missions falls in an
  earlier week of the window; repeat = two missions or more that week;
- approver load = human decisions (any kind) per approver this week, with their median time to decide;
- time saved = missions of a kind x `digest.minutes_saved_per_mission[kind]` + executed calls of a tool x
  `[tool]`: the owner's estimate, not a measurement;
- autonomy = the level set by the last `control.changed` before the week's end (the config's default
  when there is none in the window).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime

from bot.core.config.models import WorkerConfig
from bot.missions.digest.model import ApproverLoad, WeekStats, percentile

FORMULAS = {  # the digest's footnote
    "Requesters": "distinct people who started a mission that week; new: none in an earlier week of the "
    "window; repeat: two missions or more",
    "Approver load": "human decisions per approver this week, median time to decide",
    "Time saved (estimate)": "missions of a kind (or executed calls of a tool) x the minutes configured "
    "in digest.minutes_saved_per_mission",
    "Autonomy (trend)": "the level set by the last change before each week's end",
}


class Adoption:
    def __init__(self, worker: WorkerConfig, weeks: int) -> None:
        self.minutes = worker.digest.minutes_saved_per_mission
        self.default = worker.autonomy
        self.requesters: list[Counter[str]] = [Counter() for _ in range(weeks)]
        self.channels: Counter[str] = Counter()  # this week
        self.saved = [0.0] * weeks
        self.load: dict[str, list[float]] = defaultdict(list)  # this week: approver -> seconds
        self.changes: list[tuple[float, str]] = []  # (timestamp, autonomy)

    def missions(self, i: int, requesters: dict[str, int], channels: dict[str, int], kinds: dict[str, int]):
        self.requesters[i].update(requesters)
        if i == 0:
            self.channels.update(channels)
        self.saved[i] += sum(n * self.minutes.get(kind, 0) for kind, n in kinds.items())

    def executed(self, i: int, tools: dict[str, int]) -> None:
        self.saved[i] += sum(n * self.minutes.get(tool, 0) for tool, n in tools.items())

    def decided(self, i: int, actor: str, seconds: float | None) -> None:
        if i == 0:
            self.load[actor].append(-1.0 if seconds is None else seconds)

    def decided_all(self, i: int, actor: str, seconds: list[float]) -> None:
        """`decided` for each of an actor's dated decisions (rolled up per hour)."""
        if i == 0:
            self.load[actor].extend(seconds)

    def autonomy(self, at: float, mode: str) -> None:
        self.changes.append((at, mode))

    def finish(self, weeks: list[WeekStats], ends: list[datetime]) -> list[ApproverLoad]:
        """Fill each week's adoption figures (index 0 is this week); returns this week's approver load."""
        changes = sorted(self.changes)
        for i, (w, end) in enumerate(zip(weeks, ends, strict=True)):
            seen_before = set().union(*self.requesters[i + 1 :])
            w.requesters = len(self.requesters[i])
            w.new_requesters = len(set(self.requesters[i]) - seen_before)
            w.repeat_requesters = sum(1 for n in self.requesters[i].values() if n > 1)
            w.minutes_saved = self.saved[i]
            before = [mode for at, mode in changes if at < end.astimezone(UTC).timestamp()]
            w.autonomy = before[-1] if before else self.default
        return sorted(
            (
                ApproverLoad(
                    approver=a,
                    decided=len(s),
                    median_seconds=percentile([x for x in s if x >= 0], 0.5),
                )
                for a, s in self.load.items()
            ),
            key=lambda load: (-load.decided, load.approver),
        )
