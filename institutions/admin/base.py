"""What every institutions admin page shares: scoping, 404s, and service-backed forms."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.template.response import TemplateResponse
from django.utils.translation import ngettext

from institutions.admin.forms import FeatureChoiceForm
from institutions.services.authority import admin_membership, is_superadmin
from noumaris.common.errors import ApplicationError
from noumaris.common.net import client_ip

SERVICE_ERRORS = (ApplicationError, ValidationError)


def is_institution_admin(request) -> bool:
    return admin_membership(request.user) is not None


def is_senior_admin(request) -> bool:
    membership = admin_membership(request.user)
    return bool(membership and membership.is_senior)


class ScopedModelAdmin(admin.ModelAdmin):
    """A model admin whose rows come from a `*_for_user` selector.

    Superadmins see everything; institution admins (staff, not superusers) see their
    own institution's rows; another institution's object by id is a 404. Nothing is
    deleted from the admin, and nothing is written except through services.
    """

    scope = None  # a selector: user -> queryset
    superadmin_only = False
    superadmin_list_filter: tuple = ("institution",)
    list_per_page = 50
    show_full_result_count = False

    def get_queryset(self, request):
        queryset = type(self).scope(request.user)
        ordering = self.get_ordering(request)
        return queryset.order_by(*ordering) if ordering else queryset

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404("Not found.")
        return obj

    def changelist_view(self, request, extra_context=None):
        """Title the list plainly: "Residents of Demo General Hospital"."""
        title = str(self.model._meta.verbose_name_plural).capitalize()
        membership = admin_membership(request.user)
        if membership is not None and not self.superadmin_only:
            title = f"{title} of {membership.institution}"
        return super().changelist_view(
            request, {"title": title, **(extra_context or {})}
        )

    def may_view(self, request) -> bool:
        if is_superadmin(request.user):
            return True
        return not self.superadmin_only and is_institution_admin(request)

    def has_module_permission(self, request):
        return self.may_view(request)

    def has_view_permission(self, request, obj=None):
        return self.may_view(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_list_filter(self, request):
        extra = self.superadmin_list_filter if is_superadmin(request.user) else ()
        return (*self.list_filter, *extra)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.request = request  # a fresh class per call: safe to annotate
        return form

    def save_model(self, request, obj, form, change):
        """The form's service call already saved everything (see ServiceModelForm)."""

    def save_related(self, request, form, formsets, change):
        """No inlines or many-to-many fields are edited here."""

    def admin_page(self, request, template: str, title: str, **context):
        """One of our own pages inside the admin's frame (sidebar, breadcrumbs)."""
        form = context.get("form")
        return TemplateResponse(
            request,
            template,
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": title,
                "media": self.media
                + (form.media if form is not None else forms.Media()),
                **context,
            },
        )

    def feature_action(self, request, queryset, *, grant: bool, features, apply):
        """A grant/revoke action: a page to choose features, then `apply(person, code)`
        for each selected person and feature; refusals become messages."""
        form = FeatureChoiceForm(
            request.POST if "apply" in request.POST else None, features=features
        )
        if not ("apply" in request.POST and form.is_valid()):
            return self.admin_page(
                request,
                "admin/institutions/residentprofile/feature_action.html",
                "Grant features" if grant else "Revoke features",
                grant=grant,
                residents=queryset,
                form=form,
                action="grant_features" if grant else "revoke_features",
                action_checkbox_name=ACTION_CHECKBOX_NAME,
            )
        done, refusals = 0, []
        for person in queryset:
            for feature in form.cleaned_data["features"]:
                try:
                    apply(person, feature.code)
                    done += 1
                except SERVICE_ERRORS as exc:
                    refusals.append(refusal_text(exc))
        self.message_user(
            request,
            feature_action_summary(grant=grant, done=done, refusals=refusals),
            messages.SUCCESS if done else messages.WARNING,
        )
        return None

    def run_service(self, request, call, *, success: str | None = None) -> bool:
        """Call a service for an action; show its refusal as a message."""
        try:
            call()
        except SERVICE_ERRORS as exc:
            self.message_user(request, refusal_text(exc), messages.ERROR)
            return False
        if success:
            self.message_user(request, success, messages.SUCCESS)
        return True


def feature_action_summary(*, grant: bool, done: int, refusals: list[str]) -> str:
    """What a grant/revoke action did and, for what it did not, why, in one
    sentence: "Granted 1 feature. Not granted (2): Rosa Resident already has Live
    transcription; Ray Second already has Live transcription."."""
    verb = "Granted" if grant else "Revoked"
    text = ngettext("%s %d feature.", "%s %d features.", done) % (verb, done)
    if done == 0:
        text = f"Nothing {verb.lower()}."
    if refusals:
        shown = "; ".join(refusal.rstrip(".") for refusal in refusals[:10])
        more = f"; and {len(refusals) - 10} more" if len(refusals) > 10 else ""
        text += f" Not {verb.lower()} ({len(refusals)}): {shown}{more}."
    return text


def refusal_text(exc: Exception) -> str:
    if isinstance(exc, ApplicationError):
        return exc.message
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc)


def add_service_errors(form: forms.Form, exc: Exception) -> None:
    """Show a service's refusal on the form: field errors by field, the rest on top."""
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, refusal_text(exc))


class ServiceModelForm(forms.ModelForm):
    """A ModelForm whose saving is a service call.

    Django's admin validates the form and then saves it, in one transaction. So that a
    service's refusal shows next to the fields like any other error, the service is
    called once the form's whole validation passed (`full_clean()`: the fields, the
    form's `clean()`, the model's own checks); `save()` then only returns what the
    service wrote. A rule the service owns (a duplicate name, the one policy of an
    institution) is left out of the model's checks with ModelForm's documented means:
    `Meta.exclude`, or a `clean()` that does not ask for the uniqueness checks.
    """

    request = None

    def perform(self):
        """Call the service(s); return the saved instance."""
        raise NotImplementedError

    @property
    def actor(self):
        return self.request.user

    @property
    def ip_address(self):
        return client_ip(self.request)

    def full_clean(self):
        super().full_clean()
        if not self.is_bound or self.errors:
            return
        try:
            with transaction.atomic():  # several service calls succeed or fail together
                self.instance = self.perform()
        except SERVICE_ERRORS as exc:
            add_service_errors(self, exc)

    def save(self, commit=True):
        return self.instance

    def save_m2m(self):
        """Nothing: the service saved everything."""
