"""Who may call what: every route under /api/v1/, as anonymous and each demo user.

The table lives in `tests/api/matrix/<app>.py`, one module per app, each exporting
`ROWS` (a list of `tests.api.matrix.Row`). This module enumerates the URL resolver, so
a new route without a row fails `test_every_api_route_has_a_row`.

Adding rows for a new route (transcription, notes, ...):

1. Create (or extend) `tests/api/matrix/<your app>.py`:

       from tests.api.matrix import Row

       ROWS = [
           Row(
               route="GET transcription/sessions/<id:pk>",   # as the resolver spells it
               label="resident's own session",
               url=lambda c: f"/api/v1/transcription/sessions/{session_of(c.resident).pk}",
               expect={"anonymous": 401, "resident": 200, "*": 404},
           ),
           Row(
               route="GET transcription/sessions/<id:pk>",
               label="Riverside's session",
               url=lambda c: f"/api/v1/transcription/sessions/{session_of(c.riverside_resident).pk}",
               expect={"anonymous": 401, "riverside_resident": 200, "*": 404},
           ),
       ]

   `c` is a `Cast`: `c.<name>` is the pytest fixture of that name (the standing cast
   of tests/conftest.py: `superadmin`, `admin`, `admin2`, `attending`, `resident`,
   `resident2`, `riverside_admin`, `riverside_resident`, `physician`, `demo_hospital`,
   `riverside`), and `url`/`data` may create more rows with factories. `expect`
   must cover every user of `USERS` (name them, or use "*" for the rest).
2. A route with objects has at least one row on each institution's object, so the
   cross-tenant 404 is in the table.
3. Run `pytest tests/api/test_authorization_matrix.py`.

Each user's request runs inside a savepoint that is rolled back, so every user meets the
same data (a POST by one does not turn the next one's 201 into a 409).
"""

import json

import pytest
from django.db import transaction
from django.test.client import MULTIPART_CONTENT, encode_multipart
from rest_framework.test import APIClient

from tests.api.matrix import (
    FORMER,
    RECORD_ROUTES,
    USERS,
    Cast,
    api_routes,
    collect_rows,
)

ROWS = collect_rows()


def test_every_api_route_has_a_row():
    routes = api_routes()
    covered = {row.route for row in ROWS}
    assert sorted(routes - covered) == [], "routes without a row in tests/api/matrix/"
    assert sorted(covered - routes) == [], "rows naming a route that does not exist"


def test_every_route_on_a_record_is_tried_by_its_former_resident():
    routes = {
        route
        for route in api_routes()
        if route.split(" ", 1)[1].startswith(RECORD_ROUTES)
    }
    tried = {
        row.route
        for row in ROWS
        if row.label.startswith(FORMER) and row.status_for("former_resident") == 403
    }
    assert sorted(routes - tried) == [], "routes without a former resident's 403 row"


def test_every_row_says_what_each_demo_user_gets():
    for row in ROWS:
        missing = [user for user in USERS if not row.status_for(user)]
        assert missing == [], f"{row.id}: no status for {missing}"
        unknown = set(row.expect) - set(USERS) - {"*"}
        assert not unknown, f"{row.id}: unknown users {unknown}"


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_each_demo_user_gets_the_status_in_the_table(row, request, settings, db):
    # The rate limits have their own tests; here every user calls every route.
    settings.API_RATE_LIMIT = "100000/m"
    cast = Cast(request)
    users = {
        name: None if name == "anonymous" else getattr(cast, name) for name in USERS
    }
    url = row.url(cast)
    data = row.data(cast) if row.data else None

    wrong = []
    for name, user in users.items():
        status, body = _call(row, url, data, user)
        if status != row.status_for(name):
            wrong.append(f"{name}: {status} (expected {row.status_for(name)}) {body}")
        elif status >= 400:
            assert isinstance(body, dict) and "detail" in body, (name, body)
    assert wrong == [], f"{row.method} {url}\n" + "\n".join(wrong)


def _call(row, url, data, user):
    client = APIClient()
    with transaction.atomic():
        if user is not None:
            client.force_login(user)
        response = client.generic(
            row.method,
            url,
            **_body(row, data),
        )
        transaction.set_rollback(True)
    if response.streaming:  # an event stream: its first bytes
        return response.status_code, b"".join(response.streaming_content)[:200]
    try:
        body = response.json()
    except ValueError:
        body = response.content[:200]
    return response.status_code, body


def _body(row, data) -> dict:
    if data is None:
        return {}
    if row.format == "multipart":
        for value in data.values():
            if hasattr(value, "seek"):
                value.seek(0)  # every user uploads the whole file
        boundary = "matrixboundary"
        return {
            "data": encode_multipart(boundary, data),
            "content_type": f"{MULTIPART_CONTENT}; boundary={boundary}",
        }
    return {"data": json.dumps(data), "content_type": "application/json"}
