"""Residents (with invite, CSV import and actions), admins, faculty, physicians."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.shortcuts import redirect
from django.urls import path
from django.utils.html import format_html, format_html_join
from django.utils.translation import ngettext

from institutions.admin.base import (
    SERVICE_ERRORS,
    ScopedModelAdmin,
    ServiceModelForm,
    add_service_errors,
    is_institution_admin,
    is_senior_admin,
    refusal_text,
)
from institutions.admin.forms import (
    AddAdminForm,
    ImportForm,
    InviteForm,
)
from institutions.models import (
    FacultyProfile,
    Feature,
    InstitutionAdmin,
    Invitation,
    PhysicianProfile,
    ResidentProfile,
)
from institutions.selectors import (
    active_grants_prefetch,
    admins_for_user,
    faculty_for_user,
    physicians_for_user,
    residents_for_user,
)
from institutions.services.authority import admin_membership, is_superadmin
from institutions.services.features import (
    SHORT_NAMES,
    feature_grant,
    feature_revoke,
    physician_create,
    physician_feature_grant,
    physician_feature_revoke,
)
from institutions.services.invitation_batch import invitation_batch_invite
from institutions.services.invitations import invitation_create
from institutions.services.residents import (
    resident_deactivate,
    resident_graduate,
    resident_reactivate,
    resident_update,
)
from noumaris.common.net import client_ip

MEDIA_CSS = {"all": ("institutions/admin.css",)}


def status_badge(value: str, label: str):
    return format_html('<span class="status-badge status-{}">{}</span>', value, label)


def feature_chips(grants):
    # Short names keep the residents list narrow; the full name is the tooltip.
    if not grants:
        return "—"
    return format_html(
        '<span class="feature-chips">{}</span>',
        format_html_join(
            "",
            '<span class="feature-chip" title="{}">{}</span>',
            (
                (
                    g.feature.name,
                    SHORT_NAMES.get(g.feature.code, g.feature.name),
                )
                for g in grants
            ),
        ),
    )


class ResidentForm(ServiceModelForm):
    class Meta:
        model = ResidentProfile
        fields = ("pgy_level", "specialty")

    def perform(self):
        return resident_update(
            actor=self.actor,
            resident=ResidentProfile.objects.get(pk=self.instance.pk),
            pgy_level=self.cleaned_data["pgy_level"],
            specialty=self.cleaned_data["specialty"],
            ip_address=self.ip_address,
        )


class PersonMixin:
    """Columns and search for a model with a `user`."""

    @admin.display(description="Name", ordering="user__last_name")
    def name(self, obj):
        return obj.user.get_full_name() or obj.user.username

    @admin.display(description="E-mail", ordering="user__email")
    def email(self, obj):
        return obj.user.email


@admin.register(ResidentProfile)
class ResidentModelAdmin(PersonMixin, ScopedModelAdmin):
    scope = residents_for_user
    form = ResidentForm
    list_display = (
        "name",
        "email",
        "pgy",
        "specialty",
        "status_label",
        "features",
        "institution",
    )
    list_display_links = ("name",)
    list_filter = ("status", "pgy_level", "specialty")
    search_fields = (
        "user__first_name",
        "user__last_name",
        "user__email",
        "user__username",
        "specialty",
    )
    ordering = ("user__last_name", "user__first_name", "id")
    fields = (
        "name",
        "email",
        "institution",
        "pgy_level",
        "specialty",
        "status_label",
        "status_changed_at",
        "granted_features",
        "created_at",
    )
    readonly_fields = (
        "name",
        "email",
        "institution",
        "status_label",
        "status_changed_at",
        "granted_features",
        "created_at",
    )
    actions = (
        "grant_features",
        "revoke_features",
        "deactivate",
        "graduate",
        "reactivate",
    )
    change_list_template = "admin/institutions/residentprofile/change_list.html"

    class Media:
        css = MEDIA_CSS

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related(active_grants_prefetch())

    def get_list_display(self, request):
        if is_superadmin(request.user):
            return self.list_display
        return self.list_display[:-1]  # an admin's residents are all theirs

    def has_change_permission(self, request, obj=None):
        return self.may_view(request)

    @admin.display(description="PGY", ordering="pgy_level")
    def pgy(self, obj):
        return format_html('<span class="nowrap">PGY-{}</span>', obj.pgy_level)

    @admin.display(description="Status", ordering="status")
    def status_label(self, obj):
        return status_badge(obj.status, obj.get_status_display())

    @admin.display(description="Features")
    def features(self, obj):
        return feature_chips(obj.user.active_grants)

    @admin.display(description="Features granted")
    def granted_features(self, obj):
        return feature_chips(obj.user.active_grants)

    # --- tools: invite and import ---------------------------------------------------

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "invite/",
                wrap(self.invite_view),
                name="institutions_residentprofile_invite",
            ),
            path(
                "import/",
                wrap(self.import_view),
                name="institutions_residentprofile_import",
            ),
            *super().get_urls(),
        ]

    def _require_tools(self, request):
        if not (is_superadmin(request.user) or is_institution_admin(request)):
            raise PermissionDenied

    def invite_view(self, request):
        self._require_tools(request)
        may_invite_admins = is_superadmin(request.user) or is_senior_admin(request)
        form = InviteForm(
            request.POST or None, user=request.user, may_invite_admins=may_invite_admins
        )
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                invitation = invitation_create(
                    actor=request.user,
                    institution=form.institution(request.user),
                    email=data["email"],
                    role=data["role"],
                    pgy_level=data["pgy_level"],
                    specialty=data["specialty"],
                    is_senior=data.get("is_senior", False),
                    feature_codes=data["features"],
                    ip_address=client_ip(request),
                )
            except SERVICE_ERRORS as exc:
                add_service_errors(form, exc)
            else:
                self.message_user(
                    request,
                    f"Invitation sent to {invitation.email}. It expires in 7 days.",
                    messages.SUCCESS,
                )
                if "_addanother" in request.POST:
                    return redirect("admin:institutions_residentprofile_invite")
                return redirect("admin:institutions_invitation_changelist")
        return self.admin_page(
            request,
            "admin/institutions/residentprofile/invite.html",
            "Invite a resident, faculty member or admin",
            form=form,
        )

    def import_view(self, request):
        self._require_tools(request)
        form = ImportForm(
            request.POST or None, request.FILES or None, user=request.user
        )
        result = None
        if request.method == "POST" and form.is_valid():
            try:
                result = invitation_batch_invite(
                    actor=request.user,
                    institution=form.institution(request.user),
                    csv_text=form.cleaned_data["file"].read(),
                    ip_address=client_ip(request),
                )
            except SERVICE_ERRORS as exc:
                add_service_errors(form, exc)
        return self.admin_page(
            request,
            "admin/institutions/residentprofile/import.html",
            "Import residents from a CSV file",
            form=form,
            result=result,
        )

    # --- actions ----------------------------------------------------------------------

    @admin.action(description="Grant features to the selected residents")
    def grant_features(self, request, queryset):
        return self._feature_action(request, queryset, grant=True)

    @admin.action(description="Revoke features from the selected residents")
    def revoke_features(self, request, queryset):
        return self._feature_action(request, queryset, grant=False)

    @admin.action(description="Deactivate the selected residents (access paused)")
    def deactivate(self, request, queryset):
        self._status_action(request, queryset, resident_deactivate, "deactivated")

    @admin.action(description="Graduate the selected residents (access ends)")
    def graduate(self, request, queryset):
        self._status_action(request, queryset, resident_graduate, "graduated")

    @admin.action(description="Reactivate the selected residents")
    def reactivate(self, request, queryset):
        self._status_action(request, queryset, resident_reactivate, "reactivated")

    def _status_action(self, request, queryset, service, done: str) -> None:
        changed, refusals = 0, []
        for resident in queryset:
            try:
                service(
                    actor=request.user, resident=resident, ip_address=client_ip(request)
                )
                changed += 1
            except SERVICE_ERRORS as exc:
                refusals.append(refusal_text(exc))
        if changed:
            text = ngettext("%d resident %s.", "%d residents %s.", changed)
            self.message_user(request, text % (changed, done), messages.SUCCESS)
        for refusal in refusals:
            self.message_user(request, refusal, messages.WARNING)

    def _feature_action(self, request, queryset, *, grant: bool):
        service = feature_grant if grant else feature_revoke
        return self.feature_action(
            request,
            queryset,
            grant=grant,
            features=_grantable_features(request.user),
            apply=lambda resident, code: service(
                actor=request.user,
                resident=resident,
                code=code,
                ip_address=client_ip(request),
            ),
        )


def _grantable_features(user) -> models.QuerySet:
    if is_superadmin(user):
        return Feature.objects.filter(is_active=True)
    membership = admin_membership(user)
    return Feature.objects.filter(
        is_active=True,
        institution_features__institution_id=membership.institution_id,
        institution_features__is_enabled=True,
    )


@admin.register(InstitutionAdmin)
class AdminMembershipModelAdmin(PersonMixin, ScopedModelAdmin):
    scope = admins_for_user
    list_display = ("name", "email", "role", "institution", "created_by", "created_at")
    list_filter = ("is_senior",)
    search_fields = ("user__first_name", "user__last_name", "user__email")
    ordering = ("-is_senior", "user__last_name", "id")
    fields = ("name", "email", "institution", "is_senior", "created_by", "created_at")
    readonly_fields = fields

    class Media:
        css = MEDIA_CSS

    @admin.display(description="Role", ordering="is_senior")
    def role(self, obj):
        return "Senior admin" if obj.is_senior else "Admin"

    def get_list_display(self, request):
        if is_superadmin(request.user):
            return self.list_display
        return tuple(f for f in self.list_display if f != "institution")

    def has_add_permission(self, request):
        return is_superadmin(request.user) or is_senior_admin(request)

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = AddAdminForm(request.POST or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            response = self._add_admin(request, form)
            if response is not None:
                return response
        return self.admin_page(
            request,
            "admin/institutions/institutionadmin/add.html",
            "Add an admin",
            form=form,
        )

    def _add_admin(self, request, form):
        data = form.cleaned_data
        try:
            invitation = invitation_create(
                actor=request.user,
                institution=form.institution(request.user),
                email=data["email"],
                role=Invitation.Role.ADMIN,
                is_senior=data["is_senior"],
                ip_address=client_ip(request),
            )
        except SERVICE_ERRORS as exc:
            add_service_errors(form, exc)
            return None
        self.message_user(
            request,
            f"Admin invitation sent to {invitation.email}. It expires in 7 days.",
            messages.SUCCESS,
        )
        return redirect("admin:institutions_institutionadmin_changelist")


@admin.register(FacultyProfile)
class FacultyModelAdmin(PersonMixin, ScopedModelAdmin):
    scope = faculty_for_user
    list_display = ("name", "email", "specialty", "is_active", "institution")
    list_filter = ("is_active", "specialty")
    search_fields = ("user__first_name", "user__last_name", "user__email", "specialty")
    ordering = ("user__last_name", "id")
    fields = ("name", "email", "institution", "specialty", "is_active", "created_at")
    readonly_fields = fields

    def get_list_display(self, request):
        if is_superadmin(request.user):
            return self.list_display
        return self.list_display[:-1]


class PhysicianForm(ServiceModelForm):
    class Meta:
        model = PhysicianProfile
        fields = ("user", "specialty", "organization")

    def perform(self):
        return physician_create(
            actor=self.actor,
            user=self.cleaned_data["user"],
            specialty=self.cleaned_data["specialty"],
            organization=self.cleaned_data["organization"],
            ip_address=self.ip_address,
        )

    def validate_unique(self):
        """The service refuses a second role with a clear sentence."""


@admin.register(PhysicianProfile)
class PhysicianModelAdmin(PersonMixin, ScopedModelAdmin):
    """Individual physicians: superadmins only."""

    scope = physicians_for_user
    superadmin_only = True
    superadmin_list_filter = ()
    form = PhysicianForm
    list_display = ("name", "email", "specialty", "organization", "features")
    search_fields = ("user__first_name", "user__last_name", "user__email")
    ordering = ("user__last_name", "id")
    autocomplete_fields = ("user",)
    actions = ("grant_features", "revoke_features")

    class Media:
        css = MEDIA_CSS

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related(active_grants_prefetch())

    def has_add_permission(self, request):
        return is_superadmin(request.user)

    def get_readonly_fields(self, request, obj=None):
        return ("user", "specialty", "organization") if obj else ()

    @admin.display(description="Features")
    def features(self, obj):
        return feature_chips(obj.user.active_grants)

    @admin.action(description="Grant features to the selected physicians")
    def grant_features(self, request, queryset):
        return self._physician_features(request, queryset, grant=True)

    @admin.action(description="Revoke features from the selected physicians")
    def revoke_features(self, request, queryset):
        return self._physician_features(request, queryset, grant=False)

    def _physician_features(self, request, queryset, *, grant):
        service = physician_feature_grant if grant else physician_feature_revoke
        return self.feature_action(
            request,
            queryset,
            grant=grant,
            features=Feature.objects.filter(is_active=True),
            apply=lambda physician, code: service(
                actor=request.user,
                physician=physician,
                code=code,
                ip_address=client_ip(request),
            ),
        )
