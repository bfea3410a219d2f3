"""Working time: how many minutes of an interval fall inside configured working hours."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.core.config.models import WorkingHours
from bot.core.config.primitives import WEEKDAYS


def working_minutes(start: datetime, end: datetime, hours: WorkingHours | None) -> float:
    """Minutes between `start` and `end` that count on the SLA clock (all of them without working hours)."""
    if end <= start:
        return 0.0
    if hours is None:
        return (end - start).total_seconds() / 60
    zone = ZoneInfo(hours.timezone)
    open_days = {WEEKDAYS.index(d) for d in hours.days}
    total = 0.0
    day = start.astimezone(zone).date()
    last = end.astimezone(zone).date()
    while day <= last:
        if day.weekday() in open_days:
            # Build local wall times and let zoneinfo place them, so DST days are as long as they really are.
            opens = datetime.combine(day, time(hours.hours[0]), zone)
            closes = (
                datetime.combine(day, time(0), zone) + timedelta(days=1)
                if hours.hours[1] == 24
                else datetime.combine(day, time(hours.hours[1]), zone)
            )
            lo, hi = max(start, opens), min(end, closes)
            if hi > lo:
                total += (hi - lo).total_seconds() / 60
        day += timedelta(days=1)
    return total
