"""workflow_api.business_hours: SLA business-hours arithmetic (pure, no fixtures needed).

Hand-checked cases pin the rules (boundaries, holidays, DST in New York, Berlin and
Santiago); a seeded property test compares random calendars and starts against a slow
reference that walks time in half-hour steps and asks the local wall clock directly.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from workflow_api import business_hours
from workflow_api.business_hours import DEFAULT, MAX_SPAN_DAYS, BusinessCalendar

NEW_YORK = "America/New_York"
BERLIN = "Europe/Berlin"
EVERY_DAY = (0, 1, 2, 3, 4, 5, 6)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local(zone: str, *args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(zone), fold=fold)


# -- Reference implementation -------------------------------------------------------------
#
# Deliberately naive: it never computes a window, it walks UTC in half-hour steps and asks
# "does the local clock show a business time right now?". With opening/closing on whole
# local hours and zones whose offsets and DST jumps are multiples of 30 minutes, the answer
# cannot change inside a half-hour step, so the walk is exact. (With whole-hour DST jumps,
# whole-hour opening times never fall strictly inside a repeated or skipped hour, so
# this wall-clock test agrees with the module's "first instant showing that time" rule.)

STEP = timedelta(minutes=30)
EPOCH = utc(2000, 1, 1)


def ref_is_open(calendar: BusinessCalendar, instant: datetime) -> bool:
    wall = instant.astimezone(ZoneInfo(calendar.timezone))
    return (
        wall.weekday() in calendar.workdays
        and wall.date() not in calendar.holidays
        and calendar.start <= wall.time() < calendar.end
    )


def ref_step_end(instant: datetime) -> datetime:
    return instant + (STEP - (instant - EPOCH) % STEP)


def ref_add(calendar: BusinessCalendar, start: datetime, hours: float) -> datetime:
    remaining = timedelta(hours=hours)
    cursor = start.astimezone(UTC)
    while True:
        boundary = ref_step_end(cursor)
        if ref_is_open(calendar, cursor):
            if remaining <= boundary - cursor:
                return cursor + remaining
            remaining -= boundary - cursor
        cursor = boundary


def ref_elapsed(calendar: BusinessCalendar, start: datetime, end: datetime) -> float:
    total = timedelta()
    cursor = start.astimezone(UTC)
    while cursor < end:
        boundary = min(ref_step_end(cursor), end)
        if ref_is_open(calendar, cursor):
            total += boundary - cursor
        cursor = boundary
    return total / timedelta(hours=1)


# Zones with DST in both hemispheres, at 00:00 (Santiago) and 02:00/03:00, a half-hour
# offset with and without DST (Adelaide, Kolkata), and zones without DST.
ZONES = [
    "UTC",
    NEW_YORK,
    BERLIN,
    "Europe/London",
    "Australia/Sydney",
    "Australia/Adelaide",
    "Pacific/Auckland",
    "America/Santiago",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Asia/Tokyo",
]
# 2026 DST change dates of the zones above: random starts cluster around them.
DST_DATES = [
    date(2026, 3, 8),
    date(2026, 3, 29),
    date(2026, 4, 4),
    date(2026, 4, 5),
    date(2026, 9, 6),
    date(2026, 9, 27),
    date(2026, 10, 4),
    date(2026, 10, 25),
    date(2026, 11, 1),
]


def random_start(rng: random.Random) -> datetime:
    if rng.random() < 0.5:
        day = rng.choice(DST_DATES) + timedelta(days=rng.randint(-4, 2))
        base = utc(day.year, day.month, day.day)
    else:
        base = utc(2026, 1, 1) + timedelta(days=rng.randint(0, 700))
    instant = base + timedelta(
        hours=rng.randint(0, 23),
        minutes=rng.choice([0, 0, 30, rng.randint(0, 59)]),
        seconds=rng.choice([0, rng.randint(0, 59)]),
        microseconds=rng.choice([0, rng.randint(0, 999_999)]),
    )
    # Inputs may be in any zone; results must not depend on it.
    return instant.astimezone(ZoneInfo(rng.choice(ZONES)))


def random_calendar(
    rng: random.Random, near: date, min_days: int = 1, min_hours: int = 1
) -> BusinessCalendar:
    workdays = rng.sample(range(7), rng.randint(min_days, 7))
    opening = rng.randint(0, 23 - min_hours)
    closing = rng.randint(opening + min_hours, 23)
    holidays: set[date] = set()
    for _ in range(rng.randint(0, 6)):
        first = near + timedelta(days=rng.randint(-2, 45))
        holidays.update(first + timedelta(days=i) for i in range(rng.randint(1, 4)))
    return BusinessCalendar(
        timezone=rng.choice(ZONES),
        workdays=tuple(workdays),
        start=time(opening),
        end=time(closing),
        holidays=frozenset(holidays),
    )


def random_hours(rng: random.Random, weekly: float) -> float:
    choice = rng.random()
    if choice < 0.1:
        return 0.0
    if choice < 0.4:
        return rng.choice([0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0])
    # Keep the slow reference to a few weeks of walking whatever the calendar.
    return rng.uniform(0, min(80.0, weekly * 6))


# -- Within a day, nights, weekends ------------------------------------------------------


def test_default_calendar_is_weekdays_nine_to_five_utc():
    assert BusinessCalendar("UTC", (0, 1, 2, 3, 4), time(9), time(17)) == DEFAULT
    assert DEFAULT.holidays == frozenset()


def test_within_a_day():
    # 2026-01-05 is a Monday.
    assert DEFAULT.add(utc(2026, 1, 5, 10), 3) == utc(2026, 1, 5, 13)


def test_across_a_night():
    assert DEFAULT.add(utc(2026, 1, 5, 16), 2) == utc(2026, 1, 6, 10)


def test_across_a_weekend():
    assert DEFAULT.add(utc(2026, 1, 9, 16), 2) == utc(2026, 1, 12, 10)


def test_starting_on_a_saturday():
    assert DEFAULT.add(utc(2026, 1, 10, 12), 1) == utc(2026, 1, 12, 10)
    assert DEFAULT.add(utc(2026, 1, 11, 23, 59), 8) == utc(2026, 1, 12, 17)


def test_starting_before_opening_and_after_closing():
    assert DEFAULT.add(utc(2026, 1, 5, 7), 1) == utc(2026, 1, 5, 10)
    assert DEFAULT.add(utc(2026, 1, 5, 18), 1) == utc(2026, 1, 6, 10)
    assert DEFAULT.add(utc(2026, 1, 5, 0, 0), 0.5) == utc(2026, 1, 5, 9, 30)


def test_a_deadline_that_fills_the_day_is_the_closing_time():
    assert DEFAULT.add(utc(2026, 1, 5, 9), 8) == utc(2026, 1, 5, 17)
    assert DEFAULT.add(utc(2026, 1, 5, 16), 1) == utc(2026, 1, 5, 17)
    assert DEFAULT.add(utc(2026, 1, 9, 9), 8) == utc(2026, 1, 9, 17)  # Friday
    assert DEFAULT.add(utc(2026, 1, 5, 9), 8.5) == utc(2026, 1, 6, 9, 30)


def test_zero_hours_is_next_open():
    assert DEFAULT.add(utc(2026, 1, 5, 12, 34, 56, 7), 0) == utc(2026, 1, 5, 12, 34, 56, 7)
    assert DEFAULT.add(utc(2026, 1, 5, 9), 0) == utc(2026, 1, 5, 9)
    assert DEFAULT.add(utc(2026, 1, 5, 17), 0) == utc(2026, 1, 6, 9)
    assert DEFAULT.add(utc(2026, 1, 9, 17), 0) == utc(2026, 1, 12, 9)
    assert DEFAULT.add(utc(2026, 1, 5, 8, 59, 59), 0) == utc(2026, 1, 5, 9)


def test_window_is_half_open():
    assert not DEFAULT.is_open(utc(2026, 1, 5, 8, 59, 59, 999_999))
    assert DEFAULT.is_open(utc(2026, 1, 5, 9))
    assert DEFAULT.is_open(utc(2026, 1, 5, 16, 59, 59, 999_999))
    assert not DEFAULT.is_open(utc(2026, 1, 5, 17))
    assert not DEFAULT.is_open(utc(2026, 1, 10, 12))  # Saturday


def test_next_open():
    assert DEFAULT.next_open(utc(2026, 1, 5, 12)) == utc(2026, 1, 5, 12)
    assert DEFAULT.next_open(utc(2026, 1, 5, 17)) == utc(2026, 1, 6, 9)
    assert DEFAULT.next_open(utc(2026, 1, 10, 3)) == utc(2026, 1, 12, 9)


def test_fractional_hours():
    assert DEFAULT.add(utc(2026, 1, 5, 10), 0.25) == utc(2026, 1, 5, 10, 15)
    assert DEFAULT.add(utc(2026, 1, 5, 16, 50), 0.25) == utc(2026, 1, 6, 9, 5)
    assert DEFAULT.add(utc(2026, 1, 5, 9), 1 / 3600) == utc(2026, 1, 5, 9, 0, 1)
    assert DEFAULT.elapsed(utc(2026, 1, 5, 16, 50), utc(2026, 1, 6, 9, 5)) == 0.25


def test_results_are_utc_whatever_the_input_zone():
    start = local(BERLIN, 2026, 1, 5, 10)  # 09:00 UTC
    result = DEFAULT.add(start, 1)
    assert result == utc(2026, 1, 5, 10)
    assert result.tzinfo is UTC
    assert DEFAULT.next_open(local(NEW_YORK, 2026, 1, 5, 1)).tzinfo is UTC


# -- Holidays ------------------------------------------------------------------------------


def test_holiday_on_a_friday_before_a_weekend():
    calendar = BusinessCalendar(holidays=frozenset({date(2026, 1, 9)}))
    assert calendar.add(utc(2026, 1, 8, 16), 2) == utc(2026, 1, 12, 10)
    assert calendar.elapsed(utc(2026, 1, 8, 0), utc(2026, 1, 13, 0)) == 16
    assert not calendar.is_open(utc(2026, 1, 9, 12))


def test_consecutive_holidays():
    christmas = {date(2026, 12, 24), date(2026, 12, 25), date(2026, 12, 28)}
    calendar = BusinessCalendar(holidays=frozenset(christmas))
    # Wed 23rd 16:00: one hour that day, then Thu, Fri, weekend, Mon are all closed.
    assert calendar.add(utc(2026, 12, 23, 16), 2) == utc(2026, 12, 29, 10)
    assert calendar.add(utc(2026, 12, 25, 10), 1) == utc(2026, 12, 29, 10)
    assert calendar.next_open(utc(2026, 12, 24, 9)) == utc(2026, 12, 29, 9)
    assert calendar.elapsed(utc(2026, 12, 23, 16), utc(2026, 12, 29, 10)) == 2


def test_holiday_on_a_weekend_changes_nothing():
    calendar = BusinessCalendar(holidays=frozenset({date(2026, 1, 10)}))
    assert calendar.add(utc(2026, 1, 9, 16), 2) == DEFAULT.add(utc(2026, 1, 9, 16), 2)


def test_a_long_run_of_holidays_is_not_mistaken_for_a_dead_calendar():
    first = date(2026, 1, 1)
    quarter = frozenset(first + timedelta(days=i) for i in range(90))  # to 2026-03-31
    calendar = BusinessCalendar(holidays=quarter)
    assert calendar.next_open(utc(2026, 1, 1)) == utc(2026, 4, 1, 9)


def test_holidays_closing_a_sparse_calendar_for_weeks():
    # Found by the property test: Wednesdays only, three Wednesdays in a row off. The
    # idle-loop guard must only start counting after the last holiday.
    wednesdays = frozenset({date(2026, 7, 8), date(2026, 7, 15), date(2026, 7, 22)})
    calendar = BusinessCalendar(workdays=(2,), start=time(11), end=time(12), holidays=wednesdays)
    assert calendar.next_open(utc(2026, 7, 2)) == utc(2026, 7, 29, 11)
    assert calendar.add(utc(2026, 7, 1, 11, 30), 1) == utc(2026, 7, 29, 11, 30)
    assert calendar.elapsed(utc(2026, 7, 1), utc(2026, 8, 1)) == 2


# -- DST ------------------------------------------------------------------------------------


def test_new_york_spring_forward_week():
    calendar = BusinessCalendar(NEW_YORK)
    # Fri 2026-03-06 16:00 EST (UTC-5) + 2h -> Mon 03-09 10:00 EDT (UTC-4).
    assert calendar.add(utc(2026, 3, 6, 21), 2) == utc(2026, 3, 9, 14)
    # Mon 03-02 09:00 EST + 48h -> Mon 03-09 17:00 EDT: every day is 8 hours.
    assert calendar.add(utc(2026, 3, 2, 14), 48) == utc(2026, 3, 9, 21)
    assert calendar.elapsed(utc(2026, 3, 2, 14), utc(2026, 3, 9, 21)) == 48
    assert calendar.elapsed(utc(2026, 3, 6, 22), utc(2026, 3, 9, 13)) == 0


def test_new_york_fall_back_week():
    calendar = BusinessCalendar(NEW_YORK)
    # Fri 2026-10-30 16:00 EDT + 2h -> Mon 11-02 10:00 EST.
    assert calendar.add(utc(2026, 10, 30, 20), 2) == utc(2026, 11, 2, 15)
    assert calendar.add(utc(2026, 10, 26, 13), 48) == utc(2026, 11, 2, 22)
    assert calendar.elapsed(utc(2026, 10, 26, 13), utc(2026, 11, 2, 22)) == 48


def test_berlin_spring_forward_and_fall_back():
    calendar = BusinessCalendar(BERLIN)
    # Fri 2026-03-27 16:00 CET (UTC+1) + 2h -> Mon 03-30 10:00 CEST (UTC+2).
    assert calendar.add(utc(2026, 3, 27, 15), 2) == utc(2026, 3, 30, 8)
    # Fri 2026-10-23 16:00 CEST + 2h -> Mon 10-26 10:00 CET.
    assert calendar.add(utc(2026, 10, 23, 14), 2) == utc(2026, 10, 26, 9)
    assert calendar.add(local(BERLIN, 2026, 3, 23, 9), 40) == local(BERLIN, 2026, 3, 27, 17)
    assert calendar.add(local(BERLIN, 2026, 3, 23, 9), 48) == utc(2026, 3, 30, 15)


def test_dst_change_days_are_full_business_days():
    calendar = BusinessCalendar(NEW_YORK, workdays=EVERY_DAY)
    # Sunday 2026-03-08 (spring forward) 09:00-17:00 EDT, Sunday 11-01 09:00-17:00 EST.
    assert calendar.add(utc(2026, 3, 7, 21), 2) == utc(2026, 3, 8, 14)
    assert calendar.elapsed(utc(2026, 3, 8), utc(2026, 3, 9)) == 8
    assert calendar.add(utc(2026, 3, 8, 13), 8) == utc(2026, 3, 8, 21)
    assert calendar.add(utc(2026, 10, 31, 20), 2) == utc(2026, 11, 1, 15)
    assert calendar.elapsed(utc(2026, 11, 1), utc(2026, 11, 2)) == 8


def test_a_window_containing_the_jump_has_its_real_length():
    calendar = BusinessCalendar(NEW_YORK, workdays=EVERY_DAY, start=time(0), end=time(6))
    # 00:00 EST -> 06:00 EDT is 5 real hours; 00:00 EDT -> 06:00 EST is 7.
    assert calendar.window_on(date(2026, 3, 8)) == (utc(2026, 3, 8, 5), utc(2026, 3, 8, 10))
    assert calendar.window_on(date(2026, 11, 1)) == (utc(2026, 11, 1, 4), utc(2026, 11, 1, 11))
    assert calendar.add(utc(2026, 3, 8, 5), 5) == utc(2026, 3, 8, 10)
    assert calendar.add(utc(2026, 3, 8, 5), 5.5) == utc(2026, 3, 9, 4, 30)
    assert calendar.elapsed(utc(2026, 11, 1), utc(2026, 11, 2)) == 7


def test_opening_inside_a_spring_forward_gap_opens_when_the_clocks_jump():
    calendar = BusinessCalendar(NEW_YORK, workdays=EVERY_DAY, start=time(2, 30), end=time(5))
    # 2026-03-08: 01:59:59 EST is followed by 03:00 EDT (07:00 UTC); 02:30 never happens.
    assert calendar.window_on(date(2026, 3, 8)) == (utc(2026, 3, 8, 7), utc(2026, 3, 8, 9))
    assert calendar.next_open(utc(2026, 3, 8, 6)) == utc(2026, 3, 8, 7)
    assert not calendar.is_open(utc(2026, 3, 8, 6, 59, 59))
    assert calendar.add(utc(2026, 3, 8, 6), 2) == utc(2026, 3, 8, 9)
    # The ordinary days around it are untouched: 02:30-05:00 EST / EDT.
    assert calendar.window_on(date(2026, 3, 7)) == (utc(2026, 3, 7, 7, 30), utc(2026, 3, 7, 10))
    assert calendar.window_on(date(2026, 3, 9)) == (utc(2026, 3, 9, 6, 30), utc(2026, 3, 9, 9))
    berlin = BusinessCalendar(BERLIN, workdays=EVERY_DAY, start=time(2, 30), end=time(4))
    # 2026-03-29: 02:00 CET (01:00 UTC) becomes 03:00 CEST.
    assert berlin.window_on(date(2026, 3, 29)) == (utc(2026, 3, 29, 1), utc(2026, 3, 29, 2))


def test_a_window_entirely_inside_a_gap_is_an_empty_day():
    for opening, closing in [(time(2), time(3)), (time(2, 15), time(2, 45))]:
        calendar = BusinessCalendar(NEW_YORK, workdays=EVERY_DAY, start=opening, end=closing)
        assert calendar.window_on(date(2026, 3, 8)) is None
        assert calendar.elapsed(utc(2026, 3, 8), utc(2026, 3, 9)) == 0
        next_day = local(NEW_YORK, 2026, 3, 9, opening.hour, opening.minute)
        assert calendar.next_open(utc(2026, 3, 8, 5)) == next_day


def test_times_in_a_fall_back_fold_mean_their_first_occurrence():
    calendar = BusinessCalendar(NEW_YORK, workdays=EVERY_DAY, start=time(1, 30), end=time(3))
    # 2026-11-01: 01:30 EDT (05:30 UTC) to 03:00 EST (08:00 UTC), 2.5 hours.
    assert calendar.window_on(date(2026, 11, 1)) == (utc(2026, 11, 1, 5, 30), utc(2026, 11, 1, 8))
    assert calendar.elapsed(utc(2026, 11, 1), utc(2026, 11, 1, 12)) == 2.5
    short = BusinessCalendar(NEW_YORK, workdays=EVERY_DAY, start=time(0, 30), end=time(1, 30))
    # Closes at the first 01:30 and does not reopen when the clock shows 01:00 again.
    assert short.window_on(date(2026, 11, 1)) == (utc(2026, 11, 1, 4, 30), utc(2026, 11, 1, 5, 30))
    assert short.is_open(local(NEW_YORK, 2026, 11, 1, 1, 15, fold=0))
    assert not short.is_open(local(NEW_YORK, 2026, 11, 1, 1, 15, fold=1))


def test_midnight_dst_changes_in_santiago():
    calendar = BusinessCalendar("America/Santiago", workdays=EVERY_DAY, end=time(8), start=time(0))
    # 2026-09-06: 00:00 never happens (clocks go from Sat 24:00 -04 to Sun 01:00 -03).
    assert calendar.window_on(date(2026, 9, 6)) == (utc(2026, 9, 6, 4), utc(2026, 9, 6, 11))
    # 2026-04-05: Saturday 23:00-24:00 happens twice; Sunday opens after the second one.
    assert calendar.window_on(date(2026, 4, 5)) == (utc(2026, 4, 5, 4), utc(2026, 4, 5, 12))


# -- Large spans -----------------------------------------------------------------------


def test_large_spans():
    monday = utc(2026, 1, 5, 9)
    # 500h = 62.5 eight-hour days = 12 weeks + Mon, Tue + 4h on Wed.
    assert DEFAULT.add(monday, 500) == utc(2026, 4, 1, 13)
    # 2,000h = 50 weeks exactly: the Friday closing of the 50th week.
    assert DEFAULT.add(monday, 2000) == utc(2026, 12, 18, 17)
    assert DEFAULT.elapsed(monday, utc(2026, 12, 18, 17)) == 2000


def test_large_spans_step_by_day_not_by_hour(monkeypatch):
    calls = []
    window_on = BusinessCalendar.window_on

    def counting(self, day):
        calls.append(day)
        return window_on(self, day)

    monkeypatch.setattr(BusinessCalendar, "window_on", counting)
    calendar = BusinessCalendar(NEW_YORK)
    deadline = calendar.add(local(NEW_YORK, 2026, 1, 5, 9), 2000)
    assert deadline == local(NEW_YORK, 2026, 12, 18, 17)
    # One look per calendar day walked (2026-01-05 .. 2026-12-18 is 348 days).
    assert len(calls) == 348


def test_large_spans_match_the_reference():
    rng = random.Random(500)
    for _ in range(25):
        start = random_start(rng)
        calendar = random_calendar(rng, start.date(), min_days=3, min_hours=4)
        hours = rng.choice([500.0, rng.uniform(300, 500)])
        expected = ref_add(calendar, start, hours)
        assert calendar.add(start, hours) == expected, (calendar, start, hours)
        assert calendar.elapsed(start, expected) == pytest.approx(hours, abs=1e-9)


# -- Property tests against the reference ----------------------------------------------


def test_add_matches_the_reference_on_random_calendars():
    rng = random.Random(20260308)
    for _ in range(300):
        start = random_start(rng)
        calendar = random_calendar(rng, start.date())
        weekly = len(calendar.workdays) * (calendar.end.hour - calendar.start.hour)
        hours = random_hours(rng, weekly)
        context = (calendar, start.isoformat(), hours)
        result = calendar.add(start, hours)
        assert result == ref_add(calendar, start, hours), context
        assert result.tzinfo is UTC
        assert calendar.is_open(start) == ref_is_open(calendar, start), context
        assert calendar.next_open(start) == ref_add(calendar, start, 0), context
        assert calendar.add(start, 0) == calendar.next_open(start), context
        # elapsed() is the inverse of add().
        assert calendar.elapsed(start, result) == pytest.approx(hours, abs=1e-9), context


def test_elapsed_matches_the_reference_on_random_calendars():
    rng = random.Random(20261101)
    for _ in range(200):
        start = random_start(rng)
        calendar = random_calendar(rng, start.date())
        end = start + timedelta(minutes=rng.randint(-600, 20 * 24 * 60), seconds=rng.random())
        expected = ref_elapsed(calendar, start, end) if end > start else 0.0
        context = (calendar, start.isoformat(), end.isoformat())
        assert calendar.elapsed(start, end) == pytest.approx(expected, abs=1e-9), context


def test_elapsed_is_additive_and_zero_for_empty_ranges():
    rng = random.Random(7)
    for _ in range(100):
        start = random_start(rng)
        calendar = random_calendar(rng, start.date())
        middle = start + timedelta(hours=rng.uniform(0, 200))
        end = middle + timedelta(hours=rng.uniform(0, 200))
        whole = calendar.elapsed(start, end)
        parts = calendar.elapsed(start, middle) + calendar.elapsed(middle, end)
        assert whole == pytest.approx(parts, abs=1e-9)
        assert calendar.elapsed(end, start) == 0.0
        assert calendar.elapsed(start, start) == 0.0


# -- Validation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"timezone": "Mars/Olympus"}, "unknown IANA timezone"),
        ({"timezone": ""}, "non-empty IANA name"),
        ({"timezone": "../etc/passwd"}, "unknown IANA timezone"),
        ({"timezone": "zone.tab"}, "unknown IANA timezone"),
        ({"timezone": None}, "non-empty IANA name"),
        ({"workdays": ()}, "at least one weekday"),
        ({"workdays": (7,)}, "0 \\(Monday\\) to 6 \\(Sunday\\)"),
        ({"workdays": (-1, 0)}, "0 \\(Monday\\) to 6 \\(Sunday\\)"),
        ({"workdays": (True,)}, "0 \\(Monday\\) to 6 \\(Sunday\\)"),
        ({"workdays": ("1",)}, "0 \\(Monday\\) to 6 \\(Sunday\\)"),
        ({"workdays": (1, 1)}, "distinct"),
        ({"workdays": "01234"}, "list of weekday numbers"),
        ({"workdays": 5}, "list of weekday numbers"),
        ({"start": time(17), "end": time(9)}, "overnight shifts are not supported"),
        ({"start": time(9), "end": time(9)}, "must be before end"),
        ({"start": "09:00"}, "start must be a time"),
        ({"end": time(17, tzinfo=UTC)}, "without a zone"),
        ({"holidays": frozenset({"2026-12-25"})}, "holidays must be dates"),
        ({"holidays": frozenset({datetime(2026, 12, 25)})}, "holidays must be dates"),
        ({"holidays": "2026-12-25"}, "collection of dates"),
    ],
)
def test_invalid_calendars_are_rejected(kwargs, message):
    with pytest.raises(ValueError, match=message):
        BusinessCalendar(**kwargs)


def test_calendars_are_normalised_and_hashable():
    calendar = BusinessCalendar(workdays=[4, 0, 2], holidays={date(2026, 1, 1)})
    assert calendar.workdays == (0, 2, 4)
    assert calendar.holidays == frozenset({date(2026, 1, 1)})
    same = BusinessCalendar(workdays=(2, 4, 0), holidays=[date(2026, 1, 1)])
    assert calendar == same
    assert hash(calendar) == hash(same)


def test_naive_datetimes_are_rejected():
    naive = datetime(2026, 1, 5, 10)
    aware = utc(2026, 1, 5, 10)
    with pytest.raises(ValueError, match="start must be timezone-aware"):
        DEFAULT.add(naive, 1)
    with pytest.raises(ValueError, match="start must be timezone-aware"):
        DEFAULT.elapsed(naive, aware)
    with pytest.raises(ValueError, match="end must be timezone-aware"):
        DEFAULT.elapsed(aware, naive)
    with pytest.raises(ValueError, match="moment must be timezone-aware"):
        DEFAULT.is_open(naive)
    with pytest.raises(ValueError, match="moment must be timezone-aware"):
        DEFAULT.next_open(naive)


def test_non_datetimes_are_rejected():
    with pytest.raises(TypeError, match="start must be a datetime"):
        DEFAULT.add(date(2026, 1, 5), 1)
    with pytest.raises(TypeError, match="moment must be a datetime"):
        DEFAULT.is_open("2026-01-05T10:00:00Z")


@pytest.mark.parametrize("hours", [-1, -0.001, float("nan"), float("inf")])
def test_bad_hours_are_rejected(hours):
    with pytest.raises(ValueError, match="finite number >= 0"):
        DEFAULT.add(utc(2026, 1, 5, 10), hours)


@pytest.mark.parametrize("hours", ["2", None, True])
def test_hours_must_be_a_number(hours):
    with pytest.raises(TypeError, match="hours must be a number"):
        DEFAULT.add(utc(2026, 1, 5, 10), hours)


# -- Loop guards -------------------------------------------------------------------------------


def test_a_calendar_without_business_time_fails_clearly(monkeypatch):
    # Validation makes this impossible for real calendars; force it to test the guard.
    monkeypatch.setattr(BusinessCalendar, "window_on", lambda self, day: None)
    with pytest.raises(ValueError, match="has no business time after"):
        DEFAULT.next_open(utc(2026, 1, 5))
    with pytest.raises(ValueError, match="has no business time after"):
        DEFAULT.add(utc(2026, 1, 5), 1)


def test_absurd_spans_fail_instead_of_looping():
    thin = BusinessCalendar(workdays=(0,), start=time(9), end=time(10))  # 1h a week
    with pytest.raises(ValueError, match="exceeds 36600 calendar days"):
        thin.add(utc(2026, 1, 5), 10_000)
    with pytest.raises(ValueError, match="exceeds 36600 calendar days"):
        DEFAULT.elapsed(utc(2026, 1, 5), utc(2226, 1, 5))
    with pytest.raises(ValueError, match="hours must be at most"):
        DEFAULT.add(utc(2026, 1, 5), MAX_SPAN_DAYS * 24 + 1)
    with pytest.raises(ValueError, match="past year 9999"):
        DEFAULT.add(utc(9999, 12, 30, 9), 100)


def test_module_exports():
    assert set(business_hours.__all__) == {"DEFAULT", "MAX_SPAN_DAYS", "BusinessCalendar"}


# -- JSON storage --------------------------------------------------------------------------


def test_to_dict_and_from_dict_round_trip():
    data = {
        "timezone": BERLIN,
        "workdays": [0, 1, 2, 3, 4],
        "start": "08:30",
        "end": "17:00",
        "holidays": ["2026-12-24", "2026-12-25"],
    }
    calendar = BusinessCalendar.from_dict(data)
    assert calendar == BusinessCalendar(
        BERLIN,
        start=time(8, 30),
        holidays=frozenset({date(2026, 12, 24), date(2026, 12, 25)}),
    )
    assert calendar.to_dict() == data
    assert BusinessCalendar.from_dict(json.loads(json.dumps(calendar.to_dict()))) == calendar


def test_round_trip_keeps_seconds_and_sorts():
    calendar = BusinessCalendar(
        "Asia/Kolkata",
        workdays=(5, 6, 0),
        start=time(7, 15, 30),
        end=time(19, 45),
        holidays=frozenset({date(2027, 1, 26), date(2026, 8, 15)}),
    )
    data = calendar.to_dict()
    assert data == {
        "timezone": "Asia/Kolkata",
        "workdays": [0, 5, 6],
        "start": "07:15:30",
        "end": "19:45",
        "holidays": ["2026-08-15", "2027-01-26"],
    }
    assert BusinessCalendar.from_dict(data) == calendar


def test_from_dict_defaults_missing_keys():
    assert BusinessCalendar.from_dict({}) == DEFAULT
    assert DEFAULT.to_dict() == {
        "timezone": "UTC",
        "workdays": [0, 1, 2, 3, 4],
        "start": "09:00",
        "end": "17:00",
        "holidays": [],
    }
    berlin = BusinessCalendar.from_dict({"timezone": BERLIN, "end": "18:00"})
    assert berlin == BusinessCalendar(BERLIN, end=time(18))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (["UTC"], "must be an object"),
        ({"workday": [0]}, "unknown business calendar keys: workday"),
        ({"timezone": "Nowhere/Special"}, "unknown IANA timezone"),
        ({"workdays": "0,1,2"}, "list of weekday numbers"),
        ({"workdays": [0, 9]}, "0 \\(Monday\\) to 6 \\(Sunday\\)"),
        ({"start": "9am"}, "start must be a 'HH:MM' string"),
        ({"end": 17}, "end must be a 'HH:MM' string"),
        ({"start": "18:00"}, "must be before end"),
        ({"holidays": "2026-12-25"}, "list of 'YYYY-MM-DD' strings"),
        ({"holidays": ["2026-13-01"]}, "'YYYY-MM-DD' strings, got '2026-13-01'"),
        ({"holidays": [20261225]}, "'YYYY-MM-DD' strings"),
    ],
)
def test_from_dict_rejects_bad_data(data, message):
    with pytest.raises(ValueError, match=message):
        BusinessCalendar.from_dict(data)
