"""The draft read as the attending who must sign it: what would not be signed is
mended or left out.

`signable` is the last pass over each statement (after voice.polish): the clinician
asking ("How has her weight been."), instructing the scribe ("In the plan, include
...") or talking through the visit ("and see how he does", "which is good") is taken
out; a self-correction keeps what was meant ("under - out of control" -> "out of
control", "it's not the right knee it's the left knee" -> "the left knee"); speech
cut off mid-clause ("... after she went to the.") loses the unfinished clause; what
then says nothing ("Will get that set up.", "It's a little elevated.") is left out.
`apart` splits a dictated line that runs two examinations or two sides together ("on
the right knee exam ... the left medial knee") into one statement each.
`complaint_phrase` is the chief complaint as a clinician writes it: "Left knee pain.".
"""

from __future__ import annotations

import re

from templates_app.generation.offline import language, voice
from templates_app.generation.offline.statements import Statement

WEEKDAYS = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
# Mended in order, case-insensitive: (pattern, replacement).
MENDS = tuple(
    (re.compile(p, re.I), r)
    for p, r in (
        # the scribe's instruction: what follows it is the content
        (r"^(?:in|under|for) (?:the )?(?:assessment|plan|impression|hpi|history|"
         r"(?:physical )?exam(?:ination)?|review of systems|results)\b,?\s*(?:please\s+)?"
         r"(?:list|include|add|document|note|put|insert|mention|write|say)?\s*"
         r"(?:that\s+)?", ""),
        (r"^(?:please\s+)?(?:list|include|add|document|insert|mention)\s+(?:that\s+)?"
         r"(?=(?:her|his|their|the|our)\b)", ""),
        (r"\bour discussion of\b", "discussion of"),
        (r"\bsuch as,", "such as"),
        (r"^will say\s+(?:that\s+)?", ""),
        # a stutter and a self-correction: the word given up is dropped
        (r"(?<![\w-])(?![xX]-)([a-z])-(?=[a-z]{2,})", ""),
        (r"\s+[\w']+\s+-,?(?=\s)", ""),
        (r"\b(?:it(?:'s| is) )?not (?:the )?(right|left) (\w+),? (?:it(?:'s| is) |but )"
         r"(?:the )?(left|right) \2\b", r"the \3 \2"),
        # asides and the speaker's own comments on what was found
        (r"(?:\bso )?\btoday(?:'s| is) " + WEEKDAYS + r"\b,?", ""),
        (r",?\s*\b(?:in terms of |so |this )?what,\s*", " "),
        (r",?\s*\b(?:which|that|so that|so this|this) (?:is|looks|'s|was|seems)"
         r"(?: really| pretty| very)? (?:good|great|fine|reassuring|nice|"
         r"not surprising(?: based on [^,.]*)?)\b", ""),
        (r",?\s*\b(?:and )?(?:we'll |will )?see how (?:the patient|he|she|they|it) "
         r"(?:does|do|is doing|are doing|goes)\b", ""),
        (r",?\s*\bis there\s*$", ""),
        (r",?\s*\b(?:does|do|did) (?:that|it|this) hurt(?: at all)?\b", ""),
        (r"\b(start|continue|keep) (?:them|him|her) on (?:the |some )?(?!that|it|this)",
         r"\1 "),
        (r"\b(running|doing|going) (?:okay|ok|alright|all right)\b", r"\1 fine"),
        # the clinician's "we can" is the act; "we might" a consideration
        (r"^we (?:can|will|'ll)(?: also)?\s+(?=\w)", ""),
        (r"^we (?:might|may|could)(?: also)?(?: do| try)?\s+(?=\w)", "consider "),
        (r"\bwe (?:might|may|could)(?: also)? (?:do|try)\s+(?=\w)", "consider "),
        (r"(?<=\band )we (?:can|will|'ll)(?: also)?\s+(?=\w)", ""),
        (r"\b(prescribe|give|start|put|refer|send) (?:them|him|her) (?=some|a|an)"
         , r"\1 "),
    )
)  # fmt: skip
QUESTION = re.compile(
    r"^(?:how|what|why|which|who|whose)\b|\bhow about\b|"
    r"\b(?:do|does|did) (?:the patient|you|he|she|they|that|it) (?:think|feel|know|"
    r"happen|have|want)\b.*\b(?:enough|often|at all)\W*$|\?\s*$",
    re.I,
)
SMALL_TALK = re.compile(
    r"^(?:in terms of|as far as|regarding|as for|with regards? to) [^,]{1,40}$|"
    r"^(?:because|where|which|whereas)\b(?!.*\d)|^denies (?:does|do|did|is|are|has|have)\b|"
    r"^(?:hopefully|none whatsoever|not that (?:the patient|he|she|they) can recall|"
    r"like (?:the patient|he|she|they) said|not going to take the chance)\b",
    re.I,
)
# Nothing named but a pronoun: "Will get that set up.", "See it a little bit better.",
# "It's a little elevated.", "They're normal."
SAYS_NOTHING = re.compile(
    r"^(?:will |advised to )?(?:get|set|see|do|take care of|figure out|look into|"
    r"keep an eye on) (?:that|it|this|them)\b"
    r"(?!.*\d)(?!.*\b(?:for|with|to|of) (?:the|a|an|their|his|her)\b)|"
    r"^(?:it|that|this|they)(?:'s|'re| is| are| was| were| seems?)(?: a little| a bit|"
    r" very| pretty| really| still)? (?:elevated|normal|fine|good|okay|better|worse|high|"
    r"low|ok|the same|about the same)\W*$|"
    r"^(?:will )?(?:do|perform) (?:some|a few|a couple of) (?:maneuvers|tests)\W*$|"
    r"^(?:with|on|at|in|for) (?:\w+ ){0,2}(?:x-?rays?|labs?|results?|exam)\W*$",
    re.I,
)
DANGLING = re.compile(
    r"\b(?:and|or|but|so|the|a|an|to|of|with|for|at|their|his|its|is|was|are|were|"
    r"which|because|about|if|than|as|make|really|just|been|from|by|be|these|not|"
    r"into|when|until|while|(?<!ever )since|no|to see|he|she|they|the patient|we|"
    r"going|very|pretty|what|to be doing|that's|it's|there's|we've|they've|getting|"
    r"including|such as|below|above|see)\s*$",
    re.I,
)
BOUNDARY = re.compile(
    r"[,;:]\s+|\s+(?=(?:and|but|so|because|after|before|when|until|while|since|which|"
    r"though|although|or|then|if|whether|to see)\b)",
    re.I,
)
FACT = re.compile(r"\d|\b(?:left|right|bilateral\w*)\b", re.I)


