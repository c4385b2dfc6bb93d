"""How much of a note the machine wrote and how much the resident rewrote."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from templates_app.models import ClinicalNote

REWRITTEN_BELOW = 0.5  # a section keeping less than half the machine's words


@dataclass(frozen=True)
class SectionAuthorship:
    key: str
    title: str
    words: int
    machine_words: int  # words of the final text that come from the machine draft
    status: str  # kept | edited | rewritten | written (no machine draft)

    @property
    def share(self) -> float:
        return self.machine_words / self.words if self.words else 0.0


@dataclass(frozen=True)
class Authorship:
    sections: list[SectionAuthorship]

    @property
    def words(self) -> int:
        return sum(s.words for s in self.sections)

    @property
    def share(self) -> float:
        """The share of the note's words that came from the machine draft."""
        total = self.words
        return sum(s.machine_words for s in self.sections) / total if total else 0.0

    @property
    def percent(self) -> int:
        return round(100 * self.share)

    @property
    def rewritten(self) -> list[SectionAuthorship]:
        return [s for s in self.sections if s.status == "rewritten"]


def _kept_words(machine: list[str], final: list[str]) -> int:
    matcher = difflib.SequenceMatcher(None, machine, final, autojunk=False)
    return sum(block.size for block in matcher.get_matching_blocks())


def section_authorship(key, title, machine: str, final: str) -> SectionAuthorship:
    machine_words, final_words = machine.split(), final.split()
    kept = _kept_words(machine_words, final_words) if machine_words else 0
    if not machine_words:
        status = "written"
    elif machine_words == final_words:
        status = "kept"
    elif final_words and kept / len(final_words) >= REWRITTEN_BELOW:
        status = "edited"
    else:
        status = "rewritten"
    return SectionAuthorship(key, title, len(final_words), kept, status)


def note_authorship(note: ClinicalNote) -> Authorship:
    """Per section and for the whole note, in the template's order."""
    content, machine = note.sections, note.machine_sections
    return Authorship(
        [
            section_authorship(
                spec["key"],
                spec["title"],
                machine.get(spec["key"], ""),
                content.get(spec["key"], ""),
            )
            for spec in note.section_specs
        ]
    )
