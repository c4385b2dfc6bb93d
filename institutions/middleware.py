"""What pages need to know about the signed-in viewer, kept in the cache and
checked every few minutes, so a page costs no query (and no session write) for it: the time zone its times
are shown in (the institution's; a physician's or superadmin's browser zone, which
the page reports in the `tz` cookie) and the person's roles (`institutions.roles`):
what the navigation offers and where their home is."""

import contextlib
import zoneinfo

from django.core.cache import cache
from django.db import InterfaceError, OperationalError
from django.utils import timezone
from redis.exceptions import RedisError

from institutions.roles import user_roles
from institutions.selectors import user_time_zone

CHECK_EVERY = 300  # seconds: a new zone or role shows within 5 minutes
NOT_PAGES = ("/api/", "/static/", "/health", "/metrics", "/ws/")


def _zone(name: str | None) -> zoneinfo.ZoneInfo | None:
    try:
        return zoneinfo.ZoneInfo(name) if name else None
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


class ViewerMiddleware:
    """Set `request.viewer` and activate the viewer's time zone for a page request.
    The API answers ISO 8601 with offsets and needs none of this."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        viewer = None
        if not request.path_info.startswith(NOT_PAGES):
            try:
                viewer = self._viewer(request)
            except (OperationalError, InterfaceError):
                viewer = None  # the view meets the database's state and says so
        request.viewer = viewer or {}
        zone = _zone((viewer or {}).get("zone")) or (
            _zone(request.COOKIES.get("tz")) if viewer is not None else None
        )
        if zone is None:
            return self.get_response(request)
        with timezone.override(zone):
            return self.get_response(request)

    def _viewer(self, request) -> dict | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        key = viewer_cache_key(user.pk)
        try:
            viewer = cache.get(key)
        except RedisError:
            viewer = None
        if not isinstance(viewer, dict):
            viewer = {"zone": user_time_zone(user=user), **user_roles(user=user)}
            with contextlib.suppress(RedisError):  # else the next page looks again
                cache.set(key, viewer, CHECK_EVERY)
        return viewer


def viewer_cache_key(user_id: int) -> str:
    return f"noumaris:viewer:{user_id}"
