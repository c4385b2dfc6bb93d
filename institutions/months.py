"""Calendar months in an institution's time zone: the one window of every usage figure.

A coordinator in Honolulu reads "this month" as Honolulu's month, so minutes, notes
and the usage panel all count by `month_window`, never by UTC's calendar.
"""

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.utils import timezone

from institutions.models import Institution


@dataclass(frozen=True)
class MonthWindow:
    zone: ZoneInfo
    starts: tuple[dt.date, ...]  # first day of each month, oldest first, this one last

    @property
    def since(self) -> dt.datetime:
        """The first instant of the oldest month, in the institution's time zone."""
        return dt.datetime.combine(self.starts[0], dt.time(), tzinfo=self.zone)


def month_window(*, institution: Institution, months: int = 6) -> MonthWindow:
    """The last `months` calendar months (this one included) where the institution is."""
    try:
        zone = ZoneInfo(institution.timezone)
    except (KeyError, ValueError):
        zone = ZoneInfo("UTC")
    today = timezone.now().astimezone(zone).date()
    year, month = today.year, today.month
    starts = []
    for _ in range(months):
        starts.append(dt.date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return MonthWindow(zone=zone, starts=tuple(reversed(starts)))


def month_of(value: dt.datetime | dt.date) -> dt.date:
    """A `TruncMonth(..., tzinfo=window.zone)` value as the month's first day."""
    return value.date() if isinstance(value, dt.datetime) else value
