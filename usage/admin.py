"""The institution's admin page with its usage panel: seats, residents by PGY,
transcription minutes and notes per month.

The usage read spans three apps, so its page lives here, above them: this module
registers the institutions app's own `InstitutionModelAdmin` again with the panel
added (`AdminSite.unregister`, then `register` the subclass).
"""

from django.contrib import admin
from django.urls import reverse

from institutions.admin.institutions import InstitutionModelAdmin
from institutions.charts import bar_chart
from institutions.models import PGY_MAX, Institution
from institutions.services.authority import is_superadmin
from templates_app.supervision.selectors import cosign_backlog
from usage.selectors import institution_usage

admin.site.unregister(Institution)


@admin.register(Institution)
class InstitutionUsageModelAdmin(InstitutionModelAdmin):
    def change_view(self, request, object_id, form_url="", extra_context=None):
        institution = self.get_object(request, object_id)
        usage = institution_usage(institution=institution)
        pgy_top = max([5, *usage.residents_by_pgy])
        extra = {
            "usage": usage,
            "seat_percent": min(
                100, round(100 * usage.seats_used / max(usage.seats_limit, 1))
            ),
            "pgy_chart": bar_chart(
                "Active residents by PGY",
                [
                    (f"PGY-{level}", usage.residents_by_pgy.get(level, 0))
                    for level in range(1, min(pgy_top, PGY_MAX) + 1)
                ],
            ),
            "minutes_chart": bar_chart(
                "Transcription minutes per month",
                [
                    (m.month.strftime("%b"), m.transcription_minutes)
                    for m in usage.months
                ],
            ),
            "notes_chart": bar_chart(
                "Notes per month",
                [(m.month.strftime("%b"), m.notes) for m in usage.months],
            ),
            "backlog": cosign_backlog(institution_id=institution.pk),
            # An admin's home (/program/): their program, then its settings below.
            "title": "Your program"
            if not is_superadmin(request.user)
            else f"Change {institution._meta.verbose_name}",
            "links": _links(institution, is_superadmin(request.user)),
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, extra)


def _links(institution: Institution, superadmin: bool) -> dict[str, str]:
    suffix = f"?institution__id__exact={institution.pk}" if superadmin else ""
    return {
        "residents": reverse("admin:institutions_residentprofile_changelist") + suffix,
        "active_residents": reverse("admin:institutions_residentprofile_changelist")
        + (suffix + "&" if suffix else "?")
        + "status__exact=active",
        "invitations": reverse("admin:institutions_invitation_changelist")
        + (suffix + "&" if suffix else "?")
        + "status__exact=pending",
        "admins": reverse("admin:institutions_institutionadmin_changelist") + suffix,
        "audit": reverse("admin:accounts_auditlog_changelist") + suffix,
        "invite": reverse("admin:institutions_residentprofile_invite"),
        "import": reverse("admin:institutions_residentprofile_import"),
        "director": reverse("admin:supervision-director")
        + (f"?institution={institution.pk}" if superadmin else ""),
    }
