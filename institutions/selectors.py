"""Reads of the institutions app, always scoped to what the caller may see."""

from django.db.models import Exists, OuterRef, Q

from institutions.models import (
    FacultyProfile,
    Institution,
    InstitutionAdmin,
    ResidentProfile,
)


def user_institution(*, user) -> Institution | None:
    """The institution a resident, faculty member or admin belongs to, else None.

    Physicians and superadmins belong to none. One query.
    """
    if user is None or not user.is_authenticated:
        return None
    return Institution.objects.filter(
        Q(Exists(ResidentProfile.objects.filter(institution=OuterRef("pk"), user=user)))
        | Q(
            Exists(FacultyProfile.objects.filter(institution=OuterRef("pk"), user=user))
        )
        | Q(
            Exists(
                InstitutionAdmin.objects.filter(institution=OuterRef("pk"), user=user)
            )
        )
    ).first()
