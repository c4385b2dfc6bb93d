"""The verifier's checks of meaning (issue 24, item 5): placement in the section,
negation as the conversation answered it, dates however written, and drug names that
speech may have misheard. Each statement is one a drafter could write from the
segments it cites."""

import pytest

from templates_app.generation.verify import Statement, verify_statement
from transcription.engines.words import Word
from transcription.heard import HeardText


def flags(section: str, statement: str, *segments: str) -> dict[str, str]:
    """kind -> message of the flags of `statement`, citing every segment but the last
    one when more than one is given (the last is the segment that follows)."""
    numbered = dict(enumerate(segments, start=1))
    cited = tuple(numbered)[: max(1, len(numbered) - 1)]
    found = verify_statement(Statement(section, 0, statement, cited), numbered)
    return {flag.kind: flag.message for flag in found}


# --- Placement ---------------------------------------------------------------------

POP = (
    "i thought i heard a pop when i moved and i had to lie down for about an hour "
    "before the pain went away"
)
LISINOPRIL = (
    "for your high blood pressure you're managing it well so i want to continue "
    "the lisinopril 20 mg a day and keep recording your blood pressures at home"
)
XRAY = "hey dragon show me the chest x-ray . okay your chest x-ray looks fine , no pneumonia"


@pytest.mark.parametrize(
    ("statement", "cited", "belongs", "misplaced"),
    [
        ("He heard a pop when he moved and had to lie down for an hour.", POP,
         "hpi", "plan"),
        ("I advised him to keep recording his blood pressures at home.", LISINOPRIL,
         "plan", "hpi"),
        ("Chest x-ray is unremarkable, without pneumonia.", XRAY, "results", "hpi"),
    ],
)  # fmt: skip
def test_a_statement_read_as_another_part_of_the_visit_is_misplaced(
    statement, cited, belongs, misplaced
):
    assert "placement" not in flags(belongs, statement, cited)
    assert "It reads as" in flags(misplaced, statement, cited)["placement"]


def test_an_exam_finding_under_allergies_is_misplaced_even_beside_an_allergy():
    said = "I'm allergic to penicillin, I get hives. Okay. I hear crackles at the right base."
    found = flags("allergies", "Their lungs have crackles on the right base.", said)
    assert found["placement"] == "An examination finding, under allergies."
    assert "placement" not in flags(
        "allergies", "Allergic to penicillin (hives).", said
    )
    assert "placement" not in flags("exam", "Crackles at the right base.", said)
    # "Swelling" of the knee is no word of allergy.
    knee = "on exam there's swelling and bruising of the right knee"
    assert "placement" in flags("allergies", "Swelling and bruising.", knee)


def test_an_allergen_is_never_a_medicine_even_in_patient_instructions():
    said = "I'm allergic to penicillin, it gives me hives."
    found = flags("patient_instructions", "Your medicines: penicillin.", said)
    assert "an allergy in the cited words, not a medicine" in found["placement"]
    assert found["placement"].startswith("penicillin")
    # The drug chosen because of the allergy is no allergen.
    chosen = (
        "Because of your penicillin allergy we'll start doxycycline 100 mg twice a day."
    )
    assert "placement" not in flags(
        "plan", "Start doxycycline 100 mg twice daily.", chosen
    )


def test_a_drug_started_at_this_visit_is_not_a_current_medication():
    started = "We'll start azithromycin 500 mg today, then 250 mg daily for four days."
    found = flags("medications", "Azithromycin 500 mg daily.", started)
    assert "azithromycin: started at this visit" in found["placement"]
    taken = "I take lisinopril 10 mg once a day."
    assert "placement" not in flags("medications", "Lisinopril 10 mg daily.", taken)
    continued = "Keep taking the lisinopril, and we'll start azithromycin today."
    assert "placement" not in flags("medications", "Lisinopril daily.", continued)
    # The medicines of patient instructions are what to take from now on.
    assert "placement" not in flags("medicines", "Azithromycin 500 mg daily.", started)


def test_a_plan_item_or_an_instruction_under_a_history_section_is_misplaced():
    said = "keep using the inhaler as needed and drink plenty of fluids"
    instruction = "Keep using the inhaler as needed and drink plenty of fluids."
    assert "placement" not in flags("plan", instruction, said)
    assert flags("hpi", instruction, said)["placement"] == (
        "A plan item, under a history or examination section."
    )
    ordered = "We'll get an ECG and troponin now and give aspirin 325 mg."
    statement = "Will get an ECG and troponin, aspirin 325 mg."
    assert "placement" in flags("subjective", statement, ordered)


def test_a_statement_whose_words_establish_its_place_is_not_second_guessed():
    murmur = (
        "on your heart exam i do appreciate a three out of six systolic ejection murmur"
    )
    assert "placement" not in flags("assessment", "Systolic ejection murmur.", murmur)
    opener = "so brian is a 58 year old male with a history of congestive heart failure"
    one_liner = "58-year-old male with a history of congestive heart failure."
    assert "placement" not in flags("hpi", one_liner, opener)
    problem = "your iron deficiency anemia, we'll start ferrous sulfate"
    assert "placement" not in flags("plan", "Iron deficiency anemia.", problem)
    ordered = "we'll start doxycycline 100 mg twice a day"
    assert "placement" not in flags("plan", "Doxycycline 100 mg.", ordered)


