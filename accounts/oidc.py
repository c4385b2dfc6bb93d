"""Sign-in through the OpenID provider (Keycloak), on top of mozilla-django-oidc.

A person is matched by the provider's `sub` (stored on first link), never by a
mutable claim alone. A first sign-in links an existing account with the same
verified e-mail that has no `sub` yet, or creates the account of a pending
invitation the person opened; anybody else gets the no-account page.
"""

import logging
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, load_backend, logout
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.middleware import SessionRefresh as LibrarySessionRefresh
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from accounts import selectors, services
from accounts.authentication import (
    ProviderUnreachableError,
    TokenRejectedError,
    provider_claims,
)
from noumaris.common.net import client_ip

logger = logging.getLogger(__name__)

SUPERADMIN_ROLE = "superadmin"


class SignInRefused(Exception):
    """The provider vouched for the person, but Noumaris will not sign them in."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def realm_roles(claims: dict) -> set[str]:
    """Keycloak's realm roles (`realm_access.roles`); none when absent or malformed."""
    access = claims.get("realm_access")
    roles = access.get("roles") if isinstance(access, dict) else None
    return (
        {role for role in roles if isinstance(role, str)}
        if isinstance(roles, list)
        else set()
    )


class NoumarisOIDCBackend(OIDCAuthenticationBackend):
    """The authorization code flow's last step: verify, match, sync roles.

    What an account means in an institution is the institutions app's: its
    subclass (`institutions.oidc.InstitutionsOIDCBackend`, the one settings name)
    fills the two hooks below.
    """

    def account_for_new_identity(self, claims: dict, ip_address) -> object | None:
        """The account to create for a person no account matches, or None."""
        return None

    def stays_staff(self, user) -> bool:
        """Whether the account stays staff when its superadmin role goes."""
        return False

    def authenticate(self, request, **kwargs):
        try:
            return super().authenticate(request, **kwargs)
        except SignInRefused as refused:
            logger.info("OIDC sign-in refused: %s", refused.reason)
            request.oidc_refusal = refused.reason
        except (SuspiciousOperation, requests.RequestException) as error:
            logger.warning("OIDC sign-in failed: %s", error)
            request.oidc_refusal = "failed"
        return None

    def verify_token(self, token, **kwargs):
        """Check the ID token fully: RS256 against the JWKS, issuer, audience, expiry,
        nonce (the library leaves out issuer and audience)."""
        try:
            claims = provider_claims(token, audience=self.OIDC_RP_CLIENT_ID, kind="ID")
        except (TokenRejectedError, ProviderUnreachableError) as error:
            raise SuspiciousOperation(f"ID token refused: {error}") from None
        if claims.get("nonce") != kwargs.get("nonce"):
            raise SuspiciousOperation("ID token nonce does not match.")
        return claims

    def get_or_create_user(self, access_token, id_token, payload):
        userinfo = self.get_userinfo(access_token, id_token, payload)
        if userinfo.get("sub") != payload["sub"]:
            raise SuspiciousOperation("userinfo is about somebody else.")
        claims = {**payload, **userinfo}
        if claims.get("email_verified") not in (True, "true") or not claims.get(
            "email"
        ):
            raise SignInRefused("unverified-email")
        user = self._match(claims)
        if not user.is_active:
            raise SignInRefused("inactive")
        return services.user_sync_from_provider(
            user=user,
            claims=claims,
            is_superadmin=SUPERADMIN_ROLE in realm_roles(claims),
            staff_without_superadmin=self.stays_staff(user),
            ip_address=client_ip(self.request),
        )

    def _match(self, claims: dict):
        user = self.UserModel.objects.filter(oidc_sub=claims["sub"]).first()
        if user is not None:
            return user
        ip_address = client_ip(self.request)
        linked = services.user_link_by_verified_email(
            sub=claims["sub"], email=claims["email"], ip_address=ip_address
        )
        if linked is not None:
            return linked
        created = self.account_for_new_identity(claims, ip_address)
        if created is not None:
            return created
        raise SignInRefused(
            "linked-elsewhere"
            if selectors.user_email_linked_to_other_identity(email=claims["email"])
            else "no-account"
        )

    def filter_users_by_claims(self, claims):
        """Never match by a mutable claim (the library matches by e-mail)."""
        return self.UserModel.objects.filter(oidc_sub=claims.get("sub") or None)


class _OnlyWhenEnabled:
    def dispatch(self, request, *args, **kwargs):
        if not settings.OIDC_ENABLED:
            raise Http404("OpenID Connect sign-in is not configured.")
        return super().dispatch(request, *args, **kwargs)


class SignInStartView(_OnlyWhenEnabled, OIDCAuthenticationRequestView):
    """`/oidc/authenticate/?next=`: off to the provider with state, nonce and PKCE."""


class SignInCallbackView(_OnlyWhenEnabled, OIDCAuthenticationCallbackView):
    """`/oidc/callback/`: back from the provider."""

    def get(self, request):
        # Read before the library's logout on an error flushes the session.
        self.next_url = request.session.get("oidc_login_next") or "/"
        return super().get(request)

    @property
    def failure_url(self):
        request = self.request
        if request.GET.get("error") == "login_required":
            # A silent renewal found the provider session over: sign in again.
            return f"{reverse('login')}?{urlencode({'next': self.next_url})}"
        reason = getattr(request, "oidc_refusal", None) or "failed"
        return reverse("sign_in_refused", args=[reason])


class SessionRefresh(LibrarySessionRefresh):
    """Renew the sign-in at the provider (prompt=none) once the ID token is stale.

    Only on full page loads: an htmx request cannot follow a redirect to another
    origin, so it passes on the Django session (which still idles out) and the
    next page load renews.
    """

    def is_refreshable_url(self, request):
        return not request.headers.get("HX-Request") and super().is_refreshable_url(
            request
        )


def provider_logout_url(request) -> str:
    """RP-initiated logout: the provider ends its session, then sends the person
    back to our signed-out page."""
    back = request.build_absolute_uri(reverse("signed_out"))
    if not settings.OIDC_OP_LOGOUT_ENDPOINT:
        return back
    params = {"client_id": settings.OIDC_RP_CLIENT_ID, "post_logout_redirect_uri": back}
    id_token = request.session.get("oidc_id_token")
    if id_token:
        params["id_token_hint"] = id_token
    return f"{settings.OIDC_OP_LOGOUT_ENDPOINT}?{urlencode(params)}"


def sign_in_url(next_url: str | None, *, request) -> str:
    """Where `/login?next=` leads when the provider signs people in."""
    url = reverse("oidc_authentication_init")
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        url += "?" + urlencode({"next": next_url})
    return url


def signed_in_with_provider(request) -> bool:
    """Whether this session began with a sign-in at the provider."""
    path = request.session.get(BACKEND_SESSION_KEY)
    return path in settings.AUTHENTICATION_BACKENDS and isinstance(
        load_backend(path), NoumarisOIDCBackend
    )


def sign_out_everywhere(request) -> HttpResponseRedirect:
    """End our session, then send the browser to end the provider's."""
    url = provider_logout_url(request)  # needs the session's ID token: read first
    logout(request)
    return HttpResponseRedirect(url)
