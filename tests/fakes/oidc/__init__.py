"""Start the Keycloak-shaped OpenID provider of server.mjs (npm `oidc-provider`).

`oidc_provider()` installs its npm package into a cache outside the repository
(`~/.cache/noumaris-tests`, or NOUMARIS_TEST_CACHE) when missing (`npm ci`), starts it on loopback and yields a `FakeProvider` that
knows the realm's users and clients, and can sign a person in with plain HTTP.
"""

import contextlib
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests

from tests.services import require_executable
from tests.waiting import DEADLINE

HERE = Path(__file__).resolve().parent
REALM = "noumaris"
WEB_CLIENT_ID = "noumaris-web"
WEB_CLIENT_SECRET = "web-client-secret-for-tests"  # noqa: S105 - test fixture
SERVICE_CLIENT_ID = "noumaris-integrator"
SERVICE_CLIENT_SECRET = "integrator-secret-for-tests"  # noqa: S105 - test fixture
PASSWORD = "provider-password"  # noqa: S105 - every test user's, at the provider

# The realm's people. Noumaris knows only those a test creates locally.
USERS = {
    "rivera": {
        "sub": str(uuid.UUID(int=1)),
        "email": "rivera@example.org",
        "given_name": "Rosa",
        "family_name": "Rivera",
        "roles": ["resident"],
    },
    "root": {
        "sub": str(uuid.UUID(int=2)),
        "email": "root@example.org",
        "given_name": "Ruth",
        "family_name": "Root",
        "roles": ["superadmin"],
    },
    "unverified": {
        "sub": str(uuid.UUID(int=3)),
        "email": "unverified@example.org",
        "email_verified": False,
        "given_name": "Una",
        "family_name": "Verified",
    },
    "stranger": {
        "sub": str(uuid.UUID(int=4)),
        "email": "stranger@example.org",
        "given_name": "Stan",
        "family_name": "Ranger",
    },
    "invitee": {
        "sub": str(uuid.UUID(int=5)),
        "email": "Invitee@Example.org",
        "given_name": "Ivy",
        "family_name": "Invitee",
    },
}


@dataclass
class FakeProvider:
    issuer: str
    users: dict = field(default_factory=lambda: USERS)

    @property
    def base_url(self) -> str:
        parts = urlsplit(self.issuer)
        return f"{parts.scheme}://{parts.netloc}"

    def endpoint(self, name: str) -> str:
        return f"{self.issuer}/protocol/openid-connect/{name}"

    def env(self, **extra: str) -> dict[str, str]:
        """The environment that points a Noumaris server at this provider."""
        return {
            "KEYCLOAK_URL": self.base_url,
            "KEYCLOAK_REALM": REALM,
            "KEYCLOAK_CLIENT_ID": WEB_CLIENT_ID,
            "KEYCLOAK_CLIENT_SECRET": WEB_CLIENT_SECRET,
            **extra,
        }

    def configure(self, settings, **extra) -> None:
        """Point this process's Django settings (pytest-django's `settings`) at it."""
        values = {
            "OIDC_ENABLED": True,
            "OIDC_ISSUER": self.issuer,
            "OIDC_OP_AUTHORIZATION_ENDPOINT": self.endpoint("auth"),
            "OIDC_OP_TOKEN_ENDPOINT": self.endpoint("token"),
            "OIDC_OP_USER_ENDPOINT": self.endpoint("userinfo"),
            "OIDC_OP_JWKS_ENDPOINT": self.endpoint("certs"),
            "OIDC_OP_LOGOUT_ENDPOINT": self.endpoint("logout"),
            "OIDC_RP_CLIENT_ID": WEB_CLIENT_ID,
            "OIDC_RP_CLIENT_SECRET": WEB_CLIENT_SECRET,
            "OIDC_API_AUDIENCE": WEB_CLIENT_ID,
            "AUTHENTICATION_BACKENDS": ["institutions.oidc.InstitutionsOIDCBackend"],
            **extra,
        }
        for name, value in values.items():
            setattr(settings, name, value)

    def update_user(self, username: str, **changes) -> None:
        response = requests.patch(
            f"{self.base_url}/_fake/users/{username}", json=changes, timeout=DEADLINE
        )
        response.raise_for_status()

    def reset(self) -> None:
        requests.post(
            f"{self.base_url}/_fake/reset", timeout=DEADLINE
        ).raise_for_status()

    def client_credentials_token(
        self, client_id: str = SERVICE_CLIENT_ID, secret: str = SERVICE_CLIENT_SECRET
    ) -> str:
        response = requests.post(
            self.endpoint("token"),
            data={"grant_type": "client_credentials"},
            auth=(client_id, secret),
            timeout=DEADLINE,
        )
        response.raise_for_status()
        return response.json()["access_token"]

    def sign_in(
        self, authorize_url: str, username: str, *, browser: requests.Session
    ) -> str:
        """Follow the provider's pages as a browser would; return the URL it sends
        the person back to (our callback, with code and state)."""
        response = browser.get(authorize_url, allow_redirects=False, timeout=DEADLINE)
        for _ in range(10):
            location = response.headers.get("Location")
            if location is None:
                break
            location = urljoin(response.url, location)
            if not location.startswith(self.base_url):
                return location
            response = browser.get(location, allow_redirects=False, timeout=DEADLINE)
            if response.status_code == 200 and "Sign in to your account" in (
                response.text
            ):
                action = urljoin(response.url, _form_action(response.text))
                response = browser.post(
                    action,
                    data={"username": username, "password": PASSWORD},
                    allow_redirects=False,
                    timeout=DEADLINE,
                )
        raise AssertionError(f"the provider did not send us back: {response.text}")


