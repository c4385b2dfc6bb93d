"""The program director's figures: per PGY level and per resident, month by month.

Only an institution's own residents are counted, and only its admins (or a
superadmin) may ask. Months follow the institution's time zone. Text is decrypted
in memory to measure the machine's share and never leaves this module.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zoneinfo
from dataclasses import dataclass, field
from statistics import mean, median

from institutions.models import Institution, ResidentProfile
from institutions.services.authority import require_institution_admin
from templates_app.models import ClinicalNote, NoteFeedback
from templates_app.supervision.authorship import note_authorship
from transcription.models import TranscriptionSession


@dataclass
class MonthFigures:
    month: dt.date
    encounters: int = 0
    drafted: int = 0
    signed: int = 0
    cosigned: int = 0
    returned: int = 0
    hours_to_sign: list[float] = field(default_factory=list)
    cosign_hours: list[float] = field(default_factory=list)
    scores: list[int] = field(default_factory=list)
    words: int = 0
    machine_words: int = 0

    @property
    def median_hours_to_sign(self) -> float | None:
        return round(median(self.hours_to_sign), 1) if self.hours_to_sign else None

    @property
    def median_cosign_hours(self) -> float | None:
        return round(median(self.cosign_hours), 1) if self.cosign_hours else None

    @property
    def return_rate(self) -> float | None:
        reviewed = self.cosigned + self.returned
        return round(self.returned / reviewed, 2) if reviewed else None

    @property
    def rubric_mean(self) -> float | None:
        return round(mean(self.scores), 2) if self.scores else None

    @property
    def machine_share(self) -> float | None:
        return round(self.machine_words / self.words, 2) if self.words else None


@dataclass
class Group:
    kind: str  # "pgy" | "resident"
    name: str
    months: dict[dt.date, MonthFigures]

    @property
    def rows(self) -> list[MonthFigures]:
        return [self.months[m] for m in sorted(self.months)]


@dataclass(frozen=True)
class DirectorReport:
    institution: Institution
    months: list[dt.date]
    pgy: list[Group]
    residents: list[Group]

    @property
    def total(self) -> Group:
        """Every resident of the institution together."""
        months = {m: MonthFigures(m) for m in self.months}
        for group in self.pgy:
            for month, part in group.months.items():
                _add(months[month], part)
        return Group("all", "All residents", months)


def _months_back(today: dt.date, count: int) -> list[dt.date]:
    year, month, out = today.year, today.month, []
    for _ in range(count):
        out.append(dt.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return sorted(out)


def director_report(
    *, actor, institution: Institution, months: int = 6, now=None
) -> DirectorReport:
    """Everything the director's page and its CSV show, in four queries."""
    require_institution_admin(actor, institution)
    profiles = list(
        ResidentProfile.objects.filter(institution=institution).select_related("user")
    )
    span, figures = _figures(institution, profiles, months, now)
    residents = [
        Group("resident", _name(p), figures[p.user_id])
        for p in sorted(profiles, key=lambda p: (p.pgy_level, _name(p)))
    ]
    return DirectorReport(
        institution, span, _by_pgy(profiles, figures, span), residents
    )


def resident_own_figures(*, user, months: int = 6, now=None) -> Group | None:
    """The same figures for one resident, for that resident alone to read."""
    profile = (
        ResidentProfile.objects.filter(user=user).select_related("institution").first()
    )
    if profile is None:
        return None
    profile.user = user
    _, figures = _figures(profile.institution, [profile], months, now)
    return Group("resident", _name(profile), figures[user.pk])


def _figures(institution, profiles, months, now):
    """{resident user id: {month: MonthFigures}} over the last `months` months."""
    tz = zoneinfo.ZoneInfo(institution.timezone or "UTC")
    now = now or dt.datetime.now(dt.UTC)
    span = _months_back(now.astimezone(tz).date(), months)
    since = dt.datetime.combine(span[0], dt.time(), tzinfo=tz)
    by_user = {p.user_id: p for p in profiles}
    figures: dict[int, dict[dt.date, MonthFigures]] = {
        uid: {m: MonthFigures(m) for m in span} for uid in by_user
    }

    def cell(user_id, when):
        if when is None or when < since or user_id not in figures:
            return None
        return figures[user_id].get(when.astimezone(tz).date().replace(day=1))

    _count_encounters(institution, by_user, since, cell)
    _count_notes(institution, by_user, since, cell)
    _count_feedback(institution, since, cell, by_user)
    return span, figures


