"""Bearer JWTs: every forged, stale or misdirected token is a 401 with the envelope.

Keys come from a JWKS endpoint on loopback (tests/fakes/oidc/jwks.py) that PyJWT's
client fetches over HTTP; a tiny DRF view in this module's urlconf needs a user.
"""

import base64
import hashlib
import hmac
import json
import time
import uuid

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from django.urls import path
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authentication import jwks_cache_clear
from tests.factories import UserFactory
from tests.fakes.oidc.jwks import SigningKey, jwks_server
from tests.waiting import DEADLINE


class WhoAmI(APIView):
    def get(self, request):
        return Response({"username": request.user.username})


urlpatterns = [path("whoami", WhoAmI.as_view())]

pytestmark = pytest.mark.urls(__name__)


@pytest.fixture(scope="module")
def jwks():
    with jwks_server() as server:
        server.publish(SigningKey())
        yield server


@pytest.fixture
def key(jwks):
    return jwks.keys[0]


@pytest.fixture(autouse=True)
def api_settings(settings, jwks):
    settings.OIDC_ISSUER = jwks.issuer
    settings.OIDC_OP_JWKS_ENDPOINT = jwks.jwks_uri
    settings.OIDC_API_AUDIENCE = "noumaris-web"
    settings.OIDC_SERVICE_ACCOUNTS = {}
    settings.OIDC_JWKS_REFETCH_COOLDOWN = 10
    jwks_cache_clear()
    yield
    jwks_cache_clear()


@pytest.fixture
def person(db):
    return UserFactory(username="rosa", oidc_sub="person-1")


def call(client, token, scheme="Bearer"):
    return client.get("/whoami", HTTP_AUTHORIZATION=f"{scheme} {token}")


def assert_refused(response, detail):
    assert response.status_code == 401, response.content
    assert response.json() == {"detail": detail}
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_a_valid_token_acts_as_the_person_with_that_sub(client, jwks, key, person):
    response = call(client, key.sign(jwks.claims()))
    assert response.status_code == 200
    assert response.json() == {"username": "rosa"}


def test_the_audience_may_be_in_a_list_or_in_azp(client, jwks, key, person):
    listed = key.sign(jwks.claims(aud=["account", "noumaris-web"], azp="other"))
    assert call(client, listed).status_code == 200
    by_azp = key.sign(jwks.claims(aud="account", azp="noumaris-web"))
    assert call(client, by_azp).status_code == 200


def test_alg_none_is_refused(client, jwks, person):
    token = jwt.encode(jwks.claims(), None, algorithm="none", headers={"kid": "x"})
    assert_refused(call(client, token), "Token algorithm not accepted.")


def test_hs256_signed_with_the_public_key_as_secret_is_refused(
    client, jwks, key, person
):
    public_pem = key.private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": key.kid}).encode())
    payload = b64(json.dumps(jwks.claims()).encode())
    signature = hmac.new(
        public_pem, f"{header}.{payload}".encode(), hashlib.sha256
    ).digest()
    token = f"{header}.{payload}.{b64(signature)}"
    assert_refused(call(client, token), "Token algorithm not accepted.")


def test_an_expired_token_is_refused(client, jwks, key, person):
    now = int(time.time())
    token = key.sign(jwks.claims(iat=now - 900, exp=now - 120))
    assert_refused(call(client, token), "Token has expired.")


def test_a_token_within_the_clock_leeway_is_accepted(client, jwks, key, person):
    now = int(time.time())
    token = key.sign(jwks.claims(iat=now - 300, exp=now - 5, nbf=now + 5))
    assert call(client, token).status_code == 200


def test_a_not_yet_valid_token_is_refused(client, jwks, key, person):
    token = key.sign(jwks.claims(nbf=int(time.time()) + 120))
    assert_refused(call(client, token), "Token is not yet valid.")


def test_a_token_of_another_issuer_is_refused(client, jwks, key, person):
    token = key.sign(jwks.claims(iss="http://127.0.0.1:1/realms/evil"))
    assert_refused(call(client, token), "Token issuer not accepted.")


def test_a_token_for_another_audience_is_refused(client, jwks, key, person):
    token = key.sign(jwks.claims(aud=["account", "billing"], azp="billing"))
    assert_refused(call(client, token), "Token audience not accepted.")


def test_a_token_with_an_unknown_kid_is_refused(client, jwks, key, person):
    stranger = SigningKey(kid="never-published")
    assert_refused(
        call(client, stranger.sign(jwks.claims())), "Token signed by an unknown key."
    )


def test_a_token_with_a_bad_signature_is_refused(client, jwks, key, person):
    token = key.sign(jwks.claims())
    head, payload, signature = token.split(".")
    tampered_payload = b64(json.dumps(jwks.claims(sub="someone-else")).encode())
    assert_refused(
        call(client, f"{head}.{tampered_payload}.{signature}"),
        "Token signature is invalid.",
    )
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    assert_refused(
        call(client, f"{head}.{payload}.{flipped}"), "Token signature is invalid."
    )