def signable(text: str) -> str | None:
    """The statement as the attending would sign it, or None to leave it out."""
    numbered = re.match(r"^\d+[.)]\s*", text)
    head, out = (numbered.group(0) if numbered else ""), text[len(numbered.group(0)) if numbered else 0:]  # fmt: skip
    for pattern, replacement in MENDS:
        out = pattern.sub(replacement, out).strip(" ,;")
    out = re.sub(r"\s{2,}", " ", out).strip(" ,;")
    if not out or QUESTION.search(out) or SMALL_TALK.search(out):
        return None
    out = _finished(out.rstrip(".!").strip(" ,;"))
    if not out or (len(out.split()) <= 7 and SAYS_NOTHING.search(out)):
        return None
    if len(re.findall(r"[A-Za-z0-9']+", out)) < 4 and not voice.is_finding(out):
        return None
    return head + language.sentence_case(out)


def _finished(text: str) -> str:
    """Speech cut off mid-clause loses the unfinished clause; '' when nothing of it
    stands, unless it holds a fact (a number, a side), kept without the loose end."""
    out = text
    while DANGLING.search(out):
        cuts = [m.start() for m in BOUNDARY.finditer(out)]
        kept = out[: cuts[-1]].strip(" ,;") if cuts else ""
        if len(kept.split()) >= 4:
            out = kept
            continue
        if FACT.search(text) or language.drugs(text):
            return DANGLING.sub("", out).strip(" ,;")
        return ""
    return out


EXAM_AT = re.compile(
    r"\s+(?:here\s+|and\s+)?(?=on (?:their|his|her|the) (?:\w+ ){1,2}exam(?:ination)?\b)",
    re.I,
)
SIDE = re.compile(r"\b(left|right)\b", re.I)
FINDING_START = re.compile(
    r"\s+(?=(?:no|negative|positive|there is|there's|mild|moderate|tenderness|pain)\b)",
    re.I,
)


