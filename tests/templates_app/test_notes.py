"""Notes: drafting, editing, revisions, sign, co-sign, return, and who may see them."""

import json

import anthropic
import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import override_settings

from accounts.models import AuditLog
from noumaris.common.errors import ConflictError, ForbiddenError, NotFoundError
from templates_app import selectors
from templates_app.drafting.claim import note_generation_begin
from templates_app.generation.anthropic_engine import AnthropicEngine
from templates_app.generation.structured import answer_json
from templates_app.models import ClinicalNote, NoteRevision, NoteTemplate
from templates_app.notes.services import note_create, note_edit, note_open
from templates_app.notes.signoff import note_cosign, note_return, note_sign
from tests.factories import FacultyFactory, UserFactory
from tests.fakes.anthropic_server import Answer, fake_anthropic
from tests.templates_app.conftest import record_encounter
from tests.templates_app.helpers import first_attestation, generate
from tests.waiting import DEADLINE

pytestmark = pytest.mark.django_db


def audit_actions(note):
    return list(
        AuditLog.objects.filter(target_id=str(note.pk))
        .filter(target_type="templates_app.ClinicalNote")
        .order_by("id")
        .values_list("action", flat=True)
    )


def drafted(note, user):
    events = generate(note, user)
    note.refresh_from_db()
    return events


# --- Creating ------------------------------------------------------------------------


def test_a_draft_keeps_a_snapshot_of_its_template(note, soap):
    assert note.status == ClinicalNote.Status.DRAFT
    assert note.template_snapshot["name"] == "SOAP note"
    assert [s["key"] for s in note.section_specs] == [
        "subjective",
        "objective",
        "assessment",
        "plan",
    ]
    assert note.institution == note.session.institution
    soap.name = "Renamed"
    soap.save()
    note.refresh_from_db()
    assert note.title == "SOAP note"


def test_a_resident_without_note_generation_cannot_draft(resident2, soap):
    with pytest.raises(ForbiddenError, match="not been granted"):
        note_create(user=resident2, session_id=1, template_id=soap.pk)


def test_only_the_encounter_recorder_can_draft_from_it(
    encounter, riverside_resident, soap
):
    with pytest.raises(NotFoundError):
        note_create(
            user=riverside_resident, session_id=encounter.pk, template_id=soap.pk
        )


def test_another_institutions_template_is_not_found(resident, encounter, riverside):
    theirs = NoteTemplate.objects.create(
        name="Riverside only",
        slug="riverside-only",
        scope=NoteTemplate.Scope.INSTITUTION,
        institution=riverside,
    )
    with pytest.raises(NotFoundError):
        note_create(user=resident, session_id=encounter.pk, template_id=theirs.pk)


# --- Drafting ------------------------------------------------------------------------


def test_the_offline_drafter_streams_and_stores_a_cited_draft(note, resident):
    events = drafted(note, resident)
    names = [name for name, _ in events]
    assert names[0] == "start" and names[-1] == "done"
    assert names.count("section") == 4 and names.count("section_done") == 4
    assert names.index("delta") < names.index("section_done")
    assert events[-1][1]["generation"] == "complete"
    assert note.engine == "offline" and note.generation == "complete"
    assert "doxycycline" in note.sections["plan"]
    assert "[S23]" in note.sections["plan"]
    assert note.machine_sections == note.sections
    (revision,) = note.revisions.all()
    assert revision.kind == NoteRevision.Kind.GENERATED
    assert revision.author == resident


def test_note_text_is_ciphertext_in_the_database(note, resident):
    drafted(note, resident)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT content, machine_content FROM templates_app_clinicalnote "
            "WHERE id = %s",
            [note.pk],
        )
        content, machine = cursor.fetchone()
    assert content.startswith("fernet:") and machine.startswith("fernet:")
    assert "doxycycline" not in content


