"""Reads of teaching: the attending's queue, overdue notes, a resident's feedback.

Every read starts from a scoped queryset: `notes_for_user` for notes, the resident
themself for feedback (another resident's feedback does not exist for them).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from statistics import mean

from django.db.models import F, Q
from django.utils import timezone

from institutions.models import FacultyProfile, SupervisionPolicy
from institutions.services.supervision import cosign_deadline, cosign_required
from templates_app.models import (
    AttestationStatement,
    ClinicalNote,
    NoteFeedback,
    NoteTemplate,
)
from templates_app.selectors import notes_for_user
from templates_app.supervision.rubric import PDQI9, RUBRIC_LABELS

RECENT = dt.timedelta(days=14)
DEFAULT_DEADLINE_HOURS = SupervisionPolicy._meta.get_field(
    "cosign_deadline_hours"
).default


@dataclass(frozen=True)
class QueuedNote:
    note: ClinicalNote
    age: dt.timedelta  # since signing
    deadline: dt.timedelta

    @property
    def overdue(self) -> bool:
        return self.age > self.deadline

    @property
    def age_hours(self) -> int:
        return int(self.age.total_seconds() // 3600)

    @property
    def due_in_hours(self) -> int:
        return max(0, int((self.deadline - self.age).total_seconds() // 3600))

    @property
    def overdue_hours(self) -> int:
        return max(0, int((self.age - self.deadline).total_seconds() // 3600))


@dataclass(frozen=True)
class Queue:
    waiting: list[QueuedNote]  # overdue first (oldest first), then the rest
    recent: list[ClinicalNote]  # co-signed or returned in the last two weeks

    @property
    def overdue_count(self) -> int:
        return sum(1 for q in self.waiting if q.overdue)


def _deadline(note: ClinicalNote) -> dt.timedelta:
    try:
        hours = note.institution.supervision_policy.cosign_deadline_hours
    except (AttributeError, SupervisionPolicy.DoesNotExist):
        hours = DEFAULT_DEADLINE_HOURS
    return dt.timedelta(hours=hours or DEFAULT_DEADLINE_HOURS)


def _queued(notes, now) -> list[QueuedNote]:
    queued = [QueuedNote(n, now - n.signed_at, _deadline(n)) for n in notes]
    return sorted(queued, key=lambda q: (not q.overdue, -q.age.total_seconds()))


def cosign_queue(*, user, now: dt.datetime | None = None) -> Queue:
    """The attending's queue, in two queries (waiting, recent); each note comes with
    its people, encounter and (waiting) institution policy."""
    now = now or timezone.now()
    mine = notes_for_user(user=user).filter(supervisor=user)
    waiting = mine.filter(status=ClinicalNote.Status.SIGNED).select_related(
        "author", "supervisor", "session", "institution__supervision_policy"
    )
    recent = (
        mine.filter(
            Q(status=ClinicalNote.Status.COSIGNED, cosigned_at__gte=now - RECENT)
            | Q(status=ClinicalNote.Status.DRAFT, returned_at__gte=now - RECENT)
        )
        .select_related("author", "supervisor", "session")
        .order_by("-updated_at", "-id")
    )
    return Queue(waiting=_queued(waiting, now), recent=list(recent[:50]))


def overdue_by_attending(*, now: dt.datetime) -> dict:
    """{attending: [QueuedNote]} over every institution, for the reminder task."""
    signed = ClinicalNote.objects.filter(
        status=ClinicalNote.Status.SIGNED,
        supervisor__isnull=False,
        supervisor__is_active=True,
        supervisor__faculty_profile__is_active=True,
        supervisor__faculty_profile__institution=F("institution"),
    ).select_related("supervisor", "author", "institution__supervision_policy")
    out: dict = defaultdict(list)
    for queued in _queued(signed, now):
        if queued.overdue:
            out[queued.note.supervisor].append(queued)
    return dict(out)


def cosign_backlog(*, institution_id, now: dt.datetime | None = None) -> dict:
    """The institution's signed notes waiting for an attending, and how many of them
    are overdue (for its admins' program page; counts only, no note is read)."""
    now = now or timezone.now()
    waiting = ClinicalNote.objects.filter(
        institution_id=institution_id,
        status=ClinicalNote.Status.SIGNED,
        supervisor__isnull=False,
    )
    deadline = cosign_deadline(institution_id=institution_id)
    return {
        "waiting": waiting.count(),
        "overdue": waiting.filter(signed_at__lt=now - deadline).count(),
    }


def note_needs_cosign(note: ClinicalNote) -> bool:
    """Whether the author names an attending who co-signs: a chart note of an
    institution always; patient instructions (written for the patient, not the
    chart) only when the institution's supervision policy asks for review."""
    audience = note.template_snapshot.get("audience", NoteTemplate.Audience.CHART)
    return cosign_required(
        institution_id=note.institution_id,
        for_patient=audience == NoteTemplate.Audience.PATIENT,
    )


def attestation_options(*, institution_id) -> list[AttestationStatement]:
    return list(
        AttestationStatement.objects.filter(
            institution_id=institution_id, is_active=True
        ).order_by("position", "id")
    )


def attestation_last_chosen_id(*, user, options) -> int | None:
    """Which of `options` the attending chose at their last co-sign, or None: offered
    beside the list, never preselected (the attestation is a claim made each time)."""
    last = (
        ClinicalNote.objects.filter(
            supervisor=user, status=ClinicalNote.Status.COSIGNED
        )
        .exclude(attestation="")
        .order_by("-cosigned_at", "-id")
        .values_list("attestation", flat=True)
        .first()
    )
    return next((o.pk for o in options if last and o.text == last), None)


# --- Feedback -----------------------------------------------------------------------


def note_feedback(*, note: ClinicalNote) -> list[NoteFeedback]:
    """The feedback on a note the caller already opened (author or supervisor),
    oldest first, each with `section_title` and `score_rows` [(item, score)]."""
    titles = {s["key"]: s["title"] for s in note.section_specs}
    feedback = list(
        note.feedback.select_related("reviewer").order_by("created_at", "id")
    )
    for item in feedback:
        _describe(item, titles)
    return feedback


def _describe(item: NoteFeedback, titles: dict[str, str]) -> None:
    item.section_title = titles.get(item.section_key, item.section_key)
    item.score_rows = [
        (label, item.scores[key]) for key, label, _ in PDQI9 if key in item.scores
    ]


@dataclass(frozen=True)
class FeedbackMonth:
    month: dt.date
    count: int
    scores: list[tuple[str, float | None]]  # (item label, mean) in rubric order
    overall: float | None


def _month(value: dt.datetime) -> dt.date:
    return timezone.localtime(value, dt.UTC).date().replace(day=1)


def feedback_for_resident(*, user) -> list[NoteFeedback]:
    """The signed-in resident's own feedback, newest first, with note and reviewer
    (one query)."""
    feedback = list(
        NoteFeedback.objects.filter(resident=user)
        .select_related("reviewer", "note")
        .order_by("-created_at", "-id")
    )
    for item in feedback:
        _describe(item, {s["key"]: s["title"] for s in item.note.section_specs})
    return feedback


def feedback_months(feedback: list[NoteFeedback]) -> list[FeedbackMonth]:
    """Mean score per rubric item, month by month (newest first)."""
    by_month: dict[dt.date, list[NoteFeedback]] = defaultdict(list)
    for item in feedback:
        by_month[_month(item.created_at)].append(item)
    months = []
    for month in sorted(by_month, reverse=True):
        rows = by_month[month]
        scores = []
        for key, label, _ in PDQI9:
            values = [r.scores[key] for r in rows if key in r.scores]
            scores.append((label, round(mean(values), 1) if values else None))
        every = [v for r in rows for v in r.scores.values()]
        overall = round(mean(every), 1) if every else None
        months.append(FeedbackMonth(month, len(rows), scores, overall))
    return months


def feedback_by_item(months: list[FeedbackMonth]) -> list[tuple[str, str, list]]:
    """The same means turned for reading: one row per item, one column per month."""
    rows = [
        (label, help_text, [month.scores[index][1] for month in months])
        for index, (_, label, help_text) in enumerate(PDQI9)
    ]
    return rows


def rubric_label(key: str) -> str:
    return RUBRIC_LABELS.get(key, key)


def supervising_faculty(*, user) -> FacultyProfile | None:
    return FacultyProfile.objects.filter(user=user, is_active=True).first()
