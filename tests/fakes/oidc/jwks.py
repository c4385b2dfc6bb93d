"""A JWKS endpoint on loopback whose keys a test controls, and that counts fetches.

For the token-attack and key-rotation tests: the real PyJWT client fetches from it
over HTTP, and a test publishes a new key or takes the server down.
"""

import contextlib
import json
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

ISSUER_PATH = "/realms/noumaris"


class SigningKey:
    """An RSA key pair with a kid; signs tokens and publishes its public half."""

    def __init__(self, kid: str | None = None):
        self.kid = kid or f"rsa-{uuid.uuid4()}"
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def jwk(self) -> dict:
        public = json.loads(
            jwt.algorithms.RSAAlgorithm.to_jwk(self.private.public_key())
        )
        return {**public, "kid": self.kid, "use": "sig", "alg": "RS256"}

    def sign(self, claims: dict, *, headers: dict | None = None) -> str:
        return jwt.encode(
            claims,
            self.private,
            algorithm="RS256",
            headers={"kid": self.kid, **(headers or {})},
        )


class JwksServer:
    def __init__(self):
        self.keys: list[SigningKey] = []
        self.fetches = 0
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                if self.path != f"{ISSUER_PATH}/protocol/openid-connect/certs":
                    self.send_error(404)
                    return
                with server._lock:
                    server.fetches += 1
                    body = json.dumps({"keys": [k.jwk() for k in server.keys]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._httpd.server_address[1]
        self.issuer = f"http://127.0.0.1:{self.port}{ISSUER_PATH}"
        self.jwks_uri = f"{self.issuer}/protocol/openid-connect/certs"

    def publish(self, key: SigningKey) -> SigningKey:
        with self._lock:
            self.keys.append(key)
        return key

    def start(self) -> None:
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def claims(self, **overrides) -> dict:
        """A valid access token's claims, Keycloak-shaped; override any."""
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "sub": "person-1",
            "aud": "noumaris-web",
            "azp": "noumaris-web",
            "typ": "Bearer",
            "iat": now,
            "exp": now + 300,
        }
        claims.update(overrides)
        return {k: v for k, v in claims.items() if v is not None}


@contextlib.contextmanager
def jwks_server() -> Iterator[JwksServer]:
    server = JwksServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
