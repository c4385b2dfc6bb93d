"""A patient's answer and the clinician's question it answers, as one statement.

"Any fever?" "No." -> "Denies fever."; "Do you smoke?" "No." -> "She does not smoke.";
"Does it spread to your arm?" "Sometimes, down my left arm." -> "It spreads to her
arm: sometimes, down her left arm."; "no fever, no cough" -> "Denies fever and cough.".
"""

from __future__ import annotations

import re

from templates_app.generation.offline import language
from templates_app.generation.offline.dialogue import (
    Utterance,
    content_words,
    strip_discourse,
)
from templates_app.generation.offline.spoken import (
    ANSWER_WORDS,
    NO,
    YES,
)

DENY_QUESTION = re.compile(
    r"^(?:and |so |also )*(?:any(?:thing)?|(?:do|did) (?:you|he|she) (?:have|get|notice|"
    r"experience|feel)|(?:have|has) (?:you|he|she) (?:had|noticed|experienced|been having|"
    r"felt|had any)|(?:are|were) (?:you|he|she) (?:having|experiencing|getting|feeling)|"
    r"how about|what about|no)\b\s*(?:other |any |symptoms like |symptoms of )*(?P<what>.+)$"
)
RESTARTED = re.compile(
    r"^(?:any|anything),? (?=(?:do|does|did|are|is|were|was|have|has|can|could)"
    r" (?:you|he|she|it|that|this|the)\b)"
)
INVERTED = re.compile(
    r"^(?:and |so |also )*(?P<aux>do|does|did|are|is|were|was|have|has|can|could|will|"
    r"would)(?P<neg>n't)? (?P<subj>you|it|that|this|the \w+) (?P<rest>.+)$"
)
DECLARATIVE_Q = re.compile(
    r"^(?:and |so |also )*(?P<subj>you|you're|you've|your \w+) (?P<rest>.+)$"
)


NESTED = re.compile(
    r"^.*?\b(?:like,?\s+)?(?:have|has|do|does|did|are|is) (?:you|he|she|they|the "
    r"patient) (?:had|have|get|got|noticed|been having|experienced)\s+(?:any\s+)?"
)
VAGUE_TAIL = re.compile(
    r",?\s*\b(or |and )?(anything|something|things|any) (like that|else|of that sort)\b|"
    r",?\s*\bor anything\b|\blike that\b"
)
GENERIC = frozenset(
    [
        "symptoms", "symptom", "issues", "issue", "problems", "problem", "things", "thing",
        "other", "concerns", "changes", "else", "that", "this", "it", "like", "with",
    ]
)  # fmt: skip
SUBJECT_START = re.compile(
    r"^(i|i'm|i've|i'd|it|it's|she|he|we|they|that|that's|there|my \w+ (is|was))\b"
)
WH_TOPIC = re.compile(
    r"^(?:when|where|what|how long|how much|how often|how many|how|which)(?: \w+)? "
    r"(?:was|is|were|are|did|does|do|has|have) (?:your|the|his|her) "
    r"(?P<topic>[\w' -]{3,40}?)\??$"
)


def bare_answer(text: str) -> bool:
    """ "not that I've noticed", "nothing like that": a yes or no and no more."""
    return len([w for w in content_words(text) if w not in ANSWER_WORDS]) < 2


def fragment_fold(
    gender: str | None, question: Utterance | None, rest: str, *, affirmed: bool = False
) -> str | None:
    """ "Does it spread to your arm?" "Sometimes, down my left arm." -> one statement;
    "Do you drink alcohol?" "Yeah, but only once or twice a year." -> "She drinks
    alcohol: only once or twice a year." (`affirmed`: the answer opened with a yes)."""
    if question is None or len(rest.split()) > 7 or SUBJECT_START.match(rest):
        return None
    asked = INVERTED.match(strip_discourse(question.text.lower().rstrip("?. ")))
    if not asked or (asked.group("subj") == "you" and not affirmed):
        return None
    declared = _declare(gender, asked, "yes")
    answer = language.third_person(rest, speaker="patient", gender=gender)
    return f"{declared.rstrip('.')}: {answer.strip(' .')}."


def polarity(text: str) -> str | None:
    words = re.findall(r"[a-z'-]+", text)
    if any(w in NO or w.endswith("n't") for w in words):
        return "no"
    return "yes" if any(w in YES for w in words) else None


def denial(text: str) -> str | None:
    """ "no fever, no cough" -> "Denies fever and cough." when nothing else is said."""
    negated, affirmed = language.negated_findings(text)
    if not negated or affirmed:
        return None
    leftover = content_words(text)
    cues = {
        "no",
        "not",
        "any",
        "don't",
        "haven't",
        "didn't",
        "never",
        "or",
        "have",
        "had",
        "i",
    }
    words_of_findings = {w for f in negated for w in f.split()}
    if len([w for w in leftover if w not in cues and w not in words_of_findings]) > 2:
        return None
    return "Denies " + _listing(negated) + "."


def _listing(items: list[str]) -> str:
    unique = list(dict.fromkeys(items))
    if len(unique) == 1:
        return unique[0]
    return ", ".join(unique[:-1]) + " and " + unique[-1]