def test_a_token_signed_by_another_key_under_a_known_kid_is_refused(
    client, jwks, key, person
):
    impostor = SigningKey(kid=key.kid)  # same kid, a key the provider never had
    assert_refused(
        call(client, impostor.sign(jwks.claims())), "Token signature is invalid."
    )


def test_a_token_without_sub_is_refused(client, jwks, key, person):
    claims = jwks.claims()
    del claims["sub"]
    assert_refused(call(client, key.sign(claims)), "Token has no 'sub' claim.")
    assert_refused(
        call(client, key.sign(jwks.claims(sub=""))), "Token has no 'sub' claim."
    )


def test_a_token_for_a_deactivated_user_is_refused(client, jwks, key, person):
    person.is_active = False
    person.save(update_fields=["is_active"])
    assert_refused(
        call(client, key.sign(jwks.claims())), "This account is deactivated."
    )


def test_a_token_of_a_person_unknown_to_noumaris_is_refused(client, jwks, key, db):
    assert_refused(
        call(client, key.sign(jwks.claims(sub="nobody"))),
        "No Noumaris account for this token.",
    )


def test_an_id_token_is_no_api_credential(client, jwks, key, person):
    assert_refused(
        call(client, key.sign(jwks.claims(typ="ID"))), "Token type not accepted."
    )


def test_garbage_and_malformed_headers_are_refused(client, db):
    assert_refused(call(client, "not-a-jwt"), "Malformed token.")
    response = client.get("/whoami", HTTP_AUTHORIZATION="Bearer a b")
    assert_refused(response, "Send the header as 'Authorization: Bearer <token>'.")


def test_no_credentials_is_a_401_that_asks_for_a_bearer_token(client, db):
    response = client.get("/whoami")
    assert_refused(response, "Authentication credentials were not provided.")


def test_a_newly_published_kid_is_accepted_after_one_refetch(client, jwks, key, person):
    assert call(client, key.sign(jwks.claims())).status_code == 200
    before = jwks.fetches
    rotated = jwks.publish(SigningKey())
    try:
        assert call(client, rotated.sign(jwks.claims())).status_code == 200
        assert jwks.fetches == before + 1
        assert call(client, rotated.sign(jwks.claims())).status_code == 200
        assert jwks.fetches == before + 1  # cached now
    finally:
        jwks.keys.remove(rotated)


def test_a_hundred_random_kids_in_a_second_cause_at_most_two_fetches(
    client, jwks, key, person, settings
):
    """The flood falls within one cool-down: a generous one (the suite's deadline),
    so that a busy machine, slower to send a hundred requests, cannot spread it over
    two and make more fetches legitimate."""
    settings.OIDC_JWKS_REFETCH_COOLDOWN = DEADLINE
    before = jwks.fetches
    started = time.monotonic()
    for _ in range(100):
        bogus = SigningKey.__new__(SigningKey)
        bogus.kid, bogus.private = f"bogus-{uuid.uuid4()}", key.private
        assert call(client, bogus.sign(jwks.claims())).status_code == 401
    assert time.monotonic() - started < DEADLINE
    assert jwks.fetches - before <= 2
    # The genuine key still works throughout.
    assert call(client, key.sign(jwks.claims())).status_code == 200


def test_no_keys_and_no_provider_is_a_503(client, db, settings):
    settings.OIDC_OP_JWKS_ENDPOINT = "http://127.0.0.1:9/realms/noumaris/certs"
    settings.OIDC_TIMEOUT = 2
    response = call(client, SigningKey().sign({"sub": "x"}))
    assert response.status_code == 503
    assert response.json() == {
        "detail": "The identity provider cannot be reached; try again shortly."
    }


def test_bearer_tokens_are_refused_without_a_provider(client, db, settings):
    settings.OIDC_OP_JWKS_ENDPOINT = None
    settings.OIDC_ISSUER = None
    assert_refused(
        call(client, "x.y.z"),
        "Bearer tokens are not accepted: no identity provider is configured.",
    )


def test_after_a_bogus_kid_a_rotated_key_waits_at_most_the_cool_down(
    client, jwks, key, person, settings
):
    settings.OIDC_JWKS_REFETCH_COOLDOWN = 2
    jwks_cache_clear()
    bogus = SigningKey.__new__(SigningKey)
    bogus.kid, bogus.private = "bogus-kid", key.private
    # Everything slow (a new RSA key, signing) is done before the cool-down starts:
    # the cool-down is then only two requests long, on a busy machine too.
    new_key = SigningKey()
    bogus_token = bogus.sign(jwks.claims())
    assert call(client, bogus_token).status_code == 401
    cooled_by = time.monotonic() + 2.1  # the cool-down began before this answer
    rotated = jwks.publish(new_key)
    try:
        token = rotated.sign(jwks.claims())
        assert call(client, token).status_code == 401  # within the cool-down
        time.sleep(max(0.0, cooled_by - time.monotonic()))
        assert call(client, token).status_code == 200
    finally:
        jwks.keys.remove(rotated)
