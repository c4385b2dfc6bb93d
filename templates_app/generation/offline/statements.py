"""From utterances to third-person statements, each with its category and citations.

The encounter is walked once, in order, through three phases the clinician's own words
announce (phases.py): the history (questions and answers), the examination (findings and results
dictated), the assessment and plan (what the clinician concluded and will do).
Greetings, fillers, small talk and questions are dropped; a question is folded into its
answer; a patient's negated findings become "Denies ...".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from templates_app.generation.offline import answers, language, voice
from templates_app.generation.offline.classify import classify
from templates_app.generation.offline.companion import Companion
from templates_app.generation.offline.dialogue import (
    RELATIVE_START,
    TAG_QUESTION,
    Utterance,
    content_words,
    is_filler,
    strip_discourse,
)
from templates_app.generation.offline.lexicon import (
    HISTORY_CATEGORIES,
)
from templates_app.generation.offline.phases import (
    BARE_PROBLEM,
    EXAM_FINDING,
    RESULTS_CUE,
    VITALS,
    advice_said,
    assessment_said,
    dictated_finding,
    finding_said,
    phases,
    plan_category,
    plan_said,
    result_said,
)
from templates_app.generation.offline.spoken import (
    ASSISTANT,
    GREETING,
    NO,
    YES,
)

PROBLEM = re.compile(
    r"^(?:(?:and|so|now|okay|alright|then|next|lastly|finally|also),? )*"
    r"(?:for|from|on|about|regarding|in terms of|as far as|with regards? to|as for|"
    r"moving on to) "
    r"(?:your|his|her|their|the) (?:(?:first|second|third|next|last|other) "
    r"(?:problem|issue|diagnosis),? (?:your |the |of this |of the |of |is )?)*"
    r"(?:(?:problem|issue|concern) (?:with|of|about) (?:your |the |his |her |their )?)?"
    r"(?P<name>[a-z0-9' -]{3,40}?)(?=,|\.| i | i'm | we | you | he | she | it | "
    r"that | is | are | let's | what | my | there | so | which | your | his | her | "
    r"their |$)"
)
# diagnosis is a distal phalanx fracture", "my impression is that you have gout".
STATED_PROBLEM = re.compile(
    r"^(?:(?:and|so|now|okay|alright),? )*(?:my|our|the) (?:working )?(?:assessment|"
    r"impression|diagnosis)(?: today| here)? (?:is|would be)(?: is)?(?: that)?"
    r"(?: (?:you|she|he|they|it) (?:have|has|had|is|are)(?: got)?)?(?: (?:a|an|some|"
    r"this|that)(?: episode of)?)? "
    r"(?P<name>[a-z0-9' -]{3,40}?)(?=,|\.| and | with | which | that | i | we | so |$)"
)
# Where one plan item ends and the next begins, with or without "and": "... in that
# i want to prescribe ... a day we might do some physical therapy".
PLAN_ITEM = re.compile(
    r",? (?:(?:and|but|so) )?(?<=\w )(?<!\bif )(?<!\bwhen )(?<!\bwhat )(?<!\bhow )"
    r"(?<!\bunless )(?<!\buntil )(?<!\bbecause )(?<!\bwhether )(?<!\bthink )"
    r"(?<!\bknow )(?<!\bbefore )(?<!\bafter )(?<!\bonce )(?<!\bsure )"
    r"(?:(?<=\bin that )|(?<!\bthat ))(?=(?:i|we)(?:'ll| will| want| would| am| are|'m|"
    r"'re|'d| might| may| can| could| should) )",
    re.I,
)
PROCESS = re.compile(
    r"^(let's|let me|i'm going to|i am going to|i want to|i'd like to|i'm just going|"
    r"we're going to|we'll|it sounds like we|sounds like we|i'm gonna)\b"
)
ANNOUNCEMENT = frozenset(
    [
        "talk", "little", "bit", "let's", "go", "over", "assessment", "plan", "my", "your",
        "her", "his", "their", "about", "just", "want", "i", "to", "for", "so", "now",
        "the", "and", "a", "of", "i'm", "going", "some", "discuss",
    ]
)  # fmt: skip


@dataclass(slots=True)
class Statement:
    text: str
    seqs: tuple[int, ...]
    category: str
    problem: int = 0  # the assessment-and-plan problem it belongs to, 0 for none
    heading: bool = False  # the name of a problem, opening its lines
    said: str = ""  # the words it was drafted from, as spoken


@dataclass(slots=True)
class Walk:
    gender: str | None
    total: int
    phase: str = "history"
    last_history: str = "history"
    question: Utterance | None = None
    answered: Utterance | None = None  # the question the current answer is to
    answer_seq: int = 0
    problem: int = 0
    dictating: int = 0  # the segment in which the clinician is dictating the exam
    companion: Companion | None = None  # who answered for the patient, if anyone


def draft_statements(
    items: list[Utterance],
    *,
    gender: str | None,
    companion: Companion | None = None,
) -> list[Statement]:
    """Every statement the transcript supports, in order."""
    total = max((u.seqs[-1] for u in items), default=1)
    walk = Walk(gender=gender, total=total, companion=companion)
    out: list[Statement] = []
    for item, phase in zip(items, phases(items), strict=True):
        walk.phase = phase
        command = ASSISTANT.match(strip_discourse(item.text.lower()))
        if command and command.group(2).lower() != "order":
            continue
        if command:  # "hey dragon, order a refill of prozac": the order is the plan
            said = strip_discourse(item.text)[command.start(2) :]
            item = Utterance(item.seqs, item.role, said, False)
        if item.question:
            walk.question = item if item.role != "patient" else walk.question
            continue
        for statement in _statements_of(walk, item):
            statement.said = statement.said or item.text
            out.append(statement)
    return [s for s in out if s.text]


def _statements_of(walk: Walk, item: Utterance) -> list[Statement]:
    question, walk.question = walk.question, None
    if question is not None:
        walk.answered, walk.answer_seq = question, item.seqs[-1]
    if item.role == "patient":
        if walk.phase == "plan":
            return []
        return _patient(walk, item, question)
    text = TAG_QUESTION.sub(".", item.text).strip()
    if is_filler(text) or _chatter(text):
        return []
    if walk.phase == "plan" and not finding_said(text.lower()):
        return _plan(walk, item, text)
    if walk.phase == "exam" and plan_said(text.lower()):
        return _plan(walk, item, text)
    if walk.phase == "history" and result_said(text.lower()):
        return _exam(walk, item, text)  # "your troponins were negative"
    if walk.phase == "history" and advice_said(text.lower()):
        return _plan(walk, item, text)
    if walk.phase == "exam" and assessment_said(text.lower()):
        return _plan(walk, item, text)
    if walk.phase != "history" or VITALS.search(text.lower()):
        return _exam(walk, item, text)
    return _clinician_history(walk, item, text)


def _chatter(text: str) -> bool:
    low = text.lower()
    return bool(GREETING.search(low)) and len(content_words(low)) <= 6


def _say(walk: Walk, text: str, role: str | None) -> str:
    text = strip_discourse(text)
    if role in {"patient", "clinician"}:
        text = language.third_person(text, speaker=role, gender=walk.gender)
    return language.sentence_case(text)


def _answer(item: Utterance) -> tuple[str, str | None, str]:
    """The answer's words, its yes or no (None for neither), and what follows it."""
    text = strip_discourse(item.text.lower())
    # "yes, ..." opens the answer even where it is a discourse word elsewhere
    first = re.findall(r"[a-z'-]+", item.text.lower())[:1]
    if not first or first[0] not in YES | NO:
        first = re.findall(r"[a-z'-]+", text)[:1]
    polarity = (
        "yes"
        if first and first[0] in YES
        else "no"
        if first and first[0] in NO
        else None
    )
    rest = ANSWER_WORD.sub("", text)
    # "i have not": an answer's first word ("i", "have", "did") is no yes when a "not"
    # follows it
    if (
        polarity == "yes"
        and first[0] not in SAID_YES
        and answers.polarity(text) == "no"
    ):
        polarity = "no" if answers.bare_answer(rest) else None
    said = [w for w in re.findall(r"[a-z'-]+", text) if w in YES_NO]
    if polarity and said and answers.bare_answer(rest):  # "yeah, no, sorry": the last
        polarity = "no" if said[-1] in NO else "yes"
    return text, polarity, rest


