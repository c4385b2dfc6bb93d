"""A realistic outpatient encounter, as the transcription app stores it."""

# (speaker, text): 0 is the clinician, 1 the patient; about 4 seconds each.
ENCOUNTER = [
    (0, "Hi, I'm Dr. Patel. What brings you in today?"),
    (1, "I've had this cough for about five days. It started after a cold."),
    (1, "Now I'm bringing up yellow phlegm and I had a fever last night."),
    (0, "How high was the fever? Any chills?"),
    (1, "It was 38.6 at home. Yes, chills last night."),
    (0, "Any shortness of breath or chest pain when you breathe in?"),
    (
        1,
        "A little short of breath on the stairs. The chest pain is sharp on the right side when I cough.",
    ),
    (0, "Do you have any medical history I should know about?"),
    (1, "I have a history of asthma since childhood. And high blood pressure."),
    (0, "What medications are you taking?"),
    (1, "I take lisinopril 10 mg once a day and an albuterol inhaler when I need it."),
    (0, "Are you allergic to any medications?"),
    (1, "I'm allergic to penicillin. I got hives with it."),
    (0, "Do you smoke or drink alcohol?"),
    (1, "I quit smoking ten years ago. I drink wine on weekends."),
    (0, "Does anyone in your family have lung problems?"),
    (1, "My father had COPD."),
    (
        0,
        "Let me examine you. Your temperature is 38.2 and your oxygen saturation is 94 percent.",
    ),
    (0, "Take a deep breath for me. I hear crackles at the right base."),
    (0, "Your heart rate is 104 and your blood pressure is 132 over 84."),
    (0, "The chest x-ray we did shows a right lower lobe opacity."),
    (0, "I think this is most likely a community acquired pneumonia."),
    (
        0,
        "Because of your penicillin allergy we'll start doxycycline 100 mg twice a day for seven days.",
    ),
    (0, "Keep using the inhaler as needed and drink plenty of fluids."),
    (
        0,
        "If you get more short of breath or confused, go to the emergency department right away.",
    ),
    (0, "I want to see you back for a follow-up in one week."),
    (1, "Okay. Thank you, doctor."),
]


def encounter_segments(lines=ENCOUNTER, *, seconds_each: float = 4.0):
    """(seq, speaker, start_ms, end_ms, text) for each line."""
    step = int(seconds_each * 1000)
    return [
        (seq, speaker, (seq - 1) * step, seq * step - 200, text)
        for seq, (speaker, text) in enumerate(lines, start=1)
    ]


def long_encounter(minutes: int = 30):
    """An encounter of about `minutes` minutes: the visit, repeated in rounds."""
    per_round = len(ENCOUNTER) * 4  # seconds
    rounds = max(1, minutes * 60 // per_round)
    return encounter_segments(ENCOUNTER * rounds)


# Small dialogues for the offline drafter's tests, (speaker, text) as above.
CHEST_PAIN = [
    (0, "Good morning, Mr. Jones. What brings you in today?"),
    (1, "I've had chest pain for two days."),
    (0, "Does it spread to your arm?"),
    (1, "Sometimes down my left arm."),
    (0, "Any fever or cough?"),
    (1, "No."),
    (0, "Do you smoke?"),
    (1, "No, never."),
    (0, "Okay."),
    (1, "Mm-hmm."),
    (0, "What medications do you take?"),
    (1, "I take metformin 500 mg twice a day."),
    (0, "Any allergies to medications?"),
    (1, "I'm allergic to sulfa. I get a rash with it."),
    (0, "Let me examine you. Your blood pressure is 150 over 90 and your pulse is 88."),
    (0, "Your lungs are clear and I hear no murmurs."),
    (0, "So let's talk about my assessment and plan."),
    (0, "For your chest pain, I think this is likely angina."),
    (0, "I'm going to order an ECG and start aspirin 81 mg daily."),
    (0, "For his diabetes, I want him to continue the metformin."),
    (0, "I'll see you back in two weeks. Does that sound good?"),
    (1, "Okay, thank you, doctor."),
]

NEGATIONS = [
    (0, "Any other symptoms?"),
    (1, "No fever, no cough."),
    (0, "Any nausea or vomiting?"),
    (1, "No, not that I've noticed."),
]

# Speech recognition without punctuation, as in ACI-Bench's `aci` subset.
UNPUNCTUATED = [
    (0, "okay so how long have you had the headache"),
    (
        1,
        "about three days it gets worse at night i took some tylenol but it did not help",
    ),
    (0, "okay any vision changes"),
    (1, "no"),
]

# An allergy, a medication list, a dictated exam with vitals, and two problems each
# with its plan: what an attending checks first in a draft.
KNEE_TWO_PROBLEMS = [
    (0, "Good morning, Mrs. Rivera. What brings you in today?"),
    (1, "My left knee has been hurting for about three weeks, mostly on the stairs."),
    (0, "Any swelling or locking?"),
    (1, "No swelling, no locking."),
    (0, "What medications do you take?"),
    (1, "I take lisinopril 20 mg once a day for my blood pressure."),
    (0, "Any allergies to medications?"),
    (1, "I'm allergic to sulfa. I get a rash with it."),
    (0, "Let me examine you. Your blood pressure is 148 over 92 and your pulse is 76."),
    (0, "On your left knee exam there is tenderness along the medial joint line "
        "and no effusion."),
    (0, "For your first problem, left knee osteoarthritis, I want to start "
        "meloxicam 15 mg once a day and refer you to physical therapy."),
    (0, "For your second problem, hypertension, I want to increase the lisinopril "
        "to 40 mg a day and check a basic metabolic panel."),
    (1, "Okay, thank you."),
]  # fmt: skip
TWO_PROBLEMS = [
    (0, "Hi Mrs. Rivera, good to see you. What brings you in today?"),
    (1, "I've had a cough and chest tightness for about five days."),
    (0, "Any fever?"),
    (1, "Yes, I had a fever of 101 on Sunday."),
    (0, "Any sweating at night?"),
    (1, "No."),
    (0, "What medications are you taking right now?"),
    (1, "I take lisinopril 20 mg once a day."),
    (0, "Are you allergic to any medications?"),
    (1, "I'm allergic to penicillin. It gives me hives."),
    (0, "Okay, let me examine you. Take a deep breath for me."),
    (0, "Your blood pressure is 150 over 90, heart rate is 96, and temperature is 100.4."),
    (0, "I hear crackles at the right lung base. Your heart is regular with no murmur."),
    (0, "For your first problem, community acquired pneumonia, I think that explains the cough and fever."),
    (0, "Because of your penicillin allergy, I'm going to start azithromycin 500 mg today and then 250 mg daily for four days."),
    (0, "For your second problem, hypertension, your blood pressure is high today."),
    (0, "I want to increase the lisinopril to 40 mg once a day, and we'll recheck it in two weeks."),
    (1, "Okay, thank you doctor."),
]  # fmt: skip
