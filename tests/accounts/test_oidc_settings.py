"""OIDC configuration from the environment, read in a fresh process (settings load
at import), and the realm export's agreement with the app's routes."""

import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from tests.noumaris.subprocess_env import clean_env, read_settings, run_manage

ROOT = Path(__file__).resolve().parents[2]
BASE = {"DJANGO_DEBUG": "1"}
KEYCLOAK = {
    "KEYCLOAK_URL": "https://sso.example.org/",
    "KEYCLOAK_REALM": "noumaris",
    "KEYCLOAK_CLIENT_ID": "noumaris-web",
    "KEYCLOAK_CLIENT_SECRET": "s3cret",
}
NAMES = [
    "OIDC_ENABLED",
    "OIDC_ISSUER",
    "OIDC_OP_AUTHORIZATION_ENDPOINT",
    "OIDC_OP_TOKEN_ENDPOINT",
    "OIDC_OP_USER_ENDPOINT",
    "OIDC_OP_JWKS_ENDPOINT",
    "OIDC_OP_LOGOUT_ENDPOINT",
    "OIDC_RP_CLIENT_ID",
    "OIDC_API_AUDIENCE",
    "OIDC_RP_SIGN_ALGO",
    "OIDC_TIMEOUT",
    "OIDC_USE_PKCE",
    "OIDC_SERVICE_ACCOUNTS",
    "AUTHENTICATION_BACKENDS",
    "MIDDLEWARE",
    "CONTENT_SECURITY_POLICY",
    "REST_FRAMEWORK",
]


