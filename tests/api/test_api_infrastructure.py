"""noumaris/common/api.py and the error envelope, on test-only routes and on `me`."""

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from tests.api.infra_urls import FilterEchoApi
from tests.factories import UserFactory

pytestmark = pytest.mark.urls("tests.api.infra_urls")


def test_a_list_is_paginated_with_count_next_and_previous(api, alice):
    UserFactory.create_batch(24)
    api.force_login(alice)
    body = api.get("/test-api/users").json()
    assert body["count"] == 25
    assert len(body["results"]) == 20
    assert body["previous"] is None
    assert body["next"].endswith("/test-api/users?page=2")
    second = api.get("/test-api/users", {"page": 2, "page_size": 10}).json()
    assert len(second["results"]) == 10
    assert second["results"][0]["username"] == body["results"][10]["username"]


def test_a_page_holds_at_most_100_rows(api, alice):
    UserFactory.create_batch(104)
    api.force_login(alice)
    body = api.get("/test-api/users", {"page_size": 500}).json()
    assert len(body["results"]) == 100


def test_a_page_past_the_end_is_a_404_in_the_envelope(api, alice):
    api.force_login(alice)
    response = api.get("/test-api/users", {"page": 9})
    assert response.status_code == 404
    assert response.json() == {"detail": "Invalid page: That page contains no results."}
    # Not a number at all is a malformed query, named like any invalid field.
    response = api.get("/test-api/users", {"page": "two"})
    assert response.status_code == 422
    assert response.json()["errors"] == {
        "page": ["page must be a whole number of 1 or more."]
    }


def test_a_page_costs_the_same_queries_with_5_or_50_rows(api, alice):
    api.force_login(alice)
    UserFactory.create_batch(4)
    api.get("/test-api/users")  # the session's idle renewal (once a minute) is done
    with CaptureQueriesContext(connection) as five:
        assert len(api.get("/test-api/users").json()["results"]) == 5
    UserFactory.create_batch(45)
    with CaptureQueriesContext(connection) as fifty:
        response = api.get("/test-api/users", {"page_size": 50})
        assert len(response.json()["results"]) == 50
    assert len(five) == len(fifty)


def test_a_query_string_is_validated_whatever_names_its_fields(api, alice):
    """Any parameter that could reach a field (`tags`, `tags[0]`, `tags.0`) goes
    through the filter serializer: the answer is the serializer's own."""
    api.force_login(alice)
    serializer_class = FilterEchoApi.FilterSerializer
    for query in (
        "",
        "page=2&page_size=3",
        "unknown=x",
        "tags=a&tags=b",
        "tags[0]=a&tags[1]=b",
        "tags.0=a&tags.1=b",
        "search=x",
    ):
        serializer = serializer_class(data=QueryDict(query))
        assert serializer.is_valid(), query
        assert api.get("/test-api/filters?" + query).json() == dict(
            serializer.validated_data
        ), query
    assert api.get("/test-api/filters?tags[0]=a").json() == {"tags": ["a"]}
    response = api.get("/test-api/filters", {"pgy_level": 42})
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["pgy_level"]


def test_invalid_input_is_a_422_with_messages_per_field(api, alice):
    api.force_login(alice)
    response = api.post("/test-api/echo", {"email": "not-an-email", "pgy_level": 11})
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "Validation failed"
    assert set(body["errors"]) == {"email", "pgy_level"}
    assert body["errors"]["email"] == ["Enter a valid email address."]


def test_a_missing_field_is_a_422_naming_it(api, alice):
    api.force_login(alice)
    response = api.post("/test-api/echo", {"email": "a@example.org"})
    assert response.status_code == 422
    assert response.json()["errors"] == {"pgy_level": ["This field is required."]}


def test_malformed_json_is_a_400_in_the_envelope(api, alice):
    api.force_login(alice)
    response = api.generic(
        "POST", "/test-api/echo", "{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["detail"].startswith("JSON parse error")


def test_a_service_conflict_is_a_409_with_its_wording(api, alice):
    api.force_login(alice)
    response = api.post(
        "/test-api/echo", {"email": "taken@example.org", "pgy_level": 1}
    )
    assert response.status_code == 409
    assert response.json() == {
        "detail": "Resident with email 'taken@example.org' already exists"
    }


def test_a_constraint_a_service_missed_is_a_409_not_a_500(api, alice):
    api.force_login(alice)
    response = api.post("/test-api/echo", {"email": "race@example.org", "pgy_level": 1})
    assert response.status_code == 409
    assert "duplicate key" not in response.json()["detail"]


def test_without_credentials_the_api_answers_401(api):
    response = api.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json() == {
        "detail": "Authentication credentials were not provided."
    }


def test_a_wrong_method_is_a_405_in_the_envelope(api, alice):
    api.force_login(alice)
    response = api.delete("/api/v1/me")
    assert response.status_code == 405
    assert response.json() == {"detail": 'Method "DELETE" not allowed.'}
    assert response["Allow"] == "GET, HEAD, OPTIONS"


def test_an_unknown_api_path_is_a_404_in_the_envelope(api):
    response = api.get("/api/v1/no/such/route")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_an_id_too_large_for_the_database_is_a_404(api, alice):
    api.force_login(alice)
    response = api.get("/api/v1/admin/institution/residents/" + "9" * 30)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query, field",
    [
        ("page=abc", "page"),
        ("page_size=abc", "page_size"),
        ("page_size=-3", "page_size"),
    ],
)
def test_a_malformed_page_or_page_size_is_a_422_naming_it(client, admin, query, field):
    client.force_login(admin)
    response = client.get(f"/api/v1/admin/institution/residents?{query}")
    assert response.status_code == 422
    assert list(response.json()["errors"]) == [field]
