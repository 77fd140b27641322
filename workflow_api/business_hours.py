"""Business-hours arithmetic for SLA deadlines.

An SLA such as "first response within 8 business hours" only counts time while the help
desk is open. A :class:`BusinessCalendar` says when that is (a time zone, the working
weekdays, one opening and one closing wall-clock time, and holiday dates), and answers:

* :meth:`BusinessCalendar.add`: the deadline reached after N business hours;
* :meth:`BusinessCalendar.elapsed`: the business hours between two instants;
* :meth:`BusinessCalendar.is_open` / :meth:`BusinessCalendar.next_open`.

The module is pure (no database, no Flask) so it can be used by routes, workers and the
scheduler alike, and stored as JSON through :meth:`~BusinessCalendar.to_dict` /
:meth:`~BusinessCalendar.from_dict`.

Rules (shared by every method, so that they agree with one another):

* **One window per business day.** A business day is a listed weekday that is not a
  holiday. Its window is the half-open interval ``[opening, closing)``: the calendar is
  open *at* the opening instant and closed *at* the closing instant. Overnight shifts
  (closing before opening, e.g. 22:00-06:00) are not supported: ``start`` must be
  before ``end`` on the same day.
* **Wall clock, not elapsed clock.** Opening and closing are local wall-clock times in the
  calendar's time zone, so a 09:00-17:00 day is 8 hours even on a DST-change day.
* **DST edge cases.** The opening (and likewise the closing) instant is *the first instant
  at which the local clock shows that time or later*. Concretely:

  - a time that occurs twice (fall-back fold) means its first occurrence (``fold=0``);
  - a time that never occurs (spring-forward gap) means the moment the clocks jump,
    e.g. a 02:30 opening in New York on 2026-03-08 opens at 03:00 EDT.

  This mapping never runs backwards, so a window can only shrink (possibly to nothing,
  e.g. 02:00-03:00 on a spring-forward day: that day has no business time), never invert.
* **Deadlines.** ``add(start, 0)`` is ``next_open(start)``: ``start`` itself when the
  calendar is open then, otherwise the next opening. A deadline that uses up a window
  exactly lands on its closing instant (Mon 09:00 + 8 h = Mon 17:00, not Tue 09:00).
  Hence ``elapsed(s, add(s, h)) == h`` for every ``h >= 0`` (up to microsecond rounding).
* **Results are aware datetimes in UTC**; inputs may be in any time zone but must be aware.

Cost: the methods walk the calendar one day at a time (never hour by hour), consuming a
whole window per step and skipping closed days with a weekday/holiday lookup, so 2,000
business hours take about 350 steps. Whole weeks are deliberately not skipped by
multiplication: zoneinfo does not expose its DST transitions, so only looking at each
day proves that a week has no transition inside a window; the per-day windows are cached
instead. Spans longer than :data:`MAX_SPAN_DAYS`
calendar days are rejected rather than looped over.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["DEFAULT", "MAX_SPAN_DAYS", "BusinessCalendar"]

#: How many calendar days one call may walk (about a century). SLA spans are days or
#: weeks; anything near this is a bug upstream, and an error beats a very long loop.
MAX_SPAN_DAYS = 36_600

# After the last holiday any 7 consecutive days contain a working weekday, and only a
# rare DST-gap day can be empty, so two idle weeks past the last holiday mean the
# calendar has no business time at all (which validation should make impossible).
_MAX_IDLE_DAYS = 14

_ONE_DAY = timedelta(days=1)
_ONE_HOUR = timedelta(hours=1)
_RESOLUTION = timedelta(microseconds=1)
_DICT_KEYS = frozenset({"timezone", "workdays", "start", "end", "holidays"})

Window = tuple[datetime, datetime]


@dataclass(frozen=True)
class BusinessCalendar:
    """When the help desk is open; see the module docstring for the exact rules.

    ``workdays`` uses ``date.weekday()`` numbering (Monday=0 ... Sunday=6). Lists and sets
    are accepted and normalised to a sorted tuple / a frozenset, so equal calendars
    compare (and hash) equal however they were built.
    """

    timezone: str = "UTC"
    workdays: tuple[int, ...] = (0, 1, 2, 3, 4)
    start: time = time(9)
    end: time = time(17)
    holidays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        _check_timezone(self.timezone)
        # Frozen dataclass: normalising the stored values needs object.__setattr__.
        object.__setattr__(self, "workdays", _checked_workdays(self.workdays))
        object.__setattr__(self, "holidays", _checked_holidays(self.holidays))
        _check_opening_hours(self.start, self.end)

    # -- JSON storage ---------------------------------------------------------------------

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BusinessCalendar:
        """Build a calendar from its JSON form; missing keys take the defaults.

        ``{"timezone": "Europe/Berlin", "workdays": [0, 1, 2, 3, 4], "start": "09:00",
        "end": "17:00", "holidays": ["2026-12-25"]}``. Unknown keys are rejected so that a
        typo (``"workday"``) fails loudly instead of silently using the default.
        """
        if not isinstance(data, Mapping):
            raise ValueError(f"business calendar must be an object, got {type(data).__name__}")
        unknown = sorted(set(data) - _DICT_KEYS)
        if unknown:
            raise ValueError(f"unknown business calendar keys: {', '.join(map(str, unknown))}")
        kwargs: dict[str, Any] = {}
        if "timezone" in data:
            kwargs["timezone"] = data["timezone"]
        if "workdays" in data:
            kwargs["workdays"] = _parse_workdays(data["workdays"])
        for key in ("start", "end"):
            if key in data:
                kwargs[key] = _parse_time(key, data[key])
        if "holidays" in data:
            kwargs["holidays"] = _parse_holidays(data["holidays"])
        return cls(**kwargs)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form read by :meth:`from_dict` (holidays sorted, times as ``HH:MM``)."""
        return {
            "timezone": self.timezone,
            "workdays": list(self.workdays),
            "start": _format_time(self.start),
            "end": _format_time(self.end),
            "holidays": [day.isoformat() for day in sorted(self.holidays)],
        }

    # -- Queries ---------------------------------------------------------------------------

    def is_open(self, moment: datetime) -> bool:
        """Whether ``moment`` falls inside a business window (opening in, closing out)."""
        instant = _as_utc(moment, "moment")
        opening, _closing = next(self._windows_from(instant))
        return opening <= instant

    def next_open(self, moment: datetime) -> datetime:
        """The first open instant at or after ``moment`` (``moment`` itself if open), in UTC."""
        instant = _as_utc(moment, "moment")
        opening, _closing = next(self._windows_from(instant))
        return max(opening, instant)

    def add(self, start: datetime, hours: float) -> datetime:
        """The instant (UTC) reached after ``hours`` business hours counted from ``start``.

        Counting begins at ``next_open(start)``; ``hours == 0`` returns exactly that. A
        deadline that ends a window exactly is the closing instant (see the module
        docstring). ``hours`` is rounded to the microsecond.
        """
        cursor = _as_utc(start, "start")
        remaining = _as_duration(hours)
        for opening, closing in self._windows_from(cursor):
            cursor = max(cursor, opening)
            available = closing - cursor
            if remaining <= available:
                return cursor + remaining
            remaining -= available
        raise AssertionError("unreachable: _windows_from never ends")  # pragma: no cover

    def elapsed(self, start: datetime, end: datetime) -> float:
        """Business hours between ``start`` and ``end`` (0.0 when ``end <= start``)."""
        begin = _as_utc(start, "start")
        finish = _as_utc(end, "end")
        if finish <= begin:
            return 0.0
        total = timedelta()
        for opening, closing in self._windows_from(begin):
            if opening >= finish:
                break
            total += min(closing, finish) - max(opening, begin)
        return total / _ONE_HOUR

    # -- Windows ---------------------------------------------------------------------------

    def window_on(self, day: date) -> Window | None:
        """The ``(opening, closing)`` UTC instants of local date ``day``, or None if closed.

        None for weekends, holidays, and the rare day whose window a DST gap swallows.
        """
        if day.weekday() not in self.workdays or day in self.holidays:
            return None
        return _local_window(self.timezone, day, self.start, self.end)

    def _windows_from(self, instant: datetime) -> Iterator[Window]:
        """The business windows that close after ``instant``, in order; endless.

        Starting at the local date of ``instant`` is enough: a window of an earlier date
        closes when the clock first shows that earlier date's closing time, which is no
        later than ``instant`` (whose own wall-clock reading is on a later date).

        Raises ValueError when no business time turns up (see ``_MAX_IDLE_DAYS``) or the
        walk exceeds ``MAX_SPAN_DAYS``, so no caller can loop forever.
        """
        day = instant.astimezone(ZoneInfo(self.timezone)).date()
        last_holiday = max(self.holidays, default=day)
        idle_days = 0
        for _ in range(MAX_SPAN_DAYS):
            try:
                window = self.window_on(day)
                next_day = day + _ONE_DAY
            except OverflowError:
                raise ValueError("business-hours arithmetic ran past year 9999") from None
            if window is not None and window[1] > instant:
                idle_days = 0
                yield window
            elif day > last_holiday:  # holidays may close the desk for any length of time
                idle_days += 1
                if idle_days > _MAX_IDLE_DAYS:
                    raise ValueError(
                        f"business calendar ({self.timezone}, workdays {list(self.workdays)}, "
                        f"{_format_time(self.start)}-{_format_time(self.end)}) "
                        f"has no business time after {day}"
                    )
            day = next_day
        raise ValueError(
            f"business-hours span exceeds {MAX_SPAN_DAYS} calendar days from {instant}"
        )


