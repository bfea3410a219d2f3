"""Working minutes: only the configured hours count on the SLA clock, in the configured zone, DST included."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.config.models import WorkingHours
from bot.core.worktime import working_minutes

BERLIN = WorkingHours(days=["mon", "tue", "wed", "thu", "fri"], hours=(8, 20), timezone="Europe/Berlin")


def at(day: int, hour: int, minute: int = 0, *, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def test_without_working_hours_every_minute_counts_and_a_reversed_interval_is_zero():
    assert working_minutes(at(2, 10), at(2, 11, 30), None) == 90
    assert (
        working_minutes(at(2, 11), at(2, 10), BERLIN) == 0
        and working_minutes(at(2, 11), at(2, 11), None) == 0
    )


def test_only_the_hours_inside_the_shift_count():
    # Monday 2 March 2026: Berlin is UTC+1, the shift is 07:00-19:00 UTC.
    assert working_minutes(at(2, 6), at(2, 8), BERLIN) == 60
    assert working_minutes(at(2, 18, 30), at(2, 22), BERLIN) == 30


def test_a_friday_night_card_waits_for_monday():
    friday_evening, monday_morning = at(6, 18), at(9, 8)  # Fri 19:00 → Mon 09:00 Berlin
    assert working_minutes(friday_evening, monday_morning, BERLIN) == 60 + 60  # Fri 19-20, Mon 08-09


def test_a_dst_day_counts_its_real_length():
    # Sunday 29 March 2026 loses an hour in Berlin; a 24h open worker counts 23 hours that day.
    always = WorkingHours(days=["sun"], hours=(0, 24), timezone="Europe/Berlin")
    start = datetime(2026, 3, 28, 23, tzinfo=UTC)  # Sunday 00:00 Berlin (UTC+1)
    assert working_minutes(start, start + timedelta(days=2), always) == 23 * 60
