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
from noumaris.common.pages import is_htmx, page, refusal_message, refusal_status
from templates_app import selectors
from templates_app.forms import TemplateForm
from templates_app.notes import export, signoff
from templates_app.notes import flags as flag_services
from templates_app.notes import services as notes
from templates_app.notes.export import attestation_lines, note_zone, section_texts
from templates_app.notes.page import (
    SectionEdit,
    note_page_context,
    note_partials_context,
)
from templates_app.supervision import selectors as teaching
from templates_app.supervision.director import resident_own_figures
from templates_app.supervision.rubric import PDQI9

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


@require_GET
@page
def note_page(request, pk):
    note = notes.note_open(user=request.user, note_id=pk, ip_address=client_ip(request))
    context = note_page_context(
        user=request.user, note=note, ip_address=client_ip(request)
    )
    rules = context["rules"]
    # Opened from "Generate note": the page starts the draft.
    context["auto_generate"] = (
        rules.may_draft and rules.undrafted and request.GET.get("generate") == "1"
    )
    return render(request, "templates_app/note.html", context)


@require_GET
@page
def note_partials(request, pk):
    """The page's partials, swapped in by htmx: one section (`?section=`), or the
    whole review (every section, the head, the alerts and the sign button)."""
    note = notes.note_open(user=request.user, note_id=pk, ip_address=client_ip(request))
    section = request.GET.get("section", "")
    return _partials(request, note, section=section, review=not section)


def _partials(
    request, note, *, section="", review=True, said="", edit=None, status=200
):
    context = note_partials_context(
        user=request.user, note=note, section=section, edit=edit
    )
    return render(
        request,
        "templates_app/note/partials.html",
        {**context, "review": review, "said": said},
        status=status,
    )


def _section_refused(request, exc, pk, key):
    """A refused save, shown in its section's form with the text typed; a stale
    save with both texts, on the revision saved now (saving again replaces it)."""
    note = selectors.note_find_for_user(user=request.user, note_id=pk)
    if note is None or key not in {s["key"] for s in note.section_specs}:
        return None  # the reason alone
    extra = getattr(exc, "extra", {})
    edit = SectionEdit(
        key=key,
        text=request.POST.get("text", ""),
        error=refusal_message(exc),
        conflict=extra.get("conflicts", {}).get(key),
        revision=extra.get("revision"),
    )
    return _partials(
        request, note, section=key, review=False, edit=edit, status=refusal_status(exc)
    )


@require_POST
@page(refused=_section_refused)
def note_section_save(request, pk, key):
    """Save one section's text; htmx gets the section and the review back."""
    notes.note_edit(
        user=request.user,
        note_id=pk,
        sections={key: request.POST.get("text", "")},
        base_revision=_revision(request),
    )
    if not is_htmx(request):
        messages.success(request, "Saved.")
        return redirect(f"/notes/{pk}#section-{key}")
    note = selectors.note_get_for_user(user=request.user, note_id=pk)
    return _partials(request, note, section=key)


def _revision(request) -> int:
    try:
        return int(request.POST.get("revision", ""))
    except ValueError:
        raise ValidationError(
            {"revision": ["Say which revision of the note the edit was made on."]}
        ) from None


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
    said = "Confirmed as checked against the transcript."
    if not is_htmx(request):
        messages.success(request, said)
        return redirect(f"/notes/{pk}#section-{flag.section_key}")
    note = selectors.note_get_for_user(user=request.user, note_id=pk)
    return _partials(request, note, section=flag.section_key, said=said)


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
