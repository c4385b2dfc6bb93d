"""The on-site model path (NOTE_ENGINE=openai) through the real `openai` SDK against
a local server speaking Chat Completions streaming."""

import openai
import pytest
from django.test import override_settings

from templates_app.generation import (
    TextDelta,
    engine_name,
    get_engine,
)
from templates_app.generation.openai_engine import OpenAIEngine
from templates_app.generation.structured import answer_json
from tests.fakes.openai_server import Answer, fake_openai
from tests.noumaris.subprocess_env import clean_env, read_settings, run_manage
from tests.templates_app.helpers import generate
from tests.templates_app.test_anthropic_engine import NOTE, run
from tests.waiting import DEADLINE


def engine_for(fake, *, retries: int = 0) -> OpenAIEngine:
    client = openai.AsyncOpenAI(
        api_key="local-key",
        base_url=fake.base_url,
        max_retries=retries,
        timeout=DEADLINE,
    )
    return OpenAIEngine(model="llama-test", client=client)


async def test_it_streams_chat_completions_with_the_notes_json_schema():
    with fake_openai() as fake:
        fake.script(Answer(content=NOTE, chunk_size=7))
        draft, events, error = await run(engine_for(fake))
    assert error is None
    (sent,) = fake.requests
    assert sent.path == "/v1/chat/completions"
    assert sent.headers["authorization"] == "Bearer local-key"
    body = sent.body
    assert body["model"] == "llama-test" and body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}
    schema = body["response_format"]["json_schema"]["schema"]
    assert body["response_format"]["type"] == "json_schema"
    assert schema["required"] == ["sections"]
    system, user = body["messages"]
    assert system["role"] == "system" and "clinical scribe" in system["content"]
    assert "Template: SOAP note" in system["content"]
    assert "[S1] 00:00 speaker 1: I have had a cough" in user["content"]
    assert draft.sections == {
        "subjective": "Cough for 3 days. [S1]",
        "plan": "Start inhaler. [S2]\nFollow up in 1 week.",
    }
    assert [e.text for e in events if isinstance(e, TextDelta)][0] == (
        "Cough for 3 days. [S1]"
    )
    assert draft.usage.input_tokens == 211 and draft.usage.output_tokens > 0


async def test_a_dropped_connection_keeps_what_was_complete():
    with fake_openai() as fake:
        fake.script(Answer(content=NOTE, chunk_size=10, drop_after_chunks=13))
        draft, _, error = await run(engine_for(fake))
    assert error is not None and error.retryable
    assert "kept" in error.message
    assert draft.finished == ["subjective"]


async def test_a_cut_off_answer_says_so():
    with fake_openai() as fake:
        fake.script(Answer(content=NOTE[:200], finish_reason="length"))
        draft, _, error = await run(engine_for(fake))
    assert error is not None and "LLM_MAX_TOKENS" in error.message
    assert "plan" not in draft.finished


@pytest.mark.parametrize(
    ("status", "words", "retryable"),
    [
        (503, "busy", True),
        (500, "error", True),
        (401, "key", False),
        (404, "LLM_MODEL", False),
    ],
)
async def test_server_errors_become_clear_messages(status, words, retryable):
    with fake_openai() as fake:
        fake.script(Answer(status=status))
        _, _, error = await run(engine_for(fake))
    assert words in error.message and error.retryable is retryable


@pytest.mark.django_db(transaction=True)
def test_an_on_site_draft_is_stored_verified_and_labelled(note, resident):
    reply = answer_json(
        {
            "subjective": [("Cough for about 5 days after a cold.", [2])],
            "objective": [("Crackles at the left base.", [19])],
            "assessment": [("Community acquired pneumonia.", [22])],
            "plan": [("Start amoxicillin.", [23]), ("Recheck in 1 week.", [404])],
        }
    )
    with fake_openai() as fake:
        fake.script(Answer(content=reply))
        events = generate(note, resident, engine=engine_for(fake))
    assert events[0][1]["engine"] == "openai"
    assert events[-1][1]["generation"] == "complete"
    note.refresh_from_db()
    assert note.engine == "openai" and note.model == "llama-test"
    kinds = sorted((f.section_key, f.kind) for f in note.flags.all())
    assert kinds == [
        ("objective", "laterality"),
        ("plan", "drug"),
        ("plan", "missing_segment"),
    ]


def test_note_engine_openai_is_chosen_and_configured_from_settings():
    with override_settings(
        NOTE_ENGINE="openai", LLM_BASE_URL="http://127.0.0.1:1/v1", LLM_MODEL="m"
    ):
        assert engine_name() == "openai"
        engine = get_engine()
        assert isinstance(engine, OpenAIEngine) and engine.model == "m"
        assert str(engine.client.base_url) == "http://127.0.0.1:1/v1/"


def test_note_engine_openai_without_a_server_refuses_to_start():
    done = run_manage("check", env=clean_env(NOTE_ENGINE="openai", DJANGO_DEBUG="1"))
    assert done.returncode == 1
    assert "NOTE_ENGINE=openai needs LLM_BASE_URL" in done.stderr
    bad = run_manage(
        "check",
        env=clean_env(NOTE_ENGINE="openai", DJANGO_DEBUG="1", LLM_BASE_URL="llm:8000"),
    )
    assert "LLM_BASE_URL must be an http:// or https:// URL" in bad.stderr
    assert read_settings(
        ["LLM_BASE_URL", "LLM_MODEL", "LLM_MAX_TOKENS"],
        clean_env(
            NOTE_ENGINE="openai",
            DJANGO_DEBUG="1",
            LLM_BASE_URL="http://llm:8000/v1",
            LLM_MODEL="qwen",
        ),
    ) == {
        "LLM_BASE_URL": "http://llm:8000/v1",
        "LLM_MODEL": "qwen",
        "LLM_MAX_TOKENS": 4096,
    }
