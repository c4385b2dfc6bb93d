"""Speakers: the clinician names each speaker's role; every page numbers speakers
the same way; note engines receive the roles."""

import pytest

from accounts.models import AuditLog
from templates_app.drafting.claim import note_generation_begin
from templates_app.library import template_seed_global
from templates_app.notes.services import note_create
from templates_app.seed_data import TEMPLATES
from tests.transcription.factories import SegmentFactory, session_with_segments
from transcription.speakers import speaker_name

pytestmark = pytest.mark.django_db


@pytest.fixture
def note_for(db):
    soap = next(t for t in TEMPLATES if t["slug"] == "soap")
    template = template_seed_global(spec=soap)[0]

    def make(session):
        return note_create(
            user=session.owner, session_id=session.pk, template_id=template.pk
        )

    return make


def two_speaker_session(user):
    session = session_with_segments(user, count=0)
    for seq, speaker in ((1, 0), (2, 1), (3, 0)):
        SegmentFactory(session=session, seq=seq, speaker=speaker)
    return session


def test_speakers_are_numbered_from_one_and_named_by_role():
    assert speaker_name(0) == "Speaker 1"
    assert speaker_name(1, {"0": "clinician"}) == "Speaker 2"
    assert speaker_name(0, {"0": "clinician", "1": "patient"}) == "Clinician"
    family = {"1": "family", "2": "family"}
    assert speaker_name(2, family) == "Family member (Speaker 3)"
    assert speaker_name(None, family) == ""


def test_the_api_names_roles_and_the_segments_carry_them(api, resident):
    session = two_speaker_session(resident)
    api.force_login(resident)
    url = f"/api/v1/transcription/sessions/{session.pk}/speakers"
    response = api.patch(
        url, {"roles": {"0": "clinician", "1": "patient"}}, format="json"
    )
    assert response.status_code == 200
    assert response.json() == {"speaker_roles": {"0": "clinician", "1": "patient"}}
    segments = api.get(f"/api/v1/transcription/sessions/{session.pk}/segments").json()[
        "results"
    ]
    assert [s["speaker_role"] for s in segments] == [
        "clinician",
        "patient",
        "clinician",
    ]
    cleared = api.patch(url, {"roles": {"1": ""}}, format="json").json()
    assert cleared == {"speaker_roles": {"0": "clinician"}}
    audit = AuditLog.objects.filter(action="SPEAKERS_NAMED").order_by("pk").last()
    assert audit.details == {"roles": {"0": "clinician"}}


def test_unknown_roles_and_speakers_are_refused(api, resident):
    session = two_speaker_session(resident)
    api.force_login(resident)
    url = f"/api/v1/transcription/sessions/{session.pk}/speakers"
    bad_role = api.patch(url, {"roles": {"0": "surgeon"}}, format="json")
    assert bad_role.status_code == 422
    assert "not a speaker role" in bad_role.json()["errors"]["roles"][0]
    no_speaker = api.patch(url, {"roles": {"7": "patient"}}, format="json")
    assert no_speaker.status_code == 422
    assert "no speaker 7" in no_speaker.json()["errors"]["roles"][0]


def test_another_residents_encounter_is_not_found(api, resident, riverside_resident):
    session = two_speaker_session(resident)
    api.force_login(riverside_resident)
    response = api.patch(
        f"/api/v1/transcription/sessions/{session.pk}/speakers",
        {"roles": {"0": "patient"}},
        format="json",
    )
    assert response.status_code == 404
    session.refresh_from_db()
    assert session.speaker_roles == {}


def test_the_encounter_page_names_speakers_and_saves_roles(client, resident):
    session = two_speaker_session(resident)
    client.force_login(resident)
    page = client.get(f"/encounters/{session.pk}").content.decode()
    assert "Speaker 1" in page and "Speaker 2" in page and "Speaker 0" not in page
    response = client.post(
        f"/encounters/{session.pk}/speakers",
        {"speaker-0": "clinician", "speaker-1": "interpreter"},
    )
    assert response.status_code == 302
    page = client.get(f"/encounters/{session.pk}").content.decode()
    assert "Interpreter</span>" in page and "Clinician</span>" in page


def test_an_outsider_cannot_name_speakers_through_the_page(
    client, resident, riverside_resident
):
    session = two_speaker_session(resident)
    client.force_login(riverside_resident)
    response = client.post(
        f"/encounters/{session.pk}/speakers", {"speaker-0": "patient"}
    )
    assert response.status_code == 404


def test_the_note_page_numbers_speakers_like_the_encounter_page(
    client, resident, note_for
):
    session = two_speaker_session(resident)
    session.speaker_roles = {"1": "patient"}
    session.save(update_fields=["speaker_roles"])
    note = note_for(session)
    client.force_login(resident)
    page = client.get(f"/notes/{note.pk}").content.decode()
    assert "Speaker 1" in page and "Patient" in page
    assert "Speaker 0" not in page


def test_note_engines_receive_each_segments_speaker_role(resident, note_for):
    session = two_speaker_session(resident)
    session.speaker_roles = {"0": "clinician", "1": "patient"}
    session.save(update_fields=["speaker_roles"])
    note = note_for(session)
    job = note_generation_begin(user=resident, note_id=note.pk)
    roles = [(s.speaker, s.speaker_role) for s in job.request.segments]
    assert roles == [(0, "clinician"), (1, "patient"), (0, "clinician")]


