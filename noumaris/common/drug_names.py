"""Drug names in a list of words, by the list `drug-named-entity-recognition` ships.

The package's `find_drugs` does this, but importing the package also builds a
trigram index of its 107,000 names for fuzzy matching (~2 s of CPU in every process
that drafts or verifies a note; we match exactly). `drug_spans` is its exact match
(two-word names first, then one-word names outside them, each folded to the name
the list gives it), over the package's own table of names, which `kept_json` keeps
as JSON: only the first process after an install builds it from the package.
`tests/noumaris/test_drug_names.py` holds it to `find_drugs` on real encounters.
"""

import functools

from noumaris.common.kept import kept_json


def drug_spans(tokens: list[str]) -> list[tuple[str, int, int]]:
    """(the drug's name, first token, token after it) for each drug name in
    `tokens`, in the order `find_drugs(tokens)` gives them."""
    names = _names()
    found, used = [], set()
    lowered = [token.lower() for token in tokens]
    for i in range(len(lowered) - 1):
        matched = names.get(f"{lowered[i]} {lowered[i + 1]}")
        if matched:
            found.extend((name, i, i + 2) for name in matched)
            used.update((i, i + 1))
    for i, token in enumerate(lowered):
        if i not in used and (matched := names.get(token)):
            found.extend((name, i, i + 1) for name in matched)
            used.add(i)
    return found


@functools.cache
def _names() -> dict[str, list[str]]:
    return kept_json(
        "drug-names",
        _build,
        sources=[__file__],
        packages=["drug-named-entity-recognition"],
        valid=lambda names: isinstance(names, dict) and "aspirin" in names,
    )


def _build() -> dict[str, list[str]]:
    """Every name on the list (lower case) to the names of the drugs it is."""
    from drug_named_entity_recognition import drugs_finder

    canonical_data = drugs_finder.drug_canonical_to_data
    variant_data = drugs_finder.drug_variant_to_variant_data
    return {
        variant: [
            (canonical_data.get(canonical, {}) | variant_data.get(variant, {})).get(
                "name", canonical
            )
            for canonical in canonicals
        ]
        for variant, canonicals in drugs_finder.drug_variant_to_canonical.items()
    }
