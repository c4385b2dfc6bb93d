"""The note's voice: what the clinician said, as a note states it.

Each drafted statement passes through `polish`: the clinician's process talk becomes
the act ("I want to go ahead and increase his Lasix to 80 mg" -> "Increase his Lasix
to 80 mg."; "I'll order an MRI" -> "Will order an MRI."; "I do appreciate a murmur"
-> "There is a murmur."), spoken fillers go, and what is not for the record is left
out (None): exam commands, greetings and goodbyes, the clinician narrating the visit,
a fragment that does not stand alone, and any statement still in the first or second
person once rewritten. `is_finding` says whether a short statement carries a fact.
"""

from __future__ import annotations

import re

from templates_app.generation.offline import facts, language
from templates_app.generation.offline.lexicon import DIAGNOSES, FINDINGS

_SUBJ = r"(?:him|her|them|the patient)"
# (pattern, replacement), applied in order, case-insensitive, at the statement's start
# unless the pattern says otherwise.
REWRITES = tuple(
    (re.compile(p, re.I), r)
    for p, r in (
        (r"\b(?:go ahead and|go ahead,?|just|kinda|kindas|sorta|kind of|sort of|"
         r"you know,?|certainly|definitely|actually|basically|of course,?)[,]?\s+", ""),
        (r",\s*(?:yeah|okay|alright|um|uh|like)\s*,", ","),
        (r"(?<=\w) (?:yeah|okay|alright|um|uh),(?=\s)", ","),
        (r"(?<=\w),? (?:but )?yeah,?(?=[\s.?!]|$)",
         lambda m: " but" if "but" in m.group(0) else ""),
        (r"\b(doing|feeling|been|feels|felt|was|is) (?:okay|ok|alright|all right)\b",
         r"\1 fine"),
        (r"^(?:and|so|now|okay|ok|alright|all right|well|also|then|yeah|um|uh),?\s+", ""),
        (r"\b(?:i|we)(?: do)? (?:don't|do not|didn't|did not) (?:appreciate|hear|see|feel|"
         r"recognize|identify|note|notice|find)(?: any)?\s+", "no "),
        (r"\b(?:i|we)(?: do)? (?:hear|see|feel|appreciate|note|find) no\s+", "no "),
        (r"\b(?:i|we)(?: do| did)?(?: also| still)? (?:appreciate|hear|see|feel|recognize|"
         r"identify|note|notice|find)d?\s+", "there is "),
        # "listening to your heart, no murmur": the part examined heads its finding
        (r"\b(?:listening to|looking at|examining) (?:their|the|his|her) "
         r"((?:\w+ ){0,1}\w+(?: and (?:their |the |his |her )?\w+)?),?\s+"
         r"(?=(?:no|there is|clear|normal|regular|mild|some)\b)",
         lambda m: re.sub(r"(?:their|the|his|her) ", "", m.group(1)) + ": "),
        (r"^(?:let me|let's|i'm going to|i'll|i want to) (?:examine|check|look at) "
         r"(?:you|them|him|her)\b[,.]?\s*(?:(?:so|now|okay|and),?\s+)?", ""),
        (r"\b(?:i|we)(?: did| have)? review(?:ed)?\s+", "reviewed "),
        (r"^(?:i|we) know(?: that)?\s+", ""),
        (r"\b(?:has|have|had) to say(?: that)?\s+|\bi mean,?\s+|\bhonestly,?\s+", ""),
        (r"^(?:let me|let's|i'm going to|i'll|i want to)\s+(?:do|perform|take)\s+"
         r"(?:a |an |my )?(?:quick |brief )?(?:physical )?(?:exam|examination|look)\b"
         r"[,.]?\s*", ""),
        (r"\b(?:i|we) (?:do )?(?:think|believe)\s+(?:that\s+(?=(?:he|she|it|this|they|"
         r"the|his|her|their|you|there)\b))?", ""),
        (r"\bmy (?:concern|worry) is(?: that)?\s+", "concern that "),
        (r"\b(?:i'm|i am) (?:seeing|looking at|reviewing)(?: here)?\s+", ""),
        (rf"^(?:i|we)(?: would|'d| do)? (?:like|want|need) {_SUBJ} to\s+", "Advised to "),
        (rf"^(?:i|we)(?:'ve| have)? (?:asked|told|advised|instructed|encouraged) {_SUBJ} to\s+",
         "Advised to "),
        (rf"^(?:i|we)(?:'m| am| are|'re) going to (?:need|have|want) {_SUBJ} to\s+",
         "Advised to "),
        (r"^(?:i|we)(?:'m| am| are|'re)(?: also| just)? (?:going to|gonna)\s+", "Will "),
        (r"^(?:i|we)(?: would|'d) (?:like|want) to\s+", ""),
        (r"^(?:i|we) (?:want|need) to\s+", ""),
        (r"^(?:i|we)(?:'ll| will)(?: also| just)?\s+", "Will "),
        (r"\bwhat (?:we|they) call\s+|\bwhat's called\s+", ""),
        # "i would recommend we get you a splint", "my recommendation would be to put
        # you in a knee brace": what is recommended
        (r"^(?:at this point,?\s+)?(?:(?:i|we)(?: would|'d)? (?:recommend|suggest)"
         r"(?: that)?(?: we)?|my recommendation (?:would be|is) to) (?:get|give|put|"
         r"start|place)\s+(?:her|him|them|you|the patient)\s+(?:in |on |with )?",
         "Recommend "),
        (r"^(?:i|we) (?:recommend|suggest)(?:ed)?(?: that)?\s+", "Recommend "),
        (r"^(?:i|we)(?: do)? (?:appreciate|hear|see|feel|note|notice)d?\s+", "There is "),
        (r"\b(?:i|we)(?: do)? (?:appreciate|hear|see|feel|note|notice)\s+", "there is "),
        (r"^(?:i|we) (?:think|believe|feel)(?: that)?\s+", ""),
        (r"^(?:i'm|i am|we're|we are) (?:concerned|worried)(?: that| about)?\s+",
         "Concern for "),
        (r"^(?:i|we)(?:'ve| have) (?:ordered|prescribed|sent|referred|started)\b",
         lambda m: m.group(0).split()[-1].capitalize()),
        (r"^let's\s+", ""),
        (r"\b(?:call|contact) me\b|\blet me know\b", "call the office"),
        (r"\bsee me\b", "follow up"),
        # a tag "right?", not the side ("antalgic on the right")
        (r",? (?:okay|alright|all right|(?<!\bthe)(?<!\bher)(?<!\bhis)(?<!\btheir)"
         r"(?<!\byour)(?<!\bmy)(?<!\bto)(?<!\band) right)\s*([.?!]?)$", r"\1"),
    )
)  # fmt: skip
NOT_FOR_THE_RECORD = re.compile(
    r"\b(take (?:a|another) (?:deep |big )?breath|breathe in|sit up|lie (?:back|down)|"
    r"lay (?:back|down)|look (?:up|down|at me|straight)|squeeze my|push against|"
    r"follow my finger|open your mouth|say ah|socks off|hop up|scoot|"
    r"(?:take|have) a look|let me (?:see|look|listen|examine|check|take|just)|"
    r"(?:listen|listening) to (?:your|his|her|their) (?:heart|lungs|chest)|"
    r"examine (?:you|your|his|her|him)|talk through|show me|hey dragon|dax|"
    r"have a (?:great|good|nice) (?:day|one|weekend)|nice to (?:meet|see)|"
    r"good (?:morning|afternoon|evening)|thank you|thanks|bye|how are you|"
    r"any questions|i'll be right back|sounds good|see you|exam template|"
    r"i know|we talked|we discussed|be in touch|go from there|"
    r"we'll (?:see|talk)|that's (?:fine|good|great)|hey,? dragon|finali[sz]e (?:the )?report|"
    r"(?:signed|checked) out|the nurse will be in|we have (?:our|a) plan|happy to help|"
    r"here (?:are|is) (?:her|his|their|your) instructions|we're all set|"
    r"(?:signed|checked) out|oof|please (?:summarize|list|add|include|document|insert|"
    r"use|note|put))\b"
    # the clinician narrating: "Look at some of his results.", "On this x-ray."
    r"|^(?:(?:look|looking|let's look|to look) at|on|at|in) (?:some of )?(?:his|her|their|"
    r"the|your|this|these|those) (?:results?|x-?rays?|labs?|images?|films?|scans?|"
    r"pictures?|chart)\W*$",
    re.I,
)
PERSON = re.compile(
    r"\b(i|i'm|i've|i'd|i'll|me|my|mine|myself|you|your|you're|you've|you'll|you'd|"
    r"yours|yourself|let's)\b",
    re.I,
)
FIRST_PERSON = re.compile(r"\b(i|i'm|i've|i'd|i'll|me|my|mine|myself|let's)\b", re.I)
DIAGNOSIS_WORD = re.compile(
    r"(itis|osis|emia|pathy|ectomy|algia|oma|ism|iasis|plasty|scopy|graphy|gram|uria|"
    r"pnea|tension|betes|trophy|plegia|cardia|fracture|sprain|strain|infection|"
    r"disease|syndrome|disorder|injury|cancer|asthma|copd|gerd|reflux|allerg\w*|"
    r"failure|stenosis|tear|lesion|nodule|mass|anxiety|depression|insomnia|obesity|"
    r"annual|follow-up|visit|stable|normal|clear|tender|negative|positive|pain)\b"
    r"|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|a few|several|couple)"
    r"(?: or \w+)? (?:days?|weeks?|months?|years?|hours?)\b",
    re.I,
)
NEGATED = re.compile(r"^(denies|no|not|negative|without|none)\b", re.I)


