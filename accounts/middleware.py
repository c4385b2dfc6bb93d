"""The session's idle timeout (HIPAA automatic log-off), renewed without a write per
request."""

import time

from django.conf import settings

RENEWED_AT = "_idle_renewed_at"


class SessionIdleRenewal:
    """Push a signed-in session's expiry `SESSION_IDLE_TIMEOUT` ahead, at most once
    per `SESSION_IDLE_RENEW_EVERY` seconds.

    Django's `SESSION_SAVE_EVERY_REQUEST` would write the session row (a commit) on
    every request; this writes it about once a minute, so a session ends between
    `SESSION_IDLE_TIMEOUT - SESSION_IDLE_RENEW_EVERY` and `SESSION_IDLE_TIMEOUT`
    seconds after its last request: never later than the timeout. Sits below
    `SessionMiddleware`, which saves what is marked modified here.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        # Only a session this request already read (never a load just for this) that
        # holds something: an anonymous visitor gets no session row. Not on a 5xx: a
        # read that failed (the database down) would only be tried again.
        if (
            session is None
            or response.status_code >= 500
            or not session.accessed
            or session.is_empty()
        ):
            return response
        now = int(time.time())
        renewed_at = session.get(RENEWED_AT)
        if (
            not isinstance(renewed_at, int)
            or now - renewed_at >= settings.SESSION_IDLE_RENEW_EVERY
            or renewed_at > now
        ):
            session[RENEWED_AT] = now  # modified: SessionMiddleware saves it
        return response
