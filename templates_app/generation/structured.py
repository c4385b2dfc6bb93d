"""What the language-model engines share: the prompt, the note's JSON shape, and the
parser that turns its streamed JSON into section events statement by statement.

The model answers one JSON object, `{"sections": [{"key": ..., "statements":
[{"text": ..., "segments": [3, 4]}]}]}`: citations by construction, not by asking
for `[S3]` in prose. Each statement becomes the text `<statement> [S3, S4]` once it
is complete (when the next one starts), so the page fills in as the model writes.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import jiter

from templates_app.generation.base import (
    DraftEvent,
    DraftRequest,
    SectionFinished,
    SectionStarted,
    TextDelta,
)

NOT_DISCUSSED = "Not discussed."
TOOL_NAME = "write_note"

STYLE_GUIDE = """You are a clinical scribe. You draft a note that a physician will \
review, correct and sign; it becomes part of the medical record.

Clinical style guide:
- Use only what was said in the transcript. Never add a finding, dose, result, \
diagnosis or plan that nobody said.
- Write statements, not transcript: third person, plain clinical English, standard \
abbreviations only (BP, HR, mg, BID, PRN). "I've had a cough for five days" becomes \
"Cough for 5 days."
- Leave out greetings, small talk, fillers and acknowledgements. A question and its \
answer become one statement ("Any chest pain?" / "No." becomes "Denies chest pain.").
- Keep every number exactly as said: doses with units and frequency, vitals, \
durations. Keep the side (left, right) and every negation exactly as said.
- Medications with dose and frequency; allergies with the reaction.
- The assessment and plan are the clinician's, as the clinician said them; do not \
add reasoning nobody voiced.
- Each statement lists the numbers of the transcript segments it rests on, and only \
segments that say it. A statement nothing in the transcript supports is not written.
- A section the transcript says nothing about has exactly one statement, \
"Not discussed.", with no segments. Use it only then.
- Answer with the JSON object described, every section asked for, in the order asked."""


def note_schema(keys: tuple[str, ...]) -> dict:
    """The JSON schema of the answer, for tool use and for response_format."""
    statement = {
        "type": "object",
        "properties": {
            "text": {"type": "string", "description": "One clinical statement."},
            "segments": {
                "type": "array",
                "items": {"type": "integer"},
                "description": "Numbers of the transcript segments it rests on.",
            },
        },
        "required": ["text", "segments"],
        "additionalProperties": False,
    }
    section = {
        "type": "object",
        "properties": {
            "key": {"type": "string", "enum": list(keys)},
            "statements": {"type": "array", "items": statement},
        },
        "required": ["key", "statements"],
        "additionalProperties": False,
    }
    return {
        "type": "object",
        "properties": {"sections": {"type": "array", "items": section}},
        "required": ["sections"],
        "additionalProperties": False,
    }


def template_prompt(request: DraftRequest) -> str:
    """The template as a system block: instructions, then each section."""
    lines = [f"Template: {request.template_name}"]
    if request.template_instructions:
        lines += ["", request.template_instructions.strip()]
    lines += ["", "Sections (key: title, then what belongs there):"]
    for spec in request.sections:
        lines.append(f"## {spec.key}: {spec.title}")
        if spec.instructions:
            lines.append(spec.instructions.strip())
    return "\n".join(lines)


def format_time(ms: int) -> str:
    seconds = ms // 1000
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


def speaker_label(segment) -> str:
    """The named role (clinician, patient...) when the segment has one, else the
    diarised speaker number, else nothing."""
    role = getattr(segment, "role", None)
    if role:
        return f" {role}"
    return "" if segment.speaker is None else f" speaker {segment.speaker}"


def transcript_prompt(request: DraftRequest) -> str:
    """The user turn: the numbered transcript and which sections to write."""
    lines = ["Transcript of the encounter (segment, time, speaker, words):"]
    for segment in request.segments:
        lines.append(
            f"[S{segment.seq}] {format_time(segment.start_ms)}"
            f"{speaker_label(segment)}: {segment.text}"
        )
    keys = ", ".join(spec.key for spec in request.wanted)
    lines += [
        "",
        f"Write these sections, in this order: {keys}.",
        'Answer with {"sections": [{"key": ..., "statements": [{"text": ..., '
        '"segments": [numbers]}]}]}.',
    ]
    return "\n".join(lines)


def statement_text(statement: dict) -> str:
    """`<text> [S3, S4]`; segment numbers that are not integers are dropped."""
    text = " ".join(str(statement.get("text") or "").split())
    seqs = [s for s in statement.get("segments") or [] if isinstance(s, int) and s >= 0]
    if seqs and text:
        return f"{text} [{', '.join(f'S{s}' for s in seqs)}]"
    return text


@dataclass
class _Section:
    key: str | None
    consumed: int = 0  # statements read
    written: int = 0  # statements sent (an empty one is read, not sent)
    finished: bool = False


@dataclass
class StatementParser:
    """Feeds streamed JSON text; yields events for each statement as it completes."""

    keys: tuple[str, ...]
    buffer: str = ""
    sections: list[_Section] = field(default_factory=list)
    started: set[str] = field(default_factory=set)

    def feed(self, text: str) -> list[DraftEvent]:
        self.buffer += text
        return self._advance(final=False)

    def close(self, *, truncated: bool = False) -> list[DraftEvent]:
        """The answer ended; a cut-off one leaves its last section unfinished."""
        return self._advance(final=not truncated)

    def _snapshot(self) -> list:
        try:
            value = jiter.from_json(self.buffer.encode(), partial_mode="on")
        except ValueError:
            return []
        sections = value.get("sections") if isinstance(value, dict) else None
        return sections if isinstance(sections, list) else []

    def _advance(self, *, final: bool) -> list[DraftEvent]:
        snapshot = self._snapshot()
        events: list[DraftEvent] = []
        for position, raw in enumerate(snapshot):
            raw = raw if isinstance(raw, dict) else {}
            last = position == len(snapshot) - 1
            complete = final or not last
            if position == len(self.sections):
                self.sections.append(_Section(None))
            events += self._section(self.sections[position], raw, complete=complete)
        return events

    def _section(self, state: _Section, raw: dict, *, complete: bool) -> list:
        events: list[DraftEvent] = []
        if state.finished:
            return events
        if state.key is None:
            key = raw.get("key")
            if not isinstance(key, str) or ("statements" not in raw and not complete):
                return events  # the key may still be streaming
            if key not in self.keys or key in self.started:
                state.key, state.finished = "", True  # not asked for, or a repeat
                return events
            state.key = key
            self.started.add(key)
            events.append(SectionStarted(key))
        statements = raw.get("statements")
        statements = statements if isinstance(statements, list) else []
        ready = len(statements) if complete else max(0, len(statements) - 1)
        for statement in statements[state.consumed : ready]:
            state.consumed += 1
            text = statement_text(statement) if isinstance(statement, dict) else ""
            if text:
                prefix = "\n" if state.written else ""
                events.append(TextDelta(state.key, prefix + text))
                state.written += 1
        if complete:
            if not state.written:
                events.append(TextDelta(state.key, NOT_DISCUSSED))
            events.append(SectionFinished(state.key))
            state.finished = True
        return events


def answer_json(sections: dict[str, list[tuple[str, list[int]]]]) -> str:
    """An answer in the note's JSON shape (for fakes and benchmarks)."""
    return json.dumps(
        {
            "sections": [
                {
                    "key": key,
                    "statements": [
                        {"text": text, "segments": seqs} for text, seqs in items
                    ],
                }
                for key, items in sections.items()
            ]
        }
    )


class ClientEngine:
    """An engine over an SDK client: `stream` closes the client it made itself."""

    name = ""
    model = ""
    client = None
    _owns_client = False

    async def stream(self, request: DraftRequest) -> AsyncIterator[DraftEvent]:
        try:
            async for event in self._stream(request):
                yield event
        finally:
            if self._owns_client:
                await self.client.close()

    def _stream(self, request: DraftRequest) -> AsyncIterator[DraftEvent]:
        raise NotImplementedError
