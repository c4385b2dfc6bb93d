"""Personal API tokens in the admin: an admin issues one to a person of their
institution (shown once, in a message) and revokes it; both through the service,
both audited. Replaces knox's own admin, which is neither scoped nor audited."""

from django import forms
from django.contrib import admin, messages
from knox.models import AuthToken

from institutions.admin.base import ScopedModelAdmin
from institutions.services.api_tokens import (
    DEFAULT_DAYS,
    MAX_DAYS,
    api_token_issue,
    api_token_revoke,
    api_tokens_for_user,
    people_for_tokens,
)
from noumaris.common.net import client_ip

admin.site.unregister(AuthToken)


class IssueForm(forms.ModelForm):
    days = forms.IntegerField(
        min_value=1, max_value=MAX_DAYS, initial=DEFAULT_DAYS, label="Valid for (days)"
    )

    class Meta:
        model = AuthToken
        fields = ["user"]


@admin.register(AuthToken)
class ApiTokenAdmin(ScopedModelAdmin):
    scope = api_tokens_for_user
    superadmin_list_filter = ()
    form = IssueForm
    list_display = ("user", "token_key", "created", "expiry")
    ordering = ("-created",)
    autocomplete_fields = ()

    def has_add_permission(self, request):
        return self.may_view(request)

    def has_delete_permission(self, request, obj=None):
        return self.may_view(request)

    def get_fields(self, request, obj=None):
        return ["user", "days"] if obj is None else ["user", "token_key", "expiry"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else ["user", "token_key", "expiry"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            kwargs["queryset"] = people_for_tokens(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        instance, token = api_token_issue(
            actor=request.user,
            user=form.cleaned_data["user"],
            days=form.cleaned_data["days"],
            ip_address=client_ip(request),
        )
        obj.pk, obj.digest, obj.token_key = (
            instance.pk,
            instance.digest,
            instance.token_key,
        )
        messages.warning(
            request,
            f"The token for {instance.user}, shown this once: {token} "
            "(send it as 'Authorization: Token …').",
        )

    def save_related(self, request, form, formsets, change):
        return None

    def delete_model(self, request, obj):
        api_token_revoke(actor=request.user, token=obj, ip_address=client_ip(request))

    def delete_queryset(self, request, queryset):
        for token in queryset:
            api_token_revoke(
                actor=request.user, token=token, ip_address=client_ip(request)
            )
