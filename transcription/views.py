"""Pages of live transcription: record an encounter, read one back."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from institutions.services.permissions import check_feature
from noumaris.errors import NotFoundError
from noumaris.net import client_ip
from transcription import selectors, services
from transcription.engines import engine_name
from transcription.services import FEATURE


@login_required
@require_GET
def encounter_new(request):
    access = check_feature(request.user, FEATURE)
    return render(
        request,
        "transcription/record.html",
        {
            "access": access,
            "engine": engine_name(),
            "max_connections": settings.WS_MAX_CONNECTIONS_PER_USER,
        },
    )


@login_required
@require_GET
def encounter_detail(request, session_id: int):
    try:
        session = selectors.session_get_for_owner(
            user=request.user, session_id=session_id
        )
    except NotFoundError:
        raise Http404("No such encounter.") from None
    segments = services.transcript_read(
        user=request.user, session=session, ip_address=client_ip(request)
    )
    return render(
        request,
        "transcription/encounter.html",
        {"session": session, "segments": list(segments)},
    )
