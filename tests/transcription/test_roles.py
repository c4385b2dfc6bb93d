"""Speakers and roles from what was said (transcription.engines.roles), for
recordings without diarization: the shipped classifier on dialogue text, then the
offline engine and an upload on a two-voice espeak-ng dialogue."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.transcription.conftest import role_heard, wav_pcm
from tests.transcription.test_offline_engine import run_engine
from transcription.engines.base import Result
from transcription.engines.roles import SPEAKER_ROLES, Turns, assign, model
from transcription.models import TranscriptionSession

# Written for this test (not from the training data); one line per utterance.
VISIT = [
    ("clinician", "Hi there, come on in. What can I do for you today?"),
    ("patient", "My lower back has been hurting for about three weeks now."),
    ("clinician", "Did anything happen, like a fall or lifting something heavy?"),
    ("patient", "I was moving boxes at my daughter's place and felt a twinge."),
    ("clinician", "Does the pain go down your leg at all?"),
    ("patient", "Sometimes it shoots down into my right thigh."),
    ("clinician", "Any numbness, tingling, or trouble controlling your bladder?"),
    ("patient", "No, nothing like that."),
    ("clinician", "What have you taken for it so far?"),
    ("patient", "Just ibuprofen, two tablets in the morning, and it helps a bit."),
    ("clinician", "Okay. Let me examine you. Can you bend forward for me?"),
    ("patient", "Ouch, that hurts right there."),
    ("clinician", "There's tenderness over the lower lumbar muscles."),
    ("clinician", "I think this is a muscle strain. We'll start physical therapy."),
    ("patient", "Should I stay off work?"),
    ("clinician", "Light duty for two weeks, and come back if it gets worse."),
]
ROLE_OF = {int(k): v for k, v in SPEAKER_ROLES.items()}


def as_results(lines) -> list[Result]:
    return [
        Result(text=text, is_final=True, start_ms=n * 5000, end_ms=n * 5000 + 4000)
        for n, (_, text) in enumerate(lines)
    ]


def accuracy(results, lines) -> float:
    """The share of lines whose longest piece has the line's role."""
    right = 0
    for n, (role, _) in enumerate(lines):
        pieces = [r for r in results if n * 5000 <= r.start_ms < n * 5000 + 4000]
        longest = max(pieces, key=lambda r: r.end_ms - r.start_ms)
        right += ROLE_OF[longest.speaker] == role
    return right / len(lines)


def test_the_shipped_classifier_reads_questions_as_the_clinicians():
    roles = model()
    assert roles.score("Any fever or chills?") > 0
    assert roles.score("I'll prescribe you an antibiotic for ten days.") > 0
    assert roles.score("It hurts when I walk up the stairs.") < 0
    assert roles.score("") == 0.0


def test_a_whole_recording_gets_a_role_on_every_utterance():
    results = assign(as_results(VISIT))
    assert len(results) == len(VISIT)  # no line cut: each is one speaker's
    assert accuracy(results, VISIT) >= 0.9
    assert [(r.start_ms, r.end_ms) for r in results] == [
        (r.start_ms, r.end_ms) for r in as_results(VISIT)
    ]


def test_a_live_recording_gets_roles_one_final_at_a_time():
    turns = Turns()
    results = [piece for r in as_results(VISIT) for piece in turns.assign(r)]
    assert accuracy(results, VISIT) >= 0.85


def test_a_final_that_spans_both_speakers_is_cut_where_the_speaker_changes():
    joined = Result(
        text="Do you smoke or drink alcohol? No, I quit smoking ten years ago.",
        is_final=True,
        start_ms=10_000,
        end_ms=16_000,
        confidence=0.8,
    )
    first, second = Turns().assign(joined)
    assert (first.text, first.speaker) == ("Do you smoke or drink alcohol?", 0)
    assert (second.text, second.speaker) == ("No, I quit smoking ten years ago.", 1)
    assert first.start_ms == 10_000 and second.end_ms == 16_000
    assert 10_000 < first.end_ms == second.start_ms < 16_000
    assert first.is_final and second.confidence == 0.8