def is_finding(text: str) -> bool:
    """A number, drug, negation, symptom, sign or diagnosis: a fact even when short."""
    low = text.lower()
    return bool(
        re.search(r"\d", low)
        or NEGATED.match(low)
        or DIAGNOSIS_WORD.search(low)
        or any(f in low for f in FINDINGS)
        or any(re.search(rf"\b{d}", low) for d in DIAGNOSES)
        or language.drugs(low)
    )


CLAUSE = re.compile(
    r",\s+|;\s+|\s+(?:and|but|so|because|which|since|however)\s+"
    r"|\s+(?=(?:i|i'm|i've|on (?:his|her|their|exam))\s)",
    re.I,
)


def _salvage(text: str, person: re.Pattern) -> str:
    """The clauses of the statement in the note's voice, rewritten; '' if none."""
    clauses = [_rewrite(c.strip(" ,.")) for c in CLAUSE.split(text.rstrip("."))]
    kept = [
        c
        for c in clauses
        if c
        and not person.search(c.replace("’", "'"))
        and not NOT_FOR_THE_RECORD.search(c)
    ]
    if not kept or len(" ".join(kept).split()) < 3:
        return ""
    if len(kept) < len(clauses) and not any(is_finding(c) for c in kept):
        return ""  # what is left without the spoken words says nothing clinical
    return ", ".join([kept[0], *(c[0].lower() + c[1:] for c in kept[1:])])


