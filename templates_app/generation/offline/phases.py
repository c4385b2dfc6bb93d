"""Which part of the encounter each utterance belongs to: the history, the
examination, or the assessment and plan, from where the clinician's own words
announce the move; and, within a part, whether the clinician's sentence is a finding
called out or a plan item said early.
"""

from __future__ import annotations

import re

from templates_app.generation.offline import language
from templates_app.generation.offline.classify import classify
from templates_app.generation.offline.dialogue import (
    Utterance,
    content_words,
    strip_discourse,
)
from templates_app.generation.offline.lexicon import (
    EXAM_CATEGORIES,
    FINDING_SAID,
    PLAN_ACT,
    PLAN_CATEGORIES,
)
from templates_app.generation.offline.voice import is_finding

EXAM_CUE = re.compile(
    r"\b(physical exam(ination)?|examine (you|your|him|her|the)|do (a|an|my|your|the) "
    r"(quick |brief |physical )?exam|take a (quick |good |closer )?look at|"
    r"let me (take a )?look|"
    r"listen to (your|his|her) (heart|lungs|chest)|vital signs|vitals|on (your |his |"
    r"her )?exam|check (you|your) out|feel your|press on)\b"
)
# "we will take a look at that", "I'll do a physical exam of your knee in a second":
# the examination announced for later, not begun.
NOT_YET = re.compile(
    r"\b(?:look at (?:that|this|it|my notes|the chart|your chart)|in a (?:second|"
    r"minute|bit|moment)|after (?:that|we talk)|later)\b"
)
RESULTS_CUE = re.compile(
    r"\b(x-?rays?|labs?|lab work|blood work|bloodwork|results?|mri|ct scan|cat scan|"
    r"ultrasound|echo(cardiogram)?|ekg|ecg|a1c|lipid panel|urinalysis|biopsy|imaging|"
    r"troponins?|stress test|cultures?|strep test|swab|blood count|cbc|"
    r"showed|shows|came back)\b"
)
# A test and what it found: "your troponins were negative and the stress test was
# normal", said before any examination was announced: a result, not the history.
RESULT_FOUND = re.compile(
    r"\b(?:showed|shows|revealed|reveals|came back|(?:was|were|is|are) (?:all )?"
    r"(?:normal|negative|positive|unremarkable|elevated|low|high|fine|clear))\b"
)
AP_STRONG = re.compile(
    r"\b(assessment|impression|my plan|the plan|treatment plan|plan for you|"
    r"talk about (the|your|my|a|our) plan|what i think is going on|diagnosis)\b"
)
AP_WEAK = re.compile(
    r"\b(i think (you|this|it|that|he|she)|i'm (concerned|worried)|for your (first|next|"
    r"last|other) (problem|issue)|going to (prescribe|order|refer|start|put you)|"
    r"i want you to|i would like (you )?to|i'd like (you )?to|we're going to|"
    r"let's (go ahead|start|get|talk)|recommend|sounds like you have|you have an?|"
    r"(this|it|that) (looks|sounds) like (a|an)|(we|i)('ll| will) (start|prescribe)|"
    r"(this|it|that) (is|was) (most |more )?(likely|probably))\b"
)
VITALS = re.compile(
    r"\b(blood pressure|heart rate|pulse|temperature|oxygen|saturation|sats|"
    r"respiratory rate|bmi)\b.{0,20}\b(\d|normal|elevated|high|low)"
)
EXAM_FINDING = re.compile(
    r"\b(normal|abnormal|clear|positive|negative|tender|tenderness|swelling|swollen|"
    r"range of motion|decreased|elevated|murmur|gallop|rub|edema|crackles|wheez|rales|"
    r"bruit|palpation|pain|reflex|strength|intact|appreciate|noted|bilateral|lesion|"
    r"rash|redness|erythema|warm|effusion|lymph|soft|distended|pulse|pupils|sounds|"
    r"looks|see|grips?|limited|ecchymosis|laceration|wound|mass|nodule|\d|exams? (?:shows?|reveals?)|"
    r"well[- ](?:nourished|developed|appearing)|distress|alert|oriented|hypotonia)"
)
SIGN = re.compile(
    r"\b(tender(?:ness)?|swelling|edema|crackles|wheez\w*|murmur|range of motion|"
    r"reflex(?:es)?|erythema|effusion|ecchymosis|palpation|flexion|extension|"
    r"lungs|heart sounds|pulses)\b"
)
PLAN_START = re.compile(
    r"^(?:let's|let me (?:order|send|get|put)|i'll|i will|we'll|we will|i'm going to|"
    r"i am going to|we're going to|i want (?:you|her|him|them) to|i'd like (?:you|her|"
    r"him|them) to|you can|you'll|you will|if it's|the nurse will)\b"
)
PLAN_OBJECT = re.compile(
    r"\b(order|prescri\w*|refer\w*|schedul\w*|ultrasound|x-?rays?|mri|ct|labs?|"
    r"blood work|results|follow[- ]?up|medications?|medicines?|pills?|mg|therapy|"
    r"surgery|see (?:you|me|her|him|them)|call (?:you|me)|come back|next steps|"
    r"paperwork|instructions)\b"
)
# The clinician's advice said while taking the history: "we definitely need to get
# you to lower that salt intake", a plan item, not the patient's history.
ADVICE = re.compile(
    r"^(?:we|i) (?:definitely |really |still |just )?(?:need|want|have) to "
    r"(?:get|have) (?:you|him|her|them) to\b"
)
PLAN_WORDS = re.compile(
    r"\b(going to|gonna|will|'ll|want (you|him|her|them)? ?to|would like|'d like|"
    r"prescrib|order|refer|start|continue|increase|decrease|stop|schedule|follow[- ]?up|"
    r"come back|see (you|him|her|them) (back|again|in)|recommend|take|check|repeat|"
    r"monitor|send|give|put (you|him|her)|let's|need to|should|plan|therapy|"
    r"physical therapy|surgery|mri|x-?ray|labs?|blood work|referral|medication)\b"
)
ASSESS_WORDS = re.compile(
    r"\b(i think|likely|probably|consistent with|diagnos|suspect|concern|worried|"
    r"looks like|sounds like|(you|he|she|the patient) (has|have) an?|impression|"
    r"assessment|stable|improv|well controlled|controlled|doing well|due to|caused|"
    r"strain|sprain|fracture|infection|itis\b|disease|syndrome|disorder)"
)
# The problem named alone before its plan: "so your left knee pain".
BARE_PROBLEM = re.compile(
    r"^(?:(?:and|so|now|okay|alright|then|next),? )*(?:your|his|her|their|the) "
    r"(?P<name>[a-z0-9' -]{3,40}?)(?:,? (?:so|and|which)(?: that's| that is| it's)?)?\.?$"
)
# The impression said outright: "my assessment is medial epicondylitis", "our


