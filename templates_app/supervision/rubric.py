"""The feedback rubric (PDQI-9 note-quality items) and the standard attestations."""

# (key, label, what a 5 means): Stetson et al., the Physician Documentation Quality
# Instrument, nine items scored 1 (not at all) to 5 (extremely).
PDQI9 = (
    ("up_to_date", "Up-to-date", "Contains the most recent test results and advice."),
    ("accurate", "Accurate", "True; free of incorrect information."),
    ("thorough", "Thorough", "Complete; documents all the issues of importance."),
    ("useful", "Useful", "Relevant; helps the reader care for the patient."),
    ("organized", "Organised", "Well formed and structured; easy to follow."),
    ("comprehensible", "Comprehensible", "Clear, without ambiguity or jargon."),
    ("succinct", "Succinct", "Brief, to the point, without redundancy."),
    ("synthesized", "Synthesised", "Reflects the author's own assessment."),
    ("consistent", "Internally consistent", "No part contradicts another."),
)
RUBRIC_KEYS = tuple(key for key, _, _ in PDQI9)
RUBRIC_LABELS = {key: label for key, label, _ in PDQI9}
SCORE_MIN, SCORE_MAX = 1, 5

# The common teaching-physician attestation forms (after the CMS teaching-physician
# rules): each institution's list starts as these and its admins edit it.
DEFAULT_ATTESTATIONS = (
    (
        "Saw and evaluated",
        "I saw and evaluated the patient, discussed the case with the resident, and "
        "agree with the findings and plan as documented in the resident's note.",
    ),
    (
        "Present for the key portion",
        "I was present with the resident during the key and critical portions of "
        "the service, and agree with the findings and plan as documented in the "
        "resident's note.",
    ),
    (
        "Performed with the resident",
        "I personally performed the service with the resident present, and I have "
        "reviewed and verified the documentation in the resident's note.",
    ),
    (
        "Reviewed without seeing the patient",
        "I reviewed the resident's note and discussed the case with the resident; I "
        "did not see the patient. I agree with the assessment and plan as documented.",
    ),
)

# Sections that hold the clinician's own reasoning (the plan-first guard's sections).
PLAN_KEYS = frozenset({"assessment", "plan", "assessment_plan", "assessment_and_plan"})
