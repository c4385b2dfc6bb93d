"""Pages: the template library, the note review page, and the co-signature queue.

Views translate requests into service and selector calls; `page` turns the services'
errors into what a page shows (404, a 403 with the reason, or a message).
"""

import difflib

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from institutions.models import Feature
from institutions.services.permissions import check_feature, require_feature
from noumaris.common.net import client_ip
from noumaris.common.pages import page
from templates_app import selectors
from templates_app.forms import TemplateForm
from templates_app.generation.verify import CHECKED
from templates_app.models import ClinicalNote
from templates_app.notes import export, signoff
from templates_app.notes import flags as flag_services
from templates_app.notes import services as notes
from templates_app.notes.export import attestation_lines, note_zone, section_texts
from templates_app.presentation import engine_label, note_sections
from templates_app.supervision import selectors as teaching
from templates_app.supervision import services as teaching_services
from templates_app.supervision.authorship import note_authorship
from templates_app.supervision.director import resident_own_figures
from templates_app.supervision.rubric import PDQI9, SCORE_MAX, SCORE_MIN
from transcription.services.transcripts import transcript_read
from transcription.speakers import speaker_name

# --- Templates ----------------------------------------------------------------------


@require_GET
@page
def template_library(request):
    q = request.GET.get("q", "").strip()[:100]
    tag = request.GET.get("tag", "").strip()[:60]
    specialty = request.GET.get("specialty", "").strip()[:60]
    templates = selectors.template_list_for_user(
        user=request.user, q=q, tag=tag, specialty=specialty
    )
    return render(
        request,
        "templates_app/library.html",
        {
            "templates": templates,
            "tags": selectors.tag_list(),
            "specialties": selectors.specialty_list_for_user(user=request.user),
            "q": q,
            "tag": tag,
            "specialty": specialty,
            "can_customise": check_feature(request.user, Feature.Code.CUSTOM_TEMPLATES),
        },
    )


@require_GET
@page
def template_detail(request, pk):
    template = selectors.template_get_for_user(user=request.user, template_id=pk)
    return render(
        request,
        "templates_app/template_detail.html",
        {
            "template": template,
            "can_edit": template.owner_id == request.user.pk
            and check_feature(request.user, Feature.Code.CUSTOM_TEMPLATES),
        },
    )


@page
def template_edit(request, pk=None):
    """Create (no pk) or edit one of the user's personal templates."""
    template = None
    if pk is not None:
        template = selectors.template_get_for_user(user=request.user, template_id=pk)
        if template.owner_id != request.user.pk:
            raise Http404("No such template.")
    form = TemplateForm(request.POST or None, template=template)
    if request.method == "POST" and form.is_valid():
        try:
            saved = form.save(user=request.user)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(
                request, f"Saved '{saved.name}' (version {saved.version})."
            )
            return redirect(saved.get_absolute_url())
    if pk is None and request.method == "GET":
        require_feature(user=request.user, code=Feature.Code.CUSTOM_TEMPLATES)
    return render(
        request,
        "templates_app/template_form.html",
        {"form": form, "template": template},
    )


# --- Notes ---------------------------------------------------------------------------


@require_POST
@page
def note_new(request):
    note = notes.note_create(
        user=request.user,
        session_id=request.POST.get("session"),
        template_id=request.POST.get("template"),
        ip_address=client_ip(request),
    )
    return redirect(f"{note.get_absolute_url()}?generate=1")


def _segments_context(request, note):
    segments = list(
        transcript_read(
            user=request.user, session=note.session, ip_address=client_ip(request)
        )
    )
    data = [
        {
            "seq": s.seq,
            "speaker": s.speaker,
            "speaker_name": speaker_name(s.speaker, note.session.speaker_roles),
            "start_ms": s.start_ms if s.is_timed else None,
            "text": s.text,
        }
        for s in segments
    ]
    return segments, data


