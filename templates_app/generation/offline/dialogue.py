"""From transcript segments to utterances: who spoke, sentences, questions.

A segment's speaker role comes from `segment.role` when the transcript has one;
otherwise the speaker who asks most of the questions is taken for the clinician.
Each segment is split into sentences (spaCy's sentencizer; unpunctuated speech at the
words that open a new thought), spoken artefacts mended, and each sentence marked as a
question or not.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from templates_app.generation.base import Segment
from templates_app.generation.offline import language
from templates_app.generation.offline.spoken import (
    DISCOURSE,
    FILLER_WORDS,
)

CLINICIAN_ROLES = frozenset(
    [
        "clinician",
        "doctor",
        "physician",
        "provider",
        "nurse",
        "attending",
        "resident",
        "np",
        "pa",
    ]
)
PATIENT_ROLES = frozenset(
    # An interpreter speaks the patient's words (in the first person, as trained).
    ["patient", "caregiver", "parent", "family", "relative", "guardian", "interpreter"]
)
# A sentence opened by a relative pronoun goes on the one before it.
RELATIVE_START = re.compile(r"(?:who|whom|whose|which)\b(?!.*\?$)", re.I)
SUBJECTS = frozenset(["i", "it", "we", "you", "he", "she", "they", "that", "this"])
QUESTION_START = re.compile(
    r"^(do|does|did|are|is|was|were|have|has|had|can|could|would|will|should|any|"
    r"anything|how|what|when|where|which|who|why|what's|how's|where's|tell me|"
    r"describe|you're|you've|you have|you are|you were)\b"
)
NOT_A_QUESTION = re.compile(
    r"^(?:(what|how|when|where|why) (i|we|i'm|we're|i've|they)|(?:you're|you are) "
    r"(?:going to|gonna|gon na)|(?:you have|you've got) (?:good|normal|full|no|limited|"
    r"decreased|intact|mild|moderate|severe)|you (?:had|did))\b"
)
TAG_QUESTION = re.compile(
    r",?\s*\b(okay|ok|right|alright|all right|yeah|sound good|does that sound good|"
    r"does that make sense|how does that sound|is that okay|you know|correct)\s*\?$"
)
# A statement with a question tacked on: the two are said apart.
TRAILING_QUESTION = re.compile(
    r"^(?P<said>.{12,}?),?\s+(?:and|so)\s+(?P<question>(?:do|did|are|is|have|has|can|"
    r"could|would|does|any)\s+(?:you|he|she|it|there|that)\b.*\?)$",
    re.I,
)
# Where unpunctuated speech starts a new thought.
SPLIT_BEFORE = frozenset(
    [
        "okay",
        "alright",
        "so",
        "now",
        "um",
        "well",
        "great",
        "good",
        "yeah",
        "any",
        "anything",
        "how",
        "what",
        "when",
        "where",
        "which",
        "why",
        "tell",
        "let's",
        "lets",
    ]
)
SPLIT_BEFORE_PAIRS = frozenset(
    {("and", "then"), ("do", "you"), ("did", "you"), ("are", "you"), ("have", "you"),
     ("does", "it"), ("is", "it"), ("is", "there"), ("can", "you"), ("i'm", "going"),
     ("i", "want"), ("i'd", "like"), ("i", "would"), ("we're", "going"), ("i", "think"),
     ("how", "about"), ("were", "you"), ("has", "it"), ("i'm", "gonna"), ("if", "you"),
     ("we", "will"), ("i", "will"), ("i'll",), ("you", "have")}
)  # fmt: skip


# A new subject after these words continues the clause ("and I", "that it").
JOINERS = frozenset(
    [
        "and",
        "but",
        "so",
        "that",
        "because",
        "when",
        "if",
        "as",
        "since",
        "than",
        "or",
        "what",
        "where",
        "how",
        "why",
        "like",
        "cause",
        "until",
        "think",
        "know",
        "guess",
        "mean",
        "said",
        "thought",
        "whether",
        "while",
        "before",
        "after",
        "once",
        "do",
        "did",
        "does",
        "can",
        "could",
        "would",
        "will",
        "should",
        "am",
        "was",
        "were",
        "is",
        "are",
        "have",
        "had",
        "has",
    ]
)
# A piece ending on these words was cut mid-thought ("based on her exam and from").
DANGLING = frozenset(
    [
        "and",
        "or",
        "but",
        "to",
        "of",
        "from",
        "for",
        "with",
        "the",
        "a",
        "an",
        "on",
        "in",
        "that",
        "if",
        "because",
        "so",
        "at",
        "by",
        "is",
        "are",
        "was",
        "were",
        "my",
        "your",
        "his",
        "her",
        "their",
        "this",
    ]
)
CLAUSE_VERBS = frozenset(
    [
        "gets",
        "got",
        "is",
        "was",
        "hurts",
        "hurt",
        "started",
        "starts",
        "feels",
        "felt",
        "comes",
        "came",
        "goes",
        "went",
        "does",
        "did",
        "has",
        "had",
        "seems",
        "happens",
        "happened",
        "keeps",
        "kept",
    ]
)


@dataclass(frozen=True, slots=True)
class Utterance:
    seqs: tuple[int, ...]
    role: str | None  # "clinician", "patient" or None when nobody can tell
    text: str  # mended, still in the speaker's own person
    question: bool


def role_of(segment: Segment) -> str | None:
    """The role the clinician named for the segment's speaker, as the drafter reads it."""
    given = str(segment.speaker_role or "").lower()
    if given in CLINICIAN_ROLES:
        return "clinician"
    if given in PATIENT_ROLES:
        return "patient"
    return None


