"""The verifier: every statement checked against the segments it cites."""

import pytest

from templates_app.generation.verify import statements, support, verify_sections
from tests.templates_app.transcripts import ENCOUNTER

SEGMENTS = {seq: text for seq, (_, text) in enumerate(ENCOUNTER, start=1)}


def kinds(text: str) -> list[str]:
    return [flag.kind for flag in verify_sections({"s": text}, SEGMENTS)]


@pytest.mark.parametrize(
    "statement",
    [
        "Cough for 5 days, started after a cold. [S2]",
        "Tmax 38.6 at home with chills. [S4, S5]",
        "Sharp right-sided chest pain with cough. [S7]",
        "Lisinopril 10 mg daily; albuterol inhaler as needed. [S11]",
        "Allergic to penicillin (hives). [S13]",
        "Start doxycycline 100 mg twice daily for 7 days. [S23]",
        "Former smoker, quit 10 years ago. [S15]",
        "HR 104, BP 132/84. [S20]",
        "Follow up in 1 week. [S26]",
        "Not discussed.",
    ],
)
def test_a_statement_its_segments_carry_is_not_flagged(statement):
    assert kinds(statement) == []


@pytest.mark.parametrize(
    ("section", "statement", "kind", "words"),
    [
        ("plan", "Start doxycycline 200 mg twice daily. [S23]", "number", "200"),
        ("exam", "Crackles at the left base. [S19]", "laterality", "left"),
        ("medications", "Lisinopril 10 mg daily and metformin. [S11]", "drug", "metformin"),
        ("hpi", "Denies chills. [S4, S5]", "negation", "chill"),
        ("hpi", "Denies fever. [S3]", "negation", "fever"),
        ("plan", "Follow up in 1 week. [S99]", "missing_segment", "S99"),
        ("plan", "Follow up in one week.", "uncited", "cites no"),
        ("plan", "Blood cultures were drawn and are pending. [S26]", "weak_support", "0%"),
    ],
)  # fmt: skip
def test_what_its_segments_do_not_carry_is_flagged(section, statement, kind, words):
    (flag,) = verify_sections({section: statement}, SEGMENTS)
    assert flag.kind == kind and words in flag.message
    assert flag.section == section
    if kind not in ("uncited", "missing_segment"):
        assert flag.cited_words == " ".join(SEGMENTS[s] for s in flag.seqs)


def test_brand_and_generic_names_are_one_drug():
    segments = {1: "I take Tylenol for the pain."}
    assert verify_sections({"s": "Takes acetaminophen for pain. [S1]"}, segments) == []


def test_a_question_answered_no_is_a_denial():
    segments = {1: "Any chest pain?", 2: "No."}
    assert verify_sections({"s": "Denies chest pain. [S1, S2]"}, segments) == []
    (flag,) = verify_sections({"s": "Reports chest pain. [S1, S2]"}, segments)
    assert flag.kind == "negation"


def test_statements_split_at_their_citations():
    text = "Cough. [S1] [S2]\nFever 38.6 [S3].\n- Uncited line\nLast one. Not cited."
    found = [(s.text, s.seqs) for s in statements("s", text)]
    assert found == [
        ("Cough.", (1, 2)),
        ("Fever 38.6", (3,)),
        ("Uncited line", ()),
        ("Last one.", ()),
        ("Not cited.", ()),
    ]


def test_support_is_the_share_of_content_words_in_the_cited_text():
    assert support("Cough for five days.", "I've had a cough for 5 days.") == 1.0
    assert support("Cough.", "anything") is None  # too short to measure


def side_flags(sections: dict[str, str], **kwargs) -> list[tuple[str, str]]:
    return [
        (flag.section, flag.statement)
        for flag in verify_sections(sections, {}, **kwargs)
        if flag.kind == "side_conflict"
    ]


