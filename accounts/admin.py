"""The user admin and django-axes' failed sign-ins. The audit log's admin is scoped
by institution, so the institutions app registers it (institutions/admin/audit.py)."""

from axes.admin import AccessAttemptAdmin as AxesAccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import ngettext

from accounts.models import User
from accounts.services import sign_in_unlock
from noumaris.common.net import client_ip


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = (
        "username",
        "email",
        "first_name",
        "last_name",
        "is_superadmin",
        "is_active",
    )
    list_filter = ("is_superadmin", "is_staff", "is_active")
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        ("Noumaris", {"fields": ("is_superadmin", "oidc_sub")}),
    )
    readonly_fields = ("oidc_sub", "last_login", "date_joined")


def _superadmin(user) -> bool:
    # The account's own flags (accounts sits below the institutions' role helpers).
    return bool(user.is_active and getattr(user, "is_superadmin", False))


admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class AccessAttemptAdmin(AxesAccessAttemptAdmin):
    """Failed sign-ins (django-axes), for superadmins: unlock a locked-out person."""

    actions = ["unlock"]

    def has_module_permission(self, request):
        return _superadmin(request.user)

    def has_view_permission(self, request, obj=None):
        return _superadmin(request.user)

    def has_delete_permission(self, request, obj=None):
        return False  # unlocking is the audited action below

    @admin.action(description="Unlock the selected sign-ins")
    def unlock(self, request, queryset):
        count = sign_in_unlock(
            actor=request.user, attempts=queryset, ip_address=client_ip(request)
        )
        text = ngettext(
            "Unlocked %d sign-in record.", "Unlocked %d sign-in records.", count
        )
        self.message_user(request, text % count)