def phases(items: list[Utterance]) -> list[str]:
    """history, exam or plan for each utterance, from where the clinician moves on.

    The plan starts at the first clear announcement ("my assessment", "the plan")
    past the opening third of the visit, else at the first "I think you have",
    "I want you to" after the examination began or past the middle of the visit.
    """
    total = max((u.seqs[-1] for u in items), default=1)
    spoken = [
        (i, u.text.lower(), u.seqs[0])
        for i, u in enumerate(items)
        if u.role != "patient"
    ]
    exam_at = next(
        (i for i, low, _ in spoken if EXAM_CUE.search(low) and not NOT_YET.search(low)),
        len(items),
    )
    plan_at = next(
        (i for i, low, seq in spoken if AP_STRONG.search(low) and seq > 0.3 * total),
        None,
    )
    if plan_at is None:
        plan_at = next(
            (
                i
                for i, low, seq in spoken
                if AP_WEAK.search(low) and (i > exam_at or seq > 0.45 * total)
            ),
            # nobody announced it: the last part of a long visit
            int(0.7 * len(items)) if len(items) >= 40 else len(items),
        )
    before = items[plan_at - 1] if 0 < plan_at < len(items) else None
    if before and before.role != "patient" and BARE_PROBLEM.match(before.text.lower()):
        plan_at -= 1  # "so your left knee pain", then "I think ...": its problem
    return [
        "plan" if i >= plan_at else "exam" if i >= exam_at else "history"
        for i in range(len(items))
    ]


def dictated_finding(text: str) -> bool:
    """ "there is some tenderness over that joint", "lungs are clear": a finding
    called out, with no plan or conclusion in it."""
    low = text.lower()
    return bool(
        (FINDING_SAID.search(low) or EXAM_FINDING.search(low))
        and not PLAN_ACT.search(low)
        and not ASSESS_WORDS.search(low)
    )


def plan_said(low: str) -> bool:
    """ "let's complete the ultrasound today", "I'll call you with the results" said
    before the assessment was announced: a plan item, not an exam finding."""
    low = strip_discourse(low)
    return bool(
        PLAN_START.match(low) and PLAN_OBJECT.search(low) and not finding_said(low)
    )


