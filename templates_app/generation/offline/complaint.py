"""The chief complaint as a clinician writes it: "Left knee pain.", from what the
visit was said to be for, else the first complaint, problem or history statement that
names one; what was said as the complaint goes to the history.
"""

from __future__ import annotations

import re

from templates_app.generation.offline import language
from templates_app.generation.offline.statements import Statement

SIDE = re.compile(r"\b(left|right)\b", re.I)

SYMPTOM = (
    r"pain|ache|aches|swelling|injury|numbness|tingling|rash|cough|fever|fevers|"
    r"headaches?|nausea|vomiting|diarrhea|constipation|bleeding|fatigue|dizziness|"
    r"shortness of breath|palpitations|weakness|instability|stiffness|pains|"
    r"difficulty swallowing|painful swallowing|heartburn|reflux|lesion|mass|nodule|"
    r"tightness|"
    r"follow-up|annual exam|physical(?! therap| exam| activit)|check-?up|evaluation"
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


HURTING = re.compile(
    rf"\b(?P<side>left|right) (?P<body>{BODY})\b(?: \w+){{0,2}} (?:hurting|hurts|aching|"
    rf"aches)\b",
    re.I,
)


# Said as what happened to a part: "she injured her wrist", "her wrist started to
# hurt", "a tick bite around her knee".
INJURED = re.compile(
    rf"\b(?:injured|hurt|sprained|twisted|broke|fractured|cut|burned|jammed) "
    rf"(?:my|your|his|her|their|the) (?:(?P<side>left|right) )?(?P<body>{BODY})\b",
    re.I,
)
OWN_HURTING = re.compile(
    rf"\b(?:my|your|his|her|their) (?:(?P<side>left|right) )?(?P<body>{BODY}) "
    rf"(?:\w+ ){{0,2}}(?:started|began|starts|begins) (?:to )?(?:hurt|hurting|ache|"
    rf"aching)\b",
    re.I,
)
BITE = re.compile(
    r"\b(?P<what>(?:tick|dog|cat|spider|bee|insect|snake|human|animal) (?:bite|sting))s?\b",
    re.I,
)


def complaint_phrase(text: str) -> str | None:
    """'Left knee pain.' from what the clinician or patient said, or None."""
    if re.match(r"(?:\d+\.\s+)?(?:denies|no|not)\b", text, re.I):
        return None  # a pertinent negative is not why the patient came
    hurting = HURTING.search(text)
    if hurting:
        body = hurting.group("body").lower()
        words = (hurting.group("side"), ADJECTIVE.get(body, body), "pain")
        return language.sentence_case(" ".join(words).lower())
    bite = BITE.search(text)
    if bite:
        return language.sentence_case(bite.group("what").lower())
    for pattern, what in ((INJURED, "injury"), (OWN_HURTING, "pain")):
        found = pattern.search(text)
        if found:
            body = found.group("body").lower()
            words = (found.group("side"), ADJECTIVE.get(body, body), what)
            return language.sentence_case(" ".join(w for w in words if w).lower())
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
    also = COMPLAINT.match(text, match.end() + 5)  # "a cough and chest tightness"
    if text[match.end() : match.end() + 5].lower() == " and " and also:
        phrase += " and " + also.group(0)
    if match.group("of"):
        phrase += re.sub(r"\bof (?:his|her|their)\b", "of", match.group("of"))
    return language.sentence_case(phrase.lower())


SUMMARY_FOR = re.compile(
    r"\b(?:presents?|presenting|here|comes? in|coming in|seen)(?: today)?(?: for| with)"
    r"(?: an?| some| his| her| their)?(?: evaluation of)?\s+(?P<what>[^,.;]{3,60})",
    re.I,
)


def complaint_block(
    filed: dict, owner: dict[str, str], said: dict[int, str] | None = None
) -> None:
    """The chief complaint: what the summary line says the visit is for, else the
    first complaint, problem or history statement that names one, as a phrase,
    citing where it was first said (`said`: the transcript's segments); the
    statements said as the complaint go to the history."""
    key, history = owner.get("complaint"), owner.get("history")
    if key is None:
        return
    if key == history:  # one section for both (SOAP's subjective): the phrase first
        phrase, seqs = _phrase(filed, owner, said or {})
        told = {seq for s in filed[key] for seq in s.seqs}
        if (
            phrase
            and set(seqs) <= told
            and phrase.lower() not in {s.text.lower() for s in filed[key]}
        ):
            filed[key].insert(0, Statement(phrase, seqs, "complaint"))
        return
    phrase, seqs = _phrase(filed, owner, said or {})
    said = filed[key]
    named = {
        *re.findall(r"[a-z]+", (phrase or "").lower()),
        "the",
        "their",
        "his",
        "her",
    }
    # what was said of the complaint: the history's, in the order said, or (no
    # history in the template) after the phrase
    moved = [
        s
        for s in said
        if s.heading or not set(re.findall(r"[a-z]+", s.text.lower())) <= named
    ]
    if history:  # the problems stay, when this section takes them too
        told = [s for s in moved if s.category != "assessment"]
        filed[history] = sorted([*told, *filed[history]], key=lambda s: s.seqs[:1])
        moved = [s for s in moved if s.category == "assessment"]
    if any(  # the section takes the problems too (a discharge's reason): numbered
        s.heading and NUMBERED.sub("", s.text).lower() == (phrase or "").lower()
        for s in moved
    ):
        phrase = None
    filed[key] = [Statement(phrase, seqs, "complaint")] if phrase else []
    filed[key] += moved


NUMBERED = re.compile(r"^\d+\.\s*")
# What a visit is for, not a complaint: taken from the assessment or plan it is the
# next visit ("her follow-up should be at the town center"), not this one's reason.
VISIT_KIND = re.compile(
    r"^(?:follow-up|annual exam|physical|check-?up|evaluation)\b", re.I
)


def _phrase(
    filed: dict, owner: dict[str, str], said: dict[int, str]
) -> tuple[str | None, tuple]:
    """The chief complaint as a phrase, and the segment it was first said in."""
    key, history = owner.get("complaint"), owner.get("history")
    everything = [s for statements in filed.values() for s in statements]
    summaries = [m.group("what") for s in everything
                 if (m := SUMMARY_FOR.search(s.text))]  # fmt: skip
    told = [(s.text, s.seqs) for s in filed.get(history or "", [])[:4]]
    order = [
        *[(text, ()) for text in summaries],
        *([] if key == history else [(s.text, s.seqs) for s in filed[key]]),
        *(told if key == history else []),  # one section: what the patient told
        *[(s.text, s.seqs) for s in filed.get(owner.get("assessment", ""), [])],
        *([] if key == history else told),
    ]
    assessed = {s.text for s in filed.get(owner.get("assessment", ""), [])}
    phrase, seqs = None, ()
    for text, cited in order:
        if re.search(r"\bhistory of\b", text, re.I):
            continue  # the past history, not why the patient came
        phrase = complaint_phrase(text)
        if phrase and text in assessed and VISIT_KIND.match(phrase):
            phrase = None  # the next visit, said in the plan
        if phrase:
            seqs = _first_said(phrase, cited, said)
            break
    if phrase and not SIDE.search(phrase):  # "elbow pain", "right elbow"
        phrase = _sided(phrase, [t for t, _ in order])
    if phrase and not seqs:  # from the summary line: cite it
        seqs = next(s.seqs for s in everything if SUMMARY_FOR.search(s.text))
    return phrase, seqs


def _first_said(phrase: str, cited: tuple, said: dict[int, str]) -> tuple:
    """Where the complaint was first said in so many words: "i'm doing okay aside
    from this left shoulder pain" rather than the assessment that names it again."""
    wanted = re.findall(r"[a-z]+", phrase.lower())
    for seq in sorted(said):
        if cited and seq >= min(cited):
            break
        if all(re.search(rf"\b{w}", said[seq].lower()) for w in wanted):
            return (seq,)
    return cited


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
