"""Supervision policies of an institution (DESIGN 'Supervision'): their one home.

`check_feature` asks `drafting_denial` (which PGY levels may use AI drafting); the
notes services ask `plan_first_applies`, `export_denial` and `cosign_required`; the queue and the
reminders ask `cosign_deadline`. Nothing else reads the policy's fields.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from accounts.models import AuditLog
from accounts.services import audit_record
from institutions.models import Feature, Institution, ResidentProfile, SupervisionPolicy
from institutions.services.authority import require_institution_admin

POLICY_FIELDS = (
    "ai_drafting_min_pgy",
    "plan_first",
    "cosign_deadline_hours",
    "pgy1_cosign_before_export",
    "patient_instructions_review",
)


def policy_for(*, institution_id) -> SupervisionPolicy:
    """The institution's policy, or the defaults (unsaved) when it has none."""
    if institution_id is None:
        return SupervisionPolicy()
    policy = SupervisionPolicy.objects.filter(institution_id=institution_id).first()
    return policy or SupervisionPolicy(institution_id=institution_id)


def drafting_denial(*, code: str, pgy_level, min_pgy, institution: str) -> str:
    """The reason a resident of `pgy_level` may not use AI drafting, or ""."""
    if code != Feature.Code.NOTE_GENERATION or pgy_level is None:
        return ""
    if pgy_level >= (min_pgy or 1):
        return ""
    return (
        f"At {institution}, AI drafting starts at PGY-{min_pgy}; "
        f"you are PGY-{pgy_level}. Write this note yourself."
    )


def resident_profile_find(*, user_id) -> ResidentProfile | None:
    return ResidentProfile.objects.filter(user_id=user_id).first()


def plan_first_applies(*, author_id, institution_id) -> bool:
    """Whether the resident must save their own assessment and plan first."""
    if institution_id is None or resident_profile_find(user_id=author_id) is None:
        return False
    return policy_for(institution_id=institution_id).plan_first


def export_denial(*, author_id, institution_id, cosigned: bool) -> str:
    """Why a note may not leave the system yet (PGY-1 co-sign first), or ""."""
    if cosigned or institution_id is None:
        return ""
    profile = resident_profile_find(user_id=author_id)
    if profile is None or profile.pgy_level != 1:
        return ""
    if not policy_for(institution_id=institution_id).pgy1_cosign_before_export:
        return ""
    return (
        "Your program requires a PGY-1 resident's note to be co-signed "
        "before it is exported or printed."
    )


def cosign_required(*, institution_id, for_patient: bool) -> bool:
    """Whether a signed note waits for an attending's co-signature: every chart
    note of an institution; patient instructions when its policy asks for review."""
    if institution_id is None:
        return False
    if not for_patient:
        return True
    return policy_for(institution_id=institution_id).patient_instructions_review


def cosign_deadline(*, institution_id) -> dt.timedelta:
    hours = policy_for(institution_id=institution_id).cosign_deadline_hours
    return dt.timedelta(hours=hours or 24)


@transaction.atomic
def supervision_policy_save(
    *, actor, institution: Institution, ip_address=None, **values
) -> SupervisionPolicy:
    """Create or change the institution's policy (its admins, superadmins); audited."""
    require_institution_admin(actor, institution)
    policy, _ = SupervisionPolicy.objects.select_for_update().get_or_create(
        institution=institution
    )
    changed = {
        name: values[name]
        for name in POLICY_FIELDS
        if name in values and getattr(policy, name) != values[name]
    }
    if not changed:
        return policy
    for name, value in changed.items():
        setattr(policy, name, value)
    policy.full_clean()
    policy.save(update_fields=[*changed, "updated_at"])
    audit_record(
        actor=actor,
        action=AuditLog.Action.SUPERVISION_POLICY_CHANGED,
        target=policy,
        target_type="institutions.SupervisionPolicy",
        institution=institution,
        ip_address=ip_address,
        details=changed,
    )
    return policy
