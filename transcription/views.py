"""Pages of transcription: record or import an encounter, read it back, name its
speakers and correct its text."""

import mimetypes

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from institutions.models import Feature
from institutions.services.permissions import check_feature
from noumaris.common.errors import ApplicationError, ForbiddenError, NotFoundError
from noumaris.common.net import client_ip
from noumaris.common.pages import page
from noumaris.common.ranges import inline_bytes_response
from transcription import selectors
from transcription.engines import engine_name
from transcription.engines.roles import initial_roles
from transcription.freeze import transcript_frozen_reason
from transcription.models import SpeakerRole
from transcription.services import imports, recordings, transcripts, uploads
from transcription.speakers import speaker_name

MAX_IMPORT_FILE_BYTES = 1_000_000


class _TypedFields(forms.Form):
    """What the import and upload pages take as typed text, checked as the API's
    serializers check it (Django refuses a NUL byte in any CharField)."""

    label = forms.CharField(max_length=120, required=False, strip=False)
    transcript = forms.CharField(required=False, strip=False)


def _typed(request) -> dict:
    """The page's typed fields; ValidationError (422) for text no field may hold."""
    fields = _TypedFields(request.POST)
    if not fields.is_valid():
        raise ValidationError(
            {name: [str(e) for e in errors] for name, errors in fields.errors.items()}
        )
    return fields.cleaned_data


@require_GET
@page
def encounter_new(request):
    """The recorder; `?resume=<id>` goes on with an interrupted encounter."""
    access = check_feature(request.user, Feature.Code.LIVE_TRANSCRIPTION)
    resume, segments = None, []
    if request.GET.get("resume"):
        resume = selectors.session_get_for_owner(
            user=request.user, session_id=request.GET["resume"]
        )
        stored, _ = selectors.segment_last(session_id=resume.pk)
        if not selectors.session_may_resume(session=resume, segment_count=stored):
            raise NotFoundError("This encounter was stopped; start a new one.")
        segments = transcripts.transcript_read(
            user=request.user, session=resume, ip_address=client_ip(request)
        )
    engine = engine_name()
    roles = resume.speaker_roles if resume else initial_roles(engine)
    return render(
        request,
        "transcription/record.html",
        {
            "access": access,
            "engine": engine,
            "speaker_roles": roles,
            # how the live transcript names each speaker as its finals arrive
            "speaker_names": {n: speaker_name(int(n), roles) for n in roles},
            "max_connections": settings.WS_MAX_CONNECTIONS_PER_USER,
            "resume": resume,
            "resume_segments": list(segments),
        },
    )


@require_GET
@page
def encounter_detail(request, session_id: int):
    session = selectors.session_get_for_owner(user=request.user, session_id=session_id)
    segments = list(
        transcripts.transcript_read(
            user=request.user, session=session, ip_address=client_ip(request)
        )
    )
    originals = selectors.segment_originals(session=session)
    for segment in segments:
        segment.original_text = originals.get(segment.seq)
    speakers = sorted({s.speaker for s in segments if s.speaker is not None})
    return render(
        request,
        "transcription/encounter.html",
        {
            "session": session,
            "segments": segments,
            "speakers": [(n, session.speaker_roles.get(str(n), "")) for n in speakers],
            "roles": SpeakerRole.choices,
            # What the encounter's state allows, asked once for the whole page.
            "may_resume": selectors.session_may_resume(
                session=session, segment_count=len(segments)
            ),
            "draft_denial": selectors.session_draft_denial(session=session),
            "frozen": transcript_frozen_reason(session=session),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def encounter_import(request):
    access = check_feature(request.user, Feature.Code.LIVE_TRANSCRIPTION)
    errors: dict = {}
    form = {"label": "", "transcript": ""}
    if request.method == "POST" and access.allowed:
        form = {
            name: request.POST.get(name, "").replace("\x00", "")
            for name in ("label", "transcript")
        }
        upload = request.FILES.get("file")
        try:
            form = _typed(request)
            text = _import_text(form["transcript"], upload)
            session = imports.transcript_import(
                user=request.user,
                text=text,
                label=form["label"],
                consent=request.POST.get("consent") == "on",
                ip_address=client_ip(request),
            )
        except ValidationError as error:
            errors = error.message_dict
        except ForbiddenError as error:
            errors = {"consent": [error.message]}
        else:
            messages.success(request, "The transcript was imported.")
            return redirect(session.get_absolute_url())
    return render(
        request,
        "transcription/import.html",
        {"access": access, "errors": errors, "form": form},
        status=422 if errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def encounter_upload(request):
    access = check_feature(request.user, Feature.Code.LIVE_TRANSCRIPTION)
    errors: dict = {}
    label = ""
    if request.method == "POST" and access.allowed:
        label = request.POST.get("label", "").replace("\x00", "")
        upload = request.FILES.get("file")
        try:
            label = _typed(request)["label"]
            if upload is None:
                raise ValidationError({"file": ["Choose the recording to upload."]})
            session = uploads.upload_start(
                user=request.user,
                file=upload,
                label=label,
                consent=request.POST.get("consent") == "on",
                ip_address=client_ip(request),
            )
        except ValidationError as error:
            errors = error.message_dict
        except ForbiddenError as error:
            errors = {"consent": [error.message]}
        else:
            return redirect(session.get_absolute_url())
    return render(
        request,
        "transcription/upload.html",
        {
            "access": access,
            "errors": errors,
            "label": label,
            "max_mb": settings.UPLOAD_MAX_MB,
            "max_minutes": settings.UPLOAD_MAX_MINUTES,
            "retention_days": selectors.recording_retention_days(user=request.user),
        },
        status=422 if errors else 200,
    )


def _import_text(typed: str, upload) -> str:
    """The pasted transcript, or the uploaded file's text (UTF-8)."""
    if upload is None:
        return typed
    if upload.size > MAX_IMPORT_FILE_BYTES:
        raise ValidationError({"file": ["The file is larger than 1 MB."]})
    try:
        return upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(
            {"file": ["The file is not text (UTF-8): use .txt or .vtt."]}
        ) from None


@login_required
@require_POST
def encounter_speakers(request, session_id: int):
    numbers = [
        k.removeprefix("speaker-") for k in request.POST if k.startswith("speaker-")
    ]
    roles = {n: request.POST[f"speaker-{n}"] for n in numbers}
    try:
        transcripts.speaker_roles_set(
            user=request.user,
            session_id=session_id,
            roles=roles,
            ip_address=client_ip(request),
        )
    except NotFoundError:
        raise Http404("No such encounter.") from None
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Speakers saved.")
    return redirect(f"/encounters/{session_id}#speakers")


@login_required
@require_POST
def segment_correct(request, session_id: int, seq: int):
    try:
        transcripts.segment_correct(
            user=request.user,
            session_id=session_id,
            seq=seq,
            text=request.POST.get("text", ""),
            ip_address=client_ip(request),
        )
    except NotFoundError:
        raise Http404("No such segment.") from None
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Segment S{seq} corrected.")
    return redirect(f"/encounters/{session_id}#S{seq}")


@require_GET
@page
def encounter_recording(request, session_id: int):
    """The kept recording of an uploaded encounter, for its owner to listen to."""
    audio, suffix = recordings.retained_audio_read(
        user=request.user, session_id=session_id, ip_address=client_ip(request)
    )
    kind = mimetypes.guess_type(f"recording{suffix}")[0] or "application/octet-stream"
    return inline_bytes_response(
        request, audio, content_type=kind, filename=f"encounter-{session_id}{suffix}"
    )