def _name(profile: ResidentProfile) -> str:
    user = profile.user
    return user.get_full_name() or user.username


def _count_encounters(institution, by_user, since, cell) -> None:
    started = TranscriptionSession.objects.filter(
        institution=institution, owner_id__in=by_user, started_at__gte=since
    ).values_list("owner_id", "started_at")
    for owner_id, started_at in started:
        if (c := cell(owner_id, started_at)) is not None:
            c.encounters += 1


def _count_notes(institution, by_user, since, cell) -> None:
    notes = (
        ClinicalNote.objects.filter(institution=institution, author_id__in=by_user)
        .filter(created_at__gte=since)
        .select_related("session")
        .only(
            "author_id", "created_at", "signed_at", "cosigned_at", "status",
            "content", "machine_content", "template_snapshot", "session__ended_at",
        )
    )  # fmt: skip
    for note in notes:
        if (c := cell(note.author_id, note.created_at)) is not None:
            c.drafted += 1
        if note.status == ClinicalNote.Status.DRAFT or note.signed_at is None:
            continue
        if (c := cell(note.author_id, note.signed_at)) is not None:
            c.signed += 1
            ended = note.session.ended_at
            if ended is not None:
                c.hours_to_sign.append(_hours(note.signed_at - ended))
            if note.machine_sections:
                authorship = note_authorship(note)
                c.words += authorship.words
                c.machine_words += round(authorship.share * authorship.words)
        if note.cosigned_at and (c := cell(note.author_id, note.cosigned_at)):
            c.cosigned += 1
            c.cosign_hours.append(_hours(note.cosigned_at - note.signed_at))


def _count_feedback(institution, since, cell, by_user) -> None:
    rows = NoteFeedback.objects.filter(
        institution=institution, resident_id__in=by_user, created_at__gte=since
    ).values_list("resident_id", "created_at", "kind", "scores")
    for resident_id, created_at, kind, scores in rows:
        if (c := cell(resident_id, created_at)) is None:
            continue
        c.scores.extend(scores.values())
        if kind == NoteFeedback.Kind.RETURN:
            c.returned += 1


def _hours(delta: dt.timedelta) -> float:
    return max(delta.total_seconds(), 0) / 3600


def _by_pgy(profiles, figures, span) -> list[Group]:
    groups: dict[int, dict[dt.date, MonthFigures]] = {}
    for profile in profiles:
        months = groups.setdefault(
            profile.pgy_level, {m: MonthFigures(m) for m in span}
        )
        for month, mine in figures[profile.user_id].items():
            _add(months[month], mine)
    return [Group("pgy", f"PGY-{level}", groups[level]) for level in sorted(groups)]


def _add(total: MonthFigures, part: MonthFigures) -> None:
    for name in ("encounters", "drafted", "signed", "cosigned", "returned"):
        setattr(total, name, getattr(total, name) + getattr(part, name))
    for name in ("hours_to_sign", "cosign_hours", "scores"):
        getattr(total, name).extend(getattr(part, name))
    total.words += part.words
    total.machine_words += part.machine_words


CSV_COLUMNS = (
    "group", "name", "month", "encounters", "notes_drafted", "notes_signed",
    "median_hours_encounter_end_to_sign", "cosigned", "median_cosign_hours",
    "returned", "return_rate", "rubric_mean", "machine_share",
)  # fmt: skip


def director_csv(report: DirectorReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for group in [report.total, *report.pgy, *report.residents]:
        for row in group.rows:
            writer.writerow(
                [
                    group.kind, _cell(group.name), row.month.strftime("%Y-%m"),
                    row.encounters, row.drafted, row.signed,
                    _blank(row.median_hours_to_sign), row.cosigned,
                    _blank(row.median_cosign_hours), row.returned,
                    _blank(row.return_rate), _blank(row.rubric_mean),
                    _blank(row.machine_share),
                ]
            )  # fmt: skip
    return out.getvalue()


def _cell(text: str) -> str:
    """A name that a spreadsheet would run as a formula is quoted."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@") else text


def _blank(value) -> str:
    return "" if value is None else f"{value:g}"
