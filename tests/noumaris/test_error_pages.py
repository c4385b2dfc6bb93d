"""A wrong address or id gets the product's 404 page (navigation, request id); a
crash gets a 500 page that names the request id and leaks nothing."""

import pytest
from django.core.exceptions import SuspiciousOperation
from django.urls import path

from noumaris.urls import urlpatterns as app_urlpatterns

pytestmark = pytest.mark.django_db


def _boom(request):
    raise RuntimeError("secret internal detail")


def _suspicious(request):
    raise SuspiciousOperation("bad multipart")


urlpatterns = [
    path("boom", _boom),
    path("api/v1/boom", _boom),
    path("api/v1/suspicious", _suspicious),
    *app_urlpatterns,
]
handler400 = "noumaris.views.bad_request"
handler404 = "noumaris.views.page_not_found"
handler500 = "noumaris.views.server_error"


def test_an_unknown_address_gets_the_product_page(client, resident):
    client.force_login(resident)
    response = client.get("/no/such/page", HTTP_X_REQUEST_ID="req-404-check")
    assert response.status_code == 404
    text = response.content.decode()
    assert "Not found" in text
    assert 'href="/templates/"' in text  # the navigation
    assert "req-404-check" in text


def test_a_wrong_note_id_gets_the_product_page(client, resident):
    client.force_login(resident)
    response = client.get("/notes/987654")
    assert response.status_code == 404
    assert "Back to your home page" in response.content.decode()


def test_a_crash_gets_the_500_page_with_the_request_id(client, settings):
    settings.ROOT_URLCONF = __name__
    client.raise_request_exception = False
    response = client.get("/boom", HTTP_X_REQUEST_ID="req-500-check")
    assert response.status_code == 500
    text = response.content.decode()
    assert "Something went wrong" in text
    assert "req-500-check" in text
    assert "secret internal detail" not in text


def test_api_errors_outside_any_view_keep_the_envelope(client, settings):
    settings.ROOT_URLCONF = __name__
    client.raise_request_exception = False
    assert client.get("/api/v1/suspicious").json() == {"detail": "Malformed request."}
    assert client.get("/api/v1/no/such/route/\x01").json() == {"detail": "Not found."}
    crash = client.get("/api/v1/boom")
    assert crash.status_code == 500
    assert crash.json() == {"detail": "Internal server error."}


def test_a_json_body_that_is_not_an_object_is_a_400(client, admin):
    client.force_login(admin)
    for body in ('"text"', "[1, 2]", "42"):
        response = client.post(
            "/api/v1/admin/institution/residents/invite",
            data=body,
            content_type="application/json",
        )
        assert response.status_code == 400, body
        assert response.json() == {"detail": "The request body must be a JSON object."}
