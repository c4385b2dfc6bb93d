"""Model fields for PHI: text encrypted at rest with FIELD_ENCRYPTION_KEYS."""

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

PREFIX = "fernet:"


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError as exc:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS must be url-safe base64 Fernet keys of 32 bytes"
        ) from exc


def fernet() -> MultiFernet:
    """The first key encrypts; every key decrypts (key rotation)."""
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt_text(value: str) -> str:
    return PREFIX + fernet().encrypt(value.encode("utf-8")).decode("ascii")


def decrypt_text(value: str) -> str:
    if not value.startswith(PREFIX):
        raise ValueError("value is not encrypted")
    try:
        return fernet().decrypt(value[len(PREFIX) :].encode("ascii")).decode("utf-8")
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "an encrypted field cannot be read with FIELD_ENCRYPTION_KEYS: "
            "is the key that wrote it still in the list?"
        ) from exc


class EncryptedTextField(models.TextField):
    """A TextField stored as Fernet ciphertext; not searchable or orderable in SQL."""

    def from_db_value(self, value, expression, connection):
        return None if value is None else decrypt_text(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return None if value is None else encrypt_text(value)
