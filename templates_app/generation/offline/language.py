"""The language side of the offline drafter: tokens, sentences, negation, drugs, person.

spaCy's blank English pipeline tokenises and splits sentences; negspacy's clinical
termset marks negated findings; `drug-named-entity-recognition` (its list ships in
the package) finds drug names. Nothing is fetched: everything loads from installed
packages on first use and is kept for the process.
"""

from __future__ import annotations

import functools
import re
import threading

from noumaris.common.drug_names import drug_spans
from templates_app.generation.offline.lexicon import (
    FINDINGS,
)
from templates_app.generation.offline.spoken import (
    ADVERBS,
    IRREGULAR_PAST,
    MODALS,
)

# Spoken-text artefacts of speech recognition and transcribers, mended before anything.
_DIGIT_WORD = r"(?:zero|one|two|three|four|five|six|seven|eight|nine|\d)"
_NUMBER_RUN = (
    r"(?:\d+|(?:(?:a|one) )?hundred|(?:ninety|eighty|seventy|sixty|fifty|forty|thirty|twenty)"
    r"(?: (?:one|two|three|four|five|six|seven|eight|nine))?|one|two|three|four|five|six|seven|"
    r"eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen)"
)
_DIGITS = {
    w: str(i)
    for i, w in enumerate(
        ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
    )
} | {"a": "0", "oh": "0"}
_UNIT = (
    r"centimeters?|cm|millimeters?|mm|milligrams?|mg|micrograms?|mcg|grams?|"
    r"liters?|milliliters?|ml|units?|percent|degrees|inch(?:es)?|kilograms?|kg"
)


def _digit(word: str) -> str:
    return _DIGITS.get(word.lower(), word)


_MENDS = (
    # "temperature is ninety eight . two": a spoken decimal point, not a full stop
    (re.compile(rf"\b((?:temperature|temp|fever|a1c)\b(?: \w+){{0,3}}? {_NUMBER_RUN}) \. ({_DIGIT_WORD})\b", re.I),
     lambda m: m.group(1) + (("." if m.group(2).isdigit() and m.group(1)[-1].isdigit() else " point ") + m.group(2))),
    # "a . five centimeter kidney stone": 0.5 cm, as said before a unit
    (re.compile(rf"\b(a|zero|oh|{_DIGIT_WORD}) \. ({_DIGIT_WORD})(?= (?:{_UNIT}))", re.I),
     lambda m: ("a " if m.group(1).lower() == "a" else "")
     + f"{_digit(m.group(1))}.{_digit(m.group(2))}"),
    (re.compile(r"\b(gon|wan|got) na\b"), lambda m: {"gon": "going to", "wan": "want to", "got": "got to"}[m.group(1)]),
    (re.compile(r"\b(\w+) n't\b"), lambda m: m.group(1) + "n't"),
    (re.compile(r" (['’](?:s|re|ve|ll|d|m))\b"), lambda m: m.group(1)),
    # a compound the tokeniser split ("an x- ray", "a c- section"): one word again
    (re.compile(r"\b(x|t|e|c|l|q) ?-\s+(rays?|rayed|shirts?|mails?|cig\w*|section|spine|"
                r"tips?)\b", re.I), lambda m: f"{m.group(1)}-{m.group(2)}"),
    # a word cut off ("a s- uh, aluminum foam splint"): gone, its article agreeing
    (re.compile(r"\b(?:(an?) )?(\w+)-\s+(?:(?:uh|um)\b,?\s*)?(?=(\w))", re.I),
     lambda m: m.group(0) if len(m.group(2)) > 3 else (
         ("an " if m.group(3).lower() in "aeiou" else "a ") if m.group(1) else "")),
    (re.compile(r"\s+([,.?!;:%])"), lambda m: m.group(1)),
    (re.compile(r"\$\s+(\d)"), lambda m: "$" + m.group(1)),
    (re.compile(r"(?:\.\s*){2,}|…"), lambda m: ", "),
    (re.compile(r"\b(um+|uh+|er+m?|hmm+|mm+)\b[,.]?\s*", re.I), lambda m: ""),
    # a doubled word said once; "no, no fever" is the answer and the denial
    (re.compile(r"\b([\w']+)(?:,? \1\b)+", re.I),
     lambda m: "no, no" if m.group(1).lower() == "no" and "," in m.group(0) else m.group(1)),
    # "he feels, he feels bloated": a phrase said twice
    (re.compile(r"\b([\w']+ [\w']+(?: [\w']+)?),? \1\b", re.I), lambda m: m.group(1)),
    (re.compile(r",\s*(you know|i mean)\b(?=[,.?!])|\b(you know|i mean),\s*", re.I), lambda m: ""),
    (re.compile(r"(?<!\blet )(?<!\bdo )(?<!\bdid )(?<!\bif )(?<!\bto )(?<!\bwhat )\b(you know|i mean)\b ", re.I), lambda m: ""),
    (re.compile(r"\s{2,}"), lambda m: " "),
    (re.compile(r",(\s*,)+"), lambda m: ","),
    (re.compile(r"(^|[.?!]\s)[,;]\s*"), lambda m: m.group(1)),
)  # fmt: skip


