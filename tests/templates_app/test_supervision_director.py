"""The program director's figures equal a hand count on seeded notes.

Rosa (PGY-2) in October: three encounters, two notes; one signed 2 h after the
encounter ended and co-signed 6 h later (rated 4 and 2), one returned (rated 3).
In November: one encounter, its note signed 10 h after, the plan rewritten.
Riverside's resident co-signs a note too, and must count nowhere.
"""

import csv
import datetime as dt
import io
import re

import pytest
from django.test import Client

from templates_app.models import ClinicalNote, NoteFeedback
from templates_app.notes.services import note_create, note_edit
from templates_app.notes.signoff import note_return
from templates_app.supervision.director import director_csv, director_report
from tests.factories import FacultyFactory
from tests.templates_app.conftest import record_encounter
from tests.templates_app.supervision_helpers import cosigned, drafted, signed
from transcription.models import TranscriptionSession

pytestmark = pytest.mark.django_db
UTC = dt.UTC
NOW = dt.datetime(2026, 11, 20, 12, tzinfo=UTC)
OCT, NOV = dt.date(2026, 10, 1), dt.date(2026, 11, 1)


def at(month, day, hour):
    return dt.datetime(2026, month, day, hour, tzinfo=UTC)


def _place(note, *, ended, signed=None, cosigned=None, feedback=None):
    TranscriptionSession.objects.filter(pk=note.session_id).update(
        started_at=ended - dt.timedelta(minutes=30), ended_at=ended
    )
    ClinicalNote.objects.filter(pk=note.pk).update(
        created_at=ended + dt.timedelta(minutes=5),
        signed_at=signed,
        cosigned_at=cosigned,
    )
    NoteFeedback.objects.filter(note=note).update(created_at=feedback or ended)


def _note(user, soap):
    session = record_encounter(user)
    return note_create(user=user, session_id=session.pk, template_id=soap.pk)


@pytest.fixture
def seeded(resident, resident2, attending, soap, riverside_resident):
    a = _note(resident, soap)
    cosigned(a, resident, attending, scores={"accurate": 4, "useful": 2})
    _place(
        a,
        ended=at(10, 10, 9),
        signed=at(10, 10, 11),
        cosigned=at(10, 10, 17),
        feedback=at(10, 10, 17),
    )
    b = _note(resident, soap)
    signed(b, resident, attending)
    note_return(user=attending, note_id=b.pk, comment="Redo.", scores={"thorough": 3})
    _place(b, ended=at(10, 12, 10), feedback=at(10, 12, 16))
    extra = record_encounter(resident)  # an encounter without a note
    TranscriptionSession.objects.filter(pk=extra.pk).update(started_at=at(10, 20, 9))
    c = drafted(_note(resident, soap), resident)
    note_edit(
        user=resident,
        note_id=c.pk,
        sections={"plan": "Admit for intravenous ceftriaxone."},
    )
    signed(c, resident, attending)
    _place(c, ended=at(11, 3, 8), signed=at(11, 3, 18))
    theirs = _note(riverside_resident, soap)
    drafted(theirs, riverside_resident)
    theirs_attending = FacultyFactory(
        institution=riverside_resident.resident_profile.institution
    ).user
    signed(theirs, riverside_resident, theirs_attending)
    _place(theirs, ended=at(10, 10, 9), signed=at(10, 10, 10))


def test_the_figures_equal_a_hand_count(seeded, admin, demo_hospital):
    report = director_report(actor=admin, institution=demo_hospital, now=NOW)
    assert report.months[-2:] == [OCT, NOV] and len(report.months) == 6
    rosa = next(g for g in report.residents if g.name == "Rosa Resident")
    october, november = rosa.months[OCT], rosa.months[NOV]
    assert (october.encounters, october.drafted, october.signed) == (3, 2, 1)
    assert october.median_hours_to_sign == 2.0
    assert (october.cosigned, october.median_cosign_hours) == (1, 6.0)
    assert (october.returned, october.return_rate) == (1, 0.5)
    assert october.rubric_mean == 3.0  # (4 + 2 + 3) / 3
    assert october.machine_share == 1.0  # note A kept the machine's 14 words
    assert (november.encounters, november.drafted, november.signed) == (1, 1, 1)
    assert november.median_hours_to_sign == 10.0 and november.cosigned == 0
    assert november.return_rate is None and november.rubric_mean is None
    # 11 machine words kept of 15 signed (the 4-word plan replaced the 3-word one)
    assert november.machine_share == round(11 / 15, 2)
    pgy = {g.name: g for g in report.pgy}
    assert set(pgy) == {"PGY-1", "PGY-2"}
    assert pgy["PGY-2"].months[OCT].encounters == 3
    assert all(m.encounters == 0 for m in pgy["PGY-1"].rows)
    total = report.total.months
    assert total[OCT].signed == 1  # Riverside's signed note is not counted
    assert [g.name for g in report.residents] == ["Ray Second", "Rosa Resident"]


