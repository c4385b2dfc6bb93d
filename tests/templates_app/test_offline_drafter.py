"""The embedded default engine writes cited third-person statements, not sentences."""

import dataclasses
import re

from templates_app.generation import (
    DraftAccumulator,
    DraftRequest,
    SectionSpec,
    Segment,
)
from templates_app.generation.offline import OfflineEngine, draft_sections
from templates_app.generation.offline.dialogue import infer_roles
from templates_app.seed_data import HP, PATIENT, PROGRESS, SOAP, TEMPLATES
from tests.templates_app.transcripts import (
    CHEST_PAIN,
    NEGATIONS,
    UNPUNCTUATED,
    encounter_segments,
)

CITED_LINE = re.compile(r"^(?P<statement>.+) (?P<cite>\[S\d+(?:(?:, |-)S\d+)*\])$")


def segments_of(lines):
    return tuple(
        Segment(seq, text, start, end, speaker)
        for seq, speaker, start, end, text in encounter_segments(lines)
    )


def request_for(spec, lines=None, *, only=(), segments=None):
    return DraftRequest(
        template_name=spec["name"],
        template_instructions=spec["instructions"],
        sections=tuple(
            SectionSpec(s["key"], s["title"], s["instructions"])
            for s in spec["sections"]
        ),
        segments=segments or segments_of(lines or encounter_segments.__defaults__[0]),
        only=only,
    )


def cited(drafted):
    """{section key: [(statement, {cited seqs})]}; every line must carry a citation."""
    out = {}
    for key, text in drafted.items():
        out[key] = []
        for line in text.splitlines():
            if line == "Not discussed.":
                continue
            match = CITED_LINE.match(line)
            assert match, f"uncited line in {key}: {line!r}"
            seqs = set()
            for part in re.findall(r"S(\d+)(?:-S(\d+))?", match["cite"]):
                first, last = int(part[0]), int(part[1] or part[0])
                seqs.update(range(first, last + 1))
            out[key].append((match["statement"], seqs))
    return out


def statements(drafted, key=None):
    return [
        s for k, lines in cited(drafted).items() if key in (None, k) for s, _ in lines
    ]


def test_a_question_and_its_answer_become_one_third_person_statement():
    drafted = cited(draft_sections(request_for(SOAP, CHEST_PAIN)))
    lines = dict(drafted["subjective"])
    assert lines["He has had chest pain for two days."] == {1, 2}
    assert lines["It spreads to his arm: sometimes down his left arm."] == {3, 4}
    assert lines["He does not smoke."] == {7, 8}


def test_negated_findings_are_written_as_denials():
    drafted = draft_sections(request_for(SOAP, CHEST_PAIN))
    assert "Denies fever or cough. [S5-S6]" in drafted["subjective"]
    negations = draft_sections(request_for(SOAP, NEGATIONS))["subjective"]
    assert negations.splitlines() == [
        "Denies fever and cough. [S1-S2]",
        "Denies nausea or vomiting. [S3-S4]",
    ]


def test_medications_keep_dose_and_frequency_and_allergies_their_reaction():
    drafted = draft_sections(request_for(HP, CHEST_PAIN))
    assert drafted["medications"] == "Metformin 500 mg twice a day. [S11-S12]"
    assert drafted["allergies"] == "Allergic to sulfa (reaction: rash). [S13-S14]"


def test_dictated_vitals_and_exam_findings_are_objective():
    objective = statements(draft_sections(request_for(SOAP, CHEST_PAIN)), "objective")
    assert objective == [
        "BP 150/90 and HR 88.",
        "His lungs are clear and no murmurs.",
    ]