def _patient(
    walk: Walk, item: Utterance, question: Utterance | None
) -> list[Statement]:
    if walk.companion is not None and walk.companion.spoke(item.seqs):
        return _companion(walk, walk.companion, item, question)
    text, polarity, rest = _answer(item)
    drug = answers.confirmed_drug(question, text)
    if drug and question is not None:
        said, seqs = f"{question.text} {item.text}", (*question.seqs, *item.seqs)
        return [Statement(drug, seqs, "medications", said=said)]
    if polarity == "yes" and question is not None and not answers.bare_answer(rest):
        told = answers.yes_and(walk.gender, question, rest)  # "Yes, along with ..."
        if told:
            seqs = (*question.seqs, *item.seqs)
            category = _history_category(walk, question.text + " " + rest)
            return [Statement(told, seqs, category, said=f"{question.text} {text}")]
    if question is not None and answers.bare_answer(rest) and walk.phase == "history":
        folded = answers.fold(
            walk.gender,
            question.text.lower(),
            polarity or answers.polarity(rest),
            rest,
        )
        if folded:
            category = _history_category(walk, question.text + " " + folded)
            said = f"{question.text} {item.text}"
            seqs = (*question.seqs, *item.seqs)
            return [Statement(folded, seqs, category, said=said)]
        return []
    if len(content_words(rest)) < 2 or _chatter(rest):
        return []
    if question is None and walk.answer_seq == item.seqs[-1] and walk.answered:
        asked = walk.answered.text.lower()  # a later sentence of the same answer
    else:
        asked = question.text.lower() if question is not None else ""
    if not (_clinical(rest) or _clinical(asked)):
        return []  # small talk: neither the answer nor its question is clinical
    seqs = (*question.seqs, *item.seqs) if question is not None else item.seqs
    denied = answers.denial(text)
    said = (
        denied
        or answers.fragment_fold(
            walk.gender, question, rest, affirmed=polarity == "yes"
        )
        or _trimmed(_say(walk, rest, "patient"))
    )
    if not said:
        return []
    if not denied:
        said = _on_topic(walk, question, rest, said)
    context = asked + " " + rest
    return [Statement(said, seqs, _history_category(walk, context))]


