"""Encounter sessions in the admin: counts and states only, never transcript text."""

from django.contrib import admin

from institutions.admin.base import ScopedModelAdmin
from transcription import selectors
from transcription.models import TranscriptionSession


def _sessions_for_admin(user):
    return selectors.session_list_for_admin(user=user)


@admin.register(TranscriptionSession)
class TranscriptionSessionAdmin(ScopedModelAdmin):
    scope = staticmethod(_sessions_for_admin)
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

    @admin.display(description="Minutes", ordering="audio_seconds")
    def minutes(self, obj):
        return round(obj.audio_seconds / 60, 1)

    @admin.display(description="Segments", ordering="segment_count")
    def segments(self, obj):
        return obj.segment_count
