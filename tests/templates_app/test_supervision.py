"""Teaching: attestation on co-sign, rubric feedback, authorship shares, the queue.

Alice-Bob-Charlie in this file: `resident` (Rosa) writes, `attending` (Alan)
supervises, `resident2` and Riverside's people are the outsiders.
"""

import base64
import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from templates_app.models import AttestationStatement, ClinicalNote, NoteFeedback
from templates_app.notes.services import note_create, note_edit
from templates_app.notes.signoff import note_cosign, note_return
from templates_app.supervision import selectors as teaching
from templates_app.supervision.authorship import note_authorship
from templates_app.supervision.rubric import DEFAULT_ATTESTATIONS
from templates_app.supervision.services import attestation_defaults_ensure
from tests.templates_app.helpers import first_attestation
from tests.templates_app.supervision_helpers import (
    api_for,
    client_for,
    cosigned,
    drafted,
    signed,
)

pytestmark = pytest.mark.django_db
SAW = DEFAULT_ATTESTATIONS[0][1]


# --- Attestation --------------------------------------------------------------------


def test_every_institution_gets_the_standard_attestations(note, attending):
    statements = teaching.attestation_options(institution_id=note.institution_id)
    assert statements == []  # made after the data migration ran: seeded on first use
    signed(note, note.author, attending)
    assert first_attestation(note)
    labels = [s.label for s in AttestationStatement.objects.filter(
        institution_id=note.institution_id
    )]  # fmt: skip
    assert labels == [label for label, _ in DEFAULT_ATTESTATIONS]


def test_cosign_needs_one_of_the_institutions_own_attestations(
    note, resident, attending, riverside_note
):
    signed(note, resident, attending)
    with pytest.raises(ValidationError, match="attestation"):
        note_cosign(user=attending, note_id=note.pk)
    attestation_defaults_ensure(institution_id=riverside_note.institution_id)
    theirs = AttestationStatement.objects.filter(
        institution_id=riverside_note.institution_id
    ).first()
    with pytest.raises(ValidationError, match="attestation"):
        note_cosign(user=attending, note_id=note.pk, attestation_id=theirs.pk)
    note.refresh_from_db()
    assert note.status == "signed"


def test_the_attestation_and_addendum_are_in_every_export(note, resident, attending):
    cosigned(note, resident, attending, addendum="Seen on the ward round.")
    assert note.attestation == SAW
    client = api_for(attending)  # the attending exports what they co-signed
    for fmt in ("text", "markdown"):
        body = client.get(f"/api/v1/notes/{note.pk}/export?format={fmt}")
        assert body.status_code == 200
        text = body.content.decode()
        assert SAW in text and "Addendum: Seen on the ward round." in text
        assert "Alan Attending" in text
    fhir = client.get(f"/api/v1/notes/{note.pk}/export?format=fhir").json()
    assert fhir["author"][0]["display"] == "Rosa Resident"
    assert fhir["author"][0]["identifier"]["value"] == str(resident.pk)
    assert fhir["authenticator"]["display"] == "Alan Attending"
    assert fhir["docStatus"] == "final"
    main, attestation = (
        base64.b64decode(c["attachment"]["data"]).decode() for c in fhir["content"]
    )
    assert SAW in main and SAW in attestation
    assert "Seen on the ward round." in attestation
    printed = client.get(f"/notes/{note.pk}/print").content.decode()
    assert "Attestation of the teaching physician" in printed
    assert "I saw and evaluated the patient" in printed
    page = client_for(resident).get(f"/notes/{note.pk}").content.decode()
    assert 'id="attestation"' in page and "Seen on the ward round." in page


def test_an_attending_exports_only_a_note_they_cosigned(note, resident, attending):
    signed(note, resident, attending)
    client = api_for(attending)
    refused = client.get(f"/api/v1/notes/{note.pk}/export?format=text")
    assert refused.status_code == 403
    note_cosign(user=attending, note_id=note.pk, attestation_id=first_attestation(note))
    assert client.get(f"/api/v1/notes/{note.pk}/export").status_code == 200
    assert client.get(f"/notes/{note.pk}/print").status_code == 200


# --- Feedback -----------------------------------------------------------------------


