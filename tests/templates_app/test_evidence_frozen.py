"""A signed note's transcript is its evidence of record: once the note is signed
(awaiting co-signature or not) or co-signed, no correction, speaker naming or
resumed recording changes it; while the note is a draft (a returned one included)
the transcript is corrected as before.

Rosa (`resident`) writes, Alan (`attending`) co-signs.
"""

import threading

import pytest
from django.db import connection, transaction

from accounts.models import AuditLog
from noumaris.common.errors import ConflictError
from templates_app.notes.flags import note_flag_confirm
from templates_app.notes.signoff import note_return, note_sign
from tests.templates_app.supervision_helpers import (
    api_for,
    client_for,
    cosigned,
    drafted,
    signed,
)
from tests.waiting import DEADLINE, eventually
from transcription.models import TranscriptionSession, TranscriptSegmentRevision
from transcription.services.sessions import SessionClosed, session_resume
from transcription.services.transcripts import segment_correct

pytestmark = pytest.mark.django_db

SIGN_OFF = {"signed": signed, "cosigned": cosigned}


def _urls(session) -> tuple[str, str]:
    base = f"/api/v1/transcription/sessions/{session.pk}"
    return f"{base}/segments/2", f"{base}/speakers"


def _transcript(session) -> tuple[list, dict]:
    session.refresh_from_db()
    return list(session.segments.values_list("seq", "text")), session.speaker_roles


@pytest.mark.parametrize("state", ["signed", "cosigned"])
def test_a_signed_notes_transcript_is_frozen(note, resident, attending, state):
    SIGN_OFF[state](note, resident, attending)
    session = note.session
    before = _transcript(session)
    api = api_for(resident)
    segment_url, speakers_url = _urls(session)

    fix = api.patch(segment_url, {"text": "Something else."}, format="json")
    name = api.patch(speakers_url, {"roles": {"0": "family"}}, format="json")

    for response in (fix, name):
        assert response.status_code == 409, response.content
        assert "part of a" in response.json()["detail"]
        assert "evidence" in response.json()["detail"]
    assert _transcript(session) == before
    assert not TranscriptSegmentRevision.objects.filter(segment__session=session)
    changed = ("TRANSCRIPT_CORRECTED", "SPEAKERS_NAMED")
    assert not AuditLog.objects.filter(action__in=changed).exists()


def test_the_reason_says_a_return_reopens_it(note, resident, attending):
    signed(note, resident, attending)
    segment_url, _ = _urls(note.session)
    response = api_for(resident).patch(segment_url, {"text": "x"}, format="json")
    assert "awaiting co-signature" in response.json()["detail"]
    assert "returns the note" in response.json()["detail"]


def test_a_draft_notes_transcript_is_still_corrected(note, resident):
    drafted(note, resident)
    api = api_for(resident)
    segment_url, speakers_url = _urls(note.session)
    fix = api.patch(segment_url, {"text": "Cough for six days."}, format="json")
    name = api.patch(speakers_url, {"roles": {"0": "family"}}, format="json")
    assert fix.status_code == 200 and name.status_code == 200
    assert note.session.segments.get(seq=2).text == "Cough for six days."


def test_a_returned_note_reopens_its_transcript(note, resident, attending):
    signed(note, resident, attending)
    note_return(user=attending, note_id=note.pk, comment="Check the cough's length.")
    segment_url, _ = _urls(note.session)
    response = api_for(resident).patch(
        segment_url, {"text": "Cough for six days."}, format="json"
    )
    assert response.status_code == 200


def test_the_encounter_page_shows_the_transcript_locked(note, resident, attending):
    cosigned(note, resident, attending)
    session = note.session
    client = client_for(resident)
    page = client.get(f"/encounters/{session.pk}").content.decode()
    assert "Locked." in page and "part of a co-signed note" in page
    assert "Save correction" not in page and "Save speakers" not in page

    before = _transcript(session)
    fix = client.post(f"/encounters/{session.pk}/segments/2", {"text": "x"})
    name = client.post(f"/encounters/{session.pk}/speakers", {"speaker-0": "family"})
    assert fix.status_code == 302 and name.status_code == 302
    after = client.get(f"/encounters/{session.pk}").content.decode()
    assert after.count("part of a co-signed note") == 3  # notice and two messages
    assert _transcript(session) == before


def test_the_draft_encounter_page_still_offers_corrections(note, resident):
    drafted(note, resident)
    page = client_for(resident).get(f"/encounters/{note.session.pk}").content.decode()
    assert "Save correction" in page and "Save speakers" in page
    assert "Locked." not in page


def test_an_interrupted_recording_under_a_signed_note_cannot_resume(
    note, resident, attending
):
    session = note.session
    TranscriptionSession.objects.filter(pk=session.pk).update(
        status=TranscriptionSession.Status.FAILED
    )
    signed(note, resident, attending)
    with pytest.raises(SessionClosed, match="part of a signed note"):
        session_resume(user=resident, session_id=session.pk)
    page = client_for(resident).get(f"/encounters/{session.pk}").content.decode()
    assert "Resume recording" not in page


def _waiting_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


@pytest.mark.django_db(transaction=True)
def test_a_correction_racing_the_signature_waits_and_is_refused(
    note, resident, attending
):
    """The signature holds the note until it commits; a correction meanwhile waits
    for it and then sees the note signed (it never slips in under it)."""
    drafted(note, resident)
    for flag in note.flags.filter(status="open"):
        note_flag_confirm(user=resident, note_id=note.pk, flag_id=flag.pk)
    signing, release, outcome = threading.Event(), threading.Event(), {}

    def sign():
        try:
            with transaction.atomic():
                note_sign(user=resident, note_id=note.pk, supervisor_id=attending.pk)
                signing.set()
                release.wait(DEADLINE)
        finally:
            connection.close()

    def correct():
        try:
            outcome["segment"] = segment_correct(
                user=resident, session_id=note.session_id, seq=2, text="Changed."
            )
        except ConflictError as error:
            outcome["refused"] = error.message
        finally:
            connection.close()

    signer = threading.Thread(target=sign)
    signer.start()
    assert signing.wait(DEADLINE)
    corrector = threading.Thread(target=correct)
    corrector.start()
    try:
        assert eventually(lambda: outcome or _waiting_on_a_lock())
        assert not outcome  # it waits for the signature's commit
    finally:
        release.set()
        signer.join(DEADLINE)
        corrector.join(DEADLINE)
    assert "part of a signed note" in outcome.get("refused", ""), outcome
    assert note.session.segments.get(seq=2).text != "Changed."
