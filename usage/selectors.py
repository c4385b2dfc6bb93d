"""Usage of an institution: seats, admins, invitations, residents, and the monthly
activity the transcription and notes apps record.

It reads three apps, so it sits above all of them (the layering contract in
pyproject.toml): institutions, transcription and templates_app never import it.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count

from institutions.models import (
    Institution,
    InstitutionAdmin,
    Invitation,
    ResidentProfile,
)
from institutions.months import month_window
from institutions.selectors import pending_invitations
from templates_app.selectors import notes_by_month
from transcription.selectors import transcription_minutes_by_month

USAGE_MONTHS = 6


@dataclass(frozen=True)
class MonthActivity:
    month: dt.date
    transcription_minutes: float
    notes: int


@dataclass(frozen=True)
class InstitutionUsage:
    seats_used: int
    seats_limit: int
    active_residents: int
    pending_resident_invitations: int
    admins: int
    admins_limit: int
    pending_invitations: int
    residents_by_status: dict[str, int]
    residents_by_pgy: dict[int, int]
    transcription_minutes_this_month: float
    notes_this_month: int
    months: list[MonthActivity] = field(default_factory=list)

    @property
    def seats_free(self) -> int:
        return max(self.seats_limit - self.seats_used, 0)


def institution_usage(*, institution: Institution) -> InstitutionUsage:
    """Seats, admins, invitations, residents by status and PGY, and monthly activity.

    Transcription minutes and notes come from the transcription and notes apps'
    selectors (zero until those apps record anything).
    """
    by_status = dict.fromkeys(ResidentProfile.Status.values, 0)
    by_pgy: dict[int, int] = {}
    rows = (
        ResidentProfile.objects.filter(institution=institution)
        .values("status", "pgy_level")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        by_status[row["status"]] = by_status.get(row["status"], 0) + row["n"]
        if row["status"] == ResidentProfile.Status.ACTIVE:
            by_pgy[row["pgy_level"]] = by_pgy.get(row["pgy_level"], 0) + row["n"]
    pending = dict(
        pending_invitations(institution)
        .values_list("role")
        .annotate(n=Count("id"))
        .order_by()
    )
    pending_residents = pending.get(Invitation.Role.RESIDENT, 0)
    months = _monthly_activity(institution)
    this_month = months[-1]
    return InstitutionUsage(
        seats_used=by_status[ResidentProfile.Status.ACTIVE] + pending_residents,
        seats_limit=institution.max_residents,
        active_residents=by_status[ResidentProfile.Status.ACTIVE],
        pending_resident_invitations=pending_residents,
        admins=InstitutionAdmin.objects.filter(institution=institution).count(),
        admins_limit=institution.max_admins,
        pending_invitations=sum(pending.values()),
        residents_by_status=by_status,
        residents_by_pgy=dict(sorted(by_pgy.items())),
        transcription_minutes_this_month=this_month.transcription_minutes,
        notes_this_month=this_month.notes,
        months=months,
    )


def _monthly_activity(institution: Institution) -> list[MonthActivity]:
    minutes = transcription_minutes_by_month(
        institution=institution, months=USAGE_MONTHS
    )
    notes = notes_by_month(institution=institution, months=USAGE_MONTHS)
    return [
        MonthActivity(
            month=start,
            transcription_minutes=round(float(minutes.get(start, 0) or 0), 1),
            notes=int(notes.get(start, 0) or 0),
        )
        for start in month_window(institution=institution, months=USAGE_MONTHS).starts
    ]
