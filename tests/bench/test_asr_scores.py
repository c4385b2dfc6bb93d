"""bench/asr.py's number score (issue 23's number accuracy): each number with a unit
said is matched once by one written, and a thousand keeps its comma."""

from collections import Counter

from bench.asr_scores import quantities_missed


def test_a_dose_said_twice_must_be_written_twice():
    said, missed = quantities_missed(
        "two puffs twice a day. order albuterol, two puffs as needed.",
        "2 puffs twice a day. order albuterol as needed.",
    )
    assert said == Counter({2.0: 2})
    assert missed == Counter({2.0: 1})


def test_a_number_is_kept_only_with_its_unit_written():
    said, missed = quantities_missed(
        "ultram, 50 milligrams every four hours as needed",
        "ultram, 50 mg every for hours as needed",
    )
    assert said == Counter({50.0: 1, 4.0: 1})
    assert missed == Counter({4.0: 1})


def test_a_thousand_written_with_a_comma_is_one_number():
    said, missed = quantities_missed(
        "increase your metformin to 1,000 milligrams twice daily",
        "increase your metformin to 1000 mg twice daily",
    )
    assert said == Counter({1000.0: 1})
    assert not missed


def test_a_blood_pressure_said_colloquially_is_read_in_hundreds():
    said, missed = quantities_missed(
        "blood pressure is one thirty over sixty eight", "blood pressure is 130/68"
    )
    assert said == Counter({130.0: 1})
    assert not missed


def test_a_unit_as_the_transcript_abbreviates_it_counts():
    said, missed = quantities_missed(
        "you take one gram four times a day", "1 g 4 times"
    )
    assert said == Counter({1.0: 1, 4.0: 1})
    assert not missed
