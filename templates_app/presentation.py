"""A note's sections as readers see them: text split into words and citations."""

from templates_app.generation.citations import cited_seqs, split_citations
from templates_app.models import ClinicalNote


def note_sections(note: ClinicalNote, *, known: set[int]) -> list[dict]:
    """Each section in order: key, title, text, parts, and citations that point at
    no transcript segment (flagged, never shown as evidence)."""
    content, machine = note.sections, note.machine_sections
    out = []
    for spec in note.section_specs:
        text = content.get(spec["key"], "")
        cited = cited_seqs(text)
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
            }
        )
    return out
