"""`me` and `me/permissions`: anyone signed in, about themselves."""

from tests.api.matrix import Row

ROWS = [
    Row(
        route="GET me", url=lambda c: "/api/v1/me", expect={"anonymous": 401, "*": 200}
    ),
    Row(
        route="GET me/permissions",
        url=lambda c: "/api/v1/me/permissions",
        expect={"anonymous": 401, "*": 200},
    ),
]