def apart(text: str) -> list[str]:
    """One statement per examination and per side: a dictated run-on line split."""
    parts = [p for p in EXAM_AT.split(text) if p.strip()]
    out: list[str] = []
    for part in parts:
        out.extend(_sides_apart(part))
    out = [re.sub(r",?\s*\bis there\W*$", "", p).strip(" ,;.") for p in out]
    return [
        language.sentence_case(p)
        for p in out
        if p and not (len(p.split()) <= 7 and SAYS_NOTHING.search(p))
    ]


def _sides_apart(text: str) -> list[str]:
    sides = list(SIDE.finditer(text))
    for first, second in zip(sides, sides[1:], strict=False):
        if first.group(1).lower() == second.group(1).lower():
            continue
        # split at the last finding's start (or clause break) before the second side
        cuts = [
            m.start()
            for m in (*FINDING_START.finditer(text), *BOUNDARY.finditer(text))
            if first.end() < m.start() < second.start()
        ]
        cuts = [c for c in cuts if not DANGLING.search(text[:c])]
        if cuts:
            cut = max(cuts)
            return [text[:cut], *_sides_apart(text[cut:].strip(" ,;"))]
    return [text]


SYMPTOM = (
    r"pain|ache|aches|swelling|injury|numbness|tingling|rash|cough|fever|fevers|"
    r"headaches?|nausea|vomiting|diarrhea|constipation|bleeding|fatigue|dizziness|"
    r"shortness of breath|palpitations|weakness|instability|stiffness|pains|"
    r"difficulty swallowing|painful swallowing|heartburn|reflux|lesion|mass|nodule|"
    r"follow-up|annual exam|physical|check-?up|evaluation"
)
BODY = (
    r"knee|back|lower back|low back|neck|shoulder|hip|ankle|foot|wrist|hand|finger|"
    r"thumb|toe|elbow|arm|leg|chest|abdominal|abdomen|belly|stomach|head|eye|ear|"
    r"throat|jaw|groin|flank|pelvic|joint|muscle|skin|calf|thigh|heel"
)
COMPLAINT = re.compile(
    rf"\b(?:(?P<side>left|right|bilateral)\s+(?:(?:side of (?:the |their |his |her )?)"
    rf")?)?(?P<body>(?:{BODY})\s+)?(?P<what>{SYMPTOM})\b(?P<of>\s+of (?:his|her|their|"
    rf"the) [a-z -]{{3,40}}?(?=[,.;]|$))?",
    re.I,
)


SITE = re.compile(
    rf"\b(?P<what>pain|swelling|rash|numbness|tingling) (?:on|in|of|around) (?:the |their "
    rf"|his |her )?(?:(?P<side>left|right) (?:side of (?:the |their |his |her )?)?)?"
    rf"(?P<body>{BODY})\b",
    re.I,
)
ADJECTIVE = {"abdomen": "abdominal", "belly": "abdominal", "stomach": "abdominal"}


def complaint_phrase(text: str) -> str | None:
    """'Left knee pain.' from what the clinician or patient said, or None."""
    site = SITE.search(text)
    if site and site.group("side"):
        body = site.group("body").lower()
        words = (site.group("side"), ADJECTIVE.get(body, body), site.group("what"))
        return language.sentence_case(" ".join(words).lower())
    match = COMPLAINT.search(text)
    if not match or not (match.group("body") or match.group("side") or match.group("of")
                         or len(match.group("what")) > 4):  # fmt: skip
        return None
    words = [
        match.group("side"),
        (match.group("body") or "").strip(),
        match.group("what"),
    ]
    phrase = " ".join(w for w in words if w)
    if match.group("of"):
        phrase += re.sub(r"\bof (?:his|her|their)\b", "of", match.group("of"))
    return language.sentence_case(phrase.lower())


MEDICINE_WORD = re.compile(
    r"\b(medications?|medicines?|meds|pills?|tablets?|vitamins?|supplements?|inhaler|"
    r"insulin|iron|drops|cream|ointment|patch|injections?|shots?|antibiotics?|"
    r"allerg\w*|nkda)\b",
    re.I,
)


VAGUE_START = re.compile(r"(?:those|these|they|that|it)(?:'s| are| is)\b", re.I)


