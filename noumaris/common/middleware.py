"""Request id and access log. Neither ever reads or logs a request body."""

import logging
import re
import time
import uuid

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.utils.cache import patch_cache_control
from django.utils.functional import SimpleLazyObject, empty

from noumaris.common.db import pool_sweep
from noumaris.common.logging import request_id_var

logger = logging.getLogger("noumaris.access")

REQUEST_ID_HEADER = "X-Request-ID"
_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def _request_id(request) -> str:
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    return incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex


class RequestIdMiddleware:
    """Honour a well-formed X-Request-ID or make one; echo it in the response."""

    async_capable = True
    sync_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request):
        if iscoroutinefunction(self):
            return self.__acall__(request)
        token = self._start(request)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response[REQUEST_ID_HEADER] = request.request_id
        return response

    async def __acall__(self, request):
        token = self._start(request)
        try:
            response = await self.get_response(request)
        finally:
            request_id_var.reset(token)
        response[REQUEST_ID_HEADER] = request.request_id
        return response

    def _start(self, request):
        request.request_id = _request_id(request)
        return request_id_var.set(request.request_id)


class AccessLogMiddleware:
    """One line per request: method, route pattern (never the raw path, which can
    hold invitation tokens), status, duration and user id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        fields = {
            "method": request.method,
            "route": ("/" + match.route) if match and match.route else "-",
            "status": response.status_code,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            "user_id": _user_id_if_known(request),
        }
        logger.info(
            "%(method)s %(route)s %(status)s %(duration_ms)sms user=%(user_id)s",
            fields,
            extra=fields,
        )
        return response


def _user_id_if_known(request) -> int | None:
    """The user's id if the request has already read its user; never a query of the
    log's own (after a database error, reading it again would wait on the pool a
    second time and turn the 503 into a 500)."""
    user = getattr(request, "user", None)
    if user is None or (isinstance(user, SimpleLazyObject) and user._wrapped is empty):
        return None
    return user.pk if user.is_authenticated else None


class DatabaseErrorMiddleware:
    """A page that meets a database error answers 503 and sweeps the pool
    (`noumaris.common.db.pool_sweep`); the API's exception handler does the same for its
    views, with the error envelope."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logging.getLogger(__name__).warning(
            "database error on a page: %s", type(exception).__name__
        )
        pool_sweep()
        return HttpResponse(
            "Service unavailable: please try again in a moment.",
            status=503,
            content_type="text/plain; charset=utf-8",
        )


class PrivateResponsesMiddleware:
    """Every response to a signed-in person (session or bearer token) is
    `Cache-Control: no-store, private`: notes, transcripts and pages hold PHI, and no
    browser, proxy or shared cache may keep them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # Judged by the credentials the request carries, so it never reads the user
        # (or the database) itself.
        if (
            "HTTP_AUTHORIZATION" in request.META
            or settings.SESSION_COOKIE_NAME in request.COOKIES
        ):
            patch_cache_control(response, no_store=True, private=True)
        return response