@require_GET
@page
def note_page(request, pk):
    note = notes.note_open(user=request.user, note_id=pk, ip_address=client_ip(request))
    segments, data = _segments_context(request, note)
    known = {s.seq for s in segments}
    flags = selectors.note_flags(note=note)
    sections = note_sections(note, known=known, flags=flags)
    review = selectors.note_review_state(note=note)
    is_author = note.author_id == request.user.pk
    return render(
        request,
        "templates_app/note.html",
        {
            "note": note,
            "sections": sections,
            "segments": segments,
            "segments_data": data,
            "is_author": is_author,
            "is_supervisor": note.supervisor_id == request.user.pk,
            "editable": is_author and note.is_editable,
            "unverified": sum(len(s["unverified"]) for s in sections),
            "checked": CHECKED,
            "open_flags": review["open_flags"],
            "flag_count": len(flags),
            "revision": review["revision"],
            "engine_label": engine_label(note),
            "edited_count": sum(1 for s in sections if s["edited"]),
            "edited_sections": [s for s in sections if s["edited"]],
            "supervisors": selectors.supervisors_for_user(user=request.user)
            if is_author
            else [],
            # The attending named before (this note's, else the last one named).
            "supervisor_choice": note.supervisor_id
            or (
                selectors.habits_for_user(user=request.user)["supervisor_id"]
                if is_author and note.is_editable
                else None
            ),
            "needs_supervisor": teaching.note_needs_cosign(note),
            "auto_generate": is_author
            and note.is_editable
            and request.GET.get("generate") == "1"
            and note.generation == ClinicalNote.Generation.IDLE,
            "can_export": not export.note_export_denial(user=request.user, note=note),
            "generating": note.generation == ClinicalNote.Generation.GENERATING,
            # The page rejoins a draft in progress (its events replay, then live).
            "active_job": selectors.draft_job_active(note_id=note.pk)
            if is_author
            else None,
            **_teaching_context(request, note, sections, is_author),
        },
    )


def _teaching_context(request, note, sections, is_author) -> dict:
    """Attestations and rubric for the attending; feedback for both; plan-first."""
    is_supervisor = note.supervisor_id == request.user.pk
    feedback = teaching.note_feedback(note=note)
    by_section: dict[str, list] = {}
    for item in feedback:
        if item.section_key and item.comment:
            by_section.setdefault(item.section_key, []).append(item)
    for section in sections:
        section["feedback"] = by_section.get(section["key"], [])
    reviewing = is_supervisor and note.status == ClinicalNote.Status.SIGNED
    if reviewing:
        teaching_services.attestation_defaults_ensure(
            institution_id=note.institution_id
        )
    writes = teaching_services.plan_keys(note) if is_author else set()
    hidden = teaching_services.plan_first_hidden(note) if writes else set()
    attestations = (
        teaching.attestation_options(institution_id=note.institution_id)
        if reviewing
        else []
    )
    return {
        "feedback": feedback,
        "rubric": PDQI9,
        "score_range": range(SCORE_MIN, SCORE_MAX + 1),
        "attestations": attestations,
        "last_attestation_id": teaching.attestation_last_chosen_id(
            user=request.user, options=attestations
        )
        if attestations
        else None,
        "authorship": note_authorship(note) if is_supervisor else None,
        "plan_first_hidden": hidden,
        "resident_writes": writes - hidden,
    }


def _review_input(request) -> dict:
    """The rating and comment fields of the co-sign and return forms."""
    return {
        "scores": {key: request.POST.get(f"score_{key}", "") for key, _, _ in PDQI9},
        "comment": request.POST.get("comment", ""),
        "section": request.POST.get("section", ""),
    }


@require_POST
@page
def note_sign(request, pk):
    if request.POST.get("confirm") != "yes":
        messages.error(request, "Tick the box to confirm you reviewed the whole note.")
        return redirect(f"/notes/{pk}")
    note = signoff.note_sign(
        user=request.user,
        note_id=pk,
        supervisor_id=request.POST.get("supervisor") or None,
        ip_address=client_ip(request),
    )
    who = f" and sent to {note.supervisor} for co-signature" if note.supervisor else ""
    messages.success(request, f"Signed{who}. The note is locked.")
    return redirect(note.get_absolute_url())