def test_the_rubric_is_stored_and_shown_to_the_resident_only(
    note, resident, resident2, attending, riverside_resident
):
    cosigned(
        note,
        resident,
        attending,
        scores={"accurate": 5, "succinct": "2", "useful": ""},
        comment="Tighten the subjective.",
    )
    feedback = NoteFeedback.objects.get(note=note)
    assert feedback.scores == {"accurate": 5, "succinct": 2}
    assert feedback.kind == "cosign" and feedback.resident == resident
    page = client_for(resident).get(f"/notes/{note.pk}").content.decode()
    assert "Tighten the subjective." in page and "Succinct" in page
    mine = client_for(resident).get("/feedback/").content.decode()
    assert "Tighten the subjective." in mine and "Internally consistent" in mine
    api = api_for(resident).get(f"/api/v1/notes/{note.pk}").json()
    assert api["feedback"][0]["scores"] == {"accurate": 5, "succinct": 2}
    for outsider in (resident2, riverside_resident):
        assert "Tighten" not in client_for(outsider).get("/feedback/").content.decode()
        assert client_for(outsider).get(f"/notes/{note.pk}").status_code == 404
        assert api_for(outsider).get(f"/api/v1/notes/{note.pk}").status_code == 404


def test_scores_outside_the_rubric_are_refused(note, resident, attending):
    signed(note, resident, attending)
    for scores in ({"accurate": 6}, {"charm": 3}, {"accurate": "x"}):
        with pytest.raises(ValidationError):
            note_cosign(
                user=attending,
                note_id=note.pk,
                attestation_id=first_attestation(note),
                scores=scores,
            )
    response = api_for(attending).post(
        f"/api/v1/notes/{note.pk}/cosign",
        {"attestation": first_attestation(note), "scores": {"accurate": 0}},
        format="json",
    )
    assert response.status_code == 422
    assert not NoteFeedback.objects.exists()


def test_a_returned_note_shows_the_comment_beside_its_section_and_keeps_it(
    note, resident, attending
):
    signed(note, resident, attending)
    client_for(attending).post(
        f"/notes/{note.pk}/return",
        {"comment": "Give the duration.", "section": "plan", "score_thorough": "2"},
    )
    page = client_for(resident).get(f"/notes/{note.pk}").content.decode()
    plan = page[page.index('id="section-plan"') :]
    plan = plan[: plan.index("</section>")]
    assert "Give the duration." in plan and "section-feedback" in plan
    note_edit(user=resident, note_id=note.pk, sections={"plan": "Doxycycline 7 days."})
    cosigned(note, resident, attending, comment="Better.")
    page = client_for(resident).get(f"/notes/{note.pk}").content.decode()
    assert "Give the duration." in page and "Better." in page
    assert [f.kind for f in teaching.note_feedback(note=note)] == ["return", "cosign"]


def test_the_feedback_page_averages_each_item_by_month(
    note, resident, attending, soap, django_assert_num_queries
):
    from tests.templates_app.conftest import record_encounter

    cosigned(note, resident, attending, scores={"accurate": 4, "useful": 2})
    other = note_create(
        user=resident, session_id=record_encounter(resident).pk, template_id=soap.pk
    )
    cosigned(other, resident, attending, scores={"accurate": 5})
    last_month = timezone.now() - dt.timedelta(days=40)
    NoteFeedback.objects.filter(note=other).update(created_at=last_month)
    months = teaching.feedback_months(teaching.feedback_for_resident(user=resident))
    assert [m.count for m in months] == [1, 1]
    this, previous = (dict(m.scores) for m in months)
    assert this["Accurate"] == 4 and this["Useful"] == 2 and this["Thorough"] is None
    assert previous["Accurate"] == 5
    assert months[0].overall == 3.0
    client = client_for(resident)
    client.get("/feedback/")
    # session, user, the resident's feedback with its notes and reviewers (one join);
    # their own figures: profile with institution, encounters, notes, feedback
    with django_assert_num_queries(7):
        client.get("/feedback/")


# --- What the machine wrote ---------------------------------------------------------


def test_the_machine_share_is_counted_word_by_word(note, resident, attending):
    drafted(note, resident)
    note_edit(
        user=resident,
        note_id=note.pk,
        sections={
            "objective": "Crackles at right base. Sats 94%.",  # 4 of 6 words kept
            "plan": "Admit for intravenous ceftriaxone.",  # 0 of 4 kept
        },
    )
    note.refresh_from_db()
    authorship = note_authorship(note)
    statuses = {s.key: s.status for s in authorship.sections}
    assert statuses == {
        "subjective": "kept",
        "objective": "edited",
        "assessment": "kept",
        "plan": "rewritten",
    }
    # 4 + 4 + 3 kept machine words out of 4 + 6 + 3 + 4 signed words
    assert authorship.words == 17 and round(authorship.share, 3) == round(11 / 17, 3)
    signed(note, resident, attending)
    page = client_for(attending).get(f"/notes/{note.pk}").content.decode()
    assert f"<strong>{round(100 * 11 / 17)}%</strong>" in page
    assert "rewritten by the resident" in page and "machine-compare" in page
    api = api_for(attending).get(f"/api/v1/notes/{note.pk}").json()
    assert api["authorship"]["sections"][3] == {
        "key": "plan",
        "status": "rewritten",
        "share": 0.0,
    }


