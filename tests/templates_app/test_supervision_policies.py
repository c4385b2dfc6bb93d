"""Each supervision policy, turned on for Demo General, holds on every interface.

Riverside keeps the defaults, so its resident is the control: what Demo General's
policy refuses, Riverside's resident still may do.
"""

import datetime as dt
import json

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from accounts.models import AuditLog
from institutions.models import Feature
from institutions.services.permissions import check_feature
from templates_app.models import ClinicalNote, CosignReminder
from templates_app.notes.flags import note_flag_confirm
from templates_app.notes.services import note_create, note_edit
from templates_app.notes.signoff import note_cosign, note_sign
from tests.factories import FeatureGrantFactory, features
from tests.templates_app.conftest import record_encounter
from tests.templates_app.helpers import first_attestation, generate
from tests.templates_app.supervision_helpers import (
    api_for,
    client_for,
    drafted,
    policy,
    signed,
)

pytestmark = pytest.mark.django_db


# --- Which PGY levels may use AI drafting -------------------------------------------


def test_ai_drafting_below_the_programs_pgy_is_refused_everywhere(
    resident, riverside_resident, demo_hospital, encounter, note, soap
):
    policy(demo_hospital, ai_drafting_min_pgy=3)
    access = check_feature(resident, Feature.Code.NOTE_GENERATION)
    assert not access and "starts at PGY-3; you are PGY-2" in access.reason
    assert check_feature(
        riverside_resident, Feature.Code.NOTE_GENERATION
    )  # other program
    assert check_feature(
        resident, Feature.Code.NOTE_EXPORT
    )  # only drafting is held back
    api = api_for(resident)
    made = api.post(
        "/api/v1/notes", {"session": encounter.pk, "template": soap.pk}, format="json"
    )
    assert made.status_code == 403 and "PGY-3" in made.json()["detail"]
    drafting = api.post(f"/api/v1/notes/{note.pk}/generate", {}, format="json")
    assert drafting.status_code == 403
    permissions = api.get("/api/v1/me/permissions").json()
    flat = json.dumps(permissions)
    assert "starts at PGY-3" in flat
    page = client_for(resident).post(
        "/notes/new", {"session": encounter.pk, "template": soap.pk}
    )
    assert page.status_code == 403 and "PGY-3" in page.content.decode()


def test_the_policy_is_one_query_inside_the_rule(
    resident, demo_hospital, django_assert_num_queries
):
    policy(demo_hospital, ai_drafting_min_pgy=2)
    # the feature with the resident's profile, grant and policy (one query)
    with django_assert_num_queries(1):
        assert check_feature(resident, Feature.Code.NOTE_GENERATION)


# --- The resident writes the assessment and plan first ------------------------------


def _texts(events) -> str:
    return json.dumps([data for _, data in events])


def test_the_machines_plan_stays_hidden_until_the_residents_is_saved(
    note, resident, demo_hospital, attending
):
    policy(demo_hospital, plan_first=True)
    events = generate(note, resident)
    keys = {data.get("key") for name, data in events if name == "section_done"}
    assert keys == {"subjective", "objective"}  # never drafted, never streamed
    note.refresh_from_db()
    assert set(note.machine_sections) == {"subjective", "objective"}
    assert note.sections["assessment"] == "" and note.sections["plan"] == ""
    api = api_for(resident)
    body = api.get(f"/api/v1/notes/{note.pk}").json()
    by_key = {s["key"]: s for s in body["sections"]}
    assert by_key["plan"]["machine_text"] == "" and by_key["plan"]["text"] == ""
    revisions = api.get(f"/api/v1/notes/{note.pk}/revisions").json()
    assert all(r["sections"].get("plan", "") == "" for r in revisions)
    refused = api.post(
        f"/api/v1/notes/{note.pk}/generate", {"section": "plan"}, format="json"
    )
    assert refused.status_code == 409 and "your own" in refused.json()["detail"]
    page = client_for(resident).get(f"/notes/{note.pk}").content.decode()
    assert page.count('data-role="plan-first"') == 2

    note_edit(
        user=resident,
        note_id=note.pk,
        sections={"assessment": "My read: pneumonia.", "plan": "My plan: doxy."},
    )
    generate(note, resident, section="plan")
    generate(note, resident, section="assessment")
    note.refresh_from_db()
    assert note.sections["plan"] == "My plan: doxy."  # the resident's stays theirs
    machine_plan = note.machine_sections["plan"]
    assert machine_plan and machine_plan != "My plan: doxy."
    page = client_for(resident).get(f"/notes/{note.pk}").content.decode()
    assert 'data-role="plan-first"' not in page
    plan = page[page.index('id="section-plan"') :]
    plan = plan[: plan.index("</section>")]
    assert "machine-compare" in plan and "My plan: doxy." in plan  # side by side
    assert machine_plan.split()[0] in plan