def infer_roles(segments: tuple[Segment, ...]) -> dict[int, str | None]:
    """Each segment's role: given, else the speaker asking most questions is the clinician."""
    roles = {s.seq: role_of(s) for s in segments}
    # A speaker named as someone else (role "other") is neither, and not guessed.
    unknown = [
        s
        for s in segments
        if roles[s.seq] is None and s.speaker is not None and not s.speaker_role
    ]
    speakers = {s.speaker for s in unknown}
    if not speakers:
        return roles
    asked: Counter = Counter()
    for segment in unknown:
        text = segment.text.lower()
        asked[segment.speaker] += text.count("?") + len(re.findall(r"\byour?\b", text))
    clinician = max(sorted(speakers), key=lambda sp: asked[sp])
    for segment in unknown:
        roles[segment.seq] = "clinician" if segment.speaker == clinician else "patient"
    return roles


def utterances(segments: tuple[Segment, ...]) -> list[Utterance]:
    """Sentences of the transcript in order, each with its segment, role and kind."""
    roles = infer_roles(segments)
    punctuated = sum(bool(re.search(r"[.?!]", s.text)) for s in segments) >= 0.3 * len(
        segments
    )
    out: list[Utterance] = []
    cut: dict[str | None, int] = {}  # role -> where its last turn broke off mid-word
    for segment in segments:
        role = roles[segment.seq]
        text = segment.text.strip()
        at = cut.pop(role, None)
        if at is not None and not all(is_filler(u.text) for u in out[at + 1 :]):
            at = None  # the other speaker said more than "mm-hmm" in between
        if out and at is None and _continues(out[-1], role, text):
            at = len(out) - 1
        if at is not None:
            previous = out.pop(at)  # a sentence cut by the other speaker's "mm-hmm"
            text = previous.text.rstrip("-. ") + " " + text.lstrip(".- ")
            seqs = (*previous.seqs, segment.seq)
        else:
            seqs = (segment.seq,)
        for sentence in split(text, punctuated=punctuated):
            out.append(_utterance(seqs, role, sentence))
        if segment.text.rstrip().endswith("-") and out:
            cut[role] = len(out) - 1
        for other in list(cut):
            if other != role and cut[other] >= len(out):
                cut.pop(other)
    return out


