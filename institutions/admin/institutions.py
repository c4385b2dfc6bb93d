"""Institutions (with their usage page) and the feature catalogue."""

from django import forms
from django.contrib import admin
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import redirect
from django.utils.html import format_html

from institutions.admin.base import ScopedModelAdmin, ServiceModelForm
from institutions.models import (
    Feature,
    Institution,
    InstitutionFeature,
    Invitation,
    ResidentProfile,
)
from institutions.selectors import institutions_for_user, pending_invitations
from institutions.services.authority import (
    admin_membership,
    is_superadmin,
    may_change_recordings,
)
from institutions.services.institutions import (
    institution_create,
    institution_features_set,
    institution_recordings_set,
    institution_subscription_change,
    institution_update,
)

IDENTITY_FIELDS = ("name", "contact_email", "timezone")
SEAT_FIELDS = ("max_residents", "max_admins")
CHANGEABLE = (*IDENTITY_FIELDS, *SEAT_FIELDS)
# What the institution decides about its recordings: its senior admins, or a superadmin.
RECORDING_FIELDS = ("recording_retention_days", "vocabulary")


def institution_fieldsets(features: str) -> tuple:
    """The change form's sections, the features as a field ("features") or as the
    list a non-superadmin reads ("feature_list")."""
    return (
        (None, {"fields": IDENTITY_FIELDS}),
        ("Subscription", {"fields": ("subscription_status", *SEAT_FIELDS, features)}),
        ("Recordings", {"fields": RECORDING_FIELDS}),
    )


class InstitutionForm(ServiceModelForm):
    # The form's own field, out of the model's checks (Meta.exclude): the service
    # checks the name, and names a duplicate in DESIGN's words.
    name = Institution._meta.get_field("name").formfield()
    features = forms.ModelMultipleChoiceField(
        queryset=Feature.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        to_field_name="code",
        help_text="What the subscription includes; admins can grant only these.",
    )

    class Meta:
        model = Institution
        fields = (
            *IDENTITY_FIELDS,
            "subscription_status",
            *SEAT_FIELDS,
            *RECORDING_FIELDS,
        )
        exclude = ("name",)  # the declared field above, not the model's

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial.setdefault("name", self.instance.name)
            self.initial["features"] = list(
                InstitutionFeature.objects.filter(
                    institution=self.instance, is_enabled=True
                ).values_list("feature__code", flat=True)
            )

    def perform(self):
        data = self.cleaned_data
        codes = [feature.code for feature in data.get("features", ())]
        if self.instance.pk is None:
            institution = institution_create(
                actor=self.actor,
                ip_address=self.ip_address,
                subscription_status=data["subscription_status"],
                feature_codes=codes,
                **{name: data[name] for name in CHANGEABLE},
            )
            return self._recordings(institution, RECORDING_FIELDS)
        institution = Institution.objects.get(pk=self.instance.pk)
        institution = self._recordings(
            institution, [f for f in RECORDING_FIELDS if f in self.changed_data]
        )
        if not is_superadmin(self.actor):
            return institution  # its senior admins change only its recordings
        changes = {name: data[name] for name in CHANGEABLE if name in self.changed_data}
        if changes:
            institution = institution_update(
                actor=self.actor,
                institution=institution,
                ip_address=self.ip_address,
                **changes,
            )
        if "subscription_status" in self.changed_data:
            institution = institution_subscription_change(
                actor=self.actor,
                institution=institution,
                status=data["subscription_status"],
                ip_address=self.ip_address,
            )
        if "features" in self.changed_data:
            institution_features_set(
                actor=self.actor,
                institution=institution,
                feature_codes=codes,
                ip_address=self.ip_address,
            )
        return institution

    def _recordings(self, institution, changed):
        if not changed:
            return institution
        return institution_recordings_set(
            actor=self.actor,
            institution=institution,
            ip_address=self.ip_address,
            **{name: self.cleaned_data[name] for name in changed},
        )


