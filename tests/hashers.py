"""A quick password hasher for the test process (tests/conftest.py installs it).

The same algorithm as production's (PBKDF2-SHA256, the name in the hash is the
same), at 1,000 iterations instead of a million: every user a test makes, every
in-process sign-in and every wrong password of the lockout tests hashes, and at a
million each costs a second of CPU (three on a busy machine). The servers and
workers the suite starts prefer it too (tests/server_settings.py): they verify these
hashes without re-hashing a signed-in user's password at a million.
"""

from django.contrib.auth.hashers import PBKDF2PasswordHasher


class QuickPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    iterations = 1_000


def install() -> None:
    from django.conf import settings
    from django.contrib.auth.hashers import get_hashers, get_hashers_by_algorithm

    settings.PASSWORD_HASHERS = ["tests.hashers.QuickPBKDF2PasswordHasher"]
    get_hashers.cache_clear()
    get_hashers_by_algorithm.cache_clear()