def mend(text: str) -> str:
    """Undo tokenised contractions, stutters, fillers and doubled words."""
    text = " " + text.strip() + " "
    for pattern, replace in _MENDS:
        text = pattern.sub(replace, text)
    return text.strip(" ,;-")


# One load per process, even when the start-up preload and a first draft race.
_LOADING = threading.RLock()


def preload() -> None:
    """Load spaCy, negspacy's termset and the drug list now (seconds, once)."""
    nlp()
    drug_spans(["aspirin"])  # reads the kept drug list


def nlp():
    with _LOADING:
        return _nlp()


@functools.cache
def _nlp():
    """spaCy's blank English with a sentencizer, finding rules and negspacy's Negex."""
    import spacy
    from negspacy import negation  # noqa: F401  (registers the "negex" factory)
    from negspacy.termsets import termset

    pipeline = spacy.blank("en")
    pipeline.add_pipe("sentencizer")
    ruler = pipeline.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"})
    ruler.add_patterns([{"label": "FINDING", "pattern": term} for term in FINDINGS])
    pipeline.add_pipe(
        "negex",
        config={
            "neg_termset": termset("en_clinical").get_patterns(),
            "ent_types": ["FINDING"],
        },
    )
    return pipeline


def tokenizer_only(text: str):
    return nlp().make_doc(text)


def drugs(text: str) -> list[str]:
    """Drug names in `text`, as the package's list spells them."""
    words = re.findall(r"[a-z][a-z0-9-]+", text.lower())
    if not words:
        return []
    return [name for name, _, _ in drug_spans(words) if len(name) > 3]


def sentences(text: str) -> list[str]:
    """Sentences of one segment's text, by spaCy's sentencizer."""
    doc = nlp().get_pipe("sentencizer")(tokenizer_only(text))
    return [s.text.strip() for s in doc.sents if s.text.strip()]


def negated_findings(text: str) -> tuple[list[str], list[str]]:
    """(negated, affirmed) findings named in `text`, by negspacy."""
    doc = nlp()(text)
    negated = [e.text.lower() for e in doc.ents if e._.negex and not _twice(doc, e)]
    affirmed = [e.text.lower() for e in doc.ents if e.text.lower() not in negated]
    return negated, affirmed


def _twice(doc, ent) -> bool:
    """ "not without extreme pain": a negation negated, the pain affirmed."""
    before = doc[max(0, ent.start - 4) : ent.start].text.lower()
    return bool(re.search(r"\b(?:not|never|n't|cannot|can't) without\b", before))