class _FormAction(HTMLParser):
    action = None

    def handle_starttag(self, tag, attrs):
        if tag == "form" and self.action is None:
            self.action = dict(attrs).get("action")


def _form_action(html: str) -> str:
    parser = _FormAction()
    parser.feed(html)
    return parser.action


_install_lock = threading.Lock()
# The provider's npm packages live in a cache outside the repository (downloaded data
# is never kept in the clone), one folder per version of the package lock.
CACHE = Path(
    os.environ.get("NOUMARIS_TEST_CACHE", "~/.cache/noumaris-tests")
).expanduser()
FILES = ("package.json", "package-lock.json", "server.mjs")


def ensure_installed() -> Path:
    """`npm ci` the provider into the cache when missing; the folder it runs from."""
    require_executable("node", "the fake OpenID provider runs on Node.js")
    digest = hashlib.sha256(b"".join((HERE / f).read_bytes() for f in FILES))
    home = CACHE / f"fake-oidc-{digest.hexdigest()[:16]}"
    with _install_lock:
        if (home / "node_modules" / "oidc-provider" / "package.json").exists():
            return home
        npm = require_executable("npm", "installs the fake OpenID provider")
        building = Path(tempfile.mkdtemp(prefix="fake-oidc-", dir=_cache()))
        for name in FILES:
            shutil.copy2(HERE / name, building / name)
        subprocess.run(  # noqa: S603 - fixed command
            [npm, "ci", "--no-audit", "--no-fund"],
            cwd=building,
            check=True,
            capture_output=True,
            timeout=300,
        )
        if home.exists():  # another run finished first
            shutil.rmtree(building, ignore_errors=True)
        else:
            building.rename(home)
        return home


def _cache() -> Path:
    CACHE.mkdir(parents=True, exist_ok=True)
    return CACHE


@contextlib.contextmanager
def oidc_provider(users: dict | None = None) -> Iterator[FakeProvider]:
    """Run the fake provider for the duration of the block."""
    home = ensure_installed()
    users = users or USERS
    config = {
        "realm": REALM,
        "web_client": {"client_id": WEB_CLIENT_ID, "client_secret": WEB_CLIENT_SECRET},
        "service_clients": [
            {"client_id": SERVICE_CLIENT_ID, "client_secret": SERVICE_CLIENT_SECRET}
        ],
        "api_audience": WEB_CLIENT_ID,
        "users": [
            {"username": name, "password": PASSWORD, **user}
            for name, user in users.items()
        ],
    }
    with tempfile.TemporaryDirectory(prefix="fake-oidc-") as tmp:
        config_path = Path(tmp) / "config.json"
        config_path.write_text(json.dumps(config))
        log_path = Path(tmp) / "provider.log"
        with open(log_path, "w+") as log:
            proc = subprocess.Popen(  # noqa: S603 - fixed command
                ["node", str(home / "server.mjs"), str(config_path)],  # noqa: S607
                cwd=home,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
            )
            try:
                issuer = _wait_ready(proc, log_path)
                yield FakeProvider(issuer=issuer, users=users)
            finally:
                proc.terminate()
                try:
                    proc.wait(timeout=DEADLINE)
                except subprocess.TimeoutExpired:
                    proc.kill()


def _wait_ready(
    proc: subprocess.Popen, log_path: Path, timeout: float = DEADLINE
) -> str:
    deadline = time.monotonic() + timeout
    result: list[str] = []

    def read():
        for line in proc.stdout:
            found = re.match(r"READY (\S+)", line)
            if found:
                result.append(found.group(1))
                return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(max(0.0, deadline - time.monotonic()))
    if not result:
        proc.kill()
        raise RuntimeError(
            f"the fake OpenID provider did not start:\n{log_path.read_text()}"
        )
    return result[0]
