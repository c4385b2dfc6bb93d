"""The draft read as the attending who signs it: no questions, no instructions to the
scribe, no conversation, each side apart, medications only medicines, the chief
complaint a phrase (offline/attending.py, through the whole drafter)."""

import re

from templates_app.generation import verify
from templates_app.generation.offline import draft_sections
from templates_app.generation.offline.attending import apart, signable
from templates_app.generation.offline.complaint import complaint_phrase
from templates_app.seed_data import HP, SOAP
from tests.templates_app.test_offline_drafter import request_for

KNEE = [
    (0, "Good morning. I understand you've come in with some right knee pain?"),
    (1, "It's not the right knee, it's the left knee. It gives out on me."),
    (0, "How long has that been going on?"),
    (1, "About two weeks. I haven't fallen."),
    (0, "What medications are you taking?"),
    (1, "I take amlodipine 5 mg every day. Those are small pills."),
    (0, "Any allergies to medicines?"),
    (1, "I'm allergic to sulfa, I get a rash."),
    (0, "Okay, let me do a quick physical exam."),
    (0, "So on your heart exam it's a regular rate and rhythm here on your lung exam "
        "your lungs are clear."),
    (0, "On your right knee exam no ecchymosis no effusion no pain to palpation of "
        "the left medial knee is there"),
    (0, "Let me tell you about my assessment and plan."),
    (0, "So for your left knee pain I think this is arthritis. We can prescribe "
        "meloxicam 15 mg a day and see how you do."),
    (0, "In the plan, include our discussion of physical therapy versus an injection."),
    (0, "Hopefully we can get you feeling better."),
]  # fmt: skip
SPOKEN = re.compile(
    r"\?|\b(let's|go ahead|i'll|we can|hopefully|include|in the plan|i|me|my|you|"
    r"your)\b",
    re.I,
)


def lines(drafted: dict[str, str]) -> dict[str, list[str]]:
    return {
        key: [verify.CITATION.sub("", line).strip() for line in text.splitlines()]
        for key, text in drafted.items()
    }


def test_no_section_holds_a_question_an_instruction_or_conversation():
    for spec in (SOAP, HP):
        for key, said in lines(draft_sections(request_for(spec, KNEE))).items():
            for line in said:
                assert not SPOKEN.search(line), (spec["name"], key, line)


def test_the_two_sides_are_never_one_line():
    drafted = lines(draft_sections(request_for(HP, KNEE)))
    for line in drafted["exam"]:
        sides = {s.lower() for s in re.findall(r"\b(left|right)\b", line, re.I)}
        assert len(sides) < 2, line
    exam = " ".join(drafted["exam"]).lower()
    assert "right knee: no ecchymosis no effusion" in exam
    assert "no pain to palpation of the left medial knee" in exam
    assert "lungs: clear" in exam and "regular rate and rhythm" in exam


def test_medications_hold_only_medicines_and_never_the_allergen():
    drafted = lines(draft_sections(request_for(HP, KNEE)))
    assert drafted["medications"] and all(
        verify.drugs(line) or re.search(r"\bpills?\b", line)
        for line in drafted["medications"]
    ), drafted["medications"]
    assert "amlodipine" in " ".join(drafted["medications"]).lower()
    assert "sulfa" not in " ".join(drafted["medications"]).lower()


def test_the_chief_complaint_is_the_corrected_side_as_a_phrase():
    drafted = lines(draft_sections(request_for(HP, KNEE)))
    assert drafted["chief_complaint"] == ["Left knee pain."]


