"""What pages need to know about the signed-in viewer, kept in the session and
checked every few minutes, so a page costs no query for it: the time zone its times
are shown in (the institution's; a physician's or superadmin's browser zone, which
the page reports in the `tz` cookie) and whether the navigation offers Supervision
(faculty only)."""

import time
import zoneinfo

from django.db import InterfaceError, OperationalError
from django.utils import timezone

from institutions.selectors import user_is_faculty, user_time_zone

VIEWER_KEY = "_viewer"
CHECK_EVERY = 300  # seconds: a new zone or faculty role shows within 5 minutes
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
        viewer = request.session.get(VIEWER_KEY)
        now = int(time.time())
        if not isinstance(viewer, dict) or now - viewer.get("at", 0) >= CHECK_EVERY:
            viewer = {
                "zone": user_time_zone(user=user),
                "faculty": user_is_faculty(user=user),
                "at": now,
            }
            request.session[VIEWER_KEY] = viewer
        return viewer
