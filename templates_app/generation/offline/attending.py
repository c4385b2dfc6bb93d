"""The draft read as the attending who must sign it: what would not be signed is
mended or left out.

`signable` is the last pass over each statement (after voice.polish): the clinician
asking ("How has her weight been."), instructing the scribe ("In the plan, include
...") or talking through the visit ("and see how he does", "which is good") is taken
out; a self-correction keeps what was meant ("under - out of control" -> "out of
control", "it's not the right knee it's the left knee" -> "the left knee"); speech
cut off mid-clause ("... after she went to the.") loses the unfinished clause; what
then says nothing ("Will get that set up.", "It's a little elevated.") is left out,
as is what was never finished (unsaid.py: "If those tests come back fine, then.",
"When he is flexing his knee.", "Will have him flex his knee."); a question turned
into the third person ("Did him complete ...") is still a question; a study read
aloud is written as the record does ("Back x-ray: a normal x-ray.");
a later clause in the clinician's "we" that holds no fact ("and we wouldn't be able
to see anything") goes, and words that do not parse as a statement ("Internally and
it the whole kneecap fades.") go when they carry no number, side, drug or finding.
`apart` splits a dictated line that runs two examinations or two sides together ("on
the right knee exam ... the left medial knee") into one statement each, headed by the
part examined ("Right knee: no effusion."). `sections_signed` moves counselling and
reasoning said at the examination to the plan and the assessment, and writes a plan
item said twice once. The chief complaint is complaint.py's.
"""

from __future__ import annotations

import re