def _count(queryset):
    """Per institution row, how many of `queryset` (filtered by OuterRef("pk"))."""
    return Coalesce(
        Subquery(
            queryset.order_by()
            .values("institution")
            .annotate(n=Count("pk"))
            .values("n"),
            output_field=IntegerField(),
        ),
        0,
    )


@admin.register(Institution)
class InstitutionModelAdmin(ScopedModelAdmin):
    scope = institutions_for_user
    form = InstitutionForm
    superadmin_list_filter = ()
    list_display = (
        "name",
        "subscription",
        "seats",
        "pending",
        "contact_email",
        "created_at",
    )
    list_filter = ("subscription_status",)
    search_fields = ("name", "contact_email", "slug")
    readonly_fields = ("slug", "created_at", "updated_at")
    change_form_template = "admin/institutions/institution/change_form.html"
    fieldsets = (
        *institution_fieldsets("features"),
        ("Record", {"fields": ("slug", "created_at", "updated_at")}),
    )

    class Media:
        css = {"all": ("institutions/admin.css",)}

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                active_residents=_count(
                    ResidentProfile.objects.filter(
                        institution=OuterRef("pk"), status=ResidentProfile.Status.ACTIVE
                    )
                ),
                # the seat-holding invitations, by the selector's one rule
                pending_residents=_count(
                    pending_invitations(OuterRef("pk"), Invitation.Role.RESIDENT)
                ),
            )
        )

    def get_fieldsets(self, request, obj=None):
        if obj is None:  # adding: no record yet
            return self.fieldsets[:3]
        if not is_superadmin(request.user):
            return institution_fieldsets("feature_list")
        return self.fieldsets

    def get_readonly_fields(self, request, obj=None):
        if is_superadmin(request.user):
            return self.readonly_fields
        readonly = (*CHANGEABLE, "subscription_status", "feature_list")
        if may_change_recordings(request.user, obj.pk if obj else None):
            return readonly  # the recordings settings stay editable
        return (*readonly, *RECORDING_FIELDS)

    def has_add_permission(self, request):
        return is_superadmin(request.user)

    def has_change_permission(self, request, obj=None):
        """Superadmins change everything; an institution's senior admins only its
        recordings settings (the queryset already holds only their institution)."""
        return may_change_recordings(request.user, obj.pk if obj else None)

    @admin.display(description="Subscription", ordering="subscription_status")
    def subscription(self, obj):
        return format_html(
            '<span class="status-badge status-{}">{}</span>',
            obj.subscription_status,
            obj.get_subscription_status_display(),
        )

    @admin.display(description="Resident seats used")
    def seats(self, obj):
        return f"{obj.active_residents + obj.pending_residents} of {obj.max_residents}"

    @admin.display(description="Invited, not yet joined")
    def pending(self, obj):
        return obj.pending_residents

    @admin.display(description="Features")
    def feature_list(self, obj):
        names = Feature.objects.filter(
            institution_features__institution=obj,
            institution_features__is_enabled=True,
        ).values_list("name", flat=True)
        return ", ".join(names) or "None"

    def changelist_view(self, request, extra_context=None):
        """An institution admin has one institution: go straight to its page."""
        membership = admin_membership(request.user)
        if membership is not None and not is_superadmin(request.user):
            return redirect(
                "admin:institutions_institution_change", membership.institution_id
            )
        return super().changelist_view(request, extra_context)


@admin.register(Feature)
class FeatureModelAdmin(ScopedModelAdmin):
    """The catalogue (seeded by `seed_features`); superadmins only, read-only."""

    scope = staticmethod(
        lambda user: (
            Feature.objects.all() if is_superadmin(user) else Feature.objects.none()
        )
    )
    superadmin_only = True
    superadmin_list_filter = ()
    list_display = ("name", "code", "is_active", "institutions_with_it")
    search_fields = ("name", "code")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                institutions_count=Count(
                    "institution_features",
                    filter=Q(institution_features__is_enabled=True),
                )
            )
        )

    @admin.display(description="Institutions that have it")
    def institutions_with_it(self, obj):
        return obj.institutions_count
