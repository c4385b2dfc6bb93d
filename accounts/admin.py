from axes.admin import AccessAttemptAdmin as AxesAccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils import timezone
from django.utils.translation import ngettext

from accounts.models import AuditLog, User
from accounts.selectors import audit_action_label, audit_target_label
from accounts.services import sign_in_unlock
from institutions.admin.base import ScopedModelAdmin
from institutions.selectors import audit_log_for_user
from institutions.services.authority import is_superadmin
from noumaris.net import client_ip


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


@admin.register(AuditLog)
class AuditLogAdmin(ScopedModelAdmin):
    """Read-only, for everyone: superadmins see every row, institution admins the
    rows of their own institution (another institution's row by id is a 404)."""

    scope = audit_log_for_user
    list_display = ("when", "what", "who", "target", "ip_address", "institution")
    list_filter = ("action",)
    search_fields = ("action", "actor_username", "target_id")
    date_hierarchy = "created_at"
    ordering = ("-id",)
    readonly_fields = [f.name for f in AuditLog._meta.fields]

    @admin.display(description="When", ordering="created_at")
    def when(self, entry):
        local = timezone.localtime(entry.created_at)
        return f"{local:%Y-%m-%d %H:%M:%S} {local.tzname()}"

    @admin.display(description="What", ordering="action")
    def what(self, entry):
        return audit_action_label(entry.action)

    @admin.display(description="Who", ordering="actor_username")
    def who(self, entry):
        return entry.actor_username or "system"

    @admin.display(description="On")
    def target(self, entry):
        return audit_target_label(entry)

    def get_list_display(self, request):
        if is_superadmin(request.user):
            return self.list_display
        return self.list_display[:-1]


admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class AccessAttemptAdmin(AxesAccessAttemptAdmin):
    """Failed sign-ins (django-axes), for superadmins: unlock a locked-out person."""

    actions = ["unlock"]

    def has_module_permission(self, request):
        return is_superadmin(request.user)

    def has_view_permission(self, request, obj=None):
        return is_superadmin(request.user)

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