from templates_app.generation.offline import language, unsaid, voice
from templates_app.generation.offline.complaint import SIDE, complaint_block
from templates_app.generation.offline.phases import PLAN_OBJECT
from templates_app.generation.offline.statements import Statement
from templates_app.generation.offline.unsaid import FACT

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
        (r"^(?:the )?physical exam(?:ination)?s? (?:shows?|reveals?|is significant for)\s+"
         r"(?:the |a |an )?", ""),
        (r"^(?:will )?see (?:them|him|her|the patient) (?:back |again )in\b", "follow up in"),
        (r",?\s+and if (?:the patient|he|she|they|it)(?:'s| (?:still )?(?:is|are|has|have|"
         r"does|do))\b[^,]*$", ""),
        # a study read at the visit: what it showed
        (r"^(?:let's |will )?review (the|his|her|their) (?=[^.]{0,80}\b(?:shows?|showed|"
         r"revealed|reveals|good news|no fracture|no evidence|normal)\b)", r"reviewed \1 "),
        (r"^(?:and )?the good news is\b,?\s*", ""),
        # "what I'm going to do for that is (going to) prescribe": the act
        (r"\b(?:will|advised to) do(?: for (?:that|this|it|them))? is (?:actually )?"
         r"(?:going to |to )?", "will "),
        # a condition left hanging at the end ("... at 45 gray and when that's complete")
        (r",?\s+(?:and|but|so) (?:when|once) [^,]{0,40}$", ""),
        (r"(?<=\w),?\s*(?:and )?the good news is\b,?\s*", ": "),
        (r"^(?:looking at|on) (?:his|her|their|the) vital signs(?: here)?(?: in the office)?"
         r",? (?:everything|they) (?:looks?|are|is) (?:good|fine|normal|okay)",
         "vital signs are within normal limits"),
        (r"^(?:their|his|her) (?=(?:left|right) \w+ (?:has|have|is|was|had)\b)", ""),
        # a stutter and a self-correction: the word given up is dropped
        (r"(?<![\w-])(?![xX]-)([a-z])-(?=[a-z]{2,})", ""),
        (r"\s+[\w']+\s+-,?(?=\s)", ""),
        (r"^(\w+)\b[^,]{0,30}, but \1\b,?", r"\1"),  # "typically with these, but typically"
        (r"\b(\w+) (?:the|a|this|that) (\w+), \1 (this|that|the) \2\b", r"\1 \3 \2"),
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
        (r"^(?:what )?we (?:can|will|'ll|would|could) do is\s+", "will "),
        (r"^we (?:can|will|'ll)(?: also)?\s+(?=\w)", ""),
        (r"^we (?:might|may|could)(?: also)?(?: do| try)?\s+(?=(?!not\b)\w)", "consider "),
        (r"\bwe (?:might|may|could)(?: also)? (?:do|try)\s+(?=\w)", "consider "),
        (r"(?<=\band )we (?:can|will|'ll)(?: also)?\s+(?=\w)", ""),
        (r"\b(prescribe|give|start|put|refer|send) (?:them|him|her) (?=some|a|an|to)"
         , r"\1 "),
        # the clinician's "we" inside a sentence
        (r"\bif we need to\b", "whether to"),
        (r"\b(?:that|which) we (?:did|ordered|got|obtained|took|had done|have done)\b",
         "obtained"),
        (r"\bwe (?:also )?did(?: do)? (?=an?\b|the\b|some\b)", "obtained "),
        (r"^we (?:had )?(?:put|started) (?:him|her|them) on\b", "started on"),
        (r"^(?:that )?we have (?:him|her|them) on\b", "on"),
        # a study read aloud: "In reviewing the results of his back x-ray, this looks
        # like a normal x-ray" -> "Back x-ray: a normal x-ray"
        (r"^(?:in )?(?:looking|reviewing)(?: here)? (?:at )?the results? of (?:his|her|their|"
         r"the) ([\w -]{2,40}?),\s*(?:(?:it|this|that) (?:does )?(?:looks?|seems?) like\s+)?",
         r"\1: "),
        # "I hear that grade 2/6 murmur", "I see that he has": the finding
        (r"^that (?=(?:he|she|they|the patient|there|his|her|their|grade)\b)", ""),
        # a hesitation before the finding: "His, he does have", "His heart, there is"
        (r"^(?:his|her|their),\s+(?=(?:he|she|they|there|the patient)\b)", ""),
        (r"^(?:his|her|their) (heart|lungs|abdomen|skin|neck|head|back|extremities),?\s+"
         r"(?:there is|there's|there are)\s+", r"\1: "),
        (r"\b(order|prescribe|start|get|check|continue|increase|refer|from|of|to|with|"
         r"the|a|an),\s+(?=[a-z])", r"\1 "),
        # "we have you on the norvasc": the medicine taken
        (r"^on (?:the |his |her |their )?(?=[\w-]+\W*$)", "takes "),
        (r"^we would (?=do|perform|recommend|start|order|get|repeat|refer|schedule)",
         "plan to "),
        (r"^we(?:'re| are) (do|gett|order|send|check|start|draw)ing\b", r"will \1"),
        (r"\bwill gett\b", "will get"),
        (r"\s+(?:in|with) that\.?$", ""),
        # the consequence of an "if" in the clinician's "we": what will be done
        (r"^((?:if|when|once|after|should|unless)\b[^,]{3,80}),\s*we(?: will|'ll| can| "
         r"would)\s+(?=\w)", r"\1, will "),
        # "have you use crutches" in the third person: "have her use crutches"
        (r"\bhave (she|he|they|the patient) (\w+s)\b",
         lambda m: f"have {OBJECT[m.group(1).lower()]} {_base(m.group(2))}"),
        (r"\bnever (has|have|had) not (?=\w)", r"\1 never "),
        # the examiner's question inside a statement ("... so does that hurt")
        (r",?\s*\b(?:so |and )?(?:do|does|did|is|are) (?:the patient|he|she|they|that|"
         r"it|this) (?:has|have|hurt|hurts|feel|feels|painful|sore|tender|"
         r"uncomfortable)\b[^.]*\.?$", ""),
        # an either-or question and its answer: "It is his lower back, his upper back:
        # his lower back" -> "It is his lower back"
        (r"^(it|this|that) (is|was) (?![^:]*\b(?:where|what|how|which|when)\b)[^:]{3,60}:"
         r"\s*(?=\w)", r"\1 \2 "),
        # a question and its answer run together: the answer stands
        (r"(?:^|,\s*)(?:where|what|how|which)\b[^:,.]{0,60}:\s*", ", "),
        # a word or phrase said twice: once ("to give any, to give any")
        (r"\b((?:[a-z']+\s+){0,3}(?!had\b)[a-z']+),?\s+\1\b(?:,(?=\s))?", r"\1"),
    )
)  # fmt: skip
OBJECT = {"she": "her", "he": "him", "they": "them", "the patient": "the patient"}


def _base(verb: str) -> str:
    """ "sees" -> "see", "washes" -> "wash", "goes" -> "go"."""
    if re.search(r"(?:ch|sh|x|ss|o)es$", verb):
        return verb[:-2]
    return verb[:-1]


