"""How a person reads a time: one format per kind, in one zone, the zone named.

A date reads "6 Dec 2026"; a date and time "6 Dec 2026, 15:02 EST". Pages show
them in the viewer's zone (the institution's, which `ViewerMiddleware` activates);
exports, e-mails and prints pass the zone they are for. The API answers ISO 8601
with offsets and uses none of this. In templates the filters `when` and `day` are
built in (TEMPLATES' `builtins`), so no page writes a format of its own.
"""

import datetime as dt
import zoneinfo

from django import template
from django.utils import dateformat, timezone

DATE = "j M Y"
DATE_TIME = "j M Y, H:i T"

register = template.Library()


def zone_named(name: str | None) -> dt.tzinfo:
    """The IANA zone `name`, or UTC when it is empty or unknown."""
    try:
        return zoneinfo.ZoneInfo(name) if name else dt.UTC
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def when(value: dt.datetime | None, zone: dt.tzinfo | None = None) -> str:
    """A date and time in `zone` (default: the active zone), its zone named."""
    if value is None:
        return ""
    return dateformat.format(timezone.localtime(value, zone), DATE_TIME)


def day(value: dt.date | dt.datetime | None, zone: dt.tzinfo | None = None) -> str:
    """A date; a datetime is first put in `zone` (default: the active zone)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value, zone)
    return dateformat.format(value, DATE)


@register.filter(name="when")
def when_filter(value) -> str:
    return when(value) if isinstance(value, dt.datetime) else ""


@register.filter(name="day")
def day_filter(value) -> str:
    return day(value) if isinstance(value, dt.date) else ""
