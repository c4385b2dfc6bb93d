"""The audit log (an accounts model), read-only and scoped by institution."""

from django.contrib import admin

from accounts.models import AuditLog
from institutions.admin.base import ScopedModelAdmin
from institutions.selectors import audit_log_for_user
from institutions.services.authority import is_superadmin


@admin.register(AuditLog)
class AuditLogAdmin(ScopedModelAdmin):
    """Read-only, for everyone: superadmins see every row, institution admins the
    rows of their own institution (another institution's row by id is a 404)."""

    scope = audit_log_for_user
    list_display = (
        "created_at",
        "action",
        "actor_username",
        "target_type",
        "target_id",
        "ip_address",
        "institution",
    )
    list_filter = ("action",)
    search_fields = ("action", "actor_username", "target_id")
    date_hierarchy = "created_at"
    ordering = ("-id",)
    readonly_fields = [f.name for f in AuditLog._meta.fields]

    def get_list_display(self, request):
        if is_superadmin(request.user):
            return self.list_display
        return self.list_display[:-1]
