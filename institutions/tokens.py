"""Invitation link tokens: random, and stored only as their SHA-256."""

import hashlib
import secrets


def invitation_token_new() -> str:
    """A fresh URL-safe token for an invitation link (only its hash is stored)."""
    return secrets.token_urlsafe(32)


def invitation_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
