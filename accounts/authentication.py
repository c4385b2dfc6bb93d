"""Bearer JWTs for the API, verified locally against the provider's JWKS.

Never a call to the provider per request: keys are cached, and a token with an
unknown `kid` makes at most one JWKS refetch per cool-down interval, so key
rotation works while a stream of bogus `kid`s cannot hammer the provider.
"""

import logging
import threading
import time

import jwt
from django.conf import settings
from django.contrib.auth import get_user_model
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from noumaris.common.errors import ServiceUnavailableError

logger = logging.getLogger(__name__)

ALGORITHM = "RS256"


class UnknownKeyError(Exception):
    """No key of the provider's key set has this `kid`."""


class ProviderUnreachableError(Exception):
    """The provider's key set could not be fetched and none is cached."""


class JwksCache:
    """PyJWT's `PyJWKClient` with a cool-down around its refetch on an unknown kid."""

    def __init__(self, uri: str, *, timeout: float, lifespan: float, cooldown: float):
        # PyJWKClient's own cool-down counts from every fetch, so a key rotated in
        # just after a routine fetch would wait; ours counts from forced refetches.
        self._client = jwt.PyJWKClient(
            uri, lifespan=lifespan, timeout=timeout, cooldown_duration=0
        )
        self._cooldown = cooldown
        self._lock = threading.Lock()
        self._last_refetch = float("-inf")
        self._keys: dict[str, jwt.PyJWK] = {}

    def signing_key(self, kid: str) -> jwt.PyJWK:
        with self._lock:
            key = self._current_keys(refresh=False).get(kid)
            if key is not None:
                return key
            if time.monotonic() - self._last_refetch < self._cooldown:
                raise UnknownKeyError(kid)
            self._last_refetch = time.monotonic()
            key = self._current_keys(refresh=True).get(kid)
            if key is None:
                raise UnknownKeyError(kid)
            return key

    def _current_keys(self, *, refresh: bool) -> dict[str, jwt.PyJWK]:
        try:
            keys = self._client.get_signing_keys(refresh=refresh)
        except jwt.PyJWKClientError as error:
            # Keep trusting the keys we had when the provider blips.
            if self._keys:
                logger.warning("JWKS fetch failed; keeping cached keys: %s", error)
                return self._keys
            raise ProviderUnreachableError(str(error)) from error
        self._keys = {key.key_id: key for key in keys}
        return self._keys


_caches: dict[str, JwksCache] = {}
_caches_lock = threading.Lock()


def jwks_cache(uri: str) -> JwksCache:
    """The process-wide key cache of one JWKS endpoint."""
    with _caches_lock:
        if uri not in _caches:
            _caches[uri] = JwksCache(
                uri,
                timeout=settings.OIDC_TIMEOUT,
                lifespan=settings.OIDC_JWKS_LIFESPAN,
                cooldown=settings.OIDC_JWKS_REFETCH_COOLDOWN,
            )
        return _caches[uri]


def jwks_cache_clear() -> None:
    """Forget every cached key set (tests, and a settings change)."""
    with _caches_lock:
        _caches.clear()


class TokenRejectedError(Exception):
    """The token is not one of the provider's, or not valid now; says why."""


def provider_key(token: str) -> jwt.PyJWK:
    """The provider's RS256 public key that signed `token`, by its header's kid."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise TokenRejectedError("Malformed token.") from None
    if header.get("alg") != ALGORITHM:
        raise TokenRejectedError("Token algorithm not accepted.")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise TokenRejectedError("Token has no key id.")
    try:
        key = jwks_cache(settings.OIDC_OP_JWKS_ENDPOINT).signing_key(kid)
    except UnknownKeyError:
        raise TokenRejectedError("Token signed by an unknown key.") from None
    if key.key_type != "RSA":
        raise TokenRejectedError("Token signed by an unknown key.")
    return key


_DECODE_ERRORS = (
    (jwt.ExpiredSignatureError, "Token has expired."),
    (jwt.ImmatureSignatureError, "Token is not yet valid."),
    (jwt.InvalidIssuerError, "Token issuer not accepted."),
    (jwt.InvalidSignatureError, "Token signature is invalid."),
)


def provider_claims(token: str, *, audience: str | None, kind: str) -> dict:
    """Verify signature, issuer, expiry, not-before and audience; return the claims.

    `audience` is accepted when the token's `aud` contains it or its `azp` equals
    it. Keycloak types its tokens (`typ`: "Bearer" or "ID"); a token of another
    type is refused, so an ID token is no API credential. Raises
    `TokenRejectedError`, or `ProviderUnreachableError` when no keys can be had.
    """
    key = provider_key(token)
    try:
        claims = jwt.decode(
            token,
            key.key,
            algorithms=[ALGORITHM],
            issuer=settings.OIDC_ISSUER,
            leeway=settings.OIDC_JWT_LEEWAY,
            options={"require": ["exp", "iat", "iss", "sub"], "verify_aud": False},
        )
    except jwt.MissingRequiredClaimError as error:
        raise TokenRejectedError(f"Token has no '{error.claim}' claim.") from None
    except jwt.PyJWTError as error:
        message = next(
            (
                text
                for error_type, text in _DECODE_ERRORS
                if isinstance(error, error_type)
            ),
            "Invalid token.",
        )
        raise TokenRejectedError(message) from None
    if not isinstance(claims["sub"], str) or not claims["sub"]:
        raise TokenRejectedError("Token has no 'sub' claim.")
    if not _audience_matches(claims, audience):
        raise TokenRejectedError("Token audience not accepted.")
    if claims.get("typ") not in (None, kind):
        raise TokenRejectedError("Token type not accepted.")
    return claims


def _audience_matches(claims: dict, audience: str | None) -> bool:
    if not audience:
        return False
    aud = claims.get("aud")
    audiences = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
    return audience in audiences or claims.get("azp") == audience


def token_user(claims: dict):
    """The active user a verified token acts as: a service account, or by `sub`."""
    User = get_user_model()
    username = settings.OIDC_SERVICE_ACCOUNTS.get(claims.get("azp") or "")
    lookup = {"username": username} if username else {"oidc_sub": claims["sub"]}
    user = User.objects.filter(**lookup).first()
    if user is None:
        raise exceptions.AuthenticationFailed("No Noumaris account for this token.")
    if not user.is_active:
        raise exceptions.AuthenticationFailed("This account is deactivated.")
    return user


class BearerJWTAuthentication(BaseAuthentication):
    """`Authorization: Bearer <JWT>` from the OpenID provider (DESIGN 'Authentication')."""

    keyword = b"bearer"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                "Send the header as 'Authorization: Bearer <token>'."
            )
        if not (settings.OIDC_OP_JWKS_ENDPOINT and settings.OIDC_ISSUER):
            raise exceptions.AuthenticationFailed(
                "Bearer tokens are not accepted: no identity provider is configured."
            )
        try:
            token = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("Malformed token.") from None
        try:
            claims = provider_claims(
                token, audience=settings.OIDC_API_AUDIENCE, kind="Bearer"
            )
        except TokenRejectedError as error:
            raise exceptions.AuthenticationFailed(str(error)) from None
        except ProviderUnreachableError:
            raise ServiceUnavailableError(
                "The identity provider cannot be reached; try again shortly."
            ) from None
        return token_user(claims), claims

    def authenticate_header(self, request):
        return 'Bearer realm="api"'