# Person: the patient's "I" and the clinician's "you" both become the patient.
_PRONOUNS = {
    "female": {"subj": "she", "obj": "her", "poss": "her", "refl": "herself", "own": "hers"},
    "male": {"subj": "he", "obj": "him", "poss": "his", "refl": "himself", "own": "his"},
    None: {"subj": "the patient", "obj": "them", "poss": "their", "refl": "themselves", "own": "theirs"},
}  # fmt: skip
_SUBJECT_BEFORE = {
    "", "and", "but", "so", "if", "when", "that", "because", "since", "as", "then",
    "until", "or", "where", "while", "before", "after", "once", "unless", "whether",
    "how", "what", "why", "though", "although", "than", "whenever", "okay", "yes",
    "no", "now", "also", "maybe", "think", "guess", "said", "sure", "like",
}  # fmt: skip
_BE = {"am": "is", "are": "is", "'m": "is", "'re": "is", "were": "was", "was": "was"}
_WORD = re.compile(r"['’]?[A-Za-z\d]+(?:['’./:,-][A-Za-z\d]+)*%?|[^\sA-Za-z\d]")
_NOT_VERBS = frozenset(
    [
        "and",
        "or",
        "but",
        "to",
        "the",
        "a",
        "an",
        "at",
        "in",
        "on",
        "for",
        "with",
        "of",
        "from",
        "by",
        "about",
        "as",
        "that",
        "this",
        "these",
        "those",
        "my",
        "your",
        "his",
        "her",
        "their",
        "our",
        "its",
        "and",
        "i",
        "you",
        "he",
        "she",
        "we",
        "they",
        "it",
        "me",
        "him",
        "them",
        "us",
        "so",
        "if",
        "when",
        "then",
        "because,",
        "know",
        "okay",
    ]
)


def spoken_decimals(text: str) -> str:
    """A decimal point said as a full stop written as one ("temperature is ninety
    eight . two", "a . five centimeter stone"), as the drafter reads it: the verifier
    reads the cited words the same way."""
    for pattern, mend in _MENDS[:2]:
        text = pattern.sub(mend, text)
    return text


def third_person(
    text: str, *, speaker: str, gender: str | None = None, forms: dict | None = None
) -> str:
    """Rewrite the patient's first person (or the clinician's second) as third person
    (`forms`: the words for the speaker, when not the patient's pronouns)."""
    forms = forms or _PRONOUNS[gender]
    if speaker == "clinician" and gender:
        # "you can give her honey": the "you" is whoever cares for the patient, not
        # the patient: "May give her honey."
        own = _PRONOUNS[gender]["obj"]
        text = re.sub(
            rf"\byou (?:can|could|may|might|should) (give|offer|try|bring|keep|let|"
            rf"help|put|use) ({own})\b",
            r"may \1 \2",
            text,
            flags=re.I,
        )
    words = _WORD.findall(text.replace("’", "'"))
    out: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        low = word.lower()
        prev = out[-1].lower() if out else ""
        if prev in {",", ";", ":"}:
            prev = ""
        subject = _subject_form(low, speaker)
        if subject is not None:
            verb_at = _skip_adverbs(words, i + 1)
            out.append(forms["subj"])
            if subject:  # a contraction carried the verb
                out.extend(words[i + 1 : verb_at])
                out.append(subject)
                i = verb_at
                continue
            out.extend(words[i + 1 : verb_at])
            if verb_at < len(words):
                out.append(agree(words[verb_at]))
            i = verb_at + 1
            continue
        if speaker == "patient" and low in {"me", "my", "mine", "myself"}:
            out.append({"me": forms["obj"], "my": forms["poss"], "mine": forms["own"], "myself": forms["refl"]}[low])  # fmt: skip
        elif speaker == "clinician" and low in {"you", "your", "yours", "yourself"}:
            if low == "you" and (prev in _SUBJECT_BEFORE or _verb_next(words, i + 1)):
                verb_at = _skip_adverbs(words, i + 1)
                out.append(forms["subj"])
                out.extend(words[i + 1 : verb_at])
                if verb_at < len(words):
                    out.append(agree(words[verb_at]))
                i = verb_at + 1
                continue
            out.append({"you": forms["obj"], "your": forms["poss"], "yours": forms["own"], "yourself": forms["refl"]}[low])  # fmt: skip
        else:
            out.append(word)
        i += 1
    return _join(out)


