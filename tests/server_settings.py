"""The settings of the servers and workers the suite starts: production's, with the
suite's quick password hasher preferred (tests/hashers.py).

The users a test makes are hashed at the quick hasher's 1,000 iterations. Under
production's settings a child server, verifying such a password at a sign-in,
re-hashed it at its own million (a second of CPU, three on a busy machine, at every
browser sign-in of the suite). The hash names the same algorithm, so production's
hasher still verifies it: only the count a signed-in password is kept at differs.
"""

from django.conf import global_settings

from noumaris.settings import *  # noqa: F403 - production's, one setting changed

PASSWORD_HASHERS = [
    "tests.hashers.QuickPBKDF2PasswordHasher",
    *global_settings.PASSWORD_HASHERS,  # production's (noumaris.settings keeps them)
]
