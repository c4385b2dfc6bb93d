"""Bearer JWTs through the real API route `/api/v1/me`: the person, the integrator's
service account (a real provider's client-credentials token), and refusals."""

import time

import pytest

from accounts.authentication import jwks_cache_clear
from tests.factories import UserFactory
from tests.fakes.oidc import SERVICE_CLIENT_ID
from tests.fakes.oidc.jwks import SigningKey, jwks_server


@pytest.fixture(scope="module")
def jwks():
    with jwks_server() as server:
        server.publish(SigningKey())
        yield server


@pytest.fixture
def with_jwks(settings, jwks, db):
    settings.OIDC_ISSUER = jwks.issuer
    settings.OIDC_OP_JWKS_ENDPOINT = jwks.jwks_uri
    settings.OIDC_API_AUDIENCE = "noumaris-web"
    jwks_cache_clear()
    yield jwks
    jwks_cache_clear()


def me(client, token):
    return client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}")


def test_a_persons_token_reads_me(client, with_jwks):
    UserFactory(username="rosa", oidc_sub="person-1", is_superadmin=True)
    response = me(client, with_jwks.keys[0].sign(with_jwks.claims()))
    assert response.status_code == 200, response.content
    assert response.json()["username"] == "rosa"
    assert "superadmin" in response.json()["roles"]


@pytest.mark.parametrize(
    ("overrides", "detail"),
    [
        ({"exp": int(time.time()) - 120}, "Token has expired."),
        ({"iss": "http://evil.example/realms/noumaris"}, "Token issuer not accepted."),
        ({"aud": "billing", "azp": "billing"}, "Token audience not accepted."),
        ({"sub": "nobody-here"}, "No Noumaris account for this token."),
    ],
)
def test_refused_tokens_are_401_with_the_envelope_at_me(
    client, with_jwks, overrides, detail
):
    UserFactory(username="rosa", oidc_sub="person-1")
    response = me(client, with_jwks.keys[0].sign(with_jwks.claims(**overrides)))
    assert response.status_code == 401
    assert response.json() == {"detail": detail}


def test_an_integrators_client_credentials_token_reads_me_as_its_user(
    client, oidc, settings
):
    settings.OIDC_SERVICE_ACCOUNTS = {SERVICE_CLIENT_ID: "ehr-bridge"}
    UserFactory(username="ehr-bridge")
    response = me(client, oidc.client_credentials_token())
    assert response.status_code == 200, response.content
    assert response.json()["username"] == "ehr-bridge"


def test_an_unmapped_integrator_is_refused_at_me(client, oidc, settings):
    settings.OIDC_SERVICE_ACCOUNTS = {}
    response = me(client, oidc.client_credentials_token())
    assert response.status_code == 401
    assert response.json() == {"detail": "No Noumaris account for this token."}


def test_a_service_account_whose_user_is_deactivated_is_refused(client, oidc, settings):
    settings.OIDC_SERVICE_ACCOUNTS = {SERVICE_CLIENT_ID: "ehr-bridge"}
    UserFactory(username="ehr-bridge", is_active=False)
    response = me(client, oidc.client_credentials_token())
    assert response.status_code == 401
    assert response.json() == {"detail": "This account is deactivated."}


def test_a_provider_token_for_another_audience_is_refused(client, oidc, settings):
    settings.OIDC_SERVICE_ACCOUNTS = {SERVICE_CLIENT_ID: "ehr-bridge"}
    settings.OIDC_API_AUDIENCE = "some-other-api"
    UserFactory(username="ehr-bridge")
    response = me(client, oidc.client_credentials_token())
    assert response.status_code == 401
    assert response.json() == {"detail": "Token audience not accepted."}
