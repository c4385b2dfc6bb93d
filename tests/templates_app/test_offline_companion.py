"""History told by someone with the patient goes in the history, in the note's voice."""

import dataclasses
import re

from templates_app.generation.offline import draft_sections
from templates_app.seed_data import HP, SOAP
from tests.templates_app.test_offline_drafter import cited, request_for, segments_of

# A mother answers for her son; nobody named the speakers' roles.
MOTHER_ANSWERS = [
    (0, "hi there, what brings you and your son in today?"),
    (1, "he has had a cough for five days and it gets worse at night."),
    (0, "has he had any fever?"),
    (1, "yes, he had a fever of 101 on saturday. i gave him tylenol and it came down."),
    (0, "is he eating and drinking okay?"),
    (1, "he is drinking fine but he doesn't want to eat much."),
    (0, "any trouble breathing?"),
    (1, "no, he's breathing okay, he just coughs a lot when he runs around."),
    (0, "okay, let me take a listen to his lungs."),
    (0, "lungs are clear bilaterally, no wheezing."),
    (0, "my assessment is a viral upper respiratory infection."),
    (0, "we will treat it with fluids and rest, and honey for the cough."),
]
# A wife, named as family, tells what the patient cannot.
WIFE_ADDS = [
    (0, "what brings you in today, mr. lee?"),
    (1, "i don't really know, i feel fine."),
    (0, "and you are his wife?"),
    (
        2,
        "yes, i'm his wife. he has had headaches every morning for about three months.",
    ),
    (2, "last week he fell down the stairs and hit his head."),
    (0, "has he had any vomiting?"),
    (2, "no, no vomiting, but he seems more tired than usual."),
    (0, "let me examine you now. on exam he is alert and oriented, with no weakness."),
    (0, "my impression is chronic daily headaches after a fall."),
    (0, "we will order a ct scan of the head."),
]


def statements(drafted, key):
    return [s for s, _ in cited(drafted)[key]]


def test_a_parent_s_account_is_the_history_as_theirs_and_not_the_patient_s_words():
    drafted = draft_sections(request_for(SOAP, MOTHER_ANSWERS))
    history = statements(drafted, "subjective")
    assert any(
        s.startswith("Per his parent, he has had a cough for five days")
        for s in history
    ), history
    # her "I" is hers: the patient did not give himself tylenol
    assert any(s.startswith("His parent gave him tylenol") for s in history), history
    assert not any(re.search(r"\bhe gave him\b", s, re.I) for s in history)
    assert any("fever of 101" in s for s in history)
    assert any("coughs a lot" in s for s in history), history
    assert "Lungs are clear bilaterally, no wheezing." in statements(
        drafted, "objective"
    )


def test_a_companion_named_as_family_is_quoted_and_the_patient_speaks_for_himself():
    segments = tuple(
        dataclasses.replace(s, speaker_role="family") if s.speaker == 2 else s
        for s in segments_of(WIFE_ADDS)
    )
    drafted = draft_sections(request_for(HP, segments=segments))
    told = " ".join(
        statements(drafted, "hpi") + statements(drafted, "review_of_systems")
    )
    assert (
        "Per his wife, he has had headaches every morning for about three months."
        in told
    ), told
    assert "Per his wife, last week he fell down the stairs and hit his head." in told
    assert "Per his wife, no vomiting, but he seems more tired than usual." in told
    assert not re.search(r"\b(?:I|we)\b", told), told
    assert "his wife" not in " ".join(statements(drafted, "exam"))


# A short visit: nobody says "my assessment" or "the plan"; the conclusion and the
# treatment are said straight after the examination (seen in Chromium, 2026-12-07:
# both were filed under Objective, with "Assessment: Not discussed.").
SHORT_VISIT = [
    (0, "what brings mia in today?"),
    (1, "she's had a cough for five days and a fever up to 102 since tuesday."),
    (0, "okay, let me examine her. her temperature is 101.8, heart rate 140."),
    (0, "her ears are clear. i hear crackles at the right lung base."),
    (0, "so this looks like a right lower lobe pneumonia."),
    (0, "because of her allergy, we'll start azithromycin 10 milligrams per kilogram."),
    (0, "i'd like to see her back in two days."),
]


def test_a_conclusion_and_a_treatment_said_after_the_exam_are_assessment_and_plan():
    drafted = draft_sections(request_for(SOAP, SHORT_VISIT))
    objective = " ".join(statements(drafted, "objective")).lower()
    assert "crackles" in objective
    assert "pneumonia" not in objective and "azithromycin" not in objective
    assert "pneumonia" in " ".join(statements(drafted, "assessment")).lower()
    assert "azithromycin" in " ".join(statements(drafted, "plan")).lower()
