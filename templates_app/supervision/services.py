"""Writes of teaching: attestation lists, feedback, plan-first, overdue reminders.

`templates_app.notes.signoff.note_cosign` / `note_return` call `attestation_choose` and
`feedback_record` inside their own transaction; generation asks `plan_first_*`.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from institutions.services.authority import admin_membership, is_superadmin
from institutions.services.supervision import plan_first_applies
from noumaris.common.errors import ForbiddenError
from noumaris.common.jobs.email import email_send_on_commit
from templates_app.models import (
    AttestationStatement,
    ClinicalNote,
    CosignReminder,
    NoteFeedback,
)
from templates_app.supervision.rubric import (
    DEFAULT_ATTESTATIONS,
    PLAN_KEYS,
    RUBRIC_KEYS,
    SCORE_MAX,
    SCORE_MIN,
)

MAX_COMMENT = 4000
MAX_ADDENDUM = 4000


# --- Attestation --------------------------------------------------------------------


def attestation_defaults_ensure(*, institution_id) -> None:
    """Give an institution that never had a list the standard statements."""
    if institution_id is None:
        return
    if AttestationStatement.objects.filter(institution_id=institution_id).exists():
        return
    AttestationStatement.objects.bulk_create(
        AttestationStatement(
            institution_id=institution_id, label=label, text=text, position=position
        )
        for position, (label, text) in enumerate(DEFAULT_ATTESTATIONS)
    )


def attestation_list_for_user(*, user) -> list[AttestationStatement]:
    """The active statements of the user's institution (seeded on first use)."""
    from templates_app.selectors import _user_institution
    from templates_app.supervision.selectors import attestation_options

    institution = _user_institution(user)
    if institution is None:
        return []
    attestation_defaults_ensure(institution_id=institution.pk)
    return attestation_options(institution_id=institution.pk)


def attestation_choose(*, note: ClinicalNote, attestation_id, addendum: str) -> None:
    """Put the chosen statement (as it reads now) and the addendum on the note."""
    if note.institution_id is None:
        return
    attestation_defaults_ensure(institution_id=note.institution_id)
    try:
        statement = AttestationStatement.objects.get(
            pk=int(attestation_id), institution_id=note.institution_id, is_active=True
        )
    except (AttestationStatement.DoesNotExist, TypeError, ValueError):
        raise ValidationError(
            {"attestation": ["Choose one of your institution's attestations."]}
        ) from None
    addendum = (addendum or "").strip()
    if len(addendum) > MAX_ADDENDUM:
        raise ValidationError(
            {"addendum": [f"An addendum has at most {MAX_ADDENDUM} characters."]}
        )
    note.attestation, note.attestation_addendum = statement.text, addendum


def attestation_admin_prepare(*, actor, statement: AttestationStatement) -> None:
    """Before the admin saves a statement: an institution admin's is their own."""
    if is_superadmin(actor):
        return
    membership = admin_membership(actor)
    if membership is None or not actor.is_active:
        raise ForbiddenError("Only administrators manage attestation statements.")
    statement.institution_id = membership.institution_id


# --- Feedback -----------------------------------------------------------------------


def clean_scores(scores) -> dict[str, int]:
    """{item: 1-5} for the rubric's items; empty items are left out."""
    cleaned, errors = {}, []
    for key, raw in (scores or {}).items():
        if raw in (None, ""):
            continue
        if key not in RUBRIC_KEYS:
            errors.append(f"'{key}' is not an item of the rubric.")
            continue
        try:
            value = int(raw)
        except (TypeError, ValueError):
            value = 0
        if not SCORE_MIN <= value <= SCORE_MAX:
            errors.append(f"Score '{key}' from {SCORE_MIN} to {SCORE_MAX}.")
            continue
        cleaned[key] = value
    if errors:
        raise ValidationError({"scores": errors})
    return cleaned


def feedback_record(
    *, note: ClinicalNote, reviewer, kind: str, scores, comment: str, section: str = ""
) -> NoteFeedback | None:
    """Keep the attending's rating and comment; nothing when both are empty."""
    scores = clean_scores(scores)
    comment = (comment or "").strip()[:MAX_COMMENT]
    section = (section or "").strip()
    if section and section not in {s["key"] for s in note.section_specs}:
        raise ValidationError({"section": [f"This note has no section '{section}'."]})
    if not scores and not comment:
        return None
    return NoteFeedback.objects.create(
        note=note,
        institution_id=note.institution_id,
        resident_id=note.author_id,
        reviewer=reviewer,
        kind=kind,
        scores=scores,
        comment=comment,
        section_key=section if comment else "",
    )


# --- Plan first (the de-skilling guard) ---------------------------------------------


def plan_keys(note: ClinicalNote) -> set[str]:
    """The note's assessment and plan sections, when its institution's guard is on."""
    keys = {
        s["key"]
        for s in note.section_specs
        if s["key"] in PLAN_KEYS or "assessment" in s["title"].lower()
    }
    if not keys:
        return set()
    if not plan_first_applies(
        author_id=note.author_id, institution_id=note.institution_id
    ):
        return set()
    return keys


def plan_first_hidden(note: ClinicalNote) -> set[str]:
    """Guarded sections the resident has not written yet: the machine may not draft
    them (so its text exists nowhere, not in a page, the API or a stream)."""
    content = note.sections
    return {key for key in plan_keys(note) if not content.get(key, "").strip()}


# --- Overdue reminders --------------------------------------------------------------


def cosign_reminders_send(*, now: dt.datetime | None = None) -> int:
    """E-mail each attending with overdue co-signatures, at most once a day.

    The (attending, day) row is claimed before the mail is sent, so two workers
    running this at once send one reminder, not two. Returns the number sent.
    """
    from templates_app.supervision.selectors import overdue_by_attending

    now = now or timezone.now()
    sent = 0
    for attending, notes in overdue_by_attending(now=now).items():
        if not attending.email:
            continue
        try:
            with transaction.atomic():
                reminder = CosignReminder.objects.create(
                    attending=attending, sent_on=now.date(), overdue_count=len(notes)
                )
                email_send_on_commit(kind="cosign_reminder", object_id=reminder.pk)
        except IntegrityError:
            continue  # already reminded today
        sent += 1
    return sent
