"""The global templates `seed_templates` installs: sections in order, with instructions.

Section keys are stable identifiers (notes keep them); the offline drafter files
statements by the words in a key or title (see generation/offline/lexicon.py
SECTION_CATEGORIES).
"""

CITE = "Cite the transcript segments for every statement."

SOAP = {
    "slug": "soap",
    "name": "SOAP note",
    "specialty": "General",
    "description": "Subjective, Objective, Assessment, Plan: the everyday outpatient or ward note.",
    "tags": ["Outpatient", "Inpatient", "General"],
    "instructions": "A concise SOAP note for the medical record. Write in the third "
    "person, past tense for history and present tense for findings. Keep the "
    "patient's own words only where they matter clinically, in quotation marks. "
    + CITE,
    "sections": [
        {
            "key": "subjective",
            "title": "Subjective",
            "instructions": "Chief complaint, history of the present illness (onset, "
            "location, duration, character, aggravating and relieving factors, "
            "radiation, timing, severity), relevant past history, medications, "
            "allergies, social and family history, and pertinent negatives the "
            "patient reported.",
        },
        {
            "key": "objective",
            "title": "Objective",
            "instructions": "Vital signs, examination findings and results that "
            "were stated during the encounter. Do not invent normal findings that "
            "were not examined or said.",
        },
        {
            "key": "assessment",
            "title": "Assessment",
            "instructions": "The clinician's impression and differential diagnosis "
            "as stated, with the reasoning given. Do not add diagnoses the "
            "clinician did not mention.",
        },
        {
            "key": "plan",
            "title": "Plan",
            "instructions": "Investigations, treatments with doses as said, "
            "referrals, patient education, follow-up and return precautions, as a "
            "short list.",
        },
    ],
}

HP = {
    "slug": "history-and-physical",
    "name": "History and Physical",
    "specialty": "Internal Medicine",
    "description": "The full admission or new-patient work-up.",
    "tags": ["Inpatient", "Admission", "Internal Medicine"],
    "instructions": "A complete history and physical for an admission or a new "
    "patient. Be thorough but do not pad: a section with nothing said is 'Not "
    "discussed.' " + CITE,
    "sections": [
        {
            "key": "chief_complaint",
            "title": "Chief complaint",
            "instructions": "One line, in the patient's words where possible.",
        },
        {
            "key": "hpi",
            "title": "History of present illness",
            "instructions": "Chronological narrative with onset, character, severity, "
            "associated symptoms, what has been tried and pertinent negatives.",
        },
        {
            "key": "past_history",
            "title": "Past medical and surgical history",
            "instructions": "Conditions, operations and hospitalisations mentioned.",
        },
        {
            "key": "medications",
            "title": "Medications",
            "instructions": "Each medication with dose and frequency as said; flag "
            "any the patient is unsure of.",
        },
        {
            "key": "allergies",
            "title": "Allergies",
            "instructions": "Each allergen and the reaction; 'No known drug "
            "allergies' only if the patient said so.",
        },
        {
            "key": "social_history",
            "title": "Social history",
            "instructions": "Tobacco, alcohol, other substances, occupation, living "
            "situation, function.",
        },
        {
            "key": "family_history",
            "title": "Family history",
            "instructions": "Relevant conditions in first-degree relatives.",
        },
        {
            "key": "review_of_systems",
            "title": "Review of systems",
            "instructions": "Positives and negatives by system, only as asked.",
        },
        {
            "key": "exam",
            "title": "Physical examination",
            "instructions": "Vital signs and findings by system as stated.",
        },
        {
            "key": "results",
            "title": "Results",
            "instructions": "Laboratory, imaging and ECG results mentioned.",
        },
        {
            "key": "assessment",
            "title": "Assessment",
            "instructions": "Summary statement and problem list with the "
            "differential as discussed.",
        },
        {
            "key": "plan",
            "title": "Plan",
            "instructions": "By problem: investigations, treatment, monitoring, "
            "disposition.",
        },
    ],
}