def test_redrafting_one_section_leaves_the_others_alone(note, resident):
    drafted(note, resident)
    note_edit(user=resident, note_id=note.pk, sections={"subjective": "My own words."})
    events = generate(note, resident, section="plan")
    note.refresh_from_db()
    assert [d["key"] for n, d in events if n == "section"] == ["plan"]
    assert note.sections["subjective"] == "My own words."
    kinds = list(note.revisions.values_list("kind", "section_key"))
    assert kinds == [
        ("generated", ""),
        ("edited", "subjective"),
        ("regenerated", "plan"),
    ]


def test_an_empty_transcript_cannot_be_drafted(resident, soap):
    session = record_encounter(resident, lines=[])
    note = note_create(user=resident, session_id=session.pk, template_id=soap.pk)
    with pytest.raises(ConflictError, match="transcript is empty"):
        note_generation_begin(user=resident, note_id=note.pk)


def test_a_note_is_drafted_by_one_request_at_a_time(note, resident):
    note_generation_begin(user=resident, note_id=note.pk)
    with pytest.raises(ConflictError, match="being drafted"):
        note_generation_begin(user=resident, note_id=note.pk)
    with pytest.raises(ConflictError, match="being drafted"):
        note_edit(user=resident, note_id=note.pk, sections={"plan": "x"})


def test_an_unknown_section_cannot_be_redrafted(note, resident):
    with pytest.raises(ValidationError):
        note_generation_begin(user=resident, note_id=note.pk, section="nope")


def claude(fake) -> AnthropicEngine:
    return AnthropicEngine(
        model="claude-test",
        client=anthropic.AsyncAnthropic(
            api_key="k", base_url=fake.base_url, max_retries=0, timeout=DEADLINE
        ),
    )


def test_claude_streams_the_draft_into_the_note(note, resident):
    with fake_anthropic() as fake:
        events = generate(note, resident, engine=claude(fake))
    note.refresh_from_db()
    assert [n for n, _ in events].count("section_done") == 4
    assert note.engine == "anthropic" and note.model == "claude-test"
    assert note.input_tokens == 321 and note.output_tokens > 0
    assert "[S" in note.sections["plan"]
    system = fake.requests[0].body["system"]
    assert system[-1]["cache_control"] == {"type": "ephemeral"}


