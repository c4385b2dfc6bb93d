"""Admin for templates: superadmins manage every template and the tags; institution
admins manage their own institution's templates only. Notes (PHI) are not here."""

from django.contrib import admin
from django.http import Http404

from institutions.services.authority import admin_membership, is_superadmin
from templates_app import admin_supervision  # noqa: F401 - registers the policy
from templates_app.library import template_admin_prepare
from templates_app.models import (
    AttestationStatement,
    NoteTemplate,
    Tag,
    TemplateSection,
)
from templates_app.supervision.services import (
    attestation_admin_prepare,
    attestation_defaults_ensure,
)


class TemplateSectionInline(admin.TabularInline):
    model = TemplateSection
    extra = 1
    fields = ["position", "key", "title", "instructions"]
    ordering = ["position"]

    def _allowed(self, request, obj=None) -> bool:
        return NoteTemplateAdmin.may_manage(request.user, obj)

    def has_view_permission(self, request, obj=None):
        return self._allowed(request, obj)

    has_add_permission = has_change_permission = has_delete_permission = (
        has_view_permission
    )


class InstitutionOwnedAdmin(admin.ModelAdmin):
    """Rows an institution owns: superadmins manage all, an institution admin their
    own institution's (`owned`); another institution's row by id is a 404."""

    @classmethod
    def owned(cls, membership) -> dict:
        """The filter of the rows `membership`'s institution owns."""
        return {"institution_id": membership.institution_id}

    @classmethod
    def may_manage(cls, user, obj=None) -> bool:
        if is_superadmin(user):
            return True
        membership = admin_membership(user)
        if membership is None or not user.is_active:
            return False
        return obj is None or all(
            getattr(obj, name) == value for name, value in cls.owned(membership).items()
        )

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("institution")
        if is_superadmin(request.user):
            return queryset
        membership = admin_membership(request.user)
        if membership is None:
            return queryset.none()
        return queryset.filter(**self.owned(membership))

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404("Not found.")  # another institution's looks absent
        return obj

    def has_module_permission(self, request):
        return self.may_manage(request.user)

    def has_view_permission(self, request, obj=None):
        return self.may_manage(request.user, obj)

    has_change_permission = has_delete_permission = has_view_permission

    def has_add_permission(self, request):
        return self.may_manage(request.user)


@admin.register(NoteTemplate)
class NoteTemplateAdmin(InstitutionOwnedAdmin):
    list_display = ["name", "scope", "institution", "audience", "version", "is_active"]
    list_filter = ["scope", "is_active", "specialty"]
    search_fields = ["name", "description", "specialty"]
    filter_horizontal = ["tags"]
    readonly_fields = ["version", "created_at", "updated_at"]
    inlines = [TemplateSectionInline]

    @classmethod
    def owned(cls, membership) -> dict:
        return {
            "scope": NoteTemplate.Scope.INSTITUTION,
            "institution_id": membership.institution_id,
        }

    def get_fields(self, request, obj=None):
        fields = ["name", "description", "specialty", "instructions", "audience"]
        fields += ["tags"]
        if is_superadmin(request.user):
            fields += ["slug", "scope", "institution", "owner"]
        return [*fields, "is_active", "version", "created_at", "updated_at"]

    def get_prepopulated_fields(self, request, obj=None):
        return {"slug": ["name"]} if is_superadmin(request.user) else {}

    def save_model(self, request, obj, form, change):
        template_admin_prepare(actor=request.user, template=obj, change=change)
        super().save_model(request, obj, form, change)


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}

    def has_module_permission(self, request):
        return is_superadmin(request.user)

    def has_view_permission(self, request, obj=None):
        # institution admins see tags to put them on their templates
        return is_superadmin(request.user) or admin_membership(request.user) is not None

    def has_add_permission(self, request):
        return is_superadmin(request.user)

    def has_change_permission(self, request, obj=None):
        return is_superadmin(request.user)

    has_delete_permission = has_change_permission


@admin.register(AttestationStatement)
class AttestationStatementAdmin(InstitutionOwnedAdmin):
    """The attestation statements of an institution: its admins edit their own list
    (seeded with the standard teaching-physician statements)."""

    list_display = ["label", "institution", "position", "is_active"]
    list_editable = ["position", "is_active"]
    list_filter = ["is_active"]
    ordering = ["institution", "position", "id"]

    def get_queryset(self, request):
        membership = admin_membership(request.user)
        if membership is not None and not is_superadmin(request.user):
            attestation_defaults_ensure(institution_id=membership.institution_id)
        return super().get_queryset(request)

    def get_fields(self, request, obj=None):
        fields = ["label", "text", "position", "is_active"]
        return ["institution", *fields] if is_superadmin(request.user) else fields

    def has_delete_permission(self, request, obj=None):
        return False  # switch a statement off; co-signed notes keep its text

    def save_model(self, request, obj, form, change):
        attestation_admin_prepare(actor=request.user, statement=obj)
        super().save_model(request, obj, form, change)