def test_a_statement_is_signed_only_when_it_stands():
    assert signable("How has her weight been.") is None
    assert signable("Will get that set up.") is None
    assert signable("Will get them scheduled for the echocardiogram.") == (
        "Will get them scheduled for the echocardiogram."
    )
    assert signable("It's a little elevated.") is None
    assert signable("Y-it's a little under - out of control.") == (
        "It's a little out of control."
    )
    # the cut-off clause goes, the rest stays; a fact is never dropped for it
    assert signable("The pain got better after she went to the.") == (
        "The pain got better."
    )
    assert signable("Order a hemoglobin a1c to see if we need to.") == (
        "Order a hemoglobin a1c."
    )
    assert signable("In terms of their diabetes.") is None
    assert signable("Pain to palpation of the knee, does that hurt at all.") == (
        "Pain to palpation of the knee."
    )
    assert signable("Will start them on doxycycline 100 mg twice a day.") == (
        "Will start doxycycline 100 mg twice a day."
    )
    assert signable("Digoxin.") == "Digoxin."
    # the clinician's "we" with no fact in its clause, and words that do not parse
    assert (
        signable(
            "If it were esophagitis, it's already healed, and we wouldn't be able to see "
            "anything."
        )
        == "If it were esophagitis, it's already healed."
    )
    assert signable("Order an a1c to see if we need to make changes.") == (
        "Order an a1c to see whether to make changes."
    )
    assert signable("Internally and it the whole kneecap fades.") is None
    assert signable("This is the echocardiogram that we did in May.") == (
        "This is the echocardiogram obtained in May."
    )
    assert signable("We're doing blood work on them today.") == (
        "Will do blood work on them today."
    )
    assert signable("It is like gives out on the left side.") is not None  # a side
    assert signable("It's been a little stiff ever since.") == (
        "It's been a little stiff ever since."
    )


def test_a_dictated_run_on_line_is_split_by_examination():
    assert apart("On their right knee exam there is no effusion.") == [
        "Right knee: no effusion."
    ]
    assert apart("On his physical exam, some jugular venous distention.") == [
        "Some jugular venous distention."
    ]
    assert apart(
        "On their heart exam a murmur at the left base here on their lung exam "
        "their lungs are clear."
    ) == ["Heart: murmur at the left base.", "Lungs: clear."]  # fmt: skip
    assert complaint_phrase("who presents today with some back pain") == "Back pain."
    assert complaint_phrase("She has been tired.") is None
    assert complaint_phrase("Denies swelling.") is None
    assert complaint_phrase("My left knee has been hurting for weeks.") == (
        "Left knee pain."
    )
    assert complaint_phrase("I've had a cough and chest tightness for days.") == (
        "Cough and chest tightness."
    )
    assert complaint_phrase("sharp pain on the right side of the abdomen") == (
        "Right abdominal pain."
    )


# Unpunctuated speech, as a recogniser without punctuation writes it.
RUN_TOGETHER = [
    (0, "how long has your right hip been hurting"),
    (1, "about a month it is worse in the morning"),
    (0, "okay your blood pressure is one thirty over eighty on your right hip exam "
        "there is pain with internal rotation and i reviewed your hip x-ray which "
        "showed mild joint space narrowing"),
    (0, "so your right hip pain i think you have some arthritis i want to prescribe "
        "naproxen five hundred milligrams twice a day we might do some physical "
        "therapy to prevent any further problems with that okay and so for your "
        "second problem the hypertension so i want to continue the amlodipine at "
        "five milligrams a day"),
    (1, "okay"),
]  # fmt: skip


def test_run_together_plan_is_kept_by_problem_with_each_item():
    drafted = lines(draft_sections(request_for(SOAP, RUN_TOGETHER)))
    # "which showed ..." is the x-ray's finding, not a question left out
    assert any("joint space narrowing" in s for s in drafted["objective"])
    assert drafted["assessment"][0] == "1. Right hip pain."
    assert "2. Hypertension." in drafted["assessment"]
    plan = drafted["plan"]
    assert plan[0] == "Right hip pain: prescribe naproxen 500 mg twice a day."
    assert any(
        s.startswith("Consider some physical therapy")
        and s.endswith("prevent any further problems.")
        for s in plan
    ), plan
    assert "Hypertension: continue the amlodipine at 5 mg a day." in plan