def _companion(
    walk: Walk, companion: Companion, item: Utterance, question: Utterance | None
) -> list[Statement]:
    """A parent's, a spouse's, a caregiver's account of the patient, as theirs. A
    question put to them ("you") is about them, not the patient: not folded."""
    text, polarity, rest = _answer(item)
    asked = question.text.lower() if question is not None else ""
    seqs = (*question.seqs, *item.seqs) if question is not None else item.seqs
    if question is not None and answers.bare_answer(rest):
        folded = not re.search(r"\byou", asked) and answers.fold(
            walk.gender, asked, polarity or answers.polarity(rest), rest
        )
        if not folded or walk.phase != "history":
            return []
        category = _history_category(walk, f"{asked} {folded}")
        return [Statement(folded, seqs, category, said=f"{question.text} {item.text}")]
    if len(content_words(rest)) < 2 or _chatter(rest):
        return []
    if not (_clinical(rest) or _clinical(asked)):
        return []
    addressed = re.search(r"\byou", asked)  # a question put to them is theirs
    folded = not addressed and answers.fragment_fold(walk.gender, question, rest)
    if len(rest.split()) > RUN_ON:  # their "we" is the family's, not a reason to trim
        rest = _trimmed(rest)
    denied = answers.denial(text)
    said = denied or folded or companion.in_note_voice(rest)
    if not said:
        return []
    if not denied and not addressed:
        said = _on_topic(walk, question, rest, said)
    return [Statement(said, seqs, _history_category(walk, f"{asked} {rest}"))]


def _on_topic(walk: Walk, question: Utterance | None, rest: str, said: str) -> str:
    """A short answer to "how many wet diapers...?" under what was asked."""
    topic = (
        answers.WH_TOPIC.match(strip_discourse(question.text.lower()))
        if question
        else None
    )
    if not topic or len(content_words(rest)) > 8:
        return said
    name = language.third_person(
        topic.group("topic"), speaker="clinician", gender=walk.gender
    )
    return language.sentence_case(f"{name}: {said[0].lower()}{said[1:]}")


# The answer's yes or no, taken off what follows it; "no" and "right" only where they
# stand alone: "no vomiting but constipation" keeps its "no", "right knee" its side.
ANSWER_WORD = re.compile(
    r"^(?:(?:yes|yeah|yep|yup|nope|nah|mm-hmm|uh-huh)\b[,.!]?\s*|(?:no|right|sure)"
    r"(?:[,.!]\s*|$|\s+(?=(?:i|i'm|i've|i'd|it|it's|that|that's|we|they|he|she|not|"
    r"nothing|never|just|well|because|but|actually|my|there|this|so|and|yes|yeah|"
    r"no|none|nobody|when|if|the|you|your|our|his|her|their|sir|ma'am|doctor)\b)))"
)
YES_NO = frozenset(["yes", "yeah", "yep", "yup", "no", "nope", "nah"])
SAID_YES = frozenset(
    ["yes", "yeah", "yep", "yup", "mm-hmm", "uh-huh", "sure", "right", "correct",
     "absolutely", "definitely"]
)  # fmt: skip
RUN_ON = 22  # words: a patient's account longer than this keeps its clinical clauses
CLAUSE = re.compile(r",\s+|;\s+|\s+(?:but|(?<!\bor )so|and then|and so)\s+")
COURSE = re.compile(
    r"\d|\b(help\w*|reliev\w*|ice|heat|radiat\w*|into (?:his|her|their) \w+|down (?:his|"
    r"her|their|into)|better|worse|since|ago|weeks?|days?|months?|years?|times?|daily|"
    r"morning|night|pain\w*|runs? around|blood pressure|sugars?)\b"
)
NOT_THE_PATIENT = re.compile(
    r"\b(we|our|us|ours)\b"
)  # the family's "we", not the note's