QUESTION = re.compile(
    r"^(?:how|what|why|which|who|whose)\b|\bhow about\b|"
    r"^(?:advised to )?(?:did|do|does|have|has|are|is|was|were|will) (?:him|her|them|"
    r"he|she|they|the patient)\b|^to hear\b|"
    r"\b(?:have|has) (?:him|her|them) (?:taken|been|had|tried|noticed|felt|used)\b|"
    r"\b(?:do|does|did) (?:the patient|you|he|she|they|that|it) (?:think|feel|know|"
    r"happen|have|want)\b.*\b(?:enough|often|at all)\W*$|\?\s*$",
    re.I,
)
SMALL_TALK = re.compile(
    r"^(?:in terms of|as far as|regarding|as for|with regards? to) [^,]{1,40}$|"
    r"^(?:because|where|which|whereas)\b(?!.*\d)|^denies (?:does|do|did|is|are|has|have)\b|"
    r"^(?:hopefully|none whatsoever|not that (?:the patient|he|she|they) can recall|"
    r"like (?:the patient|he|she|they) said|not going to take the chance)\b|"
    r"^(?:looking at|reviewing|looked at) (?:the |his |her |their )?(?:x-?rays?|labs?|"
    r"results?|images?|scan)(?:,? of (?:\w+ ){1,3}\w+)?\W*$|"
    # a signpost to the next problem, nothing said of it yet
    r"^(?:(?:lastly|finally|next|now|and|so),?\s+)?(?:for|regarding|as for) (?:the |his |"
    r"her |their )?(?:(?:first|second|third|next|last|other) )?(?:diagnosis|problem|"
    r"issue)\b[^,]{0,40}$|^(?:lastly|finally|next|and|so),?\s+for (?:the|his|her|their) "
    r"[a-z' -]{3,60}?(?: that (?:he|she|they|the patient) (?:is|are|has|have)(?: been)? "
    r"having)?\W*$|^[^.]{0,12}\bfor (?:his|her|their|the) (?:next|first|second|third|"
    r"last|other) (?:problem|issue|diagnosis)\b,?\s*(?:the |his |her |their )?"
    r"[\w' -]{0,40}\W*$",
    re.I,
)
# Nothing named but a pronoun: "Will get that set up.", "See it a little bit better.",
# "It's a little elevated.", "They're normal."
SAYS_NOTHING = re.compile(
    r"^(?:will )?(?:start|begin|go) with (?:that|this|it)\W*$|"
    r"^(?:it )?(?:begins|starts) with (?:a|an|the letter) \w\W*$|"
    r"^(?:will |advised to )?(?:get|set|see|do|take care of|figure out|look into|"
    r"keep an eye on) (?:that|it|this|them)\b"
    r"(?!.*\d)(?!.*\b(?:for|with|to|of) (?:the|a|an|their|his|her)\b)|"
    r"^(?:it|that|this|they)(?:'s|'re| is| are| was| were| seems?| looks?)(?: a little| a bit|"
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
    r"going|very|pretty|what|how|to be doing|that's|it's|there's|we've|they've|getting|"
    r"including|such as|below|above|see|(?<!come )(?<!check )(?<!log )(?<!back )"
    r"(?<!bring )(?<!fill )(?<!call )(?<!drop )in)\s*$",
    re.I,
)
BOUNDARY = re.compile(
    r"[,;:]\s+|\s+(?=(?:and|but|so|because|after|before|when|until|while|since|which|"
    r"though|although|or|then|if|whether|to see)\b)",
    re.I,
)


def signable(text: str) -> str | None:
    """The statement as the attending would sign it, or None to leave it out."""
    numbered = re.match(r"^\d+[.)]\s*", text)
    head, out = (numbered.group(0) if numbered else ""), text[len(numbered.group(0)) if numbered else 0:]  # fmt: skip
    for pattern, replacement in MENDS:
        out = pattern.sub(replacement, out).strip(" ,;")
    out = re.sub(r"\s{2,}", " ", _without_we(out)).strip(" ,;")
    if not out or QUESTION.search(out) or SMALL_TALK.search(out) or _garbled(out):
        return None
    out = _finished(unsaid.consequence_unsaid(out.rstrip(".!").strip(" ,;")))
    if not out or (len(out.split()) <= 7 and SAYS_NOTHING.search(out)):
        return None
    if unsaid.clause_alone(out) or unsaid.exam_command(out):
        return None
    if len(re.findall(r"[A-Za-z0-9']+", out)) < 4 and not voice.is_finding(out):
        return None
    return head + language.sentence_case(out)


