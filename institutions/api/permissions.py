"""The role rules of the API's two admin areas, as DRF permissions (403 with a reason).

They ask the institutions app's own role functions; the services check again.
"""

from rest_framework.permissions import BasePermission

from institutions.services.authority import admin_membership, is_superadmin


class IsSuperadmin(BasePermission):
    message = "Only superadmins can use this."

    def has_permission(self, request, view) -> bool:
        return is_superadmin(request.user)


class IsInstitutionAdmin(BasePermission):
    message = "Only institution admins can use this; superadmins use admin/superadmin/."

    def has_permission(self, request, view) -> bool:
        return admin_membership(request.user) is not None


def admin_institution(request):
    """The institution of the signed-in admin (after IsInstitutionAdmin)."""
    return admin_membership(request.user).institution