def test_the_dictated_assessment_and_plan_is_kept_by_problem():
    drafted = cited(draft_sections(request_for(SOAP, CHEST_PAIN)))
    assert drafted["assessment"] == [  # the problem with the diagnosis it is thought
        ("1. Chest pain, likely angina.", {18}),
        ("2. Diabetes.", {20}),
    ]
    plan = [s for s, _ in drafted["plan"]]
    assert plan == [
        "Chest pain, likely angina: will order an ECG and start aspirin 81 mg daily.",
        "Diabetes: advised to continue the metformin.",
        "Follow up in two weeks.",
    ]


def test_a_template_with_one_assessment_and_plan_section_numbers_its_problems():
    drafted = statements(draft_sections(request_for(PROGRESS, CHEST_PAIN)))
    assert "1. Chest pain, likely angina." in drafted and "2. Diabetes." in drafted


def test_greetings_fillers_and_questions_are_dropped():
    for spec in TEMPLATES:
        for lines in (CHEST_PAIN, NEGATIONS, UNPUNCTUATED, None):
            for statement in statements(draft_sections(request_for(spec, lines))):
                low = statement.lower()
                assert not statement.endswith("?"), statement
                assert not re.match(r"(okay|mm-hmm|thank you|good morning)\b", low)
                assert "does that sound good" not in low


def test_unpunctuated_speech_is_split_into_statements():
    lines = cited(draft_sections(request_for(SOAP, UNPUNCTUATED)))["subjective"]
    assert ("About three days.", {1, 2}) in lines
    assert ("It gets worse at night.", {2}) in lines
    assert ("The patient took some tylenol but it did not help.", {2}) in lines
    assert ("Denies vision changes.", {3, 4}) in lines


def test_every_citation_points_at_a_segment_that_says_it():
    segments = {s.seq: s.text.lower() for s in segments_of(CHEST_PAIN)}
    for spec in TEMPLATES:
        for _, lines in cited(draft_sections(request_for(spec, CHEST_PAIN))).items():
            for statement, seqs in lines:
                assert seqs and seqs <= set(segments), statement
                said = " ".join(segments[seq] for seq in seqs)
                for number in re.findall(r"\d+", statement.split(". ", 1)[-1]):
                    assert number in said, (statement, seqs)


def test_the_longer_encounter_files_its_findings_where_they_belong():
    drafted = draft_sections(request_for(HP))
    # the complaint as a phrase; what was said of it, the history's
    assert drafted["chief_complaint"] == "Cough. [S1-S2]"
    assert drafted["hpi"].startswith(
        "The patient has had this cough for about five days. [S1-S2]"
    )
    assert "Lisinopril 10 mg once a day. [S10-S11]" in drafted["medications"]
    assert "Albuterol inhaler as needed. [S10-S11]" in drafted["medications"]
    assert drafted["allergies"] == "Allergic to penicillin (reaction: hives). [S12-S13]"
    assert "quit smoking ten years ago" in drafted["social_history"]
    assert "father had copd" in drafted["family_history"].lower()
    assert "Crackles at the right base. [S19]" in drafted["exam"]
    assert "right lower lobe opacity. [S21]" in drafted["results"]
    assert "community acquired pneumonia. [S22]" in drafted["assessment"]
    assert "doxycycline 100 mg twice a day for seven days. [S23]" in drafted["plan"]


def test_patient_instructions_put_warning_signs_and_follow_up_apart():
    drafted = draft_sections(request_for(PATIENT))
    assert "[S25]" in drafted["when_to_get_help"]
    assert "[S26]" in drafted["follow_up"]


def test_a_section_with_nothing_said_reads_not_discussed():
    spec = {
        **SOAP,
        "sections": [
            *SOAP["sections"],
            {"key": "procedure", "title": "Procedure", "instructions": ""},
        ],
    }
    assert draft_sections(request_for(spec))["procedure"] == "Not discussed."