# --- The attending's queue ----------------------------------------------------------


def _signed_hours_ago(resident, attending, soap, hours):
    from tests.templates_app.conftest import record_encounter

    note = note_create(
        user=resident, session_id=record_encounter(resident).pk, template_id=soap.pk
    )
    signed(note, resident, attending)
    ClinicalNote.objects.filter(pk=note.pk).update(
        signed_at=timezone.now() - dt.timedelta(hours=hours)
    )
    return note


def test_the_queue_puts_overdue_notes_first_with_their_age(
    resident, attending, soap, demo_hospital
):
    from tests.templates_app.supervision_helpers import policy

    policy(demo_hospital, cosign_deadline_hours=12)
    fresh = _signed_hours_ago(resident, attending, soap, 2)
    late = _signed_hours_ago(resident, attending, soap, 20)
    later = _signed_hours_ago(resident, attending, soap, 50)
    queue = teaching.cosign_queue(user=attending)
    assert [q.note for q in queue.waiting] == [later, late, fresh]
    assert [q.overdue for q in queue.waiting] == [True, True, False]
    assert queue.waiting[0].overdue_hours == 38 and queue.overdue_count == 2
    page = client_for(attending).get("/supervision/").content.decode()
    assert "2 overdue" in page and "Overdue by 38 h" in page
    assert page.index(f'data-note="{later.pk}"') < page.index(f'data-note="{fresh.pk}"')


def test_recent_decisions_are_listed_with_an_export(note, resident, attending):
    cosigned(note, resident, attending)
    page = client_for(attending).get("/supervision/").content.decode()
    recent = page[page.index('id="recent"') :]
    assert "Co-signed" in recent and f"/api/v1/notes/{note.pk}/export" in recent


def test_the_queue_and_feedback_through_the_api(
    resident, attending, soap, note, resident2, django_assert_max_num_queries
):
    late = _signed_hours_ago(resident, attending, soap, 30)
    fresh = _signed_hours_ago(resident, attending, soap, 1)
    client = api_for(attending)
    client.get("/api/v1/supervision/queue")
    # session, user, waiting notes with author, encounter and policy, recent ones
    with django_assert_max_num_queries(4):
        body = client.get("/api/v1/supervision/queue").json()
    assert [w["note"]["id"] for w in body["waiting"]] == [late.pk, fresh.pk]
    assert body["waiting"][0]["overdue"] and body["waiting"][0]["age_hours"] == 30
    assert body["waiting"][0]["deadline_hours"] == 24
    note_return(user=attending, note_id=late.pk, comment="More detail.", section="plan")
    mine = api_for(resident).get("/api/v1/me/feedback").json()
    assert mine[0]["comment"] == "More detail." and mine[0]["note"] == late.pk
    assert mine[0]["section"] == "plan"
    assert api_for(resident2).get("/api/v1/me/feedback").json() == []
    assert api_for(resident).get("/api/v1/supervision/queue").json()["waiting"] == []


def test_no_attestation_is_chosen_for_the_attending_but_their_last_is_offered(
    note, resident, attending
):
    from tests.templates_app.conftest import record_encounter

    signed(note, resident, attending)
    page = client_for(attending).get(f"/notes/{note.pk}").content.decode()
    options = teaching.attestation_options(institution_id=note.institution_id)
    assert 'name="attestation"' in page
    assert "checked" not in page.split('id="cosign-form"')[1].split("</fieldset>")[0]
    assert "your last choice" not in page

    second = note_create(
        user=resident,
        session_id=record_encounter(resident).pk,
        template_id=note.template_id,
    )
    signed(second, resident, attending)
    note_cosign(user=attending, note_id=note.pk, attestation_id=options[1].pk)
    page = client_for(attending).get(f"/notes/{second.pk}").content.decode()
    fieldset = page.split('id="cosign-form"')[1].split("</fieldset>")[0]
    assert "checked" not in fieldset
    chosen = fieldset.split(f'value="{options[1].pk}"')[1].split("</label>")[0]
    assert "your last choice" in chosen


def test_a_cosign_without_an_attestation_is_refused_with_the_reason(
    note, resident, attending
):
    signed(note, resident, attending)
    response = api_for(attending).post(
        f"/api/v1/notes/{note.pk}/cosign", {}, format="json"
    )
    assert response.status_code == 422
    assert response.json()["errors"]["attestation"] == [
        "Choose one of your institution's attestations."
    ]
    response = client_for(attending).post(f"/notes/{note.pk}/cosign", {}, follow=True)
    assert "Choose one of your institution&#x27;s attestations." in (
        response.content.decode()
    )
    note.refresh_from_db()
    assert note.status == "signed" and note.attestation == ""
