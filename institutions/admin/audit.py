"""The audit log (an accounts model), read-only and scoped by institution, in words:
the action as a phrase, the target by name, the time in the viewer's zone."""

from django.contrib import admin

from accounts.models import AuditLog
from accounts.selectors import audit_action_label, audit_target_label
from institutions.admin.audit_words import details_words
from institutions.admin.base import ScopedModelAdmin
from institutions.selectors import audit_log_for_user
from institutions.services.authority import is_superadmin
from noumaris.common import when as times


class ActionFilter(admin.SimpleListFilter):
    """The actions the person's rows hold, in words."""

    title = "action"
    parameter_name = "action"

    def lookups(self, request, model_admin):
        actions = (
            model_admin.get_queryset(request)
            .order_by("action")
            .values_list("action", flat=True)
            .distinct()
        )
        return [(action, audit_action_label(action)) for action in actions]

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


@admin.register(AuditLog)
class AuditLogAdmin(ScopedModelAdmin):
    """Read-only, for everyone: superadmins see every row, institution admins the
    rows of their own institution (another institution's row by id is a 404)."""

    scope = audit_log_for_user
    list_display = ("when", "what", "who", "target", "in_words", "institution")
    list_filter = (ActionFilter,)
    search_fields = ("action", "actor_username", "target_id")
    date_hierarchy = "created_at"
    ordering = ("-id",)
    fields = readonly_fields = [
        "when",
        "what",
        "who",
        "target",
        "in_words",
        "institution",
        "ip_address",
        "prev_hash",
        "hash",
    ]

    @admin.display(description="When", ordering="created_at")
    def when(self, entry):
        return times.when(entry.created_at)

    @admin.display(description="What", ordering="action")
    def what(self, entry):
        return audit_action_label(entry.action)

    @admin.display(description="Details")
    def in_words(self, entry):
        return details_words(entry.details)

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
