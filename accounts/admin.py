from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accounts.models import AuditLog, User


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
class AuditLogAdmin(admin.ModelAdmin):
    """Read-only: the audit log is never edited, by anyone."""

    list_display = (
        "created_at",
        "action",
        "actor_username",
        "target_type",
        "target_id",
        "institution",
        "ip_address",
    )
    list_filter = ("action",)
    search_fields = ("action", "actor_username", "target_id")
    date_hierarchy = "created_at"
    list_select_related = ("institution",)
    readonly_fields = [f.name for f in AuditLog._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superadmin

    def has_module_permission(self, request):
        return self.has_view_permission(request)