@require_POST
@page
def note_flag_confirm(request, pk, flag_id):
    flag = flag_services.note_flag_confirm(
        user=request.user, note_id=pk, flag_id=flag_id, ip_address=client_ip(request)
    )
    messages.success(request, "Confirmed as checked against the transcript.")
    return redirect(f"/notes/{pk}#section-{flag.section_key}")


@require_POST
@page
def note_cosign(request, pk):
    note = signoff.note_cosign(
        user=request.user,
        note_id=pk,
        attestation_id=request.POST.get("attestation"),
        addendum=request.POST.get("addendum", ""),
        ip_address=client_ip(request),
        **_review_input(request),
    )
    messages.success(request, f"Co-signed {note.title} by {note.author}.")
    return redirect("/supervision/")


@require_POST
@page
def note_return(request, pk):
    note = signoff.note_return(
        user=request.user,
        note_id=pk,
        ip_address=client_ip(request),
        **_review_input(request),
    )
    messages.success(
        request, f"Returned {note.title} to {note.author} with your comment."
    )
    return redirect("/supervision/")


@require_GET
@page
def note_print(request, pk):
    note = export.note_export_record(
        user=request.user, note_id=pk, fmt="print", ip_address=client_ip(request)
    )
    # Paper has no transcript to look up: the print leaves the [S12] codes out,
    # like the text and Markdown exports; its times read in the note's zone, as
    # the attestation line's do.
    with timezone.override(note_zone(note)):
        return render(
            request,
            "templates_app/note_print.html",
            {
                "note": note,
                "sections": section_texts(note, citations=False),
                "attestation": attestation_lines(note),
            },
        )


@require_GET
@page
def note_revisions(request, pk):
    note = notes.note_open(user=request.user, note_id=pk, ip_address=client_ip(request))
    revisions = selectors.note_revisions(note=note)
    by_number = {r.number: r for r in revisions}
    older = _pick(by_number, request.GET.get("a"), default=1)
    newer = _pick(by_number, request.GET.get("b"), default=len(revisions))
    return render(
        request,
        "templates_app/revisions.html",
        {
            "note": note,
            "revisions": revisions,
            "older": older,
            "newer": newer,
            "diffs": _diffs(note, older, newer),
        },
    )


def _pick(by_number, raw, *, default):
    try:
        return by_number[int(raw)]
    except (TypeError, ValueError, KeyError):
        return by_number.get(default)


def _diffs(note, older, newer) -> list[dict]:
    if older is None or newer is None:
        return []
    before, after = older.sections, newer.sections
    out = []
    for spec in note.section_specs:
        a, b = before.get(spec["key"], ""), after.get(spec["key"], "")
        out.append(
            {"title": spec["title"], "changed": a != b, "parts": word_diff(a, b)}
        )
    return out


def word_diff(before: str, after: str) -> list[tuple[str, str]]:
    """[(kind, text)] with kind 'same', 'del' or 'ins', word by word."""
    a, b = before.split(" "), after.split(" ")
    parts = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b).get_opcodes():
        if op == "equal":
            parts.append(("same", " ".join(a[i1:i2])))
            continue
        if i2 > i1:
            parts.append(("del", " ".join(a[i1:i2])))
        if j2 > j1:
            parts.append(("ins", " ".join(b[j1:j2])))
    return parts


@require_GET
@page
def supervision(request):
    """The attending's queue: overdue first with their age, then recent decisions."""
    return render(
        request,
        "templates_app/supervision.html",
        {"queue": teaching.cosign_queue(user=request.user)},
    )


@require_GET
@page
def my_feedback(request):
    """The resident's own feedback: mean scores by item, month by month, and every
    comment with its note."""
    feedback = teaching.feedback_for_resident(user=request.user)
    months = teaching.feedback_months(feedback)
    return render(
        request,
        "templates_app/feedback.html",
        {
            "feedback": feedback,
            "months": months,
            "items": teaching.feedback_by_item(months),
            "own": resident_own_figures(user=request.user),
        },
    )
