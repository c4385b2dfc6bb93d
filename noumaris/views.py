"""The root's own pages: the dashboard, /metrics, and the handlers for 400, 404 and
500 (the health routes are noumaris.health's)."""

import ipaddress
import secrets

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseForbidden, HttpResponseServerError, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_prometheus.exports import ExportToDjangoView

from noumaris.common.net import client_ip
from noumaris.common.pages import not_found


def _metrics_allowed(request) -> bool:
    if settings.DEBUG:
        return True
    token = settings.METRICS_TOKEN
    auth = request.headers.get("Authorization", "")
    if token and secrets.compare_digest(auth, f"Bearer {token}"):
        return True
    try:
        # The one client-address rule (noumaris.common.net): behind TRUSTED_PROXY_COUNT
        # proxies the address the nearest trusted proxy saw, never a forged one.
        address = ipaddress.ip_address(client_ip(request) or "")
    except ValueError:
        return False
    return any(
        address in ipaddress.ip_network(network, strict=False)
        for network in settings.METRICS_ALLOWED_NETWORKS
    )


@never_cache
@require_GET
def metrics(request):
    """Prometheus exposition; in production only from allowed networks or with the token."""
    if not _metrics_allowed(request):
        return HttpResponseForbidden(
            "Metrics are not public.", content_type="text/plain"
        )
    return ExportToDjangoView(request)


@login_required
def dashboard(request):
    """A clinician's encounters; anyone else lands where their work is."""
    from institutions.roles import home_path, user_roles
    from transcription.selectors import session_list_for_owner

    # Asked afresh (one query), not from the viewer's cache: a role given a minute
    # ago decides where this sign-in lands.
    home = home_path(user_roles(user=request.user))
    if home != "/":
        return redirect(home)

    context = {
        # Encounters (transcription): the signed-in person's most recent recordings.
        "encounters": list(session_list_for_owner(user=request.user, limit=8)),
    }
    return render(request, "dashboard.html", context)


def _is_api(request) -> bool:
    return request.path_info.startswith("/api/")


def bad_request(request, exception):
    """handler400 (a malformed body or header Django refused before any view)."""
    if _is_api(request):
        return JsonResponse({"detail": "Malformed request."}, status=400)
    return render(request, "400.html", status=400)


def page_not_found(request, exception):
    """handler404: the API's envelope under /api/, else the product's page, with
    navigation and the request id."""
    if _is_api(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return not_found(request)


def server_error(request):
    """handler500: a page that needs nothing that may have failed (no database)."""
    if _is_api(request):
        return JsonResponse({"detail": "Internal server error."}, status=500)
    body = loader.get_template("500.html").render(
        {"request_id": getattr(request, "request_id", "-")}
    )
    return HttpResponseServerError(body)
