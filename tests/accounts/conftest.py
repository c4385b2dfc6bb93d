import pytest

from accounts.authentication import jwks_cache_clear
from tests.fakes.oidc import oidc_provider


@pytest.fixture(scope="session")
def provider():
    """The Keycloak-shaped OpenID provider (tests/fakes/oidc), one per test run."""
    with oidc_provider() as running:
        yield running


@pytest.fixture
def oidc(provider, settings, db):
    """OIDC on in this process, against `provider`, its users as the realm has them."""
    provider.reset()
    provider.configure(settings)
    jwks_cache_clear()
    yield provider
    jwks_cache_clear()
