"""Run a note's generation the way the API does, and read its server-sent events."""

import json

from asgiref.sync import async_to_sync

from templates_app.generation import get_engine
from templates_app.services import note_generation_begin
from templates_app.streaming import note_generation_events


def parse_sse(raw: bytes | str) -> list[tuple[str, dict]]:
    text = raw.decode() if isinstance(raw, bytes) else raw
    events = []
    for block in text.split("\n\n"):
        if not block.strip():
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
    """Claim the note and run its whole event stream; return the parsed events."""
    job = note_generation_begin(user=user, note_id=note.pk, section=section)

    async def collect():
        chunks = []
        async for chunk in note_generation_events(job, engine or get_engine()):
            chunks.append(chunk)
        return b"".join(chunks)

    return parse_sse(async_to_sync(collect)())


def first_attestation(note) -> int:
    """The id of the first statement of the note's institution's attestation list."""
    from templates_app.supervision.services import attestation_list_for_user

    return attestation_list_for_user(user=note.supervisor or note.author)[0].pk