def _continues(last: Utterance, role: str | None, text: str) -> bool:
    return last.role == role and (
        text.startswith((".", "-")) or last.text.endswith("-")
    )


def _utterance(seqs: tuple[int, ...], role: str | None, sentence: str) -> Utterance:
    low = sentence.lower()
    question = low.endswith("?") and not TAG_QUESTION.search(low)
    if not question and role != "patient" and not re.search(r"[.!]$", low):
        core = strip_discourse(low)
        question = bool(QUESTION_START.match(core)) and not NOT_A_QUESTION.match(core)
    if role is None and question:
        role = "clinician"
    return Utterance(seqs, role, sentence, question)


def split(text: str, *, punctuated: bool = True) -> list[str]:
    """Sentences of a segment's text; unpunctuated speech split at new thoughts."""
    mended = language.mend(text)
    out: list[str] = []
    for sentence in language.sentences(mended):
        asked = TRAILING_QUESTION.match(sentence)
        if asked:  # "let's continue the prozac 20 mg and do you need a refill?"
            out.extend([asked.group("said") + ".", asked.group("question")])
            continue
        if out and RELATIVE_START.match(sentence):  # "... a neurologist ... who
            out[-1] = f"{out[-1].rstrip(' .')} {sentence}"  # diagnosed her": one
            continue
        words = sentence.split()
        if not punctuated and len(words) > 10:
            out.extend(_split_unpunctuated(words))
        else:
            out.append(sentence)
    return [s for s in out if s.strip(" .,?!")]


def _split_unpunctuated(words: list[str]) -> list[str]:
    pieces: list[list[str]] = [[]]
    for i, word in enumerate(words):
        low = word.lower()
        pair = (low, words[i + 1].lower() if i + 1 < len(words) else "")
        starts = (
            low in SPLIT_BEFORE
            or pair in SPLIT_BEFORE_PAIRS
            or (low,) in SPLIT_BEFORE_PAIRS
            or _new_clause(words, i)
        )
        if starts and len(pieces[-1]) >= 2 and not _mid_phrase(words, i):
            pieces.append([])
        pieces[-1].append(word)
    merged: list[list[str]] = []
    for piece in pieces:
        short = len(piece) < 4 and piece[0].lower() not in DISCOURSE
        cut = (
            merged
            and merged[-1][-1].lower() in DANGLING
            and piece[0].lower() not in {"okay", "alright"}
        )
        if merged and (short or cut or _reading_of(merged[-1], piece)):
            merged[-1].extend(piece)  # "much pain", "with her shoulder": a tail
        else:
            merged.append(piece)
    return [" ".join(piece) for piece in merged if piece]


MEASURED = re.compile(
    r"^(?:temperature|temp|pressure|pressures|sugar|sugars|a1c|weight|rate|oxygen|"
    r"saturation|level|levels|reading|readings|count)$"
)
READING = re.compile(
    r"^(?:it was|it's|it is|which was|that was|and it was)(?: (?:about|like|around|"
    r"maybe|only|just))? (?:\d|zero|one|two|three|four|five|six|seven|eight|nine|ten|"
    r"eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|"
    r"twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|a hundred|hundred)"
)


def _reading_of(last: list[str], piece: list[str]) -> bool:
    """'... my wife checked my temperature | it was about ninety nine point seven':
    the number read is the measure's, one statement, never a lone 'It was 99.7.'"""
    return any(MEASURED.match(w.lower()) for w in last[-2:]) and bool(
        READING.match(" ".join(piece[:5]).lower())
    )