# -- Local time -------------------------------------------------------------------------


@lru_cache(maxsize=8192)
def _local_window(timezone: str, day: date, start: time, end: time) -> Window | None:
    """The UTC instants of ``start`` and ``end`` on ``day``; None if a DST gap empties it.

    Cached because localising is the only costly step and SLA checks keep asking about
    the same few weeks; the key is all the input, so a hit is always correct.
    """
    tz = ZoneInfo(timezone)
    opening = _first_instant_showing(datetime.combine(day, start), tz)
    closing = _first_instant_showing(datetime.combine(day, end), tz)
    if closing <= opening:
        return None
    return opening, closing


def _wall(instant: datetime, tz: ZoneInfo) -> datetime:
    """The naive local wall-clock reading of ``instant`` in ``tz``."""
    return instant.astimezone(tz).replace(tzinfo=None)


def _first_instant_showing(wall: datetime, tz: ZoneInfo) -> datetime:
    """The first instant (UTC) at which the clock in ``tz`` shows ``wall`` or later.

    An ordinary wall time occurs once; ``fold=0`` picks the first occurrence of a folded
    (repeated) one. A wall time inside a spring-forward gap never occurs: then ``fold=0``
    yields an instant after the jump and ``fold=1`` one before it, and the jump itself is
    found by bisection. zoneinfo does not expose its transitions, and this runs only on
    the rare gap day, so ~35 bisection steps cost nothing that matters.
    """
    after = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if _wall(after, tz) == wall:
        return after
    before = wall.replace(tzinfo=tz, fold=1).astimezone(UTC)
    if not (before < after and _wall(before, tz) < wall <= _wall(after, tz)):
        return after  # pragma: no cover - not a simple gap; keep the fold=0 reading
    # Invariant: the clock shows less than `wall` at `before`, at least `wall` at `after`.
    while after - before > _RESOLUTION:
        middle = before + (after - before) // 2
        if _wall(middle, tz) >= wall:
            after = middle
        else:
            before = middle
    return after