def test_an_error_mid_stream_keeps_the_partial_draft_and_says_so(note, resident):
    reply = (
        answer_json(
            {
                "subjective": [("Cough for about 5 days. [S2]", [2])],
                "objective": [("Temperature 38.2. [S18]", [18]), ("Crackles.", [19])],
                "assessment": [("Pneumonia.", [22])],
                "plan": [("Doxycycline.", [23])],
            }
        )
        .replace(" [S2]", "")
        .replace(" [S18]", "")
    )
    cut = reply.index('"Crackles.')
    with fake_anthropic() as fake:
        fake.script(Answer(json=reply, chunk_size=5, fail_after_chunks=cut // 5 + 1))
        events = generate(note, resident, engine=claude(fake))
    note.refresh_from_db()
    error = dict(events)["error"]
    assert error["retryable"] is True
    assert "overloaded" in error["message"] and "kept" in error["message"]
    # the finished section, and the one cut off halfway, are both kept
    assert error["kept"] == ["objective", "subjective"]
    assert dict(events)["done"]["generation"] == "interrupted"
    assert note.generation == "interrupted"
    assert "overloaded" in note.generation_error
    assert note.sections["subjective"] == "Cough for about 5 days. [S2]"
    assert note.sections["objective"] == "Temperature 38.2. [S18]"
    assert note.sections["plan"] == ""
    assert note.revisions.get().kind == NoteRevision.Kind.INTERRUPTED
    # and the resident may try again at once
    note_generation_begin(user=resident, note_id=note.pk)


@pytest.mark.parametrize("status", [429, 529])
def test_a_busy_claude_answers_a_retryable_message_and_frees_the_note(
    note, resident, status
):
    with fake_anthropic() as fake:
        fake.script(Answer(status=status))
        events = generate(note, resident, engine=claude(fake))
    note.refresh_from_db()
    error = dict(events)["error"]
    assert error["retryable"] and "try again" in error["message"]
    assert note.generation == "interrupted" and note.status == "draft"


def test_note_engine_anthropic_uses_the_configured_base_url(note, resident):
    with (
        fake_anthropic() as fake,
        override_settings(
            NOTE_ENGINE="anthropic",
            ANTHROPIC_API_KEY="sk-test",
            ANTHROPIC_BASE_URL=fake.base_url,
            ANTHROPIC_MODEL="claude-configured",
        ),
    ):
        generate(note, resident)
    note.refresh_from_db()
    assert note.model == "claude-configured"
    assert fake.requests[0].body["model"] == "claude-configured"


# --- Editing and revisions -----------------------------------------------------------


def test_every_edit_is_a_revision_with_who_and_when(note, resident):
    drafted(note, resident)
    note_edit(user=resident, note_id=note.pk, sections={"assessment": "CAP. [S22]"})
    note_edit(
        user=resident, note_id=note.pk, sections={"assessment": "CAP. [S22]"}
    )  # unchanged: no revision
    revisions = selectors.note_revisions(note=note)
    assert [(r.number, r.kind) for r in revisions] == [(1, "generated"), (2, "edited")]
    assert revisions[1].sections["assessment"] == "CAP. [S22]"
    assert revisions[0].sections["assessment"] != "CAP. [S22]"
    note.refresh_from_db()
    assert note.machine_sections["assessment"] != note.sections["assessment"]


def test_an_edit_naming_an_unknown_section_is_refused(note, resident):
    with pytest.raises(ValidationError):
        note_edit(user=resident, note_id=note.pk, sections={"nope": "x"})


def test_only_the_author_edits(note, attending):
    with pytest.raises(NotFoundError):
        note_edit(user=attending, note_id=note.pk, sections={"plan": "x"})


# --- Sign, co-sign, return -----------------------------------------------------------


def signed(note, resident, attending):
    drafted(note, resident)
    return note_sign(user=resident, note_id=note.pk, supervisor_id=attending.pk)


def test_signing_names_an_attending_and_locks_the_note(note, resident, attending):
    signed(note, resident, attending)
    note.refresh_from_db()
    assert note.status == "signed" and note.supervisor == attending
    with pytest.raises(ConflictError, match="signed note cannot be edited"):
        note_edit(user=resident, note_id=note.pk, sections={"plan": "x"})
    with pytest.raises(ConflictError):
        note_generation_begin(user=resident, note_id=note.pk)
    with pytest.raises(ConflictError):
        note_sign(user=resident, note_id=note.pk, supervisor_id=attending.pk)
    entry = AuditLog.objects.get(action="NOTE_SIGNED")
    assert entry.details == {"supervisor_id": attending.pk}
    assert entry.institution == note.institution


def test_a_resident_must_name_a_supervisor(note, resident):
    drafted(note, resident)
    with pytest.raises(ValidationError):
        note_sign(user=resident, note_id=note.pk, supervisor_id=None)


def test_an_attending_of_another_institution_is_not_found(note, resident, riverside):
    drafted(note, resident)
    outsider = FacultyFactory(institution=riverside, user=UserFactory()).user
    with pytest.raises(NotFoundError):
        note_sign(user=resident, note_id=note.pk, supervisor_id=outsider.pk)
    with pytest.raises(NotFoundError):  # a resident is not faculty either
        note_sign(user=resident, note_id=note.pk, supervisor_id=resident.pk)
    note.refresh_from_db()
    assert note.status == "draft"


def test_an_empty_note_cannot_be_signed(note, resident, attending):
    with pytest.raises(ConflictError, match="empty"):
        note_sign(user=resident, note_id=note.pk, supervisor_id=attending.pk)


def test_the_named_attending_cosigns_and_it_is_audited(note, resident, attending):
    signed(note, resident, attending)
    assert list(selectors.notes_awaiting_cosignature(user=attending)) == [note]
    note_cosign(user=attending, note_id=note.pk, attestation_id=first_attestation(note))
    note.refresh_from_db()
    assert note.status == "cosigned" and note.cosigned_at is not None
    assert list(selectors.notes_awaiting_cosignature(user=attending)) == []
    with pytest.raises(ConflictError, match="already co-signed"):
        note_cosign(user=attending, note_id=note.pk)
    assert audit_actions(note) == ["NOTE_SIGNED", "NOTE_COSIGNED"]


def test_another_attending_cannot_cosign(note, resident, attending, demo_hospital):
    signed(note, resident, attending)
    colleague = FacultyFactory(institution=demo_hospital, user=UserFactory()).user
    with pytest.raises(NotFoundError):
        note_cosign(user=colleague, note_id=note.pk)
    with pytest.raises(NotFoundError):
        note_open(user=colleague, note_id=note.pk)


def test_an_attending_who_left_the_institution_no_longer_sees_the_note(
    note, resident, attending
):
    signed(note, resident, attending)
    attending.faculty_profile.is_active = False
    attending.faculty_profile.save()
    with pytest.raises(NotFoundError):
        note_cosign(user=attending, note_id=note.pk)


def test_returning_sends_it_back_and_cosigning_needs_the_signature_again(
    note, resident, attending
):
    signed(note, resident, attending)
    with pytest.raises(ValidationError):
        note_return(user=attending, note_id=note.pk, comment="  ")
    note_return(user=attending, note_id=note.pk, comment="Add the x-ray result.")
    note.refresh_from_db()
    assert note.status == "draft" and note.return_comment == "Add the x-ray result."
    assert list(selectors.notes_awaiting_signature(user=resident)) == [note]
    with pytest.raises(ConflictError, match="must sign the note before"):
        note_cosign(user=attending, note_id=note.pk)
    note_edit(
        user=resident,
        note_id=note.pk,
        sections={"objective": "Chest x-ray shows a right lower lobe opacity. [S21]"},
    )
    note_sign(user=resident, note_id=note.pk, supervisor_id=attending.pk)
    note_cosign(user=attending, note_id=note.pk, attestation_id=first_attestation(note))
    returned = AuditLog.objects.get(action="NOTE_RETURNED")
    assert "x-ray" not in json.dumps(returned.details)  # no PHI in the audit log


def test_a_physician_signs_alone(physician, soap):
    session = record_encounter(physician)
    note = note_create(user=physician, session_id=session.pk, template_id=soap.pk)
    generate(note, physician)
    note_sign(user=physician, note_id=note.pk)
    note.refresh_from_db()
    assert note.status == "signed" and note.supervisor is None


# --- Reading ------------------------------------------------------------------------


def test_reads_by_anyone_but_the_author_are_audited(note, resident, attending):
    note_open(user=resident, note_id=note.pk)
    assert audit_actions(note) == []
    signed(note, resident, attending)
    note_open(user=attending, note_id=note.pk)
    assert audit_actions(note) == ["NOTE_SIGNED", "NOTE_VIEWED"]


@pytest.mark.parametrize(
    "outsider",
    ["resident2", "admin", "riverside_resident", "riverside_admin", "superadmin"],
)
def test_nobody_else_sees_a_note(note, outsider, request):
    user = request.getfixturevalue(outsider)
    with pytest.raises(NotFoundError):
        note_open(user=user, note_id=note.pk)
    assert list(selectors.note_list_for_user(user=user)) == []


def test_the_usage_panel_counts_notes_per_month(note, riverside_note, demo_hospital):
    counts = selectors.notes_by_month(institution=demo_hospital)
    assert sum(counts.values()) == 1
    (month,) = counts
    assert month.day == 1


def test_no_note_is_made_while_an_upload_is_transcribing(resident, soap):
    from tests.templates_app.supervision_helpers import api_for
    from tests.transcription.factories import session_with_segments

    session = session_with_segments(resident, count=0, status="transcribing")
    response = api_for(resident).post(
        "/api/v1/notes", {"session": session.pk, "template": soap.pk}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["detail"] == (
        "The note can be drafted once the transcript is ready."
    )
    live = session_with_segments(resident, count=2, status="paused")
    with pytest.raises(ConflictError, match="Stop the recording"):
        note_create(user=resident, session_id=live.pk, template_id=soap.pk)
    assert not session.notes.exists() and not live.notes.exists()
