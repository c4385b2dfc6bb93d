"""Reads of the transcription app."""

import datetime as dt


def transcription_minutes_by_month(
    *, institution, months: int = 6
) -> dict[dt.date, float]:
    """Minutes of audio transcribed per calendar month (first day of month -> minutes),
    for the institution's usage panel. Months without activity may be absent."""
    return {}
