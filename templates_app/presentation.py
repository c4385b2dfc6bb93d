"""A note's sections as readers see them: text split into words and citations, the
verifier's flags beside them, and which engine drafted it, said plainly."""

from templates_app.generation.citations import cited_seqs, split_citations
from templates_app.models import ClinicalNote, StatementFlag

# What each engine is, for the page and the API: honest about what it does.
ENGINE_LABELS = {
    "anthropic": (
        "Drafted by Claude ({model})",
        "A language model wrote these statements from the transcript; each cites "
        "what it rests on and was checked against it. Review every one.",
    ),
    "openai": (
        "Drafted by the on-site model ({model})",
        "A language model on your hospital's server wrote these statements from the "
        "transcript; each cites what it rests on and was checked against it. "
        "Review every one.",
    ),
    "offline": (
        "Organised by the offline drafter",
        "It files what was said under the note's sections, with citations; it does "
        "not write clinical reasoning. The assessment and plan are only what was "
        "said aloud: write your own.",
    ),
}


def engine_label(note: ClinicalNote) -> dict:
    """{name, description} of the engine that drafted the note ('' before a draft)."""
    if not note.engine:
        return {"name": "", "description": ""}
    name, description = ENGINE_LABELS.get(
        note.engine, ("Drafted by {model}", "Review every statement.")
    )
    return {
        "name": name.format(model=note.model or note.engine),
        "description": description,
    }


def note_sections(
    note: ClinicalNote, *, known: set[int], flags: list[StatementFlag] = ()
) -> list[dict]:
    """Each section in order: key, title, text, parts, its flags, and citations that
    point at no transcript segment (flagged, never shown as evidence)."""
    content, machine = note.sections, note.machine_sections
    out = []
    for spec in note.section_specs:
        text = content.get(spec["key"], "")
        cited = cited_seqs(text)
        mine = [f for f in flags if f.section_key == spec["key"]]
        out.append(
            {
                "key": spec["key"],
                "title": spec["title"],
                "text": text,
                "machine_text": machine.get(spec["key"], ""),
                "edited": spec["key"] in machine
                and machine.get(spec["key"], "") != text,
                "parts": split_citations(text, known),
                "cited": sorted(cited & known),
                "unverified": sorted(cited - known),
                "flags": mine,
                "open_flags": sum(1 for f in mine if f.is_open),
            }
        )
    return out
