"""Request id and access log. Neither ever reads or logs a request body."""

import logging
import re
import time
import uuid

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.utils.cache import patch_cache_control

from noumaris.logging import request_id_var

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
        user = getattr(request, "user", None)
        fields = {
            "method": request.method,
            "route": ("/" + match.route) if match and match.route else "-",
            "status": response.status_code,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            "user_id": user.pk if user is not None and user.is_authenticated else None,
        }
        logger.info(
            "%(method)s %(route)s %(status)s %(duration_ms)sms user=%(user_id)s",
            fields,
            extra=fields,
        )
        return response


class HealthProbeMiddleware:
    """Answer `/health` and `/health/ready` whatever the Host header says.

    Probes (the Docker image's HEALTHCHECK, a load balancer, Kubernetes) call the
    server by its address, not by a name in DJANGO_ALLOWED_HOSTS, and the host check
    of the middleware after this one would answer them 400: a healthy server marked
    down. The probes read nothing of the request but its method, so nothing that
    depends on the host is skipped. Every other path keeps the host check.
    """

    def __init__(self, get_response):
        from noumaris import views

        self.get_response = get_response
        self.probes = {"/health": views.health, "/health/ready": views.health_ready}

    def __call__(self, request):
        probe = self.probes.get(request.path_info)
        return self.get_response(request) if probe is None else probe(request)


class PrivateResponsesMiddleware:
    """Every response to a signed-in person (session or bearer token) is
    `Cache-Control: no-store, private`: notes, transcripts and pages hold PHI, and no
    browser, proxy or shared cache may keep them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        signed_in = "HTTP_AUTHORIZATION" in request.META or (
            user is not None and user.is_authenticated
        )
        if signed_in:
            patch_cache_control(response, no_store=True, private=True)
        return response
