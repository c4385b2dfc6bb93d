"""What a page shows when a service refuses: the product's 404, a 403 with the
reason, or a message on the page the person came from (STYLE rule 6: views never
catch a service's errors themselves).

An htmx request (a part of a page asking for its partials) is answered in place
instead: the view's `refused` renders the refusal where it belongs (a form with its
error beside the field), else the reason alone as text with its status, which the
page shows; never a redirect, which htmx would follow into a whole page.
"""

import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from noumaris.common.errors import (
    ApplicationError,
    ConflictError,
    ForbiddenError,
    NotFoundError,
)


def is_htmx(request) -> bool:
    """Whether htmx asked (its `HX-Request` header): the answer is partials."""
    return request.headers.get("HX-Request") == "true"


def page(view=None, *, refused=None):
    """Login required; a service's refusal becomes a 404, a 403 page or a message.

    `refused(request, exc, *args, **kwargs)` answers a ConflictError or a
    ValidationError raised for an htmx request (None: the reason as text)."""
    if view is None:
        return functools.partial(page, refused=refused)

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except (NotFoundError, ForbiddenError) as exc:
            if is_htmx(request):
                return _in_place(exc)
            if isinstance(exc, NotFoundError):
                return not_found(request, reason=exc.message)
            return render(
                request, "forbidden.html", {"reason": exc.message}, status=403
            )
        except (ConflictError, ValidationError) as exc:
            if is_htmx(request):
                answer = refused and refused(request, exc, *args, **kwargs)
                return answer or _in_place(exc)
            messages.error(request, refusal_message(exc))
            return redirect(_back(request))

    return login_required(wrapper)


def not_found(request, *, reason: str = "") -> object:
    """The product's 404 page, with navigation and the request id."""
    return render(request, "404.html", {"reason": reason}, status=404)


def refusal_status(exc) -> int:
    """409, 403 or 404 for an ApplicationError; 422 for a ValidationError."""
    return exc.status_code if isinstance(exc, ApplicationError) else 422


def _in_place(exc) -> HttpResponse:
    return HttpResponse(
        refusal_message(exc),
        status=refusal_status(exc),
        content_type="text/plain; charset=utf-8",
    )


def _back(request) -> str:
    referer = request.META.get("HTTP_REFERER") or ""
    safe = url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()})
    return referer if safe else "/"


def refusal_message(exc) -> str:
    """The refusal's sentence(s), for the person."""
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return exc.message