def test_speech_the_attending_would_not_sign_is_mended_or_left_out():
    # a condition whose consequence was never said ("..., then.") goes with it
    assert (
        signable("If we do these tests and they are normal, like I said, then.") is None
    )
    assert signable("Do this for about 8-12 weeks, and then.") == (
        "Do this for about 8-12 weeks."
    )
    # a clause whose main clause was never said; a second subject is one
    assert signable("When he is flexing his knee.") is None
    assert signable("If his symptoms don't improve.") is None
    assert (
        signable("Aside from this left shoulder pain that he has been having.") is None
    )
    assert signable("When he walks he has pain in the knee.") is not None
    # the examiner's instruction and question are not findings; a plan item stays
    assert signable("Will have him flex his knee is that painful.") is None
    assert signable("Turn their wrist in so do the patient has any pain.") is None
    assert signable("Follow up in two weeks.") == "Follow up in two weeks."
    assert signable("Hold the lisinopril for now.") == "Hold the lisinopril for now."
    # "have you see" in the third person, a double negative, a stutter, a question
    # run into its answer, the clinician's "what we can do is"
    assert signable("We can do is have she sees a hematologist.") == (
        "Will have her see a hematologist."
    )
    assert signable("The patient never has not injured that right elbow before.") == (
        "The patient has never injured that right elbow before."
    )
    assert signable("She may need to give any, to give any intravenous iron.") == (
        "She may need to give any intravenous iron."
    )
    assert (
        signable(
            "It is tender, where is it mostly tender right now: on the inside of her knee."
        )
        == "It is tender, on the inside of her knee."
    )
    assert (
        signable(
            "If there are abnormalities on the ultrasound, we will determine next steps."
        )
        == "If there are abnormalities on the ultrasound, will determine next steps."
    )
    assert signable("Looking at the x-ray, of her left knee.") is None
    assert signable("Begins with a d.") is None


FELL = [
    (0, "What brings you in today?"),
    (1, "My right knee has been hurting for a week since I fell off a ladder."),
    (0, "Let me examine you. Can you flex your knee for me, is that painful?"),
    (1, "Yes, that hurts."),
    (0, "Physical exam shows a well-nourished man in no distress. Gait is antalgic "
        "on the right. There is tenderness over the medial joint line of the right "
        "knee."),
    (0, "Let me tell you about my assessment and plan."),
    (0, "I reviewed the x-ray of your right knee and the good news is no fracture."),
    (0, "He probably has a medial meniscus strain."),
    (0, "I'm going to have you use crutches for the next few days. If your symptoms "
        "don't improve, then."),
    (0, "We'll start with that and then."),
]  # fmt: skip


def test_each_dictated_finding_and_result_reaches_the_examination():
    """Every sentence of a dictated examination is a finding (the side kept), a
    study read at the plan is a result, a diagnosis concluded there the assessment."""
    soap = lines(draft_sections(request_for(SOAP, FELL)))
    assert soap["objective"] == [
        "Well-nourished man in no distress.",
        "Gait is antalgic on the right.",
        "Tenderness over the medial joint line of the right knee.",
        "Reviewed the x-ray of his right knee: no fracture.",
    ]
    assert soap["assessment"] == ["He probably has a medial meniscus strain."]
    assert soap["plan"] == ["Will have him use crutches for the next few days."]
    hp = lines(draft_sections(request_for(HP, FELL)))
    assert hp["results"] == ["Reviewed the x-ray of his right knee: no fracture."]
    assert "Gait is antalgic on the right." in hp["exam"]


SIGNPOSTED = [
    (0, "How have you been feeling?"),
    (1, "I have a dry cough and it hurts to swallow."),
    (0, "Your blood pressure is a little up, probably the nerves, we are looking at "
        "like a one forty over seventy. Your heart rate is also up at like about "
        "like 98 beats a minute."),
    (0, "Okay, so for your first diagnosis the first problem of the lung cancer. "
        "We're going to continue the cisplatin and when that's complete."),
    (0, "For problem number two. The radiation pneumonitis so that's."),
    (0, "What I'm going to do for that is actually going to prescribe prednisone "
        "40 mg daily for five days."),
    (0, "Lastly for the painful swallowing that you are having."),
]  # fmt: skip


def test_each_problem_is_named_once_and_the_signposts_go():
    """ "For your first diagnosis, the first problem of the lung cancer": the problem
    named; "For problem number two." and "Lastly for the ... that you are having."
    say nothing of their own; the vitals said with words between reach the exam."""
    drafted = lines(draft_sections(request_for(SOAP, SIGNPOSTED)))
    assert drafted["assessment"][:2] == ["1. Lung cancer.", "2. Radiation pneumonitis."]
    assert drafted["plan"][:2] == [
        "Lung cancer: will continue the cisplatin.",
        "Radiation pneumonitis: will prescribe prednisone 40 mg daily for five days.",
    ]
    said = " ".join(line for text in drafted.values() for line in text)
    assert not re.search(r"problem number|lastly|so that's|will do", said, re.I), said
    # the clinician's reading is the examination's, each vital kept
    assert "HR 98." in drafted["objective"]
    assert "140/70" in " ".join(drafted["objective"])
    assert not re.search(r"140|98", " ".join(drafted["subjective"]))


