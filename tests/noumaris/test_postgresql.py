"""The PostgreSQL engine reads timestamps with psycopg's C loader, the same values as
Django's own loader, and only where the session's zone makes the two agree."""

import datetime as dt

import pytest
from django.db import connection, connections
from django.db.backends.postgresql.base import TIMESTAMPTZ_OID as TIMESTAMPTZ
from django.db.backends.postgresql.psycopg_any import BaseTzLoader
from psycopg.pq import Format

from accounts.models import User
from noumaris.postgresql.base import UTCTimestamptzLoader

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

LITERALS = [
    "2026-11-27 08:51:46.123456+00",
    "2026-11-27 08:51:46+00",
    "2026-01-01 10:00:00.5-05",
    "2026-07-01 23:59:59.999999+05:30",
    "1999-12-31 23:00:00-11",
    "0001-01-01 00:00:00+00",
    "9999-12-31 23:59:59+00",
]


def _wrapper(settings_dict):
    """A second wrapper of the default database with other settings (not connected)."""
    return type(connections["default"])(settings_dict, alias="default")


def _loaded(literals):
    sql = "SELECT " + ", ".join("%s::timestamptz" for _ in literals)
    with connection.cursor() as cursor:
        cursor.execute(sql, literals)
        return cursor.fetchone(), cursor.cursor


def test_the_session_reads_timestamps_with_psycopgs_loader():
    values, cursor = _loaded(LITERALS)
    assert cursor.adapters.get_loader(TIMESTAMPTZ, Format.TEXT) is UTCTimestamptzLoader
    assert connection.connection.info.parameter_status("TimeZone") == "UTC"
    for literal, value in zip(LITERALS, values, strict=True):
        assert value.tzinfo is dt.UTC, literal
    # what Django's own loader makes of the same text
    django_loader = type("Loader", (BaseTzLoader,), {"timezone": dt.UTC})
    loader = django_loader(TIMESTAMPTZ, connection.connection)
    assert list(values) == [loader.load(text.encode()) for text in LITERALS]
    assert values[2] == dt.datetime(2026, 1, 1, 15, 0, 0, 500000, tzinfo=dt.UTC)


def test_models_load_aware_utc_datetimes():
    user = User.objects.create(username="tz-check")
    joined = User.objects.get(pk=user.pk).date_joined
    assert joined == user.date_joined
    assert joined.tzinfo is dt.UTC


@pytest.mark.parametrize(
    "change", [{"TIME_ZONE": "America/Toronto"}], ids=["a database TIME_ZONE"]
)
def test_another_zone_keeps_djangos_loader(change):
    """Where the session would not be in UTC, Django's loader stays: it converts."""
    other = _wrapper(
        {**connection.settings_dict, **change},
    )
    context = other.get_connection_params()["context"]
    loader = context.get_loader(TIMESTAMPTZ, Format.TEXT)
    assert loader is not UTCTimestamptzLoader
    assert issubclass(loader, BaseTzLoader)
    assert (
        connection.get_connection_params()["context"].get_loader(
            TIMESTAMPTZ, Format.TEXT
        )
        is UTCTimestamptzLoader
    )


def test_without_use_tz_djangos_loader_stays(settings):
    settings.USE_TZ = False
    other = _wrapper(
        dict(connection.settings_dict),
    )
    loader = other.get_connection_params()["context"].get_loader(
        TIMESTAMPTZ, Format.TEXT
    )
    assert issubclass(loader, BaseTzLoader)
    assert loader.timezone is None  # naive datetimes, as Django wants without USE_TZ


def test_a_query_run_again_is_prepared_on_the_server(django_user_model):
    """Parameters bound by the server, and a query's plan kept once it has run
    `prepare_threshold` times on the connection."""
    threshold = connection.settings_dict["OPTIONS"]["prepare_threshold"]
    assert threshold
    for n in range(threshold + 1):
        django_user_model.objects.filter(username=f"nobody-{n}").exists()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements "
            "WHERE statement LIKE %s AND statement LIKE %s",
            ["%accounts_user%", "%username%"],
        )
        assert cursor.fetchone()[0] == 1
