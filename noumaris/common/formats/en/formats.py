"""Django's own rendering of dates (the admin's lists and read-only fields, `|date`
without a format) in the product's one format per kind (`noumaris.common.when`)."""

from noumaris.common.when import DATE, DATE_TIME

DATE_FORMAT = SHORT_DATE_FORMAT = DATE
DATETIME_FORMAT = SHORT_DATETIME_FORMAT = DATE_TIME
