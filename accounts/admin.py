"""The user admin. The audit log's admin is scoped by institution, so the
institutions app registers it (institutions/admin/audit.py)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accounts.models import User


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
