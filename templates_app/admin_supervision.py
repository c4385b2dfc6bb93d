"""Supervision policies and the program director's view, for institution admins.

The policy is an institutions model; its admin lives here, above both apps, because
the director's view reads notes (templates_app may import institutions, not back).

An institution admin edits their own institution's policy (created on first save) and
reads the director's figures for their own residents; a superadmin, any institution's.
"""

from django.contrib import admin
from django.http import Http404, HttpResponse
from django.urls import path, reverse

from institutions.admin.base import ScopedModelAdmin, ServiceModelForm
from institutions.charts import bar_chart
from institutions.models import SupervisionPolicy
from institutions.selectors import institutions_for_user, supervision_policies_for_user
from institutions.services.authority import admin_membership, is_superadmin
from institutions.services.supervision import POLICY_FIELDS, supervision_policy_save
from templates_app.supervision.director import director_csv, director_report


class SupervisionPolicyForm(ServiceModelForm):
    class Meta:
        model = SupervisionPolicy
        fields = ("institution", *POLICY_FIELDS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "institution" in self.fields:
            self.fields["institution"].queryset = institutions_for_user(
                self.request.user
            )

    def clean(self):
        """Not ModelForm's `clean()`, which asks for the uniqueness checks: the
        institution's one policy is found and updated by the service, not refused."""
        return self.cleaned_data

    def perform(self):
        institution = self.cleaned_data.get("institution") or _own(self.actor)
        values = {name: self.cleaned_data[name] for name in POLICY_FIELDS}
        return supervision_policy_save(
            actor=self.actor,
            institution=institution,
            ip_address=self.ip_address,
            **values,
        )


def _own(user):
    membership = admin_membership(user)
    if membership is None:
        raise Http404("Not found.")
    return membership.institution


@admin.register(SupervisionPolicy)
class SupervisionPolicyAdmin(ScopedModelAdmin):
    scope = supervision_policies_for_user
    form = SupervisionPolicyForm
    list_display = ("institution", *POLICY_FIELDS)
    superadmin_list_filter = ()
    change_list_template = "admin/institutions/supervisionpolicy/change_list.html"

    def has_add_permission(self, request):
        if is_superadmin(request.user):
            return True
        own = admin_membership(request.user)
        return bool(
            own
            and self.may_view(request)
            and not SupervisionPolicy.objects.filter(
                institution_id=own.institution_id
            ).exists()
        )

    def has_change_permission(self, request, obj=None):
        return self.may_view(request)

    def get_fields(self, request, obj=None):
        if is_superadmin(request.user) and obj is None:
            return ("institution", *POLICY_FIELDS)
        return POLICY_FIELDS

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("director/", view(self.director_view), name="supervision-director"),
            path(
                "director.csv",
                view(self.director_csv_view),
                name="supervision-director-csv",
            ),
            *super().get_urls(),
        ]

    def _institution(self, request):
        if not self.may_view(request):
            raise Http404("Not found.")
        wanted = request.GET.get("institution", "")
        if is_superadmin(request.user) and wanted:
            institution = (
                institutions_for_user(request.user).filter(pk=int(wanted)).first()
                if wanted.isascii() and wanted.isdigit()
                else None
            )
            if institution is None:
                raise Http404("Not found.")
            return institution
        return _own(request.user)

    def director_view(self, request):
        institution = self._institution(request)
        report = director_report(actor=request.user, institution=institution)
        total = report.total.rows
        charts = [
            # A month with nothing to measure is a gap, not a 0 (a rubric mean of
            # 0 would read as a failing program); counts stay counts.
            bar_chart(title, [(m.month.strftime("%b"), value(m)) for m in total])
            for title, value in CHARTS
        ]
        query = f"?institution={institution.pk}" if is_superadmin(request.user) else ""
        return self.admin_page(
            request,
            "admin/institutions/supervisionpolicy/director.html",
            f"Program director's view: {institution}",
            report=report,
            charts=charts,
            csv_url=reverse("admin:supervision-director-csv") + query,
        )

    def director_csv_view(self, request):
        institution = self._institution(request)
        report = director_report(actor=request.user, institution=institution)
        response = HttpResponse(
            director_csv(report), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = (
            f'attachment; filename="supervision-{institution.slug}.csv"'
        )
        response["Cache-Control"] = "no-store"
        return response


CHARTS = (
    ("Notes signed per month", lambda m: m.signed),
    ("Median hours, encounter end to signature", lambda m: m.median_hours_to_sign),
    ("Median hours to co-signature", lambda m: m.median_cosign_hours),
    ("Return rate, %", lambda m: _percent(m.return_rate)),
    ("Mean rubric score (1-5)", lambda m: m.rubric_mean),
    (
        "Machine share of signed text, %",
        lambda m: _percent(m.machine_share),
    ),
)


def _percent(share: float | None) -> float | None:
    return None if share is None else round(100 * share)
