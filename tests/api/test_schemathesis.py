"""schemathesis against /api/schema/, signed in as an admin and as a superadmin.

Every operation of the schema gets generated requests (valid and invalid ones); no
answer may be a 5xx, use an undocumented status or content type, or break its own
documented schema. The app is served by daphne on the test database, as in
production; generated writes stay (they only change which answers later cases get).
"""

import secrets
from collections import Counter

import schemathesis
from django.conf import settings as django_settings
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis.strategies import one_of
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.browser import live_server, live_server_env
from tests.factories import InvitationFactory
from tests.waiting import DEADLINE

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXAMPLES = 20


def _credentials(user, settings) -> tuple[dict[str, str], dict[str, str]]:
    """The cookies and header of a signed-in browser session (with its CSRF token).

    Signed with the live server's secret key, as if the server had signed them in.
    """
    settings.SECRET_KEY = live_server_env()["DJANGO_SECRET_KEY"]
    client = Client()
    client.force_login(user)
    session = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    csrf = secrets.token_hex(16)  # 32 characters, as Django's unmasked secret
    cookies = {
        django_settings.SESSION_COOKIE_NAME: session,
        django_settings.CSRF_COOKIE_NAME: csrf,
    }
    return cookies, {"X-CSRFToken": csrf}


def test_no_generated_request_gets_a_5xx_or_breaks_the_schema(
    request, transactional_db, settings
):
    """Each generated request is sent twice, as the admin and as the superadmin: one
    generation for both (hypothesis's drawing is most of the client's work, and a
    derandomized run drew the same requests for each user anyway)."""
    for name in ("resident", "resident2", "riverside_resident", "physician"):
        request.getfixturevalue(name)
    InvitationFactory(institution=request.getfixturevalue("demo_hospital"))
    users = {
        who: _credentials(request.getfixturevalue(who), settings)
        for who in ("admin", "superadmin")
    }
    with live_server(API_RATE_LIMIT="1000000/m") as base:
        schema = schemathesis.openapi.from_url(
            base + "/api/schema/?format=json", timeout=DEADLINE
        )
        # Our session, not generated credentials (a random bearer token is a 401).
        schema.config.generation.update(with_security_parameters=False)
        failures, answered = [], {who: Counter() for who in users}
        for result in schema.get_all_operations():
            operation = result.ok()
            try:
                _fuzz(operation, base, users, answered)
            except Exception as error:  # collect every operation's failure
                failures.append(f"{operation.method.upper()} {operation.path}: {error}")
    assert failures == [], "\n\n".join(failures)
    # Signed in for real: many generated requests got through to a 2xx, for each.
    for who, counts in answered.items():
        assert counts[2] > 50, (who, counts)


def _rejected_by_daphne(response) -> bool:
    """Twisted (under daphne) parses a multipart body itself and answers a malformed
    one with a bare 400 before Django sees the request: outside the envelope, but
    never a 5xx. Everything else must meet every check."""
    sent = response.request.headers.get("Content-Type", "")
    return (
        response.status_code == 400
        and not response.content
        and sent.startswith("multipart/form-data")
    )


def _fuzz(operation, base, users, answered) -> None:
    strategies = [
        operation.as_strategy(mode)
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    ]

    @given(case=one_of(strategies))
    @hypothesis_settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        for who, (cookies, headers) in users.items():
            response = case.call(
                base_url=base, cookies=cookies, headers=headers, timeout=DEADLINE
            )
            answered[who][response.status_code // 100] += 1
            if _rejected_by_daphne(response):
                answered[who]["daphne"] += 1
                continue
            case.validate_response(response, checks=CHECKS)

    run()
