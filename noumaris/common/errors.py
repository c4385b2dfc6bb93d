"""The application's exceptions and the one handler that turns them into responses.

Services raise `django.core.exceptions.ValidationError` or an `ApplicationError`;
views never catch them. Every API error is `{"detail": ...}` (DESIGN 'Errors').
"""

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError, InterfaceError, OperationalError
from django.http import Http404
from django_ratelimit.exceptions import Ratelimited
from redis.exceptions import RedisError
from rest_framework import exceptions as drf
from rest_framework import status
from rest_framework.response import Response

from noumaris.common.db import pool_sweep

logger = logging.getLogger(__name__)


class ApplicationError(Exception):
    """A business rule refused the request; `message` is safe to show the user."""

    status_code = status.HTTP_400_BAD_REQUEST

    def __init__(self, message: str, *, extra: dict | None = None):
        super().__init__(message)
        self.message = message
        self.extra = extra or {}


class ConflictError(ApplicationError):
    """Duplicate or conflicting state (409)."""

    status_code = status.HTTP_409_CONFLICT


class ForbiddenError(ApplicationError):
    """Signed in but not allowed; the message is the human reason (403)."""

    status_code = status.HTTP_403_FORBIDDEN


class NotFoundError(ApplicationError):
    """Absent, or another tenant's (404)."""

    status_code = status.HTTP_404_NOT_FOUND

    def __init__(self, message: str = "Not found."):
        super().__init__(message)


class ServiceUnavailableError(ApplicationError):
    """A dependency is down (503)."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE


class RateLimitedError(Ratelimited):
    """Over `API_RATE_LIMIT` (429, `Retry-After: wait`).

    A `django_ratelimit.exceptions.Ratelimited`, so settings.RATELIMIT_EXCEPTION_CLASS
    can name it: the library's decorator then raises it too (with the default wait).
    """

    def __init__(self, wait: int = 60):
        super().__init__("Too many requests.")
        self.wait = wait


def validation_errors(exc: DjangoValidationError | drf.ValidationError) -> dict:
    """Return `{field: [messages]}` from either kind of validation error."""
    if isinstance(exc, drf.ValidationError):
        detail = exc.detail
        if isinstance(detail, dict):
            return {key: _flatten(value) for key, value in detail.items()}
        return {"non_field_errors": _flatten(detail)}
    if hasattr(exc, "error_dict"):
        return {
            key: [str(m) for e in errs for m in e.messages]
            for key, errs in exc.error_dict.items()
        }
    return {"non_field_errors": [str(m) for m in exc.messages]}


def _flatten(value) -> list:
    if isinstance(value, list):
        out = []
        for item in value:
            out.extend(
                _flatten(item)
                if isinstance(item, list)
                else [item if isinstance(item, dict) else str(item)]
            )
        return out
    if isinstance(value, dict):
        return [{key: _flatten(v) for key, v in value.items()}]
    return [str(value)]


def error_response(
    status_code: int, detail, *, headers: dict | None = None, **extra
) -> Response:
    return Response({"detail": detail, **extra}, status=status_code, headers=headers)


def exception_handler(exc, context):  # noqa: C901 - one table of mappings
    """DRF's EXCEPTION_HANDLER: map every error to DESIGN's envelope."""
    if _not_an_object(exc):
        return error_response(400, "The request body must be a JSON object.")
    if isinstance(exc, drf.ValidationError | DjangoValidationError):
        return error_response(422, "Validation failed", errors=validation_errors(exc))
    if isinstance(exc, ApplicationError):
        return error_response(exc.status_code, exc.message, **exc.extra)
    if isinstance(exc, Http404 | drf.NotFound):
        return error_response(404, "Not found.")
    if isinstance(exc, drf.NotAuthenticated | drf.AuthenticationFailed):
        return error_response(
            401, str(exc.detail), headers={"WWW-Authenticate": 'Bearer realm="api"'}
        )
    # Before PermissionDenied: django-ratelimit's exception is a PermissionDenied,
    # which would otherwise answer 403.
    if isinstance(exc, Ratelimited):
        wait = int(getattr(exc, "wait", 60))
        return error_response(
            429, "Too many requests.", headers={"Retry-After": str(wait)}
        )
    if isinstance(exc, DjangoPermissionDenied):
        return error_response(403, str(exc) or "You do not have permission to do this.")
    if isinstance(exc, drf.Throttled):
        wait = int(exc.wait or 60)
        return error_response(
            429, "Too many requests.", headers={"Retry-After": str(wait)}
        )
    if isinstance(exc, drf.APIException):
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        return error_response(exc.status_code, detail, headers=_auth_headers(exc))
    return _unexpected(exc)


def _not_an_object(exc) -> bool:
    """A serializer given a list, string or number where an object belongs: the
    request is malformed (400), not a form with wrong fields (422)."""
    return (
        isinstance(exc, drf.ValidationError)
        and isinstance(exc.detail, dict)
        and exc.get_codes() == {"non_field_errors": ["invalid"]}
    )


def _unexpected(exc) -> Response:
    """Errors no view raised on purpose: a 4xx/503 where the cause is known, else 500."""
    if isinstance(exc, RequestDataTooBig):
        return error_response(413, "Request body too large.")
    if isinstance(exc, SuspiciousOperation):
        return error_response(400, "Malformed request.")
    if isinstance(exc, IntegrityError):
        # A constraint caught what a service's check did not (a race it lost).
        logger.warning("integrity error in API view: %s", type(exc).__name__)
        return error_response(409, "The request conflicts with the current state.")
    if isinstance(exc, DataError):
        logger.warning("data error in API view: %s", type(exc).__name__)
        return error_response(400, "Malformed request.")
    if isinstance(exc, OperationalError | InterfaceError | RedisError):
        logger.exception("dependency error in API view")
        if not isinstance(exc, RedisError):
            pool_sweep()
        return error_response(503, "Service unavailable.")
    logger.exception("unhandled error in API view")
    return error_response(500, "Internal server error.")


def _auth_headers(exc) -> dict | None:
    wait = getattr(exc, "wait", None)
    return {"Retry-After": str(int(wait))} if wait else None