CLAUSES = re.compile(f"({BOUNDARY.pattern})", re.I)
WE = re.compile(r"\b(?:we|us|our|we'(?:ll|re|ve|d))\b", re.I)


def _without_we(text: str) -> str:
    """A later clause in the clinician's "we" that holds no fact is left out: "...
    it's already healed, and we wouldn't be able to see anything"."""
    pieces = CLAUSES.split(text)
    kept, dropping = pieces[:1], False
    for separator, piece in zip(pieces[1::2], pieces[2::2], strict=False):
        factless = not (FACT.search(piece) or language.drugs(piece))
        # our order is a fact: "..., and if it's not better, we'll get an MRI"; so is
        # the treatment chosen, in any voice: "... but the best course of action is
        # going to be for surgery"
        ordered = bool(PLAN_OBJECT.search(piece.lower())) and not (
            re.search(r"\b(?:not|n't|never)\b|n't\b", piece)
        )
        factless = factless and not ordered
        # the dropped clause's own tail ("... able to see anything") goes with it
        dropping = factless and (
            WE.search(piece) or (dropping and not separator.strip())
        )
        if not dropping:
            kept += [separator, piece]
    return "".join(kept)


# Words that do not parse as a statement: a subject with no verb before the next
# noun phrase ("and it the whole kneecap"), "is like" before a verb ("it is like
# gives out"), a sentence opened by an adverb and "and".
GARBLED = re.compile(
    r"\b(?:it|he|she|they) (?:the|a|an|his|her|their|its)\b|\bis like \w+s\b|"
    r"^\w+ly and\b|\bthe patient thinks (?:here|there)\b|^do to\b|\bthe it\b",
    re.I,
)


def _garbled(text: str) -> bool:
    """Speech whose words do not parse, left out only when it carries no fact."""
    return bool(
        GARBLED.search(text)
        and not (FACT.search(text) or language.drugs(text) or voice.is_finding(text))
    )


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
# "Heart: no murmur and head and neck: no adenopathy": each part its own line.
PART_HEADED = re.compile(r"\b(?:[a-z]+ and )?[a-z]+(?: [a-z]+)?: ", re.I)


def _parts_headed(text: str) -> list[str]:
    cuts = [  # after "and" or a comma: "the x-ray of his right knee: ..." stays
        m.start()
        for m in PART_HEADED.finditer(text)
        if re.search(r"(?:,|\band)\s+$", text[: m.start()])
    ]
    return [
        re.sub(r",?\s*(?:\band)?\s*$", "", text[a:b])
        for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)
    ]


FINDING_START = re.compile(
    r"\s+(?=(?:no|negative|positive|there is|there's|mild|moderate|tenderness|pain)\b)",
    re.I,
)


def apart(text: str) -> list[str]:
    """One statement per examination and per side: a dictated run-on line split."""
    parts = [p for at in EXAM_AT.split(text) for p in _parts_headed(at) if p.strip()]
    out: list[str] = []
    for part in parts:
        out.extend(_sides_apart(part))
    out = [_headed(re.sub(r",?\s*\bis there\W*$", "", p).strip(" ,;.")) for p in out]
    return [
        language.sentence_case(p)
        for p in out
        if p and not (len(p.split()) <= 7 and SAYS_NOTHING.search(p))
    ]


EXAM_HEAD = re.compile(
    r"^(?:and |so |now )?on (?:their|his|her|the) (?P<part>(?:left |right )?[a-z]+(?: "
    r"[a-z]+)?) exam(?:ination)?,?\s+(?:(?:there is|there's|there are|i (?:see|feel|"
    r"appreciate|note|hear)|it's|it is)\s+)?(?:(?:a|an) )?(?:nice\s+)?",
    re.I,
)


def _headed(text: str) -> str:
    """ "On their right knee exam no effusion" -> "Right knee: no effusion"; "On
    their lung exam their lungs are clear" -> "Lung: clear"."""
    head = EXAM_HEAD.match(text)
    if not head or len(text) - head.end() < 8:
        return text
    rest = re.sub(
        r"^(?:their|his|her|the) [a-z]+ (?:is|are|was|were|sounds?)\s+",
        "",
        text[head.end() :],
        flags=re.I,
    )
    part = head.group("part")
    if part.lower() in {"physical", "general"}:  # "On physical exam, ..."
        return language.sentence_case(rest)
    part = {"lung": "lungs"}.get(part.lower(), part)
    return f"{part[0].upper()}{part[1:]}: {rest}"


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