# --- one segment said to be another role's ------------------------------------------
def roles_url(session, seq: int) -> str:
    return f"/api/v1/transcription/sessions/{session.pk}/segments/{seq}/role"


def test_one_segment_moves_to_the_speaker_of_the_role_it_is_given(api, resident):
    session = two_speaker_session(resident)
    session.speaker_roles = {"0": "clinician", "1": "patient"}
    session.save(update_fields=["speaker_roles"])
    api.force_login(resident)
    response = api.patch(roles_url(session, 3), {"role": "patient"}, format="json")
    assert response.status_code == 200, response.json()
    assert (response.json()["speaker"], response.json()["speaker_role"]) == (
        1,
        "patient",
    )
    segments = api.get(f"/api/v1/transcription/sessions/{session.pk}/segments").json()
    assert [s["speaker_role"] for s in segments["results"]] == [
        "clinician",
        "patient",
        "patient",  # only S3 moved, not its speaker's other segments
    ]
    audit = AuditLog.objects.get(action="SEGMENT_ROLE_CHANGED")
    assert audit.details == {
        "seq": 3,
        "role": "patient",
        "speaker_from": 0,
        "speaker_to": 1,
    }
    assert audit.actor_id == resident.pk and audit.target_id == str(session.pk)


def test_a_role_no_speaker_has_yet_names_a_new_speaker(api, resident):
    session = two_speaker_session(resident)
    session.speaker_roles = {"0": "clinician", "1": "patient"}
    session.save(update_fields=["speaker_roles"])
    api.force_login(resident)
    response = api.patch(roles_url(session, 2), {"role": "family"}, format="json")
    assert response.status_code == 200
    assert (response.json()["speaker"], response.json()["speaker_role"]) == (
        2,
        "family",
    )
    session.refresh_from_db()
    assert session.speaker_roles == {"0": "clinician", "1": "patient", "2": "family"}
    # The note engines read it with its new role.
    assert [(s.seq, s.speaker) for s in session.segments.order_by("seq")] == [
        (1, 0),
        (2, 2),
        (3, 0),
    ]


def test_a_bad_role_an_unknown_segment_and_an_open_recording_are_refused(api, resident):
    session = two_speaker_session(resident)
    api.force_login(resident)
    bad = api.patch(roles_url(session, 1), {"role": "surgeon"}, format="json")
    assert bad.status_code == 422
    assert "not a speaker role" in bad.json()["errors"]["role"][0]
    missing = api.patch(roles_url(session, 9), {"role": "patient"}, format="json")
    assert missing.status_code == 404
    session.status = "recording"
    session.save(update_fields=["status"])
    live = api.patch(roles_url(session, 1), {"role": "patient"}, format="json")
    assert live.status_code == 409
    assert [s.speaker for s in session.segments.order_by("seq")] == [0, 1, 0]
    assert not AuditLog.objects.filter(action="SEGMENT_ROLE_CHANGED").exists()


def test_another_institutions_segment_is_not_found(api, resident, riverside_resident):
    session = two_speaker_session(resident)
    api.force_login(riverside_resident)
    response = api.patch(roles_url(session, 1), {"role": "patient"}, format="json")
    assert response.status_code == 404
    assert session.segments.get(seq=1).speaker == 0


def test_a_former_resident_cannot_change_a_segments_role(api, former_resident):
    from tests.api.matrix import while_active

    session = while_active(
        former_resident, lambda: two_speaker_session(former_resident)
    )
    api.force_login(former_resident)
    response = api.patch(roles_url(session, 1), {"role": "patient"}, format="json")
    assert response.status_code == 403
    assert session.segments.get(seq=1).speaker == 0
    page = api.post(f"/encounters/{session.pk}/segments/1/role", {"role": "patient"})
    assert page.status_code == 403
    assert not AuditLog.objects.filter(action="SEGMENT_ROLE_CHANGED").exists()


def test_the_encounter_page_changes_one_segments_role(
    client, resident, riverside_resident
):
    session = two_speaker_session(resident)
    session.speaker_roles = {"0": "clinician", "1": "patient"}
    session.save(update_fields=["speaker_roles"])
    client.force_login(resident)
    page = client.get(f"/encounters/{session.pk}").content.decode()
    assert f'action="/encounters/{session.pk}/segments/3/role"' in page
    assert '<label for="role-3">Said by</label>' in page
    response = client.post(
        f"/encounters/{session.pk}/segments/3/role", {"role": "interpreter"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/encounters/{session.pk}#S3"
    page = client.get(f"/encounters/{session.pk}").content.decode()
    assert "Segment S3: said by Interpreter." in page
    assert '<span class="segment-speaker speaker-2">Interpreter</span>' in page
    client.force_login(riverside_resident)
    outsider = client.post(
        f"/encounters/{session.pk}/segments/1/role", {"role": "patient"}
    )
    assert outsider.status_code == 404
    assert session.segments.get(seq=1).speaker == 0
