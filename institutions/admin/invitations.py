"""Invitations (resend, revoke) and the history of feature grants (revoke)."""

from django.contrib import admin, messages
from django.db.models import Q
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.html import format_html

from institutions.admin.base import SERVICE_ERRORS, ScopedModelAdmin, refusal_text
from institutions.admin.people import MEDIA_CSS, status_badge
from institutions.models import FeatureGrant, Invitation
from institutions.selectors import feature_grants_for_user, invitations_for_user
from institutions.services.authority import is_superadmin
from institutions.services.features import feature_revoke, physician_feature_revoke
from institutions.services.invitations import invitation_resend, invitation_revoke
from noumaris.common.net import client_ip


class InvitationStatusFilter(admin.SimpleListFilter):
    """By status as people understand it: a pending invitation past its date is expired."""

    title = "status"
    parameter_name = "status__exact"

    def lookups(self, request, model_admin):
        return Invitation.Status.choices

    def queryset(self, request, queryset):
        now = timezone.now()
        value = self.value()
        if value == Invitation.Status.PENDING:
            return queryset.filter(status=value, expires_at__gt=now)
        if value == Invitation.Status.EXPIRED:
            return queryset.filter(
                Q(status=value)
                | Q(status=Invitation.Status.PENDING, expires_at__lte=now)
            )
        if value:
            return queryset.filter(status=value)
        return queryset


@admin.register(Invitation)
class InvitationModelAdmin(ScopedModelAdmin):
    scope = invitations_for_user
    list_display = (
        "email",
        "role_label",
        "status_label",
        "expires",
        "invited_by",
        "sent_count",
        "institution",
    )
    list_display_links = ("email",)
    list_filter = (InvitationStatusFilter, "role")
    search_fields = ("email", "specialty")
    ordering = ("-created_at", "-id")
    fields = (
        "email",
        "institution",
        "role",
        "pgy_level",
        "specialty",
        "is_senior",
        "status_label",
        "expires_at",
        "invited_by",
        "sent_count",
        "last_sent_at",
        "accepted_by",
        "accepted_at",
        "revoked_by",
        "revoked_at",
        "created_at",
    )
    readonly_fields = fields
    actions = ("resend", "revoke")

    class Media:
        css = MEDIA_CSS

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("accepted_by", "revoked_by")

    def get_list_display(self, request):
        if is_superadmin(request.user):
            return self.list_display
        return self.list_display[:-1]

    def has_add_permission(self, request):
        return self.may_view(request)

    def add_view(self, request, form_url="", extra_context=None):
        return redirect("admin:institutions_residentprofile_invite")

    @admin.display(description="Role", ordering="role")
    def role_label(self, obj):
        if obj.pgy_level:
            return format_html(
                '{} <span class="nowrap">PGY-{}</span>',
                obj.get_role_display(),
                obj.pgy_level,
            )
        if obj.role == Invitation.Role.ADMIN and obj.is_senior:
            return "Senior admin"
        return obj.get_role_display()

    @admin.display(description="Expires", ordering="expires_at")
    def expires(self, obj):
        return format_html(
            '<span class="nowrap">{}</span>',
            f"{timezone.localdate(obj.expires_at):%d %b %Y}",
        )

    @admin.display(description="Status", ordering="status")
    def status_label(self, obj):
        return status_badge(obj.effective_status, obj.get_effective_status_display())

    @admin.action(description="Resend the selected invitations (new link, 7 more days)")
    def resend(self, request, queryset):
        self._each(request, queryset, invitation_resend, "resent")

    @admin.action(description="Revoke the selected invitations")
    def revoke(self, request, queryset):
        self._each(request, queryset, invitation_revoke, "revoked")

    def _each(self, request, queryset, service, done):
        count, refusals = 0, []
        for invitation in queryset:
            try:
                service(
                    actor=request.user,
                    invitation=invitation,
                    ip_address=client_ip(request),
                )
                count += 1
            except SERVICE_ERRORS as exc:
                refusals.append(f"{invitation.email}: {refusal_text(exc)}")
        if count:
            self.message_user(
                request, f"{count} invitation(s) {done}.", messages.SUCCESS
            )
        for refusal in refusals[:10]:
            self.message_user(request, refusal, messages.WARNING)


class GrantActiveFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return (("active", "Active"), ("revoked", "Revoked"))

    def queryset(self, request, queryset):
        if self.value() == "active":
            return queryset.filter(revoked_at__isnull=True)
        if self.value() == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


@admin.register(FeatureGrant)
class FeatureGrantModelAdmin(ScopedModelAdmin):
    """Who was granted what, by whom, and who revoked it: the rows are never deleted."""

    scope = feature_grants_for_user
    list_display = (
        "user",
        "feature",
        "state",
        "granted_by",
        "created_at",
        "revoked_by",
        "revoked_at",
        "institution",
    )
    list_filter = (GrantActiveFilter, "feature")
    search_fields = ("user__first_name", "user__last_name", "user__email")
    ordering = ("-created_at", "-id")
    fields = list_display
    readonly_fields = fields
    actions = ("revoke",)

    class Media:
        css = MEDIA_CSS

    def get_list_display(self, request):
        if is_superadmin(request.user):
            return self.list_display
        return self.list_display[:-1]

    @admin.display(description="State", ordering="revoked_at")
    def state(self, obj):
        if obj.revoked_at:
            return status_badge("revoked", "Revoked")
        return status_badge("active", "Active")

    @admin.action(description="Revoke the selected grants")
    def revoke(self, request, queryset):
        count, refusals = 0, []
        for grant in queryset.filter(revoked_at__isnull=True).select_related(
            "user__resident_profile__institution", "user__physician_profile"
        ):
            try:
                _revoke_grant(request, grant)
                count += 1
            except SERVICE_ERRORS as exc:
                refusals.append(refusal_text(exc))
        self.message_user(request, f"{count} grant(s) revoked.", messages.SUCCESS)
        for refusal in refusals[:10]:
            self.message_user(request, refusal, messages.WARNING)


def _revoke_grant(request, grant: FeatureGrant) -> None:
    profile = getattr(grant.user, "resident_profile", None)
    if grant.institution_id and profile is not None:
        feature_revoke(
            actor=request.user,
            resident=profile,
            code=grant.feature.code,
            ip_address=client_ip(request),
        )
    else:
        physician_feature_revoke(
            actor=request.user,
            physician=grant.user.physician_profile,
            code=grant.feature.code,
            ip_address=client_ip(request),
        )