ANSWERED = [
    (0, "What brings you in today?"),
    (1, "I have been feeling tired and short of breath for a month."),
    (0, "Um, when was your last colonoscopy?"),
    (1, "About five to six years ago."),
    (0, "All right. Do you ever drink alcohol?"),
    (1, "Yeah, but only once or twice a year."),
]  # fmt: skip


def test_an_answer_that_does_not_stand_alone_carries_its_question():
    """ "About five to six years ago." alone says nothing: what it answers leads it."""
    said = lines(draft_sections(request_for(HP, ANSWERED)))
    history = [line for key, text in said.items() if key != "chief_complaint"
               for line in text]  # fmt: skip
    assert "Last colonoscopy: about five to six years ago." in history
    assert "She drinks alcohol: only 1-2 times a year." in history or (
        "The patient drinks alcohol: only 1-2 times a year." in history
    )


def test_a_question_turned_into_the_third_person_is_still_a_question():
    assert signable("Did him complete that course of antibiotics.") is None
    assert signable("Has the patient had any chest pain.") is None
    assert (
        signable("Advised to have the patient been checking their blood pressure.")
        is None
    )
    assert signable("Will press on the actual affected area of the wound.") is None
    assert signable("Far have him taken anything for the pain.") is None
    assert signable("Will have him use crutches.") == "Will have him use crutches."
    assert signable("That he does have pain to palpation of his right knee.") == (
        "He does have pain to palpation of his right knee."
    )
    assert signable("Advised to do is continue their bumex 2 mg once daily.") == (
        "Will continue their bumex 2 mg once daily."
    )
    assert signable(
        "Will review the results of his right foot x-ray obtained today: no evidence "
        "of osteomyelitis."
    ) == (
        "Reviewed the results of his right foot x-ray obtained today: no evidence of "
        "osteomyelitis."
    )


def test_a_finding_and_a_reading_in_the_record_form():
    from templates_app.generation.offline.facts import standard_form

    assert signable("His heart, there is a slight 2/6 systolic ejection murmur.") == (
        "Heart: a slight 2/6 systolic ejection murmur."
    )
    assert signable("His, he does have some pain to palpation of the sinuses.") == (
        "He does have some pain to palpation of the sinuses."
    )
    assert signable("Will order, his routine blood work.") == (
        "Will order his routine blood work."
    )
    assert signable("On the norvasc.") == "Takes norvasc."
    assert signable("It is his lower back, his upper back: his lower back.") == (
        "It is his lower back."
    )
    assert (
        signable(
            "In reviewing the results of their back x-ray, this looks like a normal x-ray."
        )
        == "Back x-ray: a normal x-ray."
    )
    assert signable(
        "Looking here at the results of his chest x-ray, it does look like he has a "
        "little fluid in his lungs, and that can be from, his heart failure."
    ) == (
        "Chest x-ray: he has a little fluid in his lungs, and that can be from his "
        "heart failure."
    )
    assert signable("It looks normal.") is None
    assert signable("From a, for his next problem, the lobectomy.") is None
    assert standard_form("a slight two out of 6 systolic ejection murmur") == (
        "a slight 2/6 systolic ejection murmur"
    )
    assert standard_form("his blood pressure looks quite well, at 120/80") == (
        "BP 120/80"
    )
    assert standard_form("a slight 2 over 6 murmur") == "a slight 2/6 murmur"
    assert standard_form("one out of 3 people") == "one out of 3 people"  # not a grade


def test_the_patient_the_clinician_introduced_is_he_or_she():
    """ "Logan is a 58-year-old male": said once, the note's pronoun from then on."""
    said = lines(
        draft_sections(
            request_for(
                HP,
                [
                    (0, "Logan is a 58-year-old male who presents with back pain."),
                    (0, "What happened?"),
                    (1, "I lifted some boxes too quickly and my lower back hurts."),
                ],
            )
        )
    )
    assert "He lifted some boxes too quickly and his lower back hurts." in said["hpi"]


def test_the_patients_medicines_are_medicines():
    """Written to the patient, "Your medicines" lists medicines: not "Those are
    small pills.", and never the allergen."""
    from templates_app.seed_data import PATIENT

    said = lines(draft_sections(request_for(PATIENT, KNEE)))
    assert said["medicines"], said
    for line in said["medicines"]:
        assert verify.drugs(line), line
    assert "sulfa" not in " ".join(said["medicines"]).lower()