def _rewrite(text: str) -> str:
    out = re.sub(r"\b(\w+)-\1\b", r"\1", text.strip())  # "I-I do hear"
    for pattern, replacement in REWRITES:
        out = pattern.sub(replacement, out).strip(" ,")
    out = re.sub(r"\s{2,}", " ", out)
    # "he feels, he feels lightheaded" once the filler between them is gone
    return re.sub(r"\b(\w+ \w+(?: \w+)?),? \1\b", r"\1", out, flags=re.I)


def without_vocatives(text: str, names: frozenset[str]) -> str:
    """ "Cooper, often when we see anemia..." -> "Often when we see anemia...": the
    person spoken to is not part of the statement ("dragon", the dictation assistant,
    included)."""
    for name in names | {"dragon", "dax"}:
        n = re.escape(name)
        text = re.sub(rf"^(?:(?:hey|hi|okay|so),?\s+)?{n}\s*,\s*", "", text, flags=re.I)
        text = re.sub(rf",\s*(?:hey\s+)?{n}\s*(?=[,.?!]|$)", "", text, flags=re.I)
    return text


def polish(
    text: str, *, patient_facing: bool = False, names: frozenset[str] = frozenset()
) -> str | None:
    """The statement in the note's voice, or None when it is not for the record."""
    person = FIRST_PERSON if patient_facing else PERSON
    out = facts.standard_form(_rewrite(without_vocatives(text, names)))
    if NOT_FOR_THE_RECORD.search(out) or person.search(out.replace("’", "'")):
        out = _salvage(out, person)
    out = re.sub(r"^there (?:is|are) (?=\w)", "", out or "", flags=re.I)
    if not out:
        return None
    out = language.sentence_case(out)
    body = re.sub(r"^\d+[.)]\s*", "", out)
    if len(re.findall(r"[A-Za-z0-9']+", body)) < 4 and not is_finding(body):
        return None
    return out