def _as_utc(moment: datetime, name: str) -> datetime:
    if not isinstance(moment, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(moment).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {moment.isoformat()}")
    return moment.astimezone(UTC)


def _as_duration(hours: float) -> timedelta:
    if isinstance(hours, bool) or not isinstance(hours, numbers.Real):
        raise TypeError(f"hours must be a number, got {type(hours).__name__}")
    value = float(hours)
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"hours must be a finite number >= 0, got {hours!r}")
    if value > MAX_SPAN_DAYS * 24:
        raise ValueError(f"hours must be at most {MAX_SPAN_DAYS * 24}, got {hours!r}")
    return timedelta(hours=value)


# -- Validation -------------------------------------------------------------------------


def _check_timezone(key: object) -> None:
    if not isinstance(key, str) or not key:
        raise ValueError(f"timezone must be a non-empty IANA name, got {key!r}")
    try:
        ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(f"unknown IANA timezone: {key!r}") from None


def _checked_workdays(workdays: object) -> tuple[int, ...]:
    if isinstance(workdays, str | bytes) or not isinstance(workdays, Iterable):
        raise ValueError(f"workdays must be a list of weekday numbers, got {workdays!r}")
    days = tuple(workdays)
    for day in days:
        if isinstance(day, bool) or not isinstance(day, int) or not 0 <= day <= 6:
            raise ValueError(f"workdays must be integers 0 (Monday) to 6 (Sunday), got {day!r}")
    if len(set(days)) != len(days):
        raise ValueError(f"workdays must be distinct, got {list(days)}")
    if not days:
        raise ValueError("workdays must name at least one weekday")
    return tuple(sorted(days))


