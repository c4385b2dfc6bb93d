"""Claude's path through the real Anthropic SDK against the local fake server: tool
use, its input JSON streamed statement by statement, and every statement verified."""

import json
from dataclasses import dataclass

import anthropic
import pytest
from django.test import override_settings

from templates_app.generation import (
    DraftAccumulator,
    DraftRequest,
    GenerationError,
    SectionFinished,
    SectionSpec,
    Segment,
    TextDelta,
    engine_name,
)
from templates_app.generation.anthropic_engine import AnthropicEngine
from templates_app.generation.structured import StatementParser, answer_json
from templates_app.generation.verify import verify_sections
from tests.fakes.anthropic_server import Answer, fake_anthropic
from tests.templates_app.helpers import generate
from tests.waiting import DEADLINE


@dataclass(frozen=True)
class RoleSegment:
    """A segment as the speech app stores it once speakers are named."""

    seq: int
    text: str
    start_ms: int = 0
    end_ms: int = 0
    speaker: int | None = None
    role: str | None = None


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
NOTE = answer_json(
    {
        "subjective": [("Cough for 3 days.", [1])],
        "plan": [("Start inhaler.", [2]), ("Follow up in 1 week.", [])],
    }
)


def engine_for(fake, *, retries: int = 0) -> AnthropicEngine:
    client = anthropic.AsyncAnthropic(
        api_key="test-key",
        base_url=fake.base_url,
        max_retries=retries,
        timeout=DEADLINE,
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


async def test_it_asks_for_the_note_tool_with_a_cached_style_guide_and_template():
    with fake_anthropic() as fake:
        fake.script(Answer(json=NOTE))
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
    (tool,) = body["tools"]
    assert body["tool_choice"] == {"type": "tool", "name": tool["name"]}
    section = tool["input_schema"]["properties"]["sections"]["items"]
    assert section["properties"]["key"]["enum"] == ["subjective", "plan"]
    statement = section["properties"]["statements"]["items"]
    assert statement["required"] == ["text", "segments"]
    style, template = body["system"]
    assert "clinical scribe" in style["text"] and "cache_control" not in style
    assert template["cache_control"] == {"type": "ephemeral"}
    assert "Template: SOAP note" in template["text"]
    assert "## plan: Plan" in template["text"]
    user = body["messages"][0]["content"]
    assert "[S1] 00:00 speaker 1: I have had a cough" in user
    assert "[S2] 00:02 speaker 0: We will start an inhaler." in user
    assert draft.sections == {
        "subjective": "Cough for 3 days. [S1]",
        "plan": "Start inhaler. [S2]\nFollow up in 1 week.",
    }
    assert draft.finished == ["subjective", "plan"]
    assert draft.usage.input_tokens == 321 and draft.usage.output_tokens > 0


async def test_named_speakers_reach_the_prompt_as_their_roles():
    request = DraftRequest(
        template_name="SOAP note",
        template_instructions="",
        sections=REQUEST.sections,
        segments=(
            RoleSegment(1, "Any chest pain?", 0, 1000, 0, "clinician"),
            RoleSegment(2, "No.", 1000, 2000, 1, "patient"),
            RoleSegment(3, "Okay.", 2000, 3000, 0, None),
        ),
    )
    with fake_anthropic() as fake:
        await run(engine_for(fake), request)
    user = fake.requests[0].body["messages"][0]["content"]
    assert "[S1] 00:00 clinician: Any chest pain?" in user
    assert "[S2] 00:01 patient: No." in user
    assert "[S3] 00:02 speaker 0: Okay." in user


async def test_each_statement_streams_as_it_is_completed():
    with fake_anthropic() as fake:
        fake.script(Answer(json=NOTE, chunk_size=5))
        _, events, _ = await run(engine_for(fake))
    deltas = [e.text for e in events if isinstance(e, TextDelta)]
    # one delta per statement, whole, however the JSON was cut
    assert deltas == [
        "Cough for 3 days. [S1]",
        "Start inhaler. [S2]",
        "\nFollow up in 1 week.",
    ]
    # the first section is finished before the second's statements arrive
    finished = events.index(SectionFinished("subjective"))
    assert finished < events.index(TextDelta("plan", "Start inhaler. [S2]"))


def test_the_parser_sends_a_statement_once_the_next_one_begins():
    parser = StatementParser(("a", "b"))
    note = answer_json({"a": [("One.", [1]), ("Two.", [2])], "b": []})
    cut = note.index('{"text": "Two.')
    # the first statement may still grow: nothing is sent yet
    assert not [e for e in parser.feed(note[: cut - 3]) if isinstance(e, TextDelta)]
    events = parser.feed(note[cut - 3 : cut + 1])
    assert [e for e in events if isinstance(e, TextDelta)] == [
        TextDelta("a", "One. [S1]")
    ]
    rest = parser.feed(note[cut + 1 :]) + parser.close()
    texts = [e.text for e in rest if isinstance(e, TextDelta)]
    assert texts == ["\nTwo. [S2]", "Not discussed."]  # an empty section says so


def test_the_parser_ignores_sections_not_asked_for_and_repeats():
    parser = StatementParser(("a",))
    note = json.dumps(
        {
            "sections": [
                {"key": "zzz", "statements": [{"text": "x", "segments": [1]}]},
                {"key": "a", "statements": [{"text": "y", "segments": [1, "S2"]}]},
                {"key": "a", "statements": [{"text": "z", "segments": [1]}]},
            ]
        }
    )
    draft = DraftAccumulator()
    for event in parser.feed(note) + parser.close():
        draft.add(event)
    assert draft.sections == {"a": "y [S1]"}


async def test_a_cited_segment_that_does_not_exist_is_flagged_not_kept_as_valid():
    reply = answer_json(
        {
            "subjective": [("Cough for 3 days.", [1]), ("Fever to 39.", [7])],
            "plan": [("Start inhaler.", [2])],
        }
    )
    with fake_anthropic() as fake:
        fake.script(Answer(json=reply))
        draft, _, error = await run(engine_for(fake))
    assert error is None
    segments = {s.seq: s.text for s in REQUEST.segments}
    (flag,) = verify_sections(draft.sections, segments)
    assert flag.kind == "missing_segment" and flag.seqs == (7,)
    assert flag.statement == "Fever to 39."


@pytest.mark.django_db(transaction=True)
def test_a_claude_draft_citing_a_missing_segment_blocks_signing(note, resident):
    from noumaris.common.errors import ConflictError
    from templates_app.notes.signoff import note_sign

    reply = answer_json(
        {
            "subjective": [("Cough for about five days.", [2])],
            "objective": [("Temperature 38.2.", [18]), ("SpO2 99%.", [999])],
            "assessment": [("Community acquired pneumonia.", [22])],
            "plan": [("Doxycycline 200 mg twice a day for 7 days.", [23])],
        }
    )
    with fake_anthropic() as fake:
        fake.script(Answer(json=reply))
        events = generate(note, resident, engine=engine_for(fake))
    assert events[-1][1]["generation"] == "complete"
    assert events[-1][1]["open_flags"] == 2
    note.refresh_from_db()
    assert note.engine == "anthropic"
    kinds = {(f.section_key, f.kind): f for f in note.flags.all()}
    assert set(kinds) == {("objective", "missing_segment"), ("plan", "number")}
    assert kinds[("plan", "number")].cited_words.startswith(
        "Because of your penicillin"
    )
    with pytest.raises(ConflictError, match="2 flagged statements"):
        note_sign(user=resident, note_id=note.pk, supervisor_id=None)


async def test_a_reply_cut_off_at_max_tokens_is_an_error_not_a_complete_draft():
    cut = NOTE[: NOTE.index("Follow up") + 4]
    with fake_anthropic() as fake:
        fake.script(Answer(json=cut, stop_reason="max_tokens"))
        draft, _, error = await run(engine_for(fake))
    assert error is not None and "output limit" in error.message
    assert draft.finished == ["subjective"]
    assert draft.sections["plan"] == "Start inhaler. [S2]"


async def test_an_error_mid_stream_keeps_the_partial_draft_and_says_so():
    with fake_anthropic() as fake:
        fake.script(Answer(json=NOTE, chunk_size=10, fail_after_chunks=13))
        draft, _, error = await run(engine_for(fake, retries=2))
    assert len(fake.requests) == 1  # a failure mid-stream is not retried
    assert error is not None and error.retryable
    assert "overloaded" in error.message and "kept" in error.message
    assert draft.sections["subjective"] == "Cough for 3 days. [S1]"
    assert "plan" not in draft.finished


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
        fake.script(Answer(status=529), Answer(json=NOTE))
        draft, _, error = await run(engine_for(fake, retries=2))
    assert error is None and len(fake.requests) == 2
    assert draft.finished == ["subjective", "plan"]


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