def sections_signed(filed: dict, owner: dict[str, str]) -> None:
    """The section passes: each examination and side its own line, medications only
    medicines, the chief complaint a clean phrase."""
    for key in {owner.get("exam"), owner.get("results")} - {None}:
        filed[key] = [
            Statement(text, s.seqs, s.category, s.problem)
            for s in filed[key]
            for text in (apart(s.text) if not s.heading else [s.text])
        ]
    history = owner.get("history")
    meds = owner.get("medications")
    if meds and history and meds != history:
        strays = [  # no medicine named: "Those are all small dosage pills."
            s
            for s in filed[meds]
            if not language.drugs(s.text)
            and (not MEDICINE_WORD.search(s.text) or VAGUE_START.match(s.text))
        ]
        filed[meds] = [s for s in filed[meds] if s not in strays]
        filed[history].extend(strays)
    _complaint(filed, owner)
    for key in {owner.get("assessment"), owner.get("plan")} - {None}:
        for s in filed[key]:  # "1. Their hypertension.", "Their diabetes: continue ..."
            s.text = POSSESSIVE_NAME.sub(
                lambda m: m.group(1) + m.group(2).upper(), s.text
            )


POSSESSIVE_NAME = re.compile(
    r"^(\d+\.\s+|)(?:their|his|her|the patient's) (\w)(?=[^:.]{2,40}[:.]$|[^:.]{2,40}: )",
    re.I,
)


SUMMARY_FOR = re.compile(
    r"\b(?:presents?|presenting|here|comes? in|coming in|seen)(?: today)?(?: for| with)"
    r"(?: an?| some| his| her| their)?(?: evaluation of)?\s+(?P<what>[^,.;]{3,60})",
    re.I,
)


def _complaint(filed: dict, owner: dict[str, str]) -> None:
    """The chief complaint: what the summary line says the visit is for, else the
    first complaint, problem or history statement that names one, as a phrase; the
    statements said as the complaint go to the history."""
    key, history = owner.get("complaint"), owner.get("history")
    if key is None or key == history:
        return
    said = filed[key]
    everything = [s for statements in filed.values() for s in statements]
    summaries = [m.group("what") for s in everything
                 if (m := SUMMARY_FOR.search(s.text))]  # fmt: skip
    order = [
        *[(text, ()) for text in summaries],
        *[(s.text, s.seqs) for s in said],
        *[(s.text, s.seqs) for s in filed.get(owner.get("assessment", ""), [])],
        *[(s.text, s.seqs) for s in filed.get(history or "", [])[:4]],
    ]
    phrase, seqs = None, ()
    for text, cited in order:
        if re.search(r"\bhistory of\b", text, re.I):
            continue  # the past history, not why the patient came
        phrase = complaint_phrase(text)
        if phrase:
            seqs = cited
            break
    if phrase and not SIDE.search(phrase):  # "elbow pain", "right elbow"
        phrase = _sided(phrase, [t for t, _ in order])
    if phrase and not seqs:  # from the summary line: cite it
        seqs = next(s.seqs for s in everything if SUMMARY_FOR.search(s.text))
    named = {
        *re.findall(r"[a-z]+", (phrase or "").lower()),
        "the",
        "their",
        "his",
        "her",
    }
    # what was said of the complaint: the history's, in the order said, or (no
    # history in the template) after the phrase
    moved = [s for s in said if not set(re.findall(r"[a-z]+", s.text.lower())) <= named]
    if history:
        filed[history] = sorted([*moved, *filed[history]], key=lambda s: s.seqs[:1])
        moved = []
    filed[key] = [Statement(phrase, seqs, "complaint")] if phrase else []
    filed[key] += moved


def _sided(phrase: str, said: list[str]) -> str:
    """The complaint with the side said of its part nearby, when only one side is."""
    body = COMPLAINT.search(phrase)
    part = body and (body.group("body") or "").strip()
    if not part:
        return phrase
    sides = {
        m.group(1).lower()
        for text in said
        for m in re.finditer(rf"\b(left|right)\s+(?:\w+\s+){{0,2}}{part}", text, re.I)
    }
    return (
        language.sentence_case(f"{sides.pop()} {phrase[0].lower()}{phrase[1:]}")
        if len(sides) == 1
        else phrase
    )