MEDICINE_WORD = re.compile(
    r"\b(medications?|medicines?|meds|pills?|tablets?|vitamins?|supplements?|inhaler|"
    r"insulin|iron|drops|cream|ointment|patch|injections?|shots?|antibiotics?|"
    r"allerg\w*|nkda)\b",
    re.I,
)


VAGUE_START = re.compile(r"(?:those|these|they|that|it)(?:'s| are| is)\b", re.I)


def sections_signed(
    filed: dict, owner: dict[str, str], said: dict[int, str] | None = None
) -> None:
    """The section passes: each examination and side its own line, medications only
    medicines, the chief complaint a clean phrase."""
    for key in {owner.get("exam"), owner.get("results")} - {None}:
        filed[key] = [
            Statement(text, s.seqs, s.category, s.problem)
            for s in filed[key]
            for text in (apart(s.text) if not s.heading else [s.text])
        ]
    _counsel_out_of_exam(filed, owner)
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
    complaint_block(filed, owner, said)
    for key in {owner.get(c) for c in ("assessment", "plan", "followup")} - {None}:
        filed[key] = _said_once(filed[key])
        for s in filed[key]:  # "1. Their hypertension.", "Their diabetes: continue ..."
            s.text = POSSESSIVE_NAME.sub(
                lambda m: m.group(1) + m.group(2).upper(), s.text
            )


# Said during the examination but not a finding: what the patient is told to do
# ("She can call the office if ...") and the clinician's reasoning ("Typically these
# cause ...", "if it were esophagitis, it's already healed").
INSTRUCTED = re.compile(
    r"^(?:the patient|she|he|they) (?:can|should|may|will need to) (?:call|come|return|"
    r"follow|contact|go|let)\b|\b(?:call the office|call us|come back if)\b",
    re.I,
)
REASONED = re.compile(
    r"^(?:typically|usually|generally|normally|most likely|likely|probably|"
    r"this (?:is|could be|may be|might be))\b|\bif it (?:were|was) \w+|"
    r"\b(?:would|could) (?:last|cause|explain|be due)\b",
    re.I,
)


STUDY_SHOWS = re.compile(
    r"\b(?:x-?rays?|ct|mri|ultrasound|echo\w*|ekg|ecg|labs?|blood work)\b.{0,60}\b"
    r"(?:shows?|showed|revealed?s?)\b",
    re.I,
)


def _counsel_out_of_exam(filed: dict, owner: dict[str, str]) -> None:
    """Counselling and reasoning said at the examination go to the plan and the
    assessment; the examination keeps its findings."""
    exam = owner.get("exam")
    if exam is None:
        return
    targets = ((INSTRUCTED, owner.get("warnings") or owner.get("followup")
                or owner.get("plan")), (REASONED, owner.get("assessment")))  # fmt: skip
    for statement in list(filed[exam]):
        for pattern, key in targets:
            if key and key != exam and pattern.search(statement.text):
                if pattern is REASONED and STUDY_SHOWS.search(statement.text):
                    break  # "This is the echocardiogram ..., and this shows": a result
                filed[exam].remove(statement)
                statement.category = "plan" if pattern is INSTRUCTED else "assessment"
                filed[key].append(statement)
                break


PLAIN = frozenset(["a", "an", "another", "the", "will", "their", "his", "her", "some",
                   "about", "approximately", "around", "advised", "to"])  # fmt: skip


def _said_once(statements: list[Statement]) -> list[Statement]:
    """A plan item said twice ("Order another echocardiogram.", "Order an
    echocardiogram.") is written once, citing both times."""
    out: list[Statement] = []
    for statement in statements:
        words = set(re.findall(r"[a-z0-9]+", statement.text.lower())) - PLAIN
        same = next(
            (
                kept
                for kept in out
                if not statement.heading
                and not kept.heading
                and len(words) >= 2
                and words <= set(re.findall(r"[a-z0-9]+", kept.text.lower()))
            ),
            None,
        )
        if same is None:
            out.append(statement)
        else:
            same.seqs = tuple(sorted({*same.seqs, *statement.seqs}))
    return out


POSSESSIVE_NAME = re.compile(
    r"^(\d+\.\s+|)(?:their|his|her|the patient's) (\w)(?=[^:.]{2,40}[:.]$|[^:.]{2,40}: )",
    re.I,
)
