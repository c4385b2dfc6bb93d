"""Claude's path through the real Anthropic SDK against the local fake server."""

import anthropic
import pytest
from django.test import override_settings

from templates_app.generation import (
    DraftAccumulator,
    DraftRequest,
    GenerationError,
    SectionSpec,
    Segment,
    TextDelta,
    engine_name,
)
from templates_app.generation.anthropic_engine import AnthropicEngine, SectionParser
from tests.fakes.anthropic_server import Answer, fake_anthropic

REQUEST = DraftRequest(
    template_name="SOAP note",
    template_instructions="Outpatient follow-up note.",
    sections=(
        SectionSpec("subjective", "Subjective", "What the patient reports."),
        SectionSpec("plan", "Plan", "What happens next."),
    ),
    segments=(
        Segment(1, "I have had a cough for three days.", 0, 2500, 1),
        Segment(2, "We will start an inhaler.", 2500, 4000, 0),
    ),
)
NOTE = "## subjective\nCough for 3 days. [S1]\n## plan\nStart inhaler. [S2]\n"


def engine_for(fake, *, retries: int = 0) -> AnthropicEngine:
    client = anthropic.AsyncAnthropic(
        api_key="test-key", base_url=fake.base_url, max_retries=retries, timeout=5
    )
    return AnthropicEngine(model="claude-test", client=client)


async def run(engine, request=REQUEST):
    draft = DraftAccumulator()
    events = []
    try:
        async for event in engine.stream(request):
            draft.add(event)
            events.append(event)
    except GenerationError as error:
        return draft, events, error
    return draft, events, None


async def test_it_sends_the_template_as_a_cached_system_prompt():
    with fake_anthropic() as fake:
        fake.script(Answer(text=NOTE))
        draft, _, error = await run(engine_for(fake))
    assert error is None
    (sent,) = fake.requests
    assert sent.path == "/v1/messages"
    # this SDK sends the key as a bearer token (older ones used x-api-key)
    assert "test-key" in (
        sent.headers.get("x-api-key", "") + sent.headers.get("authorization", "")
    )
    body = sent.body
    assert body["model"] == "claude-test" and body["stream"] is True
    cached = [b for b in body["system"] if b.get("cache_control")]
    assert cached == [body["system"][-1]]
    assert cached[0]["cache_control"] == {"type": "ephemeral"}
    assert "Template: SOAP note" in cached[0]["text"]
    assert "## plan: Plan" in cached[0]["text"]
    user = body["messages"][0]["content"]
    assert "[S1] 00:00 speaker 1: I have had a cough" in user
    assert "[S2] 00:02 speaker 0: We will start an inhaler." in user
    assert draft.sections == {
        "subjective": "Cough for 3 days. [S1]",
        "plan": "Start inhaler. [S2]",
    }
    assert draft.finished == ["subjective", "plan"]
    assert draft.usage.input_tokens == 321 and draft.usage.output_tokens > 0


async def test_the_text_streams_before_the_model_has_finished():
    with fake_anthropic() as fake:
        fake.script(Answer(text=NOTE, chunk_size=4))
        _, events, _ = await run(engine_for(fake))
    deltas = [e for e in events if isinstance(e, TextDelta)]
    assert len(deltas) > 4  # the sections arrive in pieces, not at the end


async def test_an_error_mid_stream_keeps_the_partial_draft_and_says_so():
    with fake_anthropic() as fake:
        fake.script(Answer(text=NOTE, chunk_size=10, fail_after_chunks=3))
        draft, _, error = await run(engine_for(fake, retries=2))
    assert len(fake.requests) == 1  # a failure mid-stream is not retried
    assert error is not None and error.retryable
    assert "overloaded" in error.message and "kept" in error.message
    assert draft.sections["subjective"].startswith("Cough for")
    assert "plan" not in draft.sections


@pytest.mark.parametrize(
    ("status", "words"), [(429, "rate-limiting"), (529, "overloaded")]
)
async def test_a_busy_answer_becomes_a_clear_retryable_message(status, words):
    with fake_anthropic() as fake:
        fake.script(Answer(status=status), Answer(status=status))
        draft, _, error = await run(engine_for(fake, retries=1))
    assert len(fake.requests) == 2  # the SDK retried once, as configured
    assert error.retryable and words in error.message
    assert "try again" in error.message
    assert draft.sections == {}


async def test_the_sdk_retries_a_busy_answer_and_then_drafts():
    with fake_anthropic() as fake:
        fake.script(Answer(status=529), Answer(text=NOTE))
        draft, _, error = await run(engine_for(fake, retries=2))
    assert error is None and len(fake.requests) == 2
    assert draft.finished == ["subjective", "plan"]


def test_the_parser_holds_only_what_could_be_a_heading():
    parser = SectionParser(("a", "b"))
    events = []
    for piece in ["ignored preamble\n#", "# a\nFir", "st line [S1]\n", "## b", "\nx"]:
        events += parser.feed(piece)
    events += parser.close()
    draft = DraftAccumulator()
    for event in events:
        draft.add(event)
    assert draft.sections == {"a": "First line [S1]", "b": "x"}
    # "Fir" went out before its line ended
    assert TextDelta("a", "Fir") in events


def test_the_parser_keeps_markdown_that_is_not_a_section_heading():
    parser = SectionParser(("a",))
    events = parser.feed("## a\n### Not a key\n- item [S1]\n") + parser.close()
    draft = DraftAccumulator()
    for event in events:
        draft.add(event)
    assert draft.sections == {"a": "### Not a key\n- item [S1]"}


@pytest.mark.parametrize(
    ("setting", "key", "expected"),
    [
        ("auto", "", "offline"),
        ("auto", "sk-live", "anthropic"),
        ("offline", "sk-live", "offline"),
        ("anthropic", "", "anthropic"),
    ],
)
def test_note_engine_picks_claude_only_when_asked_or_keyed(setting, key, expected):
    with override_settings(NOTE_ENGINE=setting, ANTHROPIC_API_KEY=key):
        assert engine_name() == expected