# A conclusion said before the plan was announced: "this is likely caused by your
# dietary indiscretion", "I think you have a sprain".
CONCLUDED = re.compile(
    r"\b(?:likely|probably|consistent with|diagnos\w+|caused by|due to|"
    r"i think (?:you|this|it|that|he|she) (?:have|has|had|is)|sounds like you have)\b"
)


def assessment_said(low: str) -> bool:
    """The clinician's conclusion during the examination, with no finding or result
    called out in it: the assessment's."""
    low = strip_discourse(low)
    return bool(
        CONCLUDED.search(low)
        and not RESULTS_CUE.search(low)
        and not FINDING_SAID.search(low)
        and not SIGN.search(low)
        and not VITALS.search(low)
    )


# A result from the history the patient brings ("she was diagnosed with ... biopsy was
# positive"), told as history.
PAST_TOLD = re.compile(
    r"\b(?:diagnosed|history of|year[- ]old|presents?|ago|last (?:year|month|week)|"
    r"in (?:19|20)\d\d)\b"
)


def result_said(low: str) -> bool:
    low = strip_discourse(low)
    return bool(RESULTS_CUE.search(low) and RESULT_FOUND.search(low)) and not bool(
        PLAN_ACT.search(low) or PAST_TOLD.search(low)
    )


def advice_said(low: str) -> bool:
    return bool(ADVICE.match(strip_discourse(low)))


def finding_said(low: str) -> bool:
    """A finding called out after the plan began (or the visit's last part, taken for
    the plan when nobody announced it): "on exam I hear", "there is some tenderness
    over that joint", "you have some pain with flexion"."""
    if PLAN_ACT.search(low) or ASSESS_WORDS.search(low):
        return False
    return bool(
        FINDING_SAID.search(low)
        or SIGN.search(low)
        and not PLAN_WORDS.search(low)
        and not language.drugs(low)
    )


# Talk about people in general or what a test looks like, said to teach: not the
# patient's assessment ("most of the time people live their entire life without
# knowing", "the cool thing about a bone break", "here you can see").
TEACHING = re.compile(
    r"^(?:(?:so|and|now|well|but|okay|yeah),? )*(?:typically|usually|generally|"
    r"in general|a lot of times|here you can see|this means)\b|"
    r"\bthe (?:cool|good|nice) thing (?:about|is)\b"
)
# People in general, unless the sentence comes back to the patient ("... but this
# doesn't seem to be the case for her").
PEOPLE = re.compile(
    r"\b(?:many|most|some|a lot of) (?:patients|people)\b|\bpeople (?:who|with|live)\b"
)
THE_PATIENT = re.compile(r"\b(?:you|your|her|his|him|she|he|the patient)\b")
# "we can consider a steroid injection", "we can get your diet on track", "tell them
# that you have that iga deficiency": a plan.
MAY_DO = re.compile(
    r"^(?:(?:so|and|now|then),? )*(?:(?:we|i) (?:can|could|may|might)|make sure|"
    r"be sure|tell (?:them|him|her|your|the)|let (?:them|us|me) know)\b"
)


# A return precaution: what should bring the patient back.
PRECAUTION = re.compile(
    r"^(?:and |so |but )?if\b.{3,120}?\b(?:bring (?:him|her|them|the \w+) (?:back|in)|"
    r"come back|return|call (?:us|me|the office)|go to the (?:er|emergency)|seek|"
    r"let (?:us|me) know|be seen)\b"
)


def plan_category(low: str) -> str | None:
    """What a sentence of the assessment and plan is: the assessment, the plan, a
    follow-up, warnings...; None for talk that is neither (teaching, small talk)."""
    if PRECAUTION.search(low):
        return "warnings"  # "if she gets a fever ..., bring her back"
    ranked = [c for c in classify(low) if c in PLAN_CATEGORIES]
    if ranked and ranked[0] in {"followup", "warnings", "disposition", "procedure"}:
        return ranked[0]
    taught = TEACHING.search(low) or PEOPLE.search(low) and not THE_PATIENT.search(low)
    if taught and not re.search(r"\d", low) and not language.drugs(low):
        return None
    if ASSESS_WORDS.search(low) and not PLAN_WORDS.search(low):
        return "assessment"
    if PLAN_WORDS.search(low) or ranked:
        return ranked[0] if ranked and ranked[0] != "assessment" else "plan"
    if EXAM_CATEGORIES & set(classify(low)):
        return "assessment"
    if len(content_words(low)) < 3:
        return None
    if MAY_DO.match(low):
        return "plan"
    # neither concluded nor planned: the assessment only if it names a fact
    return "assessment" if len(content_words(low)) >= 4 and is_finding(low) else None