PROGRESS = {
    "slug": "progress-note",
    "name": "Progress note",
    "specialty": "Internal Medicine",
    "description": "Daily inpatient progress note for rounds.",
    "tags": ["Inpatient", "Rounds", "Internal Medicine"],
    "instructions": "A daily progress note for a patient already admitted: what "
    "changed since yesterday, today's findings and the plan by problem. " + CITE,
    "sections": [
        {
            "key": "interval_history",
            "title": "Interval history",
            "instructions": "Events overnight, new symptoms, how the patient feels.",
        },
        {
            "key": "exam",
            "title": "Examination",
            "instructions": "Vital signs and focused findings as stated.",
        },
        {
            "key": "results",
            "title": "Results",
            "instructions": "New laboratory or imaging results mentioned.",
        },
        {
            "key": "assessment_plan",
            "title": "Assessment and plan",
            "instructions": "By problem: status and today's plan; disposition if "
            "discussed.",
        },
    ],
}

CONSULT = {
    "slug": "consult",
    "name": "Consult note",
    "specialty": "General",
    "description": "Answering another team's question.",
    "tags": ["Consult", "Inpatient"],
    "instructions": "A consultation note. Lead with the question asked and end with "
    "clear, numbered recommendations the primary team can act on. " + CITE,
    "sections": [
        {
            "key": "reason",
            "title": "Reason for consultation",
            "instructions": "The question asked and by whom, if said.",
        },
        {
            "key": "hpi",
            "title": "History of present illness",
            "instructions": "The history relevant to the question.",
        },
        {
            "key": "past_history",
            "title": "Relevant history and medications",
            "instructions": "Past history, medications and allergies that bear on "
            "the question.",
        },
        {
            "key": "exam",
            "title": "Examination and data",
            "instructions": "Findings and results stated.",
        },
        {
            "key": "impression",
            "title": "Impression",
            "instructions": "The consultant's assessment as stated.",
        },
        {
            "key": "plan",
            "title": "Recommendations",
            "instructions": "Numbered, specific recommendations, and whether the "
            "consultant will follow.",
        },
    ],
}

DISCHARGE = {
    "slug": "discharge-summary",
    "name": "Discharge summary",
    "specialty": "Internal Medicine",
    "description": "The hospital stay for the next clinician.",
    "tags": ["Inpatient", "Discharge", "Internal Medicine"],
    "instructions": "A discharge summary for the patient's primary care clinician: "
    "why they came, what happened, what changed, and what must happen next. " + CITE,
    "sections": [
        {
            "key": "reason",
            "title": "Reason for admission",
            "instructions": "Presenting problem and admitting diagnosis.",
        },
        {
            "key": "course",
            "title": "Hospital course",
            "instructions": "Brief course by problem, including procedures.",
        },
        {
            "key": "results",
            "title": "Key results",
            "instructions": "Results that matter after discharge, including pending.",
        },
        {
            "key": "medications",
            "title": "Discharge medications",
            "instructions": "New, changed and stopped medications with doses as said.",
        },
        {
            "key": "disposition",
            "title": "Disposition and condition",
            "instructions": "Where the patient goes and their condition.",
        },
        {
            "key": "follow_up",
            "title": "Follow-up",
            "instructions": "Appointments, tests to arrange, and return precautions.",
        },
    ],
}

PROCEDURE = {
    "slug": "procedure-note",
    "name": "Procedure note",
    "specialty": "General",
    "description": "A bedside or clinic procedure.",
    "tags": ["Procedure"],
    "instructions": "A procedure note. Record only what was said about consent, "
    "technique and complications; never assume a step that was not mentioned. " + CITE,
    "sections": [
        {
            "key": "indication",
            "title": "Indication",
            "instructions": "Why the procedure was done.",
        },
        {
            "key": "procedure",
            "title": "Consent and procedure",
            "instructions": "Consent, time-out, anaesthesia, technique, devices and "
            "specimens, as described.",
        },
        {"key": "findings", "title": "Findings", "instructions": "What was found."},
        {
            "key": "complications",
            "title": "Complications and blood loss",
            "instructions": "Complications and estimated blood loss; how the patient "
            "tolerated it.",
        },
        {
            "key": "plan",
            "title": "Plan",
            "instructions": "Aftercare, results to follow, follow-up.",
        },
    ],
}