def test_without_the_policy_the_machine_drafts_every_section(note, resident):
    events = generate(note, resident)
    keys = {data.get("key") for name, data in events if name == "section_done"}
    assert {"assessment", "plan"} <= keys


# --- PGY-1 notes need co-signature before export ------------------------------------


@pytest.fixture
def pgy1(resident2):
    for feature in features(
        (
            Feature.Code.LIVE_TRANSCRIPTION,
            Feature.Code.NOTE_GENERATION,
            Feature.Code.NOTE_EXPORT,
        )
    ):
        FeatureGrantFactory(
            user=resident2,
            feature=feature,
            institution=resident2.resident_profile.institution,
        )
    return resident2


def test_a_pgy1_note_leaves_only_once_cosigned(pgy1, soap, attending, demo_hospital):
    note = note_create(
        user=pgy1, session_id=record_encounter(pgy1).pk, template_id=soap.pk
    )
    signed(note, pgy1, attending)
    api, pages = api_for(pgy1), client_for(pgy1)
    assert api.get(f"/api/v1/notes/{note.pk}/export").status_code == 200
    policy(demo_hospital, pgy1_cosign_before_export=True)
    refused = api.get(f"/api/v1/notes/{note.pk}/export?format=fhir")
    assert refused.status_code == 403 and "PGY-1" in refused.json()["detail"]
    assert pages.get(f"/notes/{note.pk}/print").status_code == 403
    assert "Print view" not in pages.get(f"/notes/{note.pk}").content.decode()
    note_cosign(user=attending, note_id=note.pk, attestation_id=first_attestation(note))
    assert api.get(f"/api/v1/notes/{note.pk}/export?format=fhir").status_code == 200
    assert pages.get(f"/notes/{note.pk}/print").status_code == 200


def test_a_pgy2_note_is_not_held_by_the_pgy1_rule(note, resident, demo_hospital):
    policy(demo_hospital, pgy1_cosign_before_export=True)
    drafted(note, resident)
    assert api_for(resident).get(f"/api/v1/notes/{note.pk}/export").status_code == 200


# --- Overdue reminders --------------------------------------------------------------


def _overdue(note, resident, attending, hours=30):
    signed(note, resident, attending)
    ClinicalNote.objects.filter(pk=note.pk).update(
        signed_at=note.signed_at - dt.timedelta(hours=hours)
    )


def test_an_attending_gets_one_reminder_a_day(
    note, resident, attending, django_capture_on_commit_callbacks
):
    from django.utils import timezone

    from templates_app.supervision.services import cosign_reminders_send
    from templates_app.tasks import send_cosign_reminders

    _overdue(note, resident, attending)
    with django_capture_on_commit_callbacks(execute=True):
        assert send_cosign_reminders.call() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert cosign_reminders_send() == 0  # already reminded today
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["attending@example.org"]
    assert "1 note overdue" in message.subject and "SOAP note" in message.body
    assert "Rosa Resident" in message.body and "/supervision/" in message.body
    assert "cough" not in message.body.lower()  # no note text (PHI) in e-mail
    tomorrow = timezone.now() + dt.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert cosign_reminders_send(now=tomorrow) == 1
    assert CosignReminder.objects.count() == 2 and len(mail.outbox) == 2


def test_nobody_is_reminded_of_a_note_within_its_deadline(
    note, resident, attending, demo_hospital
):
    from templates_app.supervision.services import cosign_reminders_send

    policy(demo_hospital, cosign_deadline_hours=48)
    _overdue(note, resident, attending, hours=30)
    assert cosign_reminders_send() == 0 and mail.outbox == []


# --- The policy in the admin --------------------------------------------------------


