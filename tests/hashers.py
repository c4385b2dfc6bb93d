"""A quick password hasher for the test process (tests/conftest.py installs it).

The same algorithm as production's (PBKDF2-SHA256, the name in the hash is the
same), at 1,000 iterations instead of a million: every user a test makes, every
in-process sign-in and every wrong password of the lockout tests hashes, and at a
million each costs a second of CPU (three on a busy machine). A child server (its
own, production settings) still verifies these hashes, at the iteration count each
hash names, and re-hashes a signed-in user's password at its own count, as after a
deployment that raises it.
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
