"""Fixtures shared by the whole suite: service markers and the standing cast.

The cast mirrors DESIGN 'Demo data': Demo General Hospital (`demo_hospital`) with its
admins, faculty and residents; Riverside Medical Center (`riverside`), the outsider
tenant; a `superadmin` and an individual `physician`. Every user's password is the
`password` fixture. Each fixture builds only what it needs.
"""

import os

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache

from institutions.models import Feature, ResidentProfile
from tests import hashers
from tests.factories import (
    PASSWORD,
    FacultyFactory,
    InstitutionAdminFactory,
    InstitutionFactory,
    PhysicianFactory,
    ResidentFactory,
    UserFactory,
)
from tests.parallel import clone_from_template, own_redis_database
from tests.services import require_postgres, require_redis

own_redis_database()  # under pytest-xdist, before any test makes a cache
hashers.install()  # before any test hashes a password
# Each Django test client (`client`, `APIClient()`) builds the middleware anew, and
# WhiteNoise's, serving the source tree (WHITENOISE_USE_FINDERS), listed and stat'ed
# every static file (~190, Django admin's and Swagger's among them) at each build:
# ~0.1 s of CPU per client, ~1,250 clients in the authorization matrix alone. With
# autorefresh it looks a /static/ path up when one is asked for, as in development.
# Before any test makes a client; child servers keep their own settings.
django_settings.WHITENOISE_AUTOREFRESH = True


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    django_db_modify_db_settings_parallel_suffix, tmp_path_factory, django_db_blocker
):
    """Under pytest-xdist, each worker's test database is copied from one migrated
    template (tests/parallel.py), not migrated anew."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = tmp_path_factory.getbasetemp().parent  # the run's, every worker's
        clone_from_template(shared, django_db_blocker)


@pytest.fixture(autouse=True)
def _needs_services(request):
    """`@pytest.mark.postgres` / `redis`: skip without the service, fail under CI."""
    if request.node.get_closest_marker("postgres"):
        require_postgres()
    if request.node.get_closest_marker("redis"):
        require_redis()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters and socket slots live in the cache (Redis under CI), which
    outlives a test's transaction: start and end every test with it empty."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def alice(django_user_model, password):
    """A plain signed-in user with no role in any institution."""
    return django_user_model.objects.create_user(
        username="alice", email="alice@example.org", password=password
    )


@pytest.fixture
def superadmin(django_user_model, password):
    """Manages every institution; made as `createsuperuser` makes one."""
    return django_user_model.objects.create_superuser(
        username="superadmin",
        email="superadmin@example.org",
        password=password,
        first_name="Sam",
        last_name="Super",
    )


@pytest.fixture
def demo_hospital(db):
    """Demo General Hospital: active subscription, every feature, 50 resident seats."""
    return InstitutionFactory(
        name="Demo General Hospital", slug="demo-general-hospital"
    )


@pytest.fixture
def riverside(db):
    """Riverside Medical Center: the other tenant, whose rows nobody else may see."""
    return InstitutionFactory(
        name="Riverside Medical Center", slug="riverside-medical-center"
    )


def _admin(username, institution, *, is_senior, first_name, last_name):
    return InstitutionAdminFactory(
        user=UserFactory(
            username=username,
            email=f"{username}@example.org",
            first_name=first_name,
            last_name=last_name,
            is_staff=True,
        ),
        institution=institution,
        is_senior=is_senior,
    ).user


@pytest.fixture
def admin(demo_hospital):
    """Senior admin of Demo General Hospital (a staff user, not a superuser)."""
    return _admin(
        "admin", demo_hospital, is_senior=True, first_name="Ada", last_name="Admin"
    )


@pytest.fixture
def admin2(demo_hospital):
    """A (non-senior) admin of Demo General Hospital."""
    return _admin(
        "admin2", demo_hospital, is_senior=False, first_name="Abe", last_name="Second"
    )


@pytest.fixture
def riverside_admin(riverside):
    """Senior admin of Riverside Medical Center: the outsider for admin scoping."""
    return _admin(
        "riverside-admin",
        riverside,
        is_senior=True,
        first_name="Rita",
        last_name="Rivers",
    )


@pytest.fixture
def attending(demo_hospital):
    """Faculty (attending) of Demo General Hospital."""
    return FacultyFactory(
        user=UserFactory(
            username="attending",
            email="attending@example.org",
            first_name="Alan",
            last_name="Attending",
        ),
        institution=demo_hospital,
    ).user


@pytest.fixture
def resident(demo_hospital):
    """PGY-2 resident of Demo General Hospital, granted every feature."""
    return ResidentFactory(
        user=UserFactory(
            username="resident",
            email="resident@example.org",
            first_name="Rosa",
            last_name="Resident",
        ),
        institution=demo_hospital,
        pgy_level=2,
        granted=Feature.Code.values,
    ).user


@pytest.fixture
def resident2(demo_hospital):
    """PGY-1 resident of Demo General Hospital, granted nothing."""
    return ResidentFactory(
        user=UserFactory(
            username="resident2",
            email="resident2@example.org",
            first_name="Ray",
            last_name="Second",
        ),
        institution=demo_hospital,
        pgy_level=1,
    ).user


@pytest.fixture
def former_resident(demo_hospital):
    """PGY-3 resident of Demo General Hospital who has graduated: still signs in, still
    holds every grant, reaches none of their own records (DESIGN 'Roles')."""
    return ResidentFactory(
        user=UserFactory(
            username="former-resident",
            email="former-resident@example.org",
            first_name="Fran",
            last_name="Former",
        ),
        institution=demo_hospital,
        pgy_level=3,
        status=ResidentProfile.Status.GRADUATED,
        granted=Feature.Code.values,
    ).user


@pytest.fixture
def riverside_resident(riverside):
    """PGY-3 resident of Riverside Medical Center, granted every feature."""
    return ResidentFactory(
        user=UserFactory(
            username="riverside-resident",
            email="riverside-resident@example.org",
            first_name="Rory",
            last_name="Rivers",
        ),
        institution=riverside,
        pgy_level=3,
        specialty="Emergency Medicine",
        granted=Feature.Code.values,
    ).user


@pytest.fixture
def physician(db):
    """An individual physician granted live_transcription and note_generation."""
    return PhysicianFactory(
        user=UserFactory(
            username="physician",
            email="physician@example.org",
            first_name="Phil",
            last_name="Physician",
        ),
        granted=(Feature.Code.LIVE_TRANSCRIPTION, Feature.Code.NOTE_GENERATION),
    ).user


@pytest.fixture(scope="module")
def module_browser():
    """One headless Chromium for a module's tests: each test opens its own pages, in
    contexts of their own (no cookie or storage crosses tests). A module that shares
    it marks itself `xdist_group`, so that one worker runs it whole."""
    from tests.browser import chromium

    with chromium() as browser:
        yield browser


@pytest.fixture(scope="session")
def kept_servers(django_db_setup):
    """This test process's kept live servers (tests/browser.py), stopped before its
    test database is dropped."""
    from tests.browser import KeptServers

    servers = KeptServers()
    yield servers
    servers.close()


@pytest.fixture
def plain_server(kept_servers, transactional_db) -> str:
    """The base URL of a live server with the suite's settings and no task worker,
    shared by the tests of this test process that need nothing else. Its database
    connections are live: a test before this one may have had PostgreSQL drop them
    all (tests/transcription/faults.py), and the server's readiness probe sweeps its
    pool when it meets a dead one (noumaris/health.py), as after a failover."""
    import json

    from tests.live import get
    from tests.waiting import eventually

    base = kept_servers()

    def database_ok() -> bool:
        _, body, _ = get(base + "/health/ready")
        return json.loads(body)["checks"]["database"] == "ok"

    assert eventually(database_ok), "the kept server's database stayed down"
    return base
