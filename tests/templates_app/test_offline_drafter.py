"""The embedded default engine files every sentence under one section, cited."""

import re

from templates_app.generation import (
    DraftAccumulator,
    DraftRequest,
    SectionSpec,
    Segment,
)
from templates_app.generation.offline import (
    OfflineEngine,
    draft_sections,
    sentences,
)
from templates_app.seed_data import HP, PATIENT, SOAP, TEMPLATES
from tests.templates_app.transcripts import encounter_segments

CITED_LINE = re.compile(r"^(?P<sentence>.+) \[S(?P<seq>\d+)\]$")


def request_for(spec, only=()):
    return DraftRequest(
        template_name=spec["name"],
        template_instructions=spec["instructions"],
        sections=tuple(
            SectionSpec(s["key"], s["title"], s["instructions"])
            for s in spec["sections"]
        ),
        segments=tuple(
            Segment(seq, text, start, end, speaker)
            for seq, speaker, start, end, text in encounter_segments()
        ),
        only=only,
    )


def filed_lines(drafted: dict[str, str]) -> dict[str, list[tuple[str, int]]]:
    out = {}
    for key, text in drafted.items():
        out[key] = []
        for line in text.splitlines():
            if line == "Not discussed.":
                continue
            match = CITED_LINE.match(line)
            assert match, f"uncited line in {key}: {line!r}"
            out[key].append((match["sentence"], int(match["seq"])))
    return out


def test_every_sentence_lands_in_exactly_one_section_with_its_citation():
    for spec in TEMPLATES:
        filed = filed_lines(draft_sections(request_for(spec)))
        expected = [
            (sentence, seq)
            for seq, _, _, _, text in encounter_segments()
            for sentence in sentences(text)
        ]
        got = [item for lines in filed.values() for item in lines]
        assert sorted(got) == sorted(expected), spec["name"]


def test_soap_files_history_findings_assessment_and_plan_where_they_belong():
    filed = filed_lines(draft_sections(request_for(SOAP)))
    where = {seq: key for key, lines in filed.items() for _, seq in lines}
    assert where[2] == "subjective"  # cough for five days
    assert where[13] == "subjective"  # penicillin allergy
    assert where[18] == "objective"  # temperature and saturation
    assert where[21] == "objective"  # chest x-ray
    assert where[22] == "assessment"  # likely pneumonia
    assert where[23] == "plan"  # doxycycline
    assert where[26] == "plan"  # follow-up in one week


def test_history_and_physical_separates_the_history_it_heard():
    filed = filed_lines(draft_sections(request_for(HP)))
    where = {sentence: key for key, lines in filed.items() for sentence, _ in lines}
    assert where["Hi, I'm Dr. Patel."] == "hpi"  # no clue: the default section
    assert where["What brings you in today?"] == "chief_complaint"
    assert where["I've had this cough for about five days."] == "hpi"
    assert where["I have a history of asthma since childhood."] == "past_history"
    assert (
        where[
            "I take lisinopril 10 mg once a day and an albuterol inhaler when I need it."
        ]
        == "medications"
    )
    assert where["I'm allergic to penicillin."] == "allergies"
    assert where["I got hives with it."] == "allergies"  # follows the sentence before
    assert where["I quit smoking ten years ago."] == "social_history"
    assert where["My father had COPD."] == "family_history"
    assert (
        where["The chest x-ray we did shows a right lower lobe opacity."] == "results"
    )


def test_patient_instructions_put_warning_signs_and_follow_up_apart():
    filed = filed_lines(draft_sections(request_for(PATIENT)))
    by_seq = {seq: key for key, lines in filed.items() for _, seq in lines}
    assert by_seq[25] == "when_to_get_help"
    assert by_seq[26] == "follow_up"


def test_a_section_with_nothing_said_reads_not_discussed():
    spec = {
        **SOAP,
        "sections": [
            *SOAP["sections"],
            {"key": "procedure", "title": "Procedure", "instructions": ""},
        ],
    }
    assert draft_sections(request_for(spec))["procedure"] == "Not discussed."


def test_regenerating_one_section_drafts_only_that_section():
    drafted = draft_sections(request_for(SOAP, only=("plan",)))
    assert list(drafted) == ["plan"]
    assert drafted["plan"] == draft_sections(request_for(SOAP))["plan"]


async def test_the_engine_streams_sections_in_template_order():
    draft = DraftAccumulator()
    async for event in OfflineEngine().stream(request_for(SOAP)):
        draft.add(event)
    assert draft.finished == ["subjective", "objective", "assessment", "plan"]
    assert draft.sections == draft_sections(request_for(SOAP))