def test_the_csv_carries_the_same_figures(seeded, admin, demo_hospital):
    report = director_report(actor=admin, institution=demo_hospital, now=NOW)
    rows = list(csv.DictReader(io.StringIO(director_csv(report))))
    rosa = [r for r in rows if r["name"] == "Rosa Resident" and r["month"] == "2026-10"]
    assert rosa == [
        {
            "group": "resident",
            "name": "Rosa Resident",
            "month": "2026-10",
            "encounters": "3",
            "notes_drafted": "2",
            "notes_signed": "1",
            "median_hours_encounter_end_to_sign": "2",
            "cosigned": "1",
            "median_cosign_hours": "6",
            "returned": "1",
            "return_rate": "0.5",
            "rubric_mean": "3",
            "machine_share": "1",
        }
    ]
    assert {r["group"] for r in rows} == {"all", "pgy", "resident"}


def test_only_the_institutions_admins_read_it(
    seeded, admin, riverside_admin, superadmin, resident, attending, demo_hospital
):
    url = "/admin/institutions/supervisionpolicy/director/"
    mine = Client()
    mine.force_login(admin)
    page = mine.get(url)
    assert page.status_code == 200 and "Rosa Resident" in page.content.decode()
    assert "<svg" in page.content.decode()
    download = mine.get(url.replace("director/", "director.csv"))
    assert download["Content-Type"].startswith("text/csv")
    assert "Rosa Resident" in download.content.decode()
    outsider = Client()
    outsider.force_login(riverside_admin)
    theirs = outsider.get(f"{url}?institution={demo_hospital.pk}")
    assert theirs.status_code == 200 and "Rosa" not in theirs.content.decode()
    root = Client()
    root.force_login(superadmin)
    assert "Rosa" in root.get(f"{url}?institution={demo_hospital.pk}").content.decode()
    assert root.get(f"{url}?institution=abc").status_code == 404
    assert root.get(f"{url}?institution=²").status_code == 404
    for user in (resident, attending):
        visitor = Client()
        visitor.force_login(user)
        assert visitor.get(url).status_code == 302  # to the admin's sign-in


def test_a_resident_reads_their_own_figures_and_nobody_elses(
    seeded, resident, resident2, admin, demo_hospital
):
    from templates_app.supervision.director import resident_own_figures

    report = director_report(actor=admin, institution=demo_hospital, now=NOW)
    rosa = next(g for g in report.residents if g.name == "Rosa Resident")
    own = resident_own_figures(user=resident, now=NOW)
    assert [vars(m) for m in own.rows] == [vars(m) for m in rosa.rows]
    assert all(m.encounters == 0 for m in resident_own_figures(user=resident2).rows)
    assert resident_own_figures(user=admin) is None
    page = Client()
    page.force_login(resident2)
    assert "Rosa" not in page.get("/feedback/").content.decode()


def test_the_charts_show_a_month_without_data_as_a_gap_not_zero(seeded, admin):
    """A rubric mean or a median of nothing is no figure: the chart leaves a gap
    ("no data"); a count of nothing is 0."""
    page = Client()
    page.force_login(admin)
    html = page.get("/admin/institutions/supervisionpolicy/director/").content.decode()
    charts = {
        svg.split("<title>")[1].split("</title>")[0]: svg
        for svg in html.split("<svg")[1:]
        if "<title>" in svg
    }
    rubric = charts["Mean rubric score (1-5)"]
    assert "Oct: 3" in rubric
    assert ": no data</title>" in rubric
    assert not re.search(r": 0</title>", rubric)
    assert ": no data</title>" in charts["Median hours to co-signature"]
    signed_counts = charts["Notes signed per month"]
    assert ": 0</title>" in signed_counts and "no data" not in signed_counts


def test_a_bar_chart_draws_none_as_a_gap():
    from institutions.charts import bar_chart

    chart = bar_chart("Mean", [("Sep", None), ("Oct", 3.0), ("Nov", 0)])
    gap, three, zero = chart.bars
    assert gap.gap and gap.display == "no data"
    assert not three.gap and three.display == "3" and not zero.gap
    assert not chart.empty
    assert bar_chart("Mean", [("Sep", None)]).empty