def _trimmed(said: str) -> str:
    """A run-on account as the note keeps it: its clauses that say something clinical
    (a symptom, a drug, a time course...), the asides and the family's "we" left out.
    "" when none does."""
    clauses = [c.strip(" .") for c in CLAUSE.split(said.rstrip("."))]
    if len(said.split()) <= RUN_ON and not NOT_THE_PATIENT.search(said.lower()):
        return said
    keep = [
        len(content_words(c)) >= 2
        and bool(_clinical(c.lower()) or COURSE.search(c.lower()))
        for c in clauses
    ]
    # "she has seen an allergist, and also a neurologist, who diagnosed her": the
    # relative clause keeps whom it is about, and what that noun phrase goes on from
    about = False
    for i in range(len(clauses) - 1, 0, -1):
        about = keep[i] and bool(
            RELATIVE_START.match(clauses[i]) or about and clauses[i].startswith("and ")
        )
        keep[i - 1] = keep[i - 1] or about
    kept = [_theirs(c) for c, k in zip(clauses, keep, strict=True) if k]
    if not kept:
        return ""
    if len(kept) == len(clauses) and not NOT_THE_PATIENT.search(said.lower()):
        return said
    return language.sentence_case(", ".join(kept))


def _theirs(clause: str) -> str:
    """The patient's "we" (with the family) as "they": the note's "we" is the team."""
    pairs = {"we": "they", "our": "their", "us": "them", "ours": "theirs"}
    return re.sub(
        r"\b(we|our|us|ours)\b", lambda m: pairs[m.group(1).lower()], clause, flags=re.I
    )


def _history_category(walk: Walk, context: str) -> str:
    ranked = [c for c in classify(context) if c in HISTORY_CATEGORIES]
    generic = not ranked or ranked[0] in {"history", "review"}
    if generic and language.drugs(context):
        ranked.insert(0, "medications")
    if ranked:
        walk.last_history = ranked[0]
    return walk.last_history


def _clinical(low: str) -> bool:
    return bool(
        classify(low) or language.drugs(low) or any(language.negated_findings(low))
    )


def _clinician_history(walk: Walk, item: Utterance, text: str) -> list[Statement]:
    """The clinician's own words before the examination: dictation or summary."""
    low = text.lower()
    clinical = [c for c in classify(low) if c in HISTORY_CATEGORIES]
    if (
        not clinical
        and not language.drugs(low)
        and not language.negated_findings(low)[1]
    ):
        return []
    if len(content_words(low)) < 3 or PROCESS.match(strip_discourse(low)):
        return []
    return [
        Statement(
            _say(walk, text, "clinician"), item.seqs, _history_category(walk, low)
        )
    ]


def _exam(walk: Walk, item: Utterance, text: str) -> list[Statement]:
    low = text.lower()
    shown = RESULTS_CUE.search(low) and not re.search(r"\bexam\w* (?:show|reveal)", low)
    category = "results" if shown else "exam"
    # the dictation's next sentence ("eyes are small appearing.") is its finding too
    going_on = walk.dictating == item.seqs[0] and not re.search(r"\byou", low)
    if category == "exam" and not EXAM_FINDING.search(low) and not going_on:
        return []
    walk.dictating = item.seqs[-1] if dictated_finding(low) or going_on else 0
    if len(content_words(low)) < 2:
        return []
    return [Statement(_say(walk, text, "clinician"), item.seqs, category)]


def _plan(walk: Walk, item: Utterance, text: str) -> list[Statement]:
    out: list[Statement] = []
    low = strip_discourse(text.lower())
    named = PROBLEM.match(low) or BARE_PROBLEM.match(low) or STATED_PROBLEM.match(low)
    if (
        named
        and len(content_words(named.group("name"))) >= 1
        and voice.is_finding(named.group("name"))
    ):
        walk.problem += 1
        name = language.sentence_case(
            language.third_person(
                named.group("name"), speaker="clinician", gender=walk.gender
            )
        )
        out.append(Statement(name, item.seqs, "assessment", walk.problem, heading=True))
    if len(content_words(low)) < 3 or _announcement(low):
        return out
    for part in PLAN_ITEM.split(text):
        category = plan_category(part.lower())
        if category:
            out.append(
                Statement(
                    _say(walk, part, "clinician"), item.seqs, category, walk.problem
                )
            )
    return out


def _announcement(low: str) -> bool:
    """ "Let's talk about my assessment and plan": a signpost, not content."""
    return len([w for w in content_words(low) if w not in ANNOUNCEMENT]) < 2
