"""An integrator's client-credentials token, issued by a real OpenID provider
(tests/fakes/oidc), calls the API as the user OIDC_SERVICE_ACCOUNTS maps it to."""

import pytest
from django.urls import path
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authentication import jwks_cache_clear
from tests.factories import UserFactory
from tests.fakes.oidc import SERVICE_CLIENT_ID, oidc_provider


class WhoAmI(APIView):
    def get(self, request):
        return Response({"username": request.user.username})


urlpatterns = [path("whoami", WhoAmI.as_view())]

pytestmark = pytest.mark.urls(__name__)


@pytest.fixture(scope="module")
def provider():
    with oidc_provider() as running:
        yield running


@pytest.fixture
def oidc(provider, settings, db):
    provider.configure(settings)
    jwks_cache_clear()
    yield provider
    jwks_cache_clear()


def test_a_mapped_client_credentials_token_acts_as_its_user(client, oidc, settings):
    settings.OIDC_SERVICE_ACCOUNTS = {SERVICE_CLIENT_ID: "ehr-bridge"}
    UserFactory(username="ehr-bridge")
    token = oidc.client_credentials_token()
    response = client.get("/whoami", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    assert response.json() == {"username": "ehr-bridge"}


def test_an_unmapped_client_is_refused(client, oidc, settings):
    settings.OIDC_SERVICE_ACCOUNTS = {}
    token = oidc.client_credentials_token()
    response = client.get("/whoami", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 401
    assert response.json() == {"detail": "No Noumaris account for this token."}


def test_a_service_account_whose_user_is_deactivated_is_refused(client, oidc, settings):
    settings.OIDC_SERVICE_ACCOUNTS = {SERVICE_CLIENT_ID: "ehr-bridge"}
    UserFactory(username="ehr-bridge", is_active=False)
    token = oidc.client_credentials_token()
    response = client.get("/whoami", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 401
    assert response.json() == {"detail": "This account is deactivated."}


def test_a_provider_token_for_another_audience_is_refused(client, oidc, settings):
    settings.OIDC_SERVICE_ACCOUNTS = {SERVICE_CLIENT_ID: "ehr-bridge"}
    settings.OIDC_API_AUDIENCE = "some-other-api"
    UserFactory(username="ehr-bridge")
    token = oidc.client_credentials_token()
    response = client.get("/whoami", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 401
    assert response.json() == {"detail": "Token audience not accepted."}
