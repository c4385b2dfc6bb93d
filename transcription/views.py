"""Pages of live transcription: record an encounter, read one back."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from institutions.services.permissions import check_feature
from noumaris.net import client_ip
from noumaris.pages import page
from transcription import selectors, services
from transcription.engines import engine_name
from transcription.services import FEATURE


@login_required
@require_GET
def encounter_new(request):
    """The recorder; `?resume=<id>` goes on with an interrupted encounter."""
    access = check_feature(request.user, FEATURE)
    resume, segments = None, []
    if request.GET.get("resume"):
        try:
            resume = selectors.session_get_for_owner(
                user=request.user, session_id=request.GET["resume"]
            )
        except NotFoundError:
            raise Http404("No such encounter.") from None
        if not resume.is_open and resume.status != resume.Status.FAILED:
            raise Http404("This encounter was stopped; start a new one.")
        segments = selectors.transcript_read(
            user=request.user, session=resume, ip_address=client_ip(request)
        )
    return render(
        request,
        "transcription/record.html",
        {
            "access": access,
            "engine": engine_name(),
            "max_connections": settings.WS_MAX_CONNECTIONS_PER_USER,
            "resume": resume,
            "resume_segments": list(segments),
        },
    )


@require_GET
@page
def encounter_detail(request, session_id: int):
    session = selectors.session_get_for_owner(user=request.user, session_id=session_id)
    segments = services.transcript_read(
        user=request.user, session=session, ip_address=client_ip(request)
    )
    return render(
        request,
        "transcription/encounter.html",
        {"session": session, "segments": list(segments)},
    )
