"""Reads of the templates and notes app, always scoped to what the caller may see.

Templates: global ones, the caller's institution's, and the caller's own. Notes: a
note is seen by its author and by the attending it names as supervisor (while they
are faculty of the note's institution); to anyone else it does not exist (404).
"""

import datetime as dt

from django.db.models import Count, Exists, Max, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import TruncMonth

from institutions.models import FacultyProfile
from institutions.months import month_of, month_window
from institutions.selectors import user_institution
from institutions.services.permissions import records_missing, records_open
from noumaris.common.errors import NotFoundError
from templates_app.models import (
    ClinicalNote,
    DraftEvent,
    DraftJob,
    NoteRevision,
    NoteTemplate,
    StatementFlag,
    Tag,
    TemplateSection,
)


def _user_institution(user):
    return user_institution(user=user)


# --- Templates ----------------------------------------------------------------------


def templates_for_user(*, user) -> QuerySet[NoteTemplate]:
    """Templates the user may use: global, their institution's, their own."""
    visible = Q(scope=NoteTemplate.Scope.GLOBAL) | Q(
        scope=NoteTemplate.Scope.PERSONAL, owner=user
    )
    institution = _user_institution(user)
    if institution is not None:
        visible |= Q(scope=NoteTemplate.Scope.INSTITUTION, institution=institution)
    return NoteTemplate.objects.filter(visible)


def template_list_for_user(
    *, user, q: str = "", tag: str = "", specialty: str = "", active_only=True
) -> QuerySet[NoteTemplate]:
    """The library, filtered; tags and sections come with it in two more queries."""
    queryset = templates_for_user(user=user)
    if active_only:
        queryset = queryset.filter(is_active=True)
    if q:
        queryset = queryset.filter(
            Q(name__icontains=q)
            | Q(description__icontains=q)
            | Q(specialty__icontains=q)
            | Q(tags__name__icontains=q)
        ).distinct()
    if tag:
        queryset = queryset.filter(tags__slug=tag)
    if specialty:
        queryset = queryset.filter(specialty__iexact=specialty)
    return queryset.select_related("owner", "institution").prefetch_related(
        Prefetch("tags", queryset=Tag.objects.order_by("name")),
        Prefetch("sections", queryset=TemplateSection.objects.order_by("position")),
    )


def template_get_for_user(*, user, template_id) -> NoteTemplate:
    try:
        return template_list_for_user(user=user, active_only=False).get(
            pk=int(template_id)
        )
    except (NoteTemplate.DoesNotExist, TypeError, ValueError):
        raise NotFoundError("No such template.") from None


def tag_list() -> QuerySet[Tag]:
    return Tag.objects.annotate(
        template_count=Count("templates", filter=Q(templates__is_active=True))
    ).order_by("name")


def specialty_list_for_user(*, user) -> list[str]:
    return sorted(
        set(
            templates_for_user(user=user)
            .filter(is_active=True)
            .exclude(specialty="")
            .values_list("specialty", flat=True)
        )
    )


# --- Notes ---------------------------------------------------------------------------


def notes_for_user(*, user) -> QuerySet[ClinicalNote]:
    """Notes the user wrote, and notes naming them as supervising faculty."""
    if user is None or not user.is_authenticated:
        return ClinicalNote.objects.none()
    supervising = Q(supervisor=user) & Q(
        Exists(
            FacultyProfile.objects.filter(
                user=user, institution=OuterRef("institution"), is_active=True
            )
        )
    )
    return ClinicalNote.objects.filter(
        (Q(author=user) & records_open(user)) | supervising
    )


def note_get_for_user(*, user, note_id) -> ClinicalNote:
    """One note the user may see, with its people and encounter; else 404 (403 with
    the reason for a resident whose residency ended)."""
    try:
        return (
            notes_for_user(user=user)
            .select_related("author", "supervisor", "session", "institution")
            .get(pk=int(note_id))
        )
    except (ClinicalNote.DoesNotExist, TypeError, ValueError):
        raise records_missing(user=user, missing="No such note.") from None


def note_find_for_user(*, user, note_id) -> ClinicalNote | None:
    """One note the user may see, or None."""
    try:
        return notes_for_user(user=user).get(pk=int(note_id))
    except (ClinicalNote.DoesNotExist, TypeError, ValueError):
        return None