def test_keycloak_variables_derive_every_endpoint_with_safe_defaults():
    values = read_settings(NAMES, clean_env(**BASE, **KEYCLOAK))
    realm = "https://sso.example.org/realms/noumaris"
    assert values["OIDC_ENABLED"] is True
    assert values["OIDC_ISSUER"] == realm
    assert values["OIDC_OP_AUTHORIZATION_ENDPOINT"] == (
        f"{realm}/protocol/openid-connect/auth"
    )
    assert values["OIDC_OP_TOKEN_ENDPOINT"] == f"{realm}/protocol/openid-connect/token"
    assert values["OIDC_OP_USER_ENDPOINT"] == (
        f"{realm}/protocol/openid-connect/userinfo"
    )
    assert values["OIDC_OP_JWKS_ENDPOINT"] == f"{realm}/protocol/openid-connect/certs"
    assert values["OIDC_OP_LOGOUT_ENDPOINT"] == (
        f"{realm}/protocol/openid-connect/logout"
    )
    assert values["OIDC_API_AUDIENCE"] == "noumaris-web"
    # Not the library's defaults (HS256, wait forever).
    assert values["OIDC_RP_SIGN_ALGO"] == "RS256"
    assert values["OIDC_TIMEOUT"] == 10
    assert values["OIDC_USE_PKCE"] is True
    assert values["AUTHENTICATION_BACKENDS"] == [
        "institutions.oidc.InstitutionsOIDCBackend"
    ]
    middleware = values["MIDDLEWARE"]
    assert middleware.index("accounts.oidc.SessionRefresh") == (
        middleware.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1
    )
    form_action = values["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]["form-action"]
    assert form_action == ["'self'", "https://sso.example.org"]
    assert values["REST_FRAMEWORK"]["DEFAULT_AUTHENTICATION_CLASSES"][0] == (
        "accounts.authentication.BearerJWTAuthentication"
    )


def test_explicit_overrides_serve_any_other_provider():
    env = clean_env(
        **BASE,
        KEYCLOAK_CLIENT_ID="web",
        KEYCLOAK_CLIENT_SECRET="s",
        OIDC_ISSUER="https://idp.example.org",
        OIDC_OP_AUTHORIZATION_ENDPOINT="https://idp.example.org/authorize",
        OIDC_OP_TOKEN_ENDPOINT="https://idp.example.org/oauth/token",
        OIDC_OP_USER_ENDPOINT="https://idp.example.org/userinfo",
        OIDC_OP_JWKS_ENDPOINT="https://idp.example.org/.well-known/jwks.json",
        OIDC_API_AUDIENCE="https://api.noumaris.example.org",
        OIDC_SERVICE_ACCOUNTS="ehr=ehr-bridge, lab=lab-feed",
        OIDC_TIMEOUT="4",
    )
    values = read_settings(NAMES, env)
    assert values["OIDC_ENABLED"] is True
    assert values["OIDC_OP_TOKEN_ENDPOINT"] == "https://idp.example.org/oauth/token"
    assert values["OIDC_OP_LOGOUT_ENDPOINT"] is None
    assert values["OIDC_API_AUDIENCE"] == "https://api.noumaris.example.org"
    assert values["OIDC_SERVICE_ACCOUNTS"] == {"ehr": "ehr-bridge", "lab": "lab-feed"}
    assert values["OIDC_TIMEOUT"] == 4
    assert values["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]["form-action"] == ["'self'"]


def test_without_the_variables_the_local_sign_in_stays():
    values = read_settings(NAMES, clean_env(**BASE))
    assert values["OIDC_ENABLED"] is False
    # Passwords, with django-axes counting the failures in front of them.
    assert values["AUTHENTICATION_BACKENDS"] == [
        "axes.backends.AxesStandaloneBackend",
        "institutions.backends.InstitutionsModelBackend",
    ]
    assert "accounts.oidc.SessionRefresh" not in values["MIDDLEWARE"]


@pytest.mark.parametrize(
    "missing", ["KEYCLOAK_CLIENT_SECRET", "KEYCLOAK_REALM", "KEYCLOAK_CLIENT_ID"]
)
def test_a_half_configured_provider_stops_start_up_naming_what_to_set(missing):
    env = clean_env(**BASE, **{k: v for k, v in KEYCLOAK.items() if k != missing})
    done = run_manage("check", env=env)
    assert done.returncode != 0
    assert "OpenID Connect is half configured" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_realm_export_matches_the_apps_routes_and_roles(db):
    realm = json.loads((ROOT / "keycloak" / "realm-export.json").read_text())
    assert realm["realm"] == "noumaris"
    assert {role["name"] for role in realm["roles"]["realm"]} == {
        "superadmin",
        "institution_admin",
        "resident",
        "physician",
    }
    clients = {client["clientId"]: client for client in realm["clients"]}
    web = clients["noumaris-web"]
    assert web["publicClient"] is False and web["standardFlowEnabled"] is True
    assert not web["implicitFlowEnabled"] and not web["directAccessGrantsEnabled"]
    assert web["attributes"]["pkce.code.challenge.method"] == "S256"
    callback = reverse("oidc_authentication_callback")
    assert {urlsplit(uri).path for uri in web["redirectUris"]} == {callback}
    signed_out = reverse("signed_out")
    logout_uris = web["attributes"]["post.logout.redirect.uris"].split("##")
    assert {urlsplit(uri).path for uri in logout_uris} == {signed_out}
    mappers = {m["protocolMapper"]: m["config"] for m in web["protocolMappers"]}
    assert mappers["oidc-audience-mapper"]["included.client.audience"] == (
        "noumaris-web"
    )
    roles = mappers["oidc-usermodel-realm-role-mapper"]
    assert roles["claim.name"] == "realm_access.roles"
    assert roles["id.token.claim"] == roles["userinfo.token.claim"] == "true"
    integrator = clients["noumaris-integrator"]
    assert integrator["serviceAccountsEnabled"] is True
    assert integrator["standardFlowEnabled"] is False
    assert integrator["protocolMappers"][0]["config"]["included.client.audience"] == (
        "noumaris-web"
    )
    # The HIPAA idle log-off holds at the provider too: its SSO session idles out
    # no later than ours, so an idle person is not signed straight back in.
    assert realm["ssoSessionIdleTimeout"] <= 900