_VERBS_AFTER_YOU = frozenset(
    [
        "are",
        "were",
        "have",
        "had",
        "do",
        "did",
        "can",
        "could",
        "will",
        "would",
        "should",
        "may",
        "might",
        "must",
        "feel",
        "felt",
        "take",
        "took",
        "need",
        "want",
        "go",
        "went",
        "get",
        "got",
        "see",
        "saw",
        "know",
        "think",
        "said",
        "told",
        "mentioned",
        "noticed",
        "started",
        "stopped",
        "tried",
        "use",
        "used",
        "still",
        "also",
        "just",
        "don't",
        "didn't",
        "haven't",
        "aren't",
        "weren't",
        "can't",
        "won't",
        "wouldn't",
        "couldn't",
        "shouldn't",
        "seem",
        "look",
        "sound",
        "hurt",
        "fell",
        "have",
        "been",
        "probably",
    ]
)


def _verb_next(words: list[str], at: int) -> bool:
    """'I know you were having...': the word after 'you' makes it the subject."""
    if at >= len(words):
        return False
    following = words[at].lower()
    return following in _VERBS_AFTER_YOU


def _subject_form(low: str, speaker: str) -> str | None:
    """None if not the speaker's subject pronoun; else '' or the verb its contraction held."""
    if speaker == "patient":
        table = {"i": "", "i'm": "is", "i've": "has", "i'd": "would", "i'll": "will"}
    elif speaker == "clinician":
        table = {"you're": "is", "you've": "has", "you'd": "would", "you'll": "will"}
    else:
        return None
    return table.get(low)


def _skip_adverbs(words: list[str], at: int) -> int:
    while at < len(words) and (
        words[at].lower() in ADVERBS or _adverb_ly(words[at].lower())
    ):
        at += 1
    return at


def _adverb_ly(word: str) -> bool:
    return (
        len(word) > 4
        and word.endswith("ly")
        and word not in {"apply", "supply", "reply", "fly"}
    )


def agree(verb: str, *, present: bool = False) -> str:
    """The third-person singular of the verb after a subject pronoun ("present": the
    verb is known to be in the present tense, so "spread" is not a past)."""
    low = verb.lower()
    if low in _BE:
        return _BE[low]
    if low in {"have", "'ve"}:
        return "has"
    if low == "do":
        return "does"
    if low in {"don't", "dont"}:
        return "doesn't"
    if low in {"haven't"}:
        return "hasn't"
    if low in {"aren't"}:
        return "isn't"
    if (
        low in _NOT_VERBS
        or not low.isalpha()
        or low in MODALS
        or (low in IRREGULAR_PAST and not present)
        or (low.endswith("ed") and not low.endswith("eed"))
        or low.endswith(("n't", "s"))
        or len(low) <= 1
    ):
        return verb
    if re.search(r"[^aeiou]y$", low):
        return low[:-1] + "ies"
    if low.endswith(("sh", "ch", "x", "z", "o")):
        return low + "es"
    return low + "s"


def _join(words: list[str]) -> str:
    text = " ".join(words)
    text = re.sub(r"\s+([,.?!;:%)])", r"\1", text)
    text = re.sub(r"([($])\s+", r"\1", text)
    return re.sub(r"\s+(['’](?:s|re|ve|ll|d|m|t))\b", r"\1", text)


def sentence_case(text: str) -> str:
    text = text.strip(" ,;-")
    if not text:
        return text
    text = re.sub(r"\bi\b", "I", text)
    text = re.sub(r"\bi'(m|ve|d|ll)\b", r"I'\1", text)
    text = text[0].upper() + text[1:]
    if text[-1] not in ".?!":
        text += "."
    return text