ED = {
    "slug": "ed-note",
    "name": "ED note",
    "specialty": "Emergency Medicine",
    "description": "Emergency department evaluation with medical decision making.",
    "tags": ["Emergency", "Acute care"],
    "instructions": "An emergency department note. Emphasise red flags that were "
    "asked about, the medical decision making, and the disposition. " + CITE,
    "sections": [
        {
            "key": "chief_complaint",
            "title": "Chief complaint",
            "instructions": "One line.",
        },
        {
            "key": "hpi",
            "title": "History of present illness",
            "instructions": "Onset, course, red flags asked and answered.",
        },
        {
            "key": "past_history",
            "title": "Past history, medications, allergies",
            "instructions": "As stated.",
        },
        {
            "key": "exam",
            "title": "Examination",
            "instructions": "Triage vitals and findings as stated.",
        },
        {
            "key": "results",
            "title": "ED results",
            "instructions": "Tests and results mentioned during the visit.",
        },
        {
            "key": "assessment",
            "title": "Medical decision making",
            "instructions": "Differential, what was ruled out and how, risk.",
        },
        {
            "key": "disposition",
            "title": "Disposition",
            "instructions": "Admit, discharge or transfer, with the plan and return "
            "precautions.",
        },
    ],
}

PSYCH = {
    "slug": "psychiatry-intake",
    "name": "Psychiatry intake",
    "specialty": "Psychiatry",
    "description": "A first psychiatric assessment with risk.",
    "tags": ["Psychiatry", "Outpatient", "Mental health"],
    "instructions": "A psychiatric intake assessment. Use neutral, non-stigmatising "
    "language. Record risk (suicide, self-harm, harm to others) exactly as said, "
    "including denials. " + CITE,
    "sections": [
        {
            "key": "reason",
            "title": "Reason for referral",
            "instructions": "Why the patient is here, in their words.",
        },
        {
            "key": "hpi",
            "title": "History of present illness",
            "instructions": "Mood, sleep, appetite, energy, concentration, anxiety, "
            "psychotic symptoms; onset and course.",
        },
        {
            "key": "psychiatric_history",
            "title": "Past psychiatric history",
            "instructions": "Diagnoses, admissions, treatments and their effect.",
        },
        {
            "key": "social_history",
            "title": "Substance use and social history",
            "instructions": "Substances, living situation, supports, work, legal.",
        },
        {
            "key": "mental_status_exam",
            "title": "Mental status examination",
            "instructions": "Appearance, behaviour, speech, mood and affect, thought "
            "process and content, perception, cognition, insight and judgement, as "
            "observed and said.",
        },
        {
            "key": "risk",
            "title": "Risk assessment",
            "instructions": "Suicidal or homicidal ideation, intent, plan, means, "
            "protective factors, exactly as stated.",
        },
        {
            "key": "assessment",
            "title": "Formulation",
            "instructions": "The clinician's working diagnosis and formulation.",
        },
        {
            "key": "plan",
            "title": "Plan",
            "instructions": "Medication, therapy, safety plan, follow-up.",
        },
    ],
}

PATIENT = {
    "slug": "patient-instructions",
    "name": "Patient instructions",
    "specialty": "General",
    "description": "An after-visit summary for the patient, in plain language.",
    "audience": "patient",
    "tags": ["Patient-facing", "Outpatient", "Discharge"],
    "instructions": "An after-visit summary written TO the patient ('you'), in plain "
    "language at a sixth-grade reading level: short sentences, no abbreviations or "
    "jargon, doses written out. Be warm and direct. Still cite the transcript "
    "segments for every statement, so the clinician can check it before it is "
    "given to the patient.",
    "sections": [
        {
            "key": "what_we_found",
            "title": "What we found today",
            "instructions": "What the clinician thinks is going on, in plain words.",
        },
        {
            "key": "what_to_do",
            "title": "What to do at home",
            "instructions": "Clear steps, one per line.",
        },
        {
            "key": "medicines",
            "title": "Your medicines",
            "instructions": "New or changed medicines: name, how much, when, for how "
            "long.",
        },
        {
            "key": "when_to_get_help",
            "title": "When to get help right away",
            "instructions": "Warning signs that mean call or go to the emergency "
            "department.",
        },
        {
            "key": "follow_up",
            "title": "Your next appointment",
            "instructions": "When and with whom, and any tests before it.",
        },
    ],
}

TEMPLATES = [SOAP, HP, PROGRESS, CONSULT, DISCHARGE, PROCEDURE, ED, PSYCH, PATIENT]
