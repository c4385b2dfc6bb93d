import pytest
from django.core.cache import cache
from rest_framework.test import APIClient


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Rate-limit counters live in the cache (Redis under CI): start each test at 0."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api():
    """An API client; `api.force_login(user)` signs in through the session."""
    return APIClient()