def test_a_cut_final_keeps_its_words_marks_and_what_was_heard():
    """Each piece of a final cut where the speaker changes keeps its own words (times,
    probabilities, corrections), so the transcript still underlines and marks them,
    and its times are its words'."""
    from transcription.engines.words import DRUG, NUMBER, Word, dumps, shown_text
    from transcription.heard import segment_words

    words = (
        Word("What", 10_000, 10_200, 0.9),
        Word("medicines", 10_200, 10_600, 0.9),
        Word("do", 10_600, 10_700, 0.9),
        Word("you", 10_700, 10_800, 0.9),
        Word("take?", 10_800, 10_900, 0.9),
        Word("I", 12_000, 12_100, 0.9),
        Word("take", 12_100, 12_300, 0.9),
        Word("methotrexate", 12_300, 12_900, 0.4, "method to exit", DRUG),
        Word("15 mg", 12_900, 13_300, 0.3, "fifteen milligrams", NUMBER),
        Word("every", 13_300, 13_500, 0.95),
        Word("week.", 13_500, 13_700, 0.95),
    )
    text = shown_text(list(words))
    joined = Result(
        text=text,
        is_final=True,
        start_ms=9_800,
        end_ms=13_800,
        heard="What medicines do you take? I take method to exit fifteen "
        "milligrams every week.",
        words=words,
    )
    first, second = Turns().assign(joined)
    assert (first.speaker, second.speaker) == (0, 1)
    assert first.words == words[:5] and second.words == words[5:]
    assert (first.text, first.heard) == ("What medicines do you take?", "")
    assert second.heard == "I take method to exit fifteen milligrams every week."
    assert first.start_ms == 9_800 and second.end_ms == 13_800
    assert 10_900 <= first.end_ms == second.start_ms <= 12_000
    for piece in (first, second):  # as stored and shown: the marks are kept
        stored = type("Segment", (), {"text": piece.text, "words": dumps(piece.words)})
        assert segment_words(stored) == list(piece.words)


async def test_the_offline_engine_gives_its_finals_speakers_by_role(dialogue_wav):
    path, spans = dialogue_wav
    recorder = await run_engine(wav_pcm(path))
    finals = recorder.finals
    assert len(finals) >= len(spans) - 1
    said = [
        (ROLE_OF[f.speaker], role_heard(f.text, f.start_ms, f.end_ms, spans), f.text)
        for f in finals
    ]
    right = sum(given == heard for given, heard, _ in said)
    # About 90% of lines right on ACI-Bench valid (bench/roles.py measure), but
    # Whisper's temperature fallback samples, so this short visit's segments vary
    # from run to run (8 to 10 lines), and so do the misses: once 3 of 10, the
    # patient's last two short lines ("That is a relief.", "Do I need
    # antibiotics?") in the clinician's turn. At least 70% of lines right, both
    # roles present: a role assignment that breaks falls far below that.
    assert right >= 0.7 * len(said), "\n".join(map(str, said))


@pytest.mark.django_db
def test_an_uploaded_dialogue_comes_back_with_clinician_and_patient_turns(
    api, resident, dialogue_wav, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.UPLOAD_DIR = tmp_path / "waiting"
    settings.TRANSCRIPTION_ENGINE, settings.DEEPGRAM_API_KEY = "offline", ""
    path, spans = dialogue_wav
    api.force_login(resident)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/api/v1/transcription/sessions/upload",
            {
                "file": SimpleUploadedFile("visit.wav", path.read_bytes()),
                "consent": True,
            },
            format="multipart",
        )
    assert response.status_code == 202, response.json()
    session = TranscriptionSession.objects.get(pk=response.json()["id"])
    assert session.status == "stopped"
    assert session.speaker_roles == {"0": "clinician", "1": "patient"}
    listed = api.get(f"/api/v1/transcription/sessions/{session.pk}/segments").json()
    segments = listed["results"]
    said = [
        (
            s["speaker_role"],
            role_heard(s["text"], s["start_ms"], s["end_ms"], spans),
            s["text"],
        )
        for s in segments
    ]
    assert {given for given, _, _ in said} == {"clinician", "patient"}
    right = sum(given == heard for given, heard, _ in said)
    # About 90% of lines right on ACI-Bench valid (bench/roles.py measure), but
    # Whisper's temperature fallback samples, so this short visit's segments vary
    # from run to run (8 to 10 lines), and so do the misses: once 3 of 10, the
    # patient's last two short lines ("That is a relief.", "Do I need
    # antibiotics?") in the clinician's turn. At least 70% of lines right, both
    # roles present: a role assignment that breaks falls far below that.
    assert right >= 0.7 * len(said), "\n".join(map(str, said))

    # The clinician renames a speaker as today, and the transcript follows.
    response = api.patch(
        f"/api/v1/transcription/sessions/{session.pk}/speakers",
        {"roles": {"1": "family"}},
        format="json",
    )
    assert response.status_code == 200, response.json()
    session.refresh_from_db()
    assert session.speaker_roles == {"0": "clinician", "1": "family"}