def test_a_given_role_wins_over_the_guess():
    # speaker 1 asks the questions here, yet the transcript says speaker 0 is the doctor
    lines = [(1, "Do you have pain? Where?"), (0, "Your knee is swollen.")]
    plain = segments_of(lines)
    assert infer_roles(plain) == {1: "clinician", 2: "patient"}
    # ...as the session's speaker roles name them (transcription's SpeakerRole)
    roled = tuple(
        dataclasses.replace(s, speaker_role=role)
        for s, role in zip(plain, ("patient", "clinician"), strict=True)
    )
    assert infer_roles(roled) == {1: "patient", 2: "clinician"}
    # a speaker named "other" (a visitor) is neither, and the rest is still guessed
    visitor = (dataclasses.replace(plain[0], speaker_role="other"), plain[1])
    assert infer_roles(visitor) == {1: None, 2: "clinician"}


def test_drafting_is_deterministic_and_one_section_can_be_redrafted():
    first = draft_sections(request_for(HP, CHEST_PAIN))
    assert draft_sections(request_for(HP, CHEST_PAIN)) == first
    plan = draft_sections(request_for(HP, CHEST_PAIN, only=("plan",)))
    assert plan == {"plan": first["plan"]}


async def test_the_engine_streams_sections_in_template_order():
    draft = DraftAccumulator()
    async for event in OfflineEngine().stream(request_for(SOAP)):
        draft.add(event)
    assert draft.finished == ["subjective", "objective", "assessment", "plan"]
    assert draft.sections == draft_sections(request_for(SOAP))


def test_no_then_a_denial_keeps_the_denial():
    """ "No, no fever, but ...": the answer and the denial, not a doubled word said
    once (once, the "no" taken for the answer left "Fever, but ...")."""
    lines = [
        (0, "what brings you in today?"),
        (1, "i have had a sore throat for three days."),
        (0, "any fever?"),
        (1, "no, no fever, but i have been really tired."),
    ]
    subjective = statements(draft_sections(request_for(SOAP, lines)), "subjective")
    assert "No fever, but the patient has been really tired." in subjective
    assert not any(s.startswith("Fever") for s in subjective), subjective


def test_an_answer_opened_by_i_and_closed_by_not_is_a_no():
    """ "I do not.", "I haven't.": a no, though "I do" and "I have" open a yes; in
    "yeah, no, sorry" the last word is the answer."""
    lines = [
        (0, "do you smoke?"),
        (1, "i do not."),
        (0, "have you had any fevers?"),
        (1, "i haven't."),
        (0, "have you ever been diagnosed with lyme disease before?"),
        (1, "i have not."),
        (0, "do you drink alcohol?"),
        (1, "i do."),
        (0, "have you ever injured that foot before?"),
        (1, "yeah, no, sorry."),
    ]
    subjective = statements(draft_sections(request_for(SOAP, lines)), "subjective")
    assert "The patient does not smoke." in subjective
    assert "Denies fevers." in subjective
    assert any(
        s.startswith("The patient has not ever been diagnosed") for s in subjective
    )
    assert "The patient drinks alcohol." in subjective
    assert "The patient has not ever injured that foot before." in subjective
    assert not any(s in subjective for s in ("The patient smokes.", "Reports fevers."))


def test_a_no_that_opens_a_finding_is_kept_with_it():
    """ "No vomiting but constipation": the "no" is the vomiting's, not only the
    answer's; taken off as the answer, it left "Vomiting but constipation"."""
    lines = [
        (0, "any nausea or vomiting?"),
        (1, "no vomiting but constipation and some weight loss."),
        (0, "and any surgeries in the past?"),
        (1, "no surgeries, i've had back pain occasionally over the years."),
        (0, "which knee is it?"),
        (1, "right knee, on the inside."),
    ]
    subjective = statements(draft_sections(request_for(SOAP, lines)), "subjective")
    told = " ".join(subjective)
    assert "No vomiting but constipation" in told, subjective
    assert "No surgeries" in told, subjective
    assert not re.search(r"(?:^|\. )(?:Vomiting|Surgeries)\b", told), subjective
    assert "right knee" in told.lower(), subjective