def test_an_institution_admin_turns_the_policies_on_in_the_admin(
    admin, demo_hospital, riverside_admin, resident
):
    client = client_for(admin)
    form = client.get("/admin/institutions/supervisionpolicy/add/")
    assert form.status_code == 200
    response = client.post(
        "/admin/institutions/supervisionpolicy/add/",
        {
            "ai_drafting_min_pgy": "3",
            "plan_first": "on",
            "cosign_deadline_hours": "12",
            "pgy1_cosign_before_export": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    saved = demo_hospital.supervision_policy
    assert (saved.ai_drafting_min_pgy, saved.plan_first) == (3, True)
    assert saved.cosign_deadline_hours == 12 and saved.pgy1_cosign_before_export
    assert AuditLog.objects.filter(action="SUPERVISION_POLICY_CHANGED").exists()
    assert not check_feature(resident, Feature.Code.NOTE_GENERATION)
    outsider = client_for(riverside_admin)
    change = f"/admin/institutions/supervisionpolicy/{saved.pk}/change/"
    assert outsider.get(change).status_code == 404
    listing = outsider.get("/admin/institutions/supervisionpolicy/")
    assert "Demo General" not in listing.content.decode()


def test_a_superadmin_adding_a_second_policy_changes_the_institutions_one(
    superadmin, demo_hospital
):
    """The one policy per institution is the service's rule: it finds and updates
    the policy, where the model's own uniqueness check would refuse the form."""
    existing = policy(demo_hospital, cosign_deadline_hours=24)
    response = client_for(superadmin).post(
        "/admin/institutions/supervisionpolicy/add/",
        {
            "institution": demo_hospital.pk,
            "ai_drafting_min_pgy": "2",
            "cosign_deadline_hours": "8",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    saved = type(existing).objects.get(institution=demo_hospital)
    assert saved.pk == existing.pk
    assert (saved.ai_drafting_min_pgy, saved.cosign_deadline_hours) == (2, 8)


def test_attestation_lists_are_each_institutions_own_in_the_admin(
    admin, riverside_admin, demo_hospital
):
    from templates_app.models import AttestationStatement

    client = client_for(admin)
    listing = client.get("/admin/templates_app/attestationstatement/")
    assert (
        listing.status_code == 200 and "Saw and evaluated" in listing.content.decode()
    )
    added = client.post(
        "/admin/templates_app/attestationstatement/add/",
        {"label": "Telehealth", "text": "I supervised by video.", "position": "9",
         "is_active": "on"},
    )  # fmt: skip
    assert added.status_code == 302
    mine = AttestationStatement.objects.get(label="Telehealth")
    assert mine.institution == demo_hospital
    outsider = client_for(riverside_admin)
    url = f"/admin/templates_app/attestationstatement/{mine.pk}/change/"
    assert outsider.get(url).status_code == 404


# --- Patient instructions are for the patient -----------------------------------------

WRITTEN = {
    "what_we_found": "You have a chest infection.",
    "what_to_do": "Rest and drink water.",
    "medicines": "Doxycycline 100 milligrams twice a day for 7 days.",
    "when_to_get_help": "Call if you find it hard to breathe.",
    "follow_up": "See us in one week.",
}


@pytest.fixture
def instructions(resident, encounter, seeded_templates):
    template = seeded_templates["patient-instructions"]
    assert template.audience == "patient"
    note = note_create(user=resident, session_id=encounter.pk, template_id=template.pk)
    return drafted(note, resident, WRITTEN)


def test_patient_instructions_are_signed_without_an_attendings_cosignature(
    resident, instructions, demo_hospital
):
    policy(demo_hospital, pgy1_cosign_before_export=True)
    page = client_for(resident).get(f"/notes/{instructions.pk}").content.decode()
    assert 'name="supervisor"' not in page  # nobody to name
    for flag in instructions.flags.filter(status="open"):
        note_flag_confirm(user=resident, note_id=instructions.pk, flag_id=flag.pk)
    note_sign(user=resident, note_id=instructions.pk)
    instructions.refresh_from_db()
    assert instructions.status == "signed" and instructions.supervisor is None
    page = client_for(resident).get(f"/notes/{instructions.pk}").content.decode()
    assert "Ready to give to the patient." in page
    assert "Awaiting co-signature" not in page
    exported = api_for(resident).get(
        f"/api/v1/notes/{instructions.pk}/export?format=text"
    )
    assert exported.status_code == 200


def test_patient_instructions_go_to_the_attending_when_the_policy_asks(
    resident, attending, instructions, demo_hospital, note
):
    policy(demo_hospital, patient_instructions_review=True)
    page = client_for(resident).get(f"/notes/{instructions.pk}").content.decode()
    assert 'name="supervisor"' in page
    signed(instructions, resident, attending)
    assert instructions.supervisor == attending
    note_cosign(
        user=attending,
        note_id=instructions.pk,
        attestation_id=first_attestation(instructions),
    )
    instructions.refresh_from_db()
    assert instructions.status == "cosigned"


def test_a_chart_note_still_needs_its_attending(resident, note):
    drafted(note, resident)
    for flag in note.flags.filter(status="open"):
        note_flag_confirm(user=resident, note_id=note.pk, flag_id=flag.pk)
    with pytest.raises(ValidationError, match="Name the attending"):
        note_sign(user=resident, note_id=note.pk)