def test_the_clinician_s_reasoning_from_findings_is_an_assessment():
    """Findings linked to their cause are the assessment's, though their words are
    symptoms; the same words as the patient's report stay out of it."""
    said = (
        "your chest x-ray shows a pneumonia in the right lower lobe "
        "that explains the cough and fever"
    )
    reasoning = "That explains the cough and fever."
    assert "placement" not in flags("assessment", reasoning, said)
    swelling = "the swelling in your ankle is most likely from the sprain"
    linked = "The swelling in the ankle is most likely from the sprain."
    assert "placement" not in flags("assessment", linked, swelling)
    told = "i have had a cough and fever for three days"
    assert "placement" in flags(
        "assessment", "She has had a cough and fever for three days.", told
    )
    assert "placement" in flags("assessment", "Reports cough and fever.", told)


def test_a_problem_named_alone_is_an_assessment_s_heading():
    """ "Chronic back pain." names the problem assessed; the patient's account of it,
    with its verb, is still the history's."""
    said = "well i have had this chronic back pain for about ten years now"
    assert "placement" not in flags("assessment", "Chronic back pain.", said)
    told = "my back has been hurting for years and it gets worse when i bend"
    assert "placement" in flags(
        "assessment", "His back has been hurting for years.", told
    )


# --- Negation ----------------------------------------------------------------------


def test_a_question_is_answered_by_the_segment_after_the_citation():
    asked = "Any chest pain or shortness of breath?"
    assert "negation" not in flags("ros", "Denies chest pain.", asked, "No.")
    assert "negation" in flags("ros", "Denies chest pain.", asked, "Yes, some.")


def test_an_unpunctuated_question_takes_its_answer_and_each_mention_counts():
    asked = (
        "it has okay alright and any other symptoms like a cough or shortness of "
        "breath or dizziness or anything like that"
    )
    assert "negation" not in flags(
        "ros", "Denies cough or shortness of breath.", asked, "no"
    )
    assert "negation" in flags(
        "ros", "Reports cough and shortness of breath.", asked, "no"
    )
    exam = (
        "there is tenderness of the greater tuberosity of the humerus but there is no "
        "tenderness at the sternoclavicular joint"
    )
    assert "negation" not in flags(
        "exam", "Tenderness over the greater tuberosity.", exam
    )
    assert "negation" in flags(
        "exam", "No tenderness over the greater tuberosity.", exam
    )


def test_a_negation_dropped_from_a_dictated_exam_is_flagged():
    said = (
        "looking at your neck i don't appreciate any adenopathy no thyromegaly "
        "listening to your heart i don't appreciate any murmur no rub no gallop your "
        "lungs are clear to auscultation bilaterally so when i push here does it hurt"
    )
    assert "negation" not in flags("exam", "No murmurs, gallops or rubs.", said, "yes")
    assert "negation" in flags("exam", "Murmurs, gallops or rubs.", said, "yes")
    assert "negation" not in flags(
        "exam", "Lungs clear to auscultation bilaterally.", said
    )


def test_a_heading_answered_none_and_a_new_clause_are_read_as_written():
    asked = "Do you drink any alcohol, smoke, or use recreational drugs?"
    answer = "Nope. I don't do any of those and never have."
    assert "negation" not in flags("social", "Alcohol use: none.", asked, answer)
    assert "negation" in flags("social", "Drinks alcohol on weekends.", asked, answer)
    diet = (
        "our diets were less than stellar and haven't been great. "
        "i think i need to go clean for a couple of weeks."
    )
    statement = "His diet has not been great, and he thinks he needs to eat clean."
    assert "negation" not in flags("hpi", statement, diet)


# --- Sides, dates and misheard drugs -------------------------------------------


def test_a_side_swapped_where_both_sides_are_named_is_flagged():
    said = (
        "on your knee exam there is some edema and some erythema of your right knee, "
        "but your left knee looks fine"
    )
    assert "laterality" not in flags(
        "exam", "Edema and erythema of the right knee.", said
    )
    found = flags("exam", "Edema and erythema of the left knee.", said)
    assert found["laterality"] == "left: the cited segments say this of the right side."


def test_a_date_is_the_same_date_however_written():
    said = "mr. ward presented to his primary care provider on 3/1/21 with headaches"
    statement = (
        "He presented to his primary care provider on 03/01/2021 with headaches."
    )
    assert "number" not in flags("hpi", statement, said)
    assert "number" in flags("hpi", statement.replace("03/01", "04/01"), said)


def test_a_word_that_sounds_like_a_misheard_drug_is_flagged():
    said = "we'll stop her prisonism and continue with the methatrix"
    found = flags("plan", "Stop prisonism and continue methatrix.", said)
    assert (
        "\u2018methatrix\u2019 is no drug name known here but sounds like methotrexate"
        in (found["doubtful_word"])
    )
    right = "we'll stop her prednisone and continue with the methotrexate"
    assert "doubtful_word" not in flags(
        "plan", "Stop prednisone, continue methotrexate.", right
    )
    # A name or an ordinary word of a medication context is no drug misheard.
    named = "carolyn takes her medication every morning with breakfast"
    assert "doubtful_word" not in flags(
        "hpi", "Carolyn takes her medication daily.", named
    )


def test_an_uncommon_word_heard_doubtfully_in_a_medication_context_is_flagged():
    heard = [
        Word("we'll", 1_000, 1_200, 0.9),
        Word("stop", 1_200, 1_500, 0.92),
        Word("her", 1_500, 1_700, 0.9),
        Word("prisonism.", 1_700, 2_400, 0.31),
    ]
    segment = HeardText(" ".join(w.text for w in heard), heard)
    found = flags("plan", "Stop prisonism.", segment)
    assert (
        "\u2018prisonism.\u2019 in S1 was heard with low confidence (31%)"
        in (found["doubtful_word"])
    )
    assert "doubtful_word" not in flags("plan", "Stop prisonism.", str(segment))
