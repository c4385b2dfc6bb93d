"""Run a note's drafting the way a task worker does, and read its server-sent events."""

import json

from asgiref.sync import async_to_sync
from django.test import override_settings

from templates_app.drafting.enqueue import note_draft_enqueue
from templates_app.drafting.runner import draft_run
from templates_app.drafting.stream import sse_frame
from templates_app.selectors import draft_events_after


def parse_sse(raw: bytes | str) -> list[tuple[str, dict]]:
    text = raw.decode() if isinstance(raw, bytes) else raw
    events = []
    for block in text.split("\n\n"):
        if not block.strip() or block.startswith((":", "retry:")):
            continue
        name, data = "message", ""
        for line in block.splitlines():
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data += line[5:].strip()
        events.append((name, json.loads(data) if data else {}))
    return events


def generate(note, user, *, section: str = "", engine=None) -> list[tuple[str, dict]]:
    """Queue the note's draft, run the job here (as the worker would, with `engine`
    if given) and return its events after `queued`, parsed."""
    # The enqueue goes to a backend that keeps it (in a transactional test the
    # commit is at once, and the suite's immediate backend would run it itself).
    keep = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    with override_settings(TASKS=keep):
        job = note_draft_enqueue(user=user, note_id=note.pk, section=section)
    async_to_sync(draft_run)(job_id=job.pk, worker_id="test-worker", engine=engine)
    frames = b"".join(sse_frame(e) for e in draft_events_after(job_id=job.pk, after=1))
    return parse_sse(frames)


def first_attestation(note) -> int:
    """The id of the first statement of the note's institution's attestation list."""
    from templates_app.supervision.services import attestation_list_for_user

    return attestation_list_for_user(user=note.supervisor or note.author)[0].pk


def tone_wav(seconds: float = 4.0, rate: int = 16_000) -> bytes:
    """A quiet 440 Hz tone as a WAV file: a recording to play back."""
    import io
    import math
    import struct
    import wave

    frames = b"".join(
        struct.pack("<h", int(3000 * math.sin(2 * math.pi * 440 * n / rate)))
        for n in range(int(seconds * rate))
    )
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(frames)
    return out.getvalue()


def heard_note(user, template, folder):
    """A note on an encounter whose recording is kept (encrypted, in `folder`) and
    whose S1 was heard with doubts: 'methotrexate' corrected from 'methatrix' at
    0:01, '15' heard with 31% confidence at 0:02. A statement of its plan rests on
    each (a doubt flag each)."""
    import datetime as dt
    import uuid

    from django.utils import timezone

    from institutions.selectors import user_institution
    from noumaris.common.fields import fernet
    from templates_app.notes.services import note_create, note_edit
    from tests.transcription.factories import SegmentFactory, SessionFactory
    from transcription.engines.words import DRUG, Word, dumps, shown_text

    kept = folder / f"{uuid.uuid4().hex}.wav.enc"
    kept.write_bytes(fernet().encrypt(tone_wav()))
    session = SessionFactory(
        owner=user,
        institution=user_institution(user=user),
        retained_audio=str(kept),
        retained_until=timezone.now() + dt.timedelta(days=7),
    )
    words = [
        Word("Start", 1_000, 1_300, 0.95),
        Word("methotrexate", 1_300, 1_900, 0.9, "methatrix", DRUG),
        Word("15", 2_600, 2_800, 0.31),
        Word("mg", 2_800, 3_000, 0.9, "milligrams", "number"),
        Word("weekly.", 3_000, 3_400, 0.97),
    ]
    SegmentFactory(
        session=session, seq=1, start_ms=1_000, text=shown_text(words),
        words=dumps(words),
    )  # fmt: skip
    SegmentFactory(session=session, seq=2, text="Come back in two weeks.")
    note = note_create(user=user, session_id=session.pk, template_id=template.pk)
    note_edit(
        user=user,
        note_id=note.pk,
        sections={"plan": "Start methotrexate weekly. [S1] Take 15 mg. [S1]"},
    )
    return note