def _new_clause(words: list[str], i: int) -> bool:
    """'... three days it gets worse at night i took ...': a new subject starts here."""
    low, prev = words[i].lower(), words[i - 1].lower()
    if prev in JOINERS:
        return False
    if low in {"i", "i'm", "i've", "i'd", "i'll"}:
        return True
    following = words[i + 1].lower() if i + 1 < len(words) else ""
    return low in {"it", "it's", "she", "he"} and following in CLAUSE_VERBS


def _mid_phrase(words: list[str], i: int) -> bool:
    """'know what', 'so far', 'and when', 'order what we call', 'so that': the cue
    word is inside a phrase here."""
    prev = words[i - 1].lower()
    following = " ".join(w.lower() for w in words[i : i + 3])
    if following.startswith(
        ("what we call", "what's called", "what is called", "so that")
    ):
        return True
    if words[i].lower() in {"any", "anything"} and prev in TAKES_OBJECT:
        return True  # "prevent any further problems", "make any adjustments"
    if (
        words[i].lower() == "which"
        and following.split()[1:2]
        and (following.split()[1] in RELATIVE_VERBS)
    ):
        return True  # "the x-ray which showed no fracture"
    if words[i].lower() in {"good", "great"} and prev in QUALIFIES:
        return True  # "you have good hand grips": no new thought
    if words[i].lower() in {"okay", "alright"}:  # "problems with that okay and so"
        return prev in {"is", "not", "feel", "looks", "very", "pretty", "as"}
    return (
        prev
        in {
            "know",
            "about",
            "is",
            "that",
            "not",
            "as",
            "feel",
            "looks",
            "very",
            "pretty",
            "and",
            "think",
            "guess",
        }
        or prev in AUXILIARIES
    )  # "do you have", "i think you have"


AUXILIARIES = frozenset(["do", "did", "does", "can", "could", "would", "will"])
# "Good" or "great" after these describes a noun ("you have good hand grips"), not
# acknowledges ("that all sounds good | on lung exam ...").
QUALIFIES = frozenset(
    ["have", "has", "had", "got", "a", "with", "your", "his", "her", "their", "of",
     "in"]
)  # fmt: skip
# "Any" after these is their object, not a new question.
TAKES_OBJECT = frozenset(
    ["prevent", "make", "need", "avoid", "cause", "causing", "see", "notice", "without",
     "find", "found", "show", "showed", "shows", "for", "of", "to", "with", "from",
     "get", "getting", "take", "taking", "feel", "felt", "hear", "heard", "if", "not",
     "no", "than", "in", "on", "at", "by", "into", "rule", "out", "have", "has", "had",
     "appreciate", "appreciated", "noticed", "denies", "denied", "having", "experienced",
     "reveal", "revealed", "detect", "detected", "elicit", "palpate", "identify"]
)  # fmt: skip
# "Which" before these opens a relative clause ("which showed ..."), not a question.
RELATIVE_VERBS = frozenset(
    ["showed", "shows", "revealed", "reveals", "demonstrated", "demonstrates", "was",
     "were", "is", "are", "has", "had", "means", "meant", "came", "looked", "looks",
     "indicated", "indicates", "confirmed", "suggests", "suggested"]
)  # fmt: skip


def strip_discourse(text: str) -> str:
    """Drop leading 'okay, so, well, and' and the like."""
    words = text.split()
    while words and words[0].strip(",.").lower() in DISCOURSE and len(words) > 1:
        if _a_side(words):
            break
        words = words[1:]
    return " ".join(words).lstrip(", ")


def _a_side(words: list[str]) -> bool:
    """ "right knee, on the inside": the side, not "right, ..." agreeing."""
    return (
        words[0].lower() == "right"
        and words[1].strip(",.").lower() not in DISCOURSE | SUBJECTS
    )


def content_words(text: str) -> list[str]:
    words = re.findall(r"[a-z0-9']+", text.lower())
    return [w for w in words if w not in FILLER_WORDS]


def is_filler(text: str) -> bool:
    """An acknowledgement, thanks or back-channel: nothing for the record."""
    return len(content_words(text)) == 0