def fold(
    gender: str | None, question: str, polarity: str | None, answer: str = ""
) -> str | None:
    """A yes/no question and its answer as one third-person statement. A "no" that
    names what it denies denies that alone: "Any fever or vomiting?" "No vomiting."
    -> "Denies vomiting." (`answer`: the answer's words after its yes or no)."""
    if polarity is None:
        return None
    question = strip_discourse(question.rstrip("?. ")).lower()
    # "any does the pain extend anywhere": the question begun again
    question = RESTARTED.sub("", question)
    asked = DENY_QUESTION.match(question)
    if asked:
        what = language.third_person(
            asked.group("what"), speaker="clinician", gender=gender
        )
        what = re.sub(r"^(any|anything) ", "", what).strip(" ,")
        what = VAGUE_TAIL.sub("", what).strip(" ,")
        # "other symptoms, like, have you had a fever or chills": the question inside
        what = NESTED.sub("", what).strip(" ,")
        named = _named(answer, what) if polarity == "no" else ""
        what = named or what
        if _specific(what):
            verb = "Denies" if polarity == "no" else "Reports"
            return f"{verb} {what}."
    inverted = INVERTED.match(question)
    if inverted:
        return _declare(gender, inverted, polarity)
    declared = DECLARATIVE_Q.match(question)
    if declared:
        said = language.third_person(question, speaker="clinician", gender=gender)
        if polarity == "no":
            said = re.sub(
                r"\b(is|has|was|does|can|will|would)\b", r"\1 not", said, count=1
            )
        return language.sentence_case(strip_discourse(said))
    return None


def _named(answer: str, asked: str) -> str:
    """What a "no" answer names of what was asked, or '' ("no vomiting" of "vomiting
    or diarrhea": "vomiting")."""
    said = re.sub(r"\b(?:no|not|none|any|never|nope)\b", " ", answer.lower())
    said = " ".join(said.replace(",", " ").split()).strip(" .")
    named = [w for w in content_words(said) if w not in GENERIC]
    if not named or not all(re.search(rf"\b{re.escape(w)}\b", asked) for w in named):
        return ""
    return said if said != asked else ""


def _specific(what: str) -> bool:
    """Names something: not just "symptoms", "issues", "like that"."""
    return any(language.negated_findings(what)) or bool(
        [w for w in content_words(what) if w not in GENERIC]
    )


def _declare(gender: str | None, m: re.Match, polarity: str) -> str:
    """ "do you smoke" + no -> "She does not smoke."; "does it spread" + yes -> "It spreads"."""
    aux, subj = m.group("aux"), m.group("subj")
    rest = language.third_person(m.group("rest"), speaker="clinician", gender=gender)
    if subj == "you":
        subj = language.third_person("you", speaker="clinician", gender=gender)
    verb = {"do": "does", "are": "is", "were": "was", "have": "has"}.get(aux, aux)
    if polarity == "yes" and verb == "does":
        # "do you ever drink": the adverb stays, the verb agrees
        rest = re.sub(r"^(?:ever|still|usually|normally|also|currently) ", "", rest)
        first, _, after = rest.partition(" ")
        return language.sentence_case(
            f"{subj} {language.agree(first, present=True)} {after}".strip()
        )
    negation = " not" if polarity == "no" else ""
    if polarity == "yes":  # "are you taking any medications" + yes: takes medications
        rest = re.sub(r"\bany\s+", "", rest)
    return language.sentence_case(f"{subj} {verb}{negation} {rest}")


AFFIRMED = re.compile(
    r"^(?:yes|yeah|yep|yup|mm-hmm|uh-huh|right|correct|exactly|that's (?:it|right|the one)"
    r"|that is (?:it|right))\b"
)


def confirmed_drug(question: Utterance | None, answer: str) -> str | None:
    """ "Digoxin?" "That's it." -> "Takes digoxin.": the clinician names the drug the
    patient was looking for, and the patient confirms it."""
    if question is None:
        return None
    asked = strip_discourse(question.text.lower()).strip(" ?.,")
    if len(asked.split()) > 3 or not language.drugs(asked):
        return None
    answer = strip_discourse(answer.lower()).strip()
    if not (
        AFFIRMED.match(answer)
        or set(language.drugs(answer)) & set(language.drugs(asked))
    ):
        return None
    return f"Takes {asked}."


def yes_and(gender: str | None, question: Utterance, rest: str) -> str | None:
    """ "Are you taking your metformin?" "Yes, that's along with the blood pressure
    medicine, morning and night." -> "She is taking her metformin; along with the
    blood pressure medicine, morning and night." The question holds the fact the
    yes confirms; what follows the yes qualifies it."""
    asked = INVERTED.match(strip_discourse(question.text.lower().rstrip("?. ")))
    if not asked or asked.group("subj") != "you" or len(rest.split()) > 15:
        return None
    if re.search(
        r"\b(any|anything|ever|or|how|what|right|sound)\b", asked.group("rest")
    ):
        return None  # not one fact the yes confirms
    qualifier = re.match(
        r"(?:that's|that is|it's|it is)\s+(?:along|with|in|at|for|"
        r"every|about|once|twice)\b",
        rest,
    )
    if SUBJECT_START.match(rest) and not qualifier:
        return None  # the answer says it in its own words: it stands alone
    declared = _declare(gender, asked, "yes")
    tail = re.sub(
        r"^(?:that's|that is|it's|it is)\s+(?=along|with|in|at|for|every|"
        r"about|once|twice|in the)",
        "",
        rest.strip(" ,."),
    )
    answer = language.third_person(tail, speaker="patient", gender=gender)
    return f"{declared.rstrip('.')}; {answer}."
