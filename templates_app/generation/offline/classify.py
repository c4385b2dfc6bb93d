"""Which clinical categories a sentence speaks to, and which sections take them."""

from __future__ import annotations

import functools
import re

from templates_app.generation.base import SectionSpec
from templates_app.generation.offline.lexicon import (
    LEXICON,
    PRIORITY,
    SECTION_CATEGORIES,
    WEIGHTS,
)

_TOKEN = re.compile(r"[a-z0-9]+(?:['’-][a-z0-9]+)*")


def _phrase_index() -> tuple[dict, dict]:
    single: dict[str, list[str]] = {}
    multi: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for category, phrases in LEXICON.items():
        for phrase in phrases:
            words = tuple(phrase.lower().split())
            if len(words) == 1:
                single.setdefault(words[0], []).append(category)
            else:
                multi.setdefault(words[0], []).append((words, category))
    return {k: tuple(v) for k, v in single.items()}, multi


# A phrase matches at a word start and its last word may be cut short ("radiat"
# matches "radiating", "drink" matches "drinking"). One-word phrases are looked up
# by the token's prefixes; longer ones by their first word.
_SINGLE, _MULTI = _phrase_index()


@functools.lru_cache(maxsize=8192)
def _word_categories(token: str) -> tuple[str, ...]:
    """Categories of the longest one-word phrase the token starts with."""
    for end in range(len(token), 0, -1):
        categories = _SINGLE.get(token[:end])
        if categories:
            return categories
    return ()


def classify(sentence: str) -> list[str]:
    """Categories the sentence matches, best first (ties broken by PRIORITY)."""
    hits: dict[str, int] = {}
    words = _TOKEN.findall(sentence.lower().replace("’", "'"))
    for start, word in enumerate(words):
        for category in _word_categories(word):
            hits[category] = hits.get(category, 0) + 1
        for phrase, category in _MULTI.get(word, ()):
            if _continues(words, start, phrase):
                hits[category] = hits.get(category, 0) + 1
    ranked = sorted(
        (-count * WEIGHTS[category], PRIORITY.index(category), category)
        for category, count in hits.items()
    )
    return [category for _, _, category in ranked]


def _continues(words: list[str], start: int, phrase: tuple[str, ...]) -> bool:
    end = start + len(phrase)
    if end > len(words):
        return False
    return tuple(words[start + 1 : end - 1]) == phrase[1:-1] and words[
        end - 1
    ].startswith(phrase[-1])


def section_categories(spec: SectionSpec) -> tuple[str, ...]:
    """The categories a section takes, by its key, else by its title."""
    for name in (spec.key.lower(), re.sub(r"\W+", "_", spec.title.lower())):
        for needle, categories in SECTION_CATEGORIES:
            if needle in name:
                return categories
    return ()


def section_owners(sections: tuple[SectionSpec, ...]) -> dict[str, str]:
    """Category -> the section key that takes it (a section's own category first)."""
    owner: dict[str, str] = {}
    for spec in sections:
        categories = section_categories(spec)
        if categories:
            owner.setdefault(categories[0], spec.key)
    for spec in sections:
        for category in section_categories(spec)[1:]:
            owner.setdefault(category, spec.key)
    return owner
