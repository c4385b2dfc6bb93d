import pytest

from tests.services import require_postgres, require_redis


@pytest.fixture(autouse=True)
def _needs_services(request):
    """`@pytest.mark.postgres` / `redis`: skip without the service, fail under CI."""
    if request.node.get_closest_marker("postgres"):
        require_postgres()
    if request.node.get_closest_marker("redis"):
        require_redis()


@pytest.fixture
def password():
    return "correct-horse-battery-staple"


@pytest.fixture
def alice(django_user_model, password):
    """A plain signed-in user (the standing cast grows with the institutions)."""
    return django_user_model.objects.create_user(
        username="alice", email="alice@example.org", password=password
    )


@pytest.fixture
def superadmin(django_user_model, password):
    return django_user_model.objects.create_superuser(
        username="root", email="root@example.org", password=password
    )
