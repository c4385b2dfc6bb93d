"""Encounter sessions in the admin: counts and states only, never transcript text."""

from django.contrib import admin

from institutions.services.authority import admin_membership, is_superadmin
from transcription import selectors
from transcription.models import TranscriptionSession


@admin.register(TranscriptionSession)
class TranscriptionSessionAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "owner",
        "institution",
        "status",
        "engine",
        "started_at",
        "minutes",
        "segments",
    )
    list_filter = ("status", "engine")
    date_hierarchy = "started_at"
    fields = (
        "owner",
        "institution",
        "status",
        "engine",
        "language",
        "started_at",
        "ended_at",
        "audio_seconds",
        "consent_confirmed_by",
        "consent_confirmed_at",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        return selectors.session_list_for_admin(user=request.user)

    def _may_view(self, request) -> bool:
        user = request.user
        return is_superadmin(user) or admin_membership(user) is not None

    def has_module_permission(self, request):
        return self._may_view(request)

    def has_view_permission(self, request, obj=None):
        return self._may_view(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Minutes", ordering="audio_seconds")
    def minutes(self, obj):
        return round(obj.audio_seconds / 60, 1)

    @admin.display(description="Segments", ordering="segment_count")
    def segments(self, obj):
        return obj.segment_count
