"""Pages show times in the viewer's zone (DESIGN 'Roles'): their institution's, or for
a physician or superadmin the browser's, which the page reports in the `tz` cookie."""

import time
import zoneinfo

from django.utils import timezone

from institutions.selectors import user_time_zone

ZONE_KEY = "_time_zone"
ZONE_CHECK_EVERY = 300  # seconds: an institution's new zone shows within 5 minutes
NOT_PAGES = ("/api/", "/static/", "/health", "/metrics", "/ws/")


def _zone(name: str | None) -> zoneinfo.ZoneInfo | None:
    try:
        return zoneinfo.ZoneInfo(name) if name else None
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


class LocalTimeMiddleware:
    """Activate the viewer's time zone for a signed-in page request.

    The institution's zone is looked up once per ZONE_CHECK_EVERY and kept in the
    session, so a page costs no query for it. The API answers ISO 8601 with offsets
    and needs none of this.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        zone = None
        if not request.path_info.startswith(NOT_PAGES):
            zone = self._viewer_zone(request)
        if zone is None:
            return self.get_response(request)
        with timezone.override(zone):
            return self.get_response(request)

    def _viewer_zone(self, request) -> zoneinfo.ZoneInfo | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        session = request.session
        cached = session.get(ZONE_KEY)
        now = int(time.time())
        if not (isinstance(cached, list) and len(cached) == 2) or (
            now - int(cached[1]) >= ZONE_CHECK_EVERY
        ):
            cached = [user_time_zone(user=user), now]
            session[ZONE_KEY] = cached
        return _zone(cached[0]) or _zone(request.COOKIES.get("tz"))
