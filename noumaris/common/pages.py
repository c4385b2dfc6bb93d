"""What a page shows when a service refuses: the product's 404, a 403 with the
reason, or a message on the page the person came from (STYLE rule 6: views never
catch a service's errors themselves)."""

import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from noumaris.common.errors import ConflictError, ForbiddenError, NotFoundError


def page(view):
    """Login required; a service's refusal becomes a 404, a 403 page or a message."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except NotFoundError as exc:
            return not_found(request, reason=exc.message)
        except ForbiddenError as exc:
            return render(
                request, "forbidden.html", {"reason": exc.message}, status=403
            )
        except (ConflictError, ValidationError) as exc:
            messages.error(request, _message(exc))
            return redirect(_back(request))

    return login_required(wrapper)


def not_found(request, *, reason: str = "") -> object:
    """The product's 404 page, with navigation and the request id."""
    return render(request, "404.html", {"reason": reason}, status=404)


def _back(request) -> str:
    referer = request.META.get("HTTP_REFERER") or ""
    safe = url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()})
    return referer if safe else "/"


def _message(exc) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return exc.message
