"""Encounters recorded through the transcription app's own services, and notes."""

import pytest

from templates_app.library import template_seed_global
from templates_app.models import NoteTemplate
from templates_app.notes.services import note_create
from templates_app.seed_data import TEMPLATES
from tests.templates_app.transcripts import ENCOUNTER, encounter_segments
from transcription.engines import Result
from transcription.services.segments import segment_append
from transcription.services.sessions import session_start, session_stop


def record_encounter(user, lines=ENCOUNTER, *, label="Bed 4, cough"):
    """A stopped encounter with its final segments, as the recorder stores them."""
    session = session_start(user=user, engine="offline", consent=True, label=label)
    for _, speaker, start, end, text in encounter_segments(lines):
        segment_append(
            session_id=session.pk,
            result=Result(
                text=text, is_final=True, start_ms=start, end_ms=end, speaker=speaker
            ),
        )
    session_stop(user=user, session_id=session.pk, audio_seconds=len(lines) * 4.0)
    session.refresh_from_db()
    return session


@pytest.fixture
def seeded_templates(db):
    return {spec["slug"]: template_seed_global(spec=spec)[0] for spec in TEMPLATES}


@pytest.fixture
def soap(seeded_templates) -> NoteTemplate:
    return seeded_templates["soap"]


@pytest.fixture
def encounter(resident):
    return record_encounter(resident)


@pytest.fixture
def note(resident, encounter, soap):
    return note_create(user=resident, session_id=encounter.pk, template_id=soap.pk)


@pytest.fixture
def riverside_note(riverside_resident, soap):
    session = record_encounter(riverside_resident)
    return note_create(
        user=riverside_resident, session_id=session.pk, template_id=soap.pk
    )