def note_list_for_user(*, user, status: str = "") -> QuerySet[ClinicalNote]:
    queryset = notes_for_user(user=user).select_related(
        "author", "supervisor", "session"
    )
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("-updated_at", "-id")


def notes_awaiting_cosignature(*, user) -> QuerySet[ClinicalNote]:
    """The attending's co-sign queue: signed notes naming them, oldest first."""
    return (
        notes_for_user(user=user)
        .filter(supervisor=user, status=ClinicalNote.Status.SIGNED)
        .select_related("author", "session")
        .order_by("signed_at", "id")
    )


def notes_awaiting_signature(*, user) -> QuerySet[ClinicalNote]:
    """The author's drafts (returned ones first), newest first."""
    return (
        ClinicalNote.objects.filter(author=user, status=ClinicalNote.Status.DRAFT)
        .filter(records_open(user))
        .select_related("session", "supervisor")
        .order_by("-returned_at", "-updated_at", "-id")
    )


def notes_for_session(*, user, session_id) -> QuerySet[ClinicalNote]:
    return (
        notes_for_user(user=user)
        .filter(session_id=session_id)
        .select_related("supervisor")
        .order_by("-created_at", "-id")
    )


def note_revisions(*, note: ClinicalNote) -> list[NoteRevision]:
    return list(note.revisions.select_related("author").order_by("number"))


def note_flags(*, note: ClinicalNote) -> list[StatementFlag]:
    """Every flag the verifier raised on the note, open or resolved, in order."""
    return list(note.flags.select_related("resolved_by").order_by("id"))


def note_review_state(*, note: ClinicalNote) -> dict:
    """The latest revision's number (what an edit names) and the open flags' count."""
    return {
        "revision": note.revisions.aggregate(last=Max("number"))["last"] or 0,
        "open_flags": note.flags.filter(status=StatementFlag.Status.OPEN).count(),
    }


def habits_for_user(*, user) -> dict:
    """What the person chose last, offered again (never assumed for a claim): the
    template of their latest note and the attending they named at their latest
    signature. One query each."""
    mine = ClinicalNote.objects.filter(author=user).order_by("-created_at", "-id")
    return {
        "template_id": mine.values_list("template_id", flat=True).first(),
        "supervisor_id": mine.filter(supervisor__isnull=False)
        .order_by("-signed_at", "-id")
        .values_list("supervisor_id", flat=True)
        .first(),
    }


def supervisors_for_user(*, user) -> QuerySet[FacultyProfile]:
    """Active faculty of the user's institution, who may be named to co-sign."""
    institution = _user_institution(user)
    if institution is None:
        return FacultyProfile.objects.none()
    return (
        FacultyProfile.objects.filter(institution=institution, is_active=True)
        .exclude(user=user)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__username")
    )


def notes_by_month(*, institution, months: int = 6) -> dict[dt.date, int]:
    """Clinical notes created per calendar month of the institution's time zone (first
    day of month -> count), for its usage panel. Months without activity may be
    absent."""
    window = month_window(institution=institution, months=months)
    rows = (
        ClinicalNote.objects.filter(
            institution=institution, created_at__gte=window.since
        )
        .annotate(month=TruncMonth("created_at", tzinfo=window.zone))
        .values("month")
        .annotate(count=Count("id"))
        .order_by("month")
    )
    return {month_of(row["month"]): row["count"] for row in rows}


# --- Draft jobs (templates_app.drafting) ----------------------------------------------


def draft_job_get_for_author(*, user, note_id, job_id) -> DraftJob:
    """A draft job of one of the user's own notes; else 404 (drafts are the author's),
    403 with the reason for a resident whose residency ended."""
    try:
        return (
            DraftJob.objects.filter(records_open(user))
            .select_related("note")
            .get(pk=int(job_id), note_id=int(note_id), note__author_id=user.pk)
        )
    except (DraftJob.DoesNotExist, TypeError, ValueError):
        raise records_missing(user=user, missing="No such draft.") from None


def draft_job_active(*, note_id) -> DraftJob | None:
    """The note's queued or running draft job, if any."""
    return DraftJob.objects.filter(note_id=note_id, status__in=DraftJob.ACTIVE).first()


def draft_events_after(*, job_id: int, after: int) -> list[DraftEvent]:
    """The job's events numbered above `after`, in order (one indexed range query)."""
    return list(
        DraftEvent.objects.filter(job_id=job_id, seq__gt=after)
        .order_by("seq")
        .only("seq", "kind", "data")
    )
