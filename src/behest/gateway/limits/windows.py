"""Calendar budget windows (day, month) in an IANA time zone, cached per zone.

Converting a timestamp to a local date costs microseconds, so each ``Calendar`` keeps
the current day and month windows and recomputes only when ``now`` leaves them.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo


class Window:
    """A half-open interval ``[start, end)`` of epoch seconds with a stable id."""

    __slots__ = ("end", "id", "start")

    def __init__(self, window_id: str, start: float, end: float) -> None:
        self.id = window_id
        self.start = start
        self.end = end


def _midnight(day: date, zone: ZoneInfo) -> float:
    return datetime(day.year, day.month, day.day, tzinfo=zone).timestamp()


def _next_month(day: date) -> date:
    return date(day.year + 1, 1, 1) if day.month == 12 else date(day.year, day.month + 1, 1)


class Calendar:
    __slots__ = ("_day", "_month", "zone")

    def __init__(self, zone_name: str) -> None:
        self.zone = ZoneInfo(zone_name)
        self._day = Window("", 0.0, 0.0)
        self._month = Window("", 0.0, 0.0)

    def day(self, now: float) -> Window:
        window = self._day
        if not window.start <= now < window.end:
            today = datetime.fromtimestamp(now, self.zone).date()
            start = _midnight(today, self.zone)
            end = _midnight(today + timedelta(days=1), self.zone)
            window = self._day = Window(f"d{today:%Y%m%d}", start, end)
        return window

    def month(self, now: float) -> Window:
        window = self._month
        if not window.start <= now < window.end:
            first = datetime.fromtimestamp(now, self.zone).date().replace(day=1)
            start = _midnight(first, self.zone)
            end = _midnight(_next_month(first), self.zone)
            window = self._month = Window(f"m{first:%Y%m}", start, end)
        return window


_CALENDARS: dict[str, Calendar] = {}


def calendar(zone_name: str) -> Calendar:
    """The shared calendar of a zone (zone names are validated by the policy)."""
    found = _CALENDARS.get(zone_name)
    if found is None:
        found = _CALENDARS[zone_name] = Calendar(zone_name)
    return found