def test_a_study_read_at_the_examination_stays_a_result():
    said = lines(
        draft_sections(
            request_for(
                SOAP,
                [
                    (0, "How are you feeling?"),
                    (1, "Tired, and my ankles swell."),
                    (0, "Let me examine you. On exam, there is 1+ pitting edema."),
                    (
                        0,
                        "This is the echocardiogram we did four months ago, and this "
                        "shows an ejection fraction of 45%.",
                    ),
                    (
                        0,
                        "My assessment is congestive heart failure. We will increase "
                        "the lasix to 80 mg once a day.",
                    ),
                ],  # fmt: skip
            )
        )
    )
    assert any("45%" in line for line in said["objective"]), said
    assert not any("45%" in line for line in said["assessment"]), said


ELBOW = [
    (0, "What brings you in today?"),
    (1, "My right elbow has been hurting for two weeks."),
    (0, "okay let me examine you so listening to your heart i don't appreciate any "
        "murmur and looking at your head and your neck i don't appreciate any "
        "adenopathy no thyromegaly on your right elbow exam there is tenderness over "
        "the medial epicondyle"),
    (0, "My assessment is medial epicondylitis."),
    (0, "I will prescribe ibuprofen 600 mg every six hours."),
]  # fmt: skip


def test_a_dictated_exam_keeps_each_part_and_a_stated_assessment_heads_the_plan():
    """ "I don't appreciate any murmur" is a finding, not a new question; the part
    examined heads it; "my assessment is X" names the problem, never dropped as
    first-person speech; SOAP's subjective opens with the complaint."""
    said = lines(draft_sections(request_for(SOAP, ELBOW)))
    objective = " ".join(said["objective"])
    assert "Heart: no murmur" in objective
    assert "Head and neck: no adenopathy no thyromegaly" in objective
    assert "Right elbow: tenderness over the medial epicondyle." in said["objective"]
    assert said["assessment"][0] == "1. Medial epicondylitis."
    assert said["plan"][0].startswith("Medial epicondylitis: will prescribe ibuprofen")
    assert said["subjective"][0] == "Right elbow pain."


def test_the_next_appointment_is_the_follow_up_in_every_template():
    """ "Follow up in a week" is the patient's next appointment (said twice, written
    once), and an ED note's disposition; "your problem with elbow pain" names the
    problem "Elbow pain"."""
    from templates_app.seed_data import ED, PATIENT

    said = [
        *ELBOW[:3],
        (0, "Let me tell you about my assessment and plan."),
        (0, "So for your problem with elbow pain, I will order a sling."),
        (0, "I want you to follow up in a week."),
        (0, "Okay, so follow up in about a week."),
    ]
    patient = lines(draft_sections(request_for(PATIENT, said)))
    assert patient["follow_up"] == ["Follow up in 1 week."]
    assert "1. Elbow pain." in patient["what_we_found"]
    ed = lines(draft_sections(request_for(ED, said)))
    assert any("follow up in 1 week" in s.lower() for s in ed["disposition"])


def test_a_problem_named_by_its_symptom_takes_the_diagnosis_concluded_for_it():
    """ "For your elbow pain, this is consistent with medial epicondylitis": the
    problem is the epicondylitis, cited where it was concluded; "it is not a
    fracture" concludes nothing."""
    plan = (0, "Let me tell you about my assessment and plan.")
    concluded = lines(
        draft_sections(
            request_for(
                SOAP,
                [
                    *ELBOW[:3],
                    plan,
                    (
                        0,
                        "So for your elbow pain, this is consistent with medial "
                        "epicondylitis, and I will order a sling.",
                    ),
                ],  # fmt: skip
            )
        )
    )
    assert concluded["assessment"][0] == "1. Medial epicondylitis."
    assert concluded["plan"][0].startswith("Medial epicondylitis: ")
    denied = lines(
        draft_sections(
            request_for(
                SOAP,
                [
                    *ELBOW[:3],
                    plan,
                    (
                        0,
                        "So for your elbow pain, it is not a fracture, and I will "
                        "order a sling.",
                    ),
                ],  # fmt: skip
            )
        )
    )
    assert denied["assessment"][0] == "1. Elbow pain."
