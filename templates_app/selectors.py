"""Reads of the templates and notes app."""

import datetime as dt


def notes_by_month(*, institution, months: int = 6) -> dict[dt.date, int]:
    """Clinical notes created per calendar month (first day of month -> count), for the
    institution's usage panel. Months without activity may be absent."""
    return {}
