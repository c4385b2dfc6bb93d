"""Who a signed-in person is in the product: what their navigation offers and which
page is their home. Read by the viewer middleware, which keeps the answer a few
minutes, so a page costs no query for it."""

from django.db.models import Exists, OuterRef

from accounts.models import User
from institutions.models import (
    FacultyProfile,
    InstitutionAdmin,
    PhysicianProfile,
    ResidentProfile,
)

ROLES = ("resident", "physician", "faculty", "admin", "superadmin")


def user_roles(*, user) -> dict[str, bool]:
    """The person's roles, in one query. `records`: a clinician who records and
    drafts (a resident or a physician); a superadmin runs the platform, an attending
    or an admin without a resident's or physician's profile records nothing."""
    if user is None or not user.is_authenticated:
        return dict.fromkeys((*ROLES, "records"), False)
    mine = {"user_id": OuterRef("pk")}
    row = (
        User.objects.filter(pk=user.pk)
        .annotate(
            resident=Exists(ResidentProfile.objects.filter(**mine)),
            physician=Exists(PhysicianProfile.objects.filter(**mine)),
            faculty=Exists(FacultyProfile.objects.filter(**mine, is_active=True)),
            admin=Exists(InstitutionAdmin.objects.filter(**mine)),
        )
        .values("resident", "physician", "faculty", "admin", "is_superadmin")
        .first()
    ) or {}
    roles = {role: bool(row.get(role)) for role in ROLES[:4]}
    roles["superadmin"] = bool(row.get("is_superadmin"))
    roles["records"] = roles["resident"] or roles["physician"]
    return roles


def home_path(roles: dict) -> str:
    """Where a person lands after signing in: the work that is theirs. A clinician
    who records: their encounters (the dashboard); an institution admin (a program
    director): their program; an attending: the co-sign queue; a superadmin: the
    platform's admin."""
    if roles.get("records"):
        return "/"
    if roles.get("admin"):
        return "/program/"
    if roles.get("faculty"):
        return "/supervision/"
    if roles.get("superadmin"):
        return "/admin/"
    return "/"