def test_a_part_put_on_the_other_side_than_the_rest_of_the_note_is_flagged():
    """D2N080 on ACI-Bench valid: a left-knee visit whose dictated exam says "right
    knee" once. Each statement is true to its words; the note is not."""
    note = {
        "subjective": "Left knee pain for two weeks. The left knee gives way.",
        "objective": "Right knee: no ecchymosis or edema, no effusion.\n"
        "Left knee x-ray: no fracture.",
        "assessment": "Left knee pain, likely arthritis.",
    }
    flags = verify_sections(note, {})
    (flag,) = [f for f in flags if f.kind == "side_conflict"]
    assert (flag.section, flag.statement) == (
        "objective",
        "Right knee: no ecchymosis or edema, no effusion.",
    )
    assert flag.message == (
        "Right knee here, left knee in 4 other statements of the note: check the side."
    )


def test_sides_that_agree_or_are_compared_in_one_statement_are_not_flagged():
    assert side_flags({"s": "Right knee pain.", "a": "Right knee sprain."}) == []
    assert (
        side_flags(
            {"o": "Right knee swollen, left knee normal.", "a": "Right knee sprain."}
        )
        == []
    )
    # another part, or "right" that says where, not which side
    assert side_flags({"s": "Left knee pain.", "o": "Right wrist normal."}) == []
    assert side_flags({"s": "Left shoulder pain, right at the shoulder."}) == []


def test_as_many_statements_on_each_side_flag_them_all():
    note = {"s": "Pain in the right ankle.", "a": "Left ankle sprain."}
    assert sorted(side_flags(note)) == [
        ("a", "Left ankle sprain."),
        ("s", "Pain in the right ankle."),
    ]


def test_a_section_checked_alone_is_compared_with_the_whole_note():
    note = {
        "s": "Left knee pain.",
        "o": "Right knee: no effusion.",
        "a": "Left knee pain.",
    }
    assert side_flags({"o": note["o"]}) == []  # alone it agrees with itself
    assert side_flags({"o": note["o"]}, note=note) == [
        ("o", "Right knee: no effusion.")
    ]
    assert side_flags({"s": note["s"]}, note=note) == []  # the majority side


def test_a_decimal_said_as_a_full_stop_is_read_as_the_drafter_reads_it():
    """ACI-Bench's "ninety eight . two" is 98.2 to the drafter: the verifier no longer
    flags the temperature it wrote (D2N080), and still flags one nobody said."""
    cited = {1: "your temperature is ninety eight . two your pulse is seventy two"}
    assert verify_sections({"o": "T 98.2 HR 72. [S1]"}, cited) == []
    (flag,) = verify_sections({"o": "T 98.6 HR 72. [S1]"}, cited)
    assert flag.message == "98.6: not said in the cited segments."
    stone = {1: "it shows a . five centimeter kidney stone"}
    assert verify_sections({"o": "A 0.5 cm stone. [S1]"}, stone) == []


@pytest.mark.parametrize(
    ("statement", "cited", "answer"),
    [
        # the question is the turn's last phrase, not the "any" before it (D2N080)
        (
            "Will order a lipid panel. [S1]",
            "i wan na order a hemoglobin a1c to see if we need to make any adjustments "
            "to your metformin and i'm also gon na order a lipid panel okay do you have "
            "any questions",
            "no",
        ),
        # "and hmmm no not really" answers no (D2N080)
        (
            "It is not interfering with the things the patient likes to do. [S1]",
            "so is it interfering with your just things you like to do",
            "and hmmm no not really",
        ),
    ],
)
def test_an_unpunctuated_question_takes_its_answer_and_no_more(
    statement, cited, answer
):
    assert [
        f.kind for f in verify_sections({"p": statement}, {1: cited, 2: answer})
    ] == []


def test_a_denial_the_answer_does_not_give_is_still_flagged():
    cited = {
        1: "so is it interfering with your just things you like to do",
        2: "and hmmm yes a lot",
    }
    (flag,) = verify_sections(
        {"s": "It is not interfering with daily activities. [S1]"}, cited
    )
    assert flag.kind == "negation"


def test_is_that_asks_too():
    """D2N080: "is that where you would be kicking your leg out" "no ..."."""
    cited = {
        1: "is that where you would be kicking your leg out or something",
        2: "no it's do n't you know what line dancing is like",
    }
    statement = "That is not where the patient would be kicking their leg out. [S1-S2]"
    assert verify_sections({"s": statement}, cited) == []