def _checked_holidays(holidays: object) -> frozenset[date]:
    if isinstance(holidays, str | bytes) or not isinstance(holidays, Iterable):
        raise ValueError(f"holidays must be a collection of dates, got {holidays!r}")
    days = frozenset(holidays)
    for day in days:
        # datetime is a date subclass, but "a holiday at 14:00" means nothing here.
        if isinstance(day, datetime) or not isinstance(day, date):
            raise ValueError(f"holidays must be dates, got {day!r}")
    return days


def _check_opening_hours(start: object, end: object) -> None:
    for name, value in (("start", start), ("end", end)):
        if not isinstance(value, time):
            raise ValueError(f"{name} must be a time, got {value!r}")
        if value.tzinfo is not None:
            raise ValueError(f"{name} must be a local wall-clock time without a zone: {value}")
    if not start < end:
        raise ValueError(
            f"start ({start}) must be before end ({end}); overnight shifts are not supported"
        )


# -- JSON parsing -----------------------------------------------------------------------


def _parse_workdays(value: object) -> tuple[int, ...]:
    if not isinstance(value, list | tuple):
        raise ValueError(f"workdays must be a list of weekday numbers, got {value!r}")
    return tuple(value)


def _parse_time(name: str, value: object) -> time:
    if isinstance(value, time):
        return value
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a 'HH:MM' string, got {value!r}")
    try:
        return time.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{name} must be a 'HH:MM' string, got {value!r}") from None


def _parse_holidays(value: object) -> frozenset[date]:
    if not isinstance(value, list | tuple):
        raise ValueError(f"holidays must be a list of 'YYYY-MM-DD' strings, got {value!r}")
    days = set()
    for item in value:
        if isinstance(item, date) and not isinstance(item, datetime):
            days.add(item)
            continue
        try:
            days.add(date.fromisoformat(item))
        except (TypeError, ValueError):
            raise ValueError(f"holidays must be 'YYYY-MM-DD' strings, got {item!r}") from None
    return frozenset(days)


def _format_time(value: time) -> str:
    if value.second or value.microsecond:
        return value.isoformat()
    return value.isoformat(timespec="minutes")


# Built last: __post_init__ needs the validation helpers above.
DEFAULT = BusinessCalendar()
"""Monday to Friday, 09:00-17:00 UTC, no holidays."""
