"""How django-axes throttles sign-in here (its documented hooks, named in settings).

- The lock is on the pair (username, address): five wrong passwords for alice from
  one address lock alice out from that address only, so neither alice elsewhere nor
  the colleague behind the same hospital NAT address is refused.
- A slower limit by username alone (SIGN_IN_USERNAME_FAILURE_LIMIT across all
  addresses within the cool-off) still stops a guesser who changes address.
- A known device gets through: a browser where this username signed in before
  carries a signed cookie naming it, and its sign-ins are exempt from both locks, so
  a stranger cannot lock the real person out of their own browser. The device has
  its own count: after SIGN_IN_FAILURE_LIMIT wrong passwords from it, it is an
  unknown device again until the cool-off ends (a stolen cookie buys no guesses).
"""

import secrets

from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db.models import Sum
from django.utils import timezone

DEVICE_COOKIE = "noumaris_device"
DEVICE_COOKIE_MAX_AGE = 60 * 60 * 24 * 90  # a device is known for 90 days
_SALT = "noumaris.sign-in.device"


def failure_limit(request, credentials) -> int:
    """AXES_FAILURE_LIMIT: the pair's limit, or 0 (locked) once the username has
    failed SIGN_IN_USERNAME_FAILURE_LIMIT times from anywhere in the cool-off."""
    username = get_client_username(request, credentials)
    if username:
        since = timezone.now() - settings.AXES_COOLOFF_TIME
        failures = AccessAttempt.objects.filter(
            username=username, attempt_time__gte=since
        ).aggregate(total=Sum("failures_since_start"))["total"]
        if (failures or 0) >= settings.SIGN_IN_USERNAME_FAILURE_LIMIT:
            return 0
    return settings.SIGN_IN_FAILURE_LIMIT


def from_known_device(request, credentials) -> bool:
    """AXES_WHITELIST_CALLABLE: this browser signed in as this username before and
    has not guessed wrong too often since."""
    device = _device(request)
    username = get_client_username(request, credentials)
    if not device or not username or device["username"] != username:
        return False
    return cache.get(_failures_key(device), 0) < settings.SIGN_IN_FAILURE_LIMIT


def device_remember(response, *, request, username: str) -> None:
    """After a right password: mark this browser as a known device for `username`."""
    device = _device(request)
    if not device or device["username"] != username:
        device = {"username": username, "id": secrets.token_urlsafe(16)}
    response.set_cookie(
        DEVICE_COOKIE,
        signing.dumps(device, salt=_SALT),
        max_age=DEVICE_COOKIE_MAX_AGE,
        httponly=True,
        secure=settings.SESSION_COOKIE_SECURE,
        samesite="Lax",
    )


def device_failure_record(request) -> None:
    """A wrong password from a known device for its username counts against it."""
    device = _device(request)
    if device and device["username"] == get_client_username(request):
        key = _failures_key(device)
        cache.add(key, 0, timeout=int(settings.AXES_COOLOFF_TIME.total_seconds()))
        cache.incr(key)


def _device(request) -> dict | None:
    signed = request.COOKIES.get(DEVICE_COOKIE)
    if not signed:
        return None
    try:
        device = signing.loads(signed, salt=_SALT, max_age=DEVICE_COOKIE_MAX_AGE)
    except signing.BadSignature:
        return None
    return device if isinstance(device, dict) and "id" in device else None


def _failures_key(device: dict) -> str:
    return f"sign-in-device-failures:{device['id']}"
