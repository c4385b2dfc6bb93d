"""The API's JSON renderer writes what DRF's own renderer writes, faster."""

import datetime as dt
import decimal
import json
import uuid
from zoneinfo import ZoneInfo

import pytest
from django.utils.translation import gettext_lazy
from rest_framework.exceptions import ErrorDetail
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.serializer_helpers import ReturnDict, ReturnList

from noumaris.renderers import FastJSONRenderer

UTC = dt.UTC
VALUES = [
    None,
    True,
    0,
    -(2**63),
    2**63 - 1,
    2**64,  # beyond orjson's integers: DRF's renderer answers
    0.1,
    1e16,
    "",
    "plain",
    'quote " backslash \\ slash /',
    "é ü 漢字 🩺",
    "control \x00 \x01 \x1f \t \n",
    "line\u2028separators\u2029",
    gettext_lazy("Not found."),
    ErrorDetail("This field is required.", code="required"),
    dt.datetime(2026, 11, 27, 8, 51, 46, 123456, tzinfo=UTC),
    dt.datetime(2026, 11, 27, 8, 51, 46, tzinfo=UTC),
    dt.datetime(2026, 1, 27, 8, 51, 46, tzinfo=ZoneInfo("Europe/London")),
    dt.datetime(2026, 7, 27, 8, 51, 46, 120, tzinfo=ZoneInfo("America/Toronto")),
    dt.datetime(2026, 7, 27, 8, 51, 46, tzinfo=dt.timezone(dt.timedelta(hours=5.5))),
    dt.datetime(2026, 7, 27, 8, 51, 46),  # noqa: DTZ001 - naive on purpose
    dt.date(2026, 1, 2),
    dt.time(1, 2, 3, 4),
    dt.timedelta(minutes=90),
    decimal.Decimal("1.50"),
    uuid.UUID(int=5),
    b"bytes",
    {1: "int key", "b": [1, 2, {"c": None}]},
    ReturnDict({"id": 1, "user": {"id": 2}}, serializer=None),
    ReturnList([{"id": 1}, {"id": 2}], serializer=None),
    (1, "tuple"),
    {"count": 2, "next": "http://testserver/api/v1/x?page=2", "results": [{}, []]},
]


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_it_writes_the_bytes_drf_writes(value):
    for wrapped in (value, {"detail": value}, [value, value]):
        assert FastJSONRenderer().render(wrapped) == JSONRenderer().render(wrapped)


def test_a_float_in_exponent_form_reads_back_the_same():
    """orjson writes `1e-7` where the standard library writes `1e-07`: the same number."""
    data = {"small": -2.5e-7, "large": 1.5e300, "plain": 12.75}
    ours = FastJSONRenderer().render(data)
    assert json.loads(ours) == json.loads(JSONRenderer().render(data)) == data


def test_an_indented_rendering_is_drfs():
    data = {"a": [1, {"b": dt.datetime(2026, 1, 1, tzinfo=UTC)}]}
    for accepted in ("application/json; indent=4", "application/json; indent=2"):
        ours = FastJSONRenderer().render(data, accepted, {})
        assert ours == JSONRenderer().render(data, accepted, {})
        assert b"\n" in ours


def test_nothing_renders_as_no_body():
    assert FastJSONRenderer().render(None) == b""


def test_the_api_answers_through_it(client, admin, resident):
    client.force_login(admin)
    response = client.get("/api/v1/admin/institution/residents")
    assert response.status_code == 200
    assert isinstance(response.accepted_renderer, FastJSONRenderer)
    assert response.content == JSONRenderer().render(response.data)
    assert response["Content-Type"] == "application/json"
    error = client.get("/api/v1/admin/institution/residents/999999")
    assert error.status_code == 404
    assert error.content == b'{"detail":"Resident not found."}'
