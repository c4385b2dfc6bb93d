import pytest
from rest_framework.test import APIClient


@pytest.fixture
def api():
    """An API client; `api.force_login(user)` signs in through the session."""
    return APIClient()
