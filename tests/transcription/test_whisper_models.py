"""Whisper base from its two registry packages: joined once into a cache outside the
repository, checked, and loaded with nothing fetched (issue 23, item 1)."""

import hashlib
import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings

from transcription.engines import whisper
from transcription.engines.whisper import BASE_SHA256, ModelUnavailable, model_path

JOIN = (
    "import django, os, sys; os.environ['WHISPER_MODEL_CACHE'] = sys.argv[1]; "
    "django.setup(); from transcription.engines.whisper import model_path; "
    "print(model_path('base'))"
)


def sha256(path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def test_two_processes_join_the_base_model_once_into_the_cache(tmp_path):
    cache = tmp_path / "cache"
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", JOIN, str(cache)],
            stdout=subprocess.PIPE,
            text=True,
            cwd=django_settings.BASE_DIR,
            env={
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "noumaris.settings",
                "DJANGO_DEBUG": "1",
            },
        )
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=300)[0].strip() for run in runs]
    assert all(run.returncode == 0 for run in runs)
    folder = cache / "whisper-base"
    assert outputs == [str(folder), str(folder)]
    assert sorted(p.name for p in folder.iterdir()) == [
        "config.json",
        "model.bin",
        "tokenizer.json",
        "vocabulary.json",
    ]
    assert sha256(folder / "model.bin") == BASE_SHA256
    assert [
        p.name for p in cache.iterdir() if p.name.startswith(".whisper-base-")
    ] == []


def test_a_join_that_does_not_match_the_checksum_leaves_nothing(
    settings, tmp_path, monkeypatch
):
    settings.WHISPER_MODEL_CACHE = tmp_path
    monkeypatch.setattr(whisper, "BASE_SHA256", "0" * 64)  # as if a part were damaged
    with pytest.raises(ModelUnavailable, match="SHA-256"):
        model_path("base")
    assert [p.name for p in tmp_path.iterdir()] == [".whisper-base.lock"]


def test_the_base_model_transcribes_speech(settings, tmp_path, speech_wav):
    from faster_whisper import WhisperModel

    settings.WHISPER_MODEL_CACHE = tmp_path
    model = WhisperModel(
        str(model_path("base")),
        device="cpu",
        compute_type="int8",
        cpu_threads=1,
        local_files_only=True,
    )
    segments, _ = model.transcribe(str(speech_wav), language="en", beam_size=1)
    text = " ".join(s.text for s in segments).lower()
    assert "chest pain" in text and "fever" in text, text
