"""Clinical vocabulary passed to Deepgram as keyterm prompts (Nova-3 only).

Deepgram boosts up to 100 keyterms of at most 500 tokens in all; a multi-word term is
one keyterm. The default list holds drug and condition names that general speech
models mishear and that notes cannot afford to lose; a caller may pass its own (a
template's or an institution's vocabulary) to `Engine.start(keyterms=...)`.
"""

from collections.abc import Iterable

MAX_KEYTERMS = 100
MAX_WORDS = 300  # well under Deepgram's 500 tokens, whatever the tokeniser

DEFAULT_KEYTERMS = (
    # medicines most often named in primary and hospital care
    "metformin",
    "lisinopril",
    "amlodipine",
    "atorvastatin",
    "metoprolol",
    "losartan",
    "hydrochlorothiazide",
    "furosemide",
    "apixaban",
    "warfarin",
    "levothyroxine",
    "omeprazole",
    "prednisone",
    "methotrexate",
    "albuterol",
    "insulin glargine",
    "gabapentin",
    "sertraline",
    "amoxicillin",
    "azithromycin",
    "ibuprofen",
    "acetaminophen",
    # conditions
    "atrial fibrillation",
    "hypertension",
    "hyperlipidemia",
    "type 2 diabetes",
    "COPD",
    "congestive heart failure",
    "pneumonia",
    "osteoarthritis",
    "rheumatoid arthritis",
    "hypothyroidism",
    "GERD",
)


def keyterms_for_request(terms: Iterable[str] | None) -> list[str]:
    """Deduplicated terms within Deepgram's limits (the default list when None)."""
    chosen, seen, words = [], set(), 0
    for term in DEFAULT_KEYTERMS if terms is None else terms:
        term = " ".join(term.split())
        if not term or term.lower() in seen:
            continue
        words += len(term.split())
        if len(chosen) == MAX_KEYTERMS or words > MAX_WORDS:
            break
        seen.add(term.lower())
        chosen.append(term)
    return chosen
