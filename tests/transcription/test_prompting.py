"""The institution's vocabulary reaches Whisper as an initial prompt, within its
limit; the default list does not (it made Whisper write drugs nobody said); a
prompted word the audio does not bear out is dropped (issue 23, item 2)."""

from transcription.engines.clinical import shown_words
from transcription.engines.prompting import (
    PROMPT_TOKENS,
    _tokens,
    prompted_words,
    whisper_prompt,
)
from transcription.engines.words import Word, shown_text


def test_the_institutions_vocabulary_is_prompted_once_each():
    prompt = whisper_prompt(["Eliquis", "Xarelto", "eliquis", "metformin"])
    assert prompt == {
        "initial_prompt": "Clinic visit. Medications and conditions: Eliquis, Xarelto."
    }


def test_a_long_vocabulary_is_cut_at_whole_terms_within_whispers_limit():
    terms = [f"Term{n} compound" for n in range(400)]
    prompt = whisper_prompt(terms)["initial_prompt"]
    assert _tokens(prompt) <= PROMPT_TOKENS < 224
    assert prompt.endswith("compound.")


def test_the_default_list_alone_prompts_nothing():
    assert whisper_prompt(None) == {}
    assert whisper_prompt(["metformin", "Hypertension"]) == {}


def test_a_prompted_word_the_audio_does_not_bear_out_is_dropped():
    """Whisper echoes its prompt on a short reply ("and metformin." for "Okay."), at
    a word probability near 0: the alignment that scores words reads no prompt."""
    prompted = prompted_words(whisper_prompt(["Eliquis", "Xarelto"]))
    echo = [Word("and", 0, 100, 0.6), Word("Eliquis.", 100, 400, 0.02)]
    assert shown_words(echo, prompted) is None
    said = [
        Word("continue", 0, 300, 0.9),
        Word("Eliquis", 300, 700, 0.2),
        Word("daily.", 700, 900, 0.9),
    ]
    assert shown_text(shown_words(said, prompted)) == "continue Eliquis daily."
    unsure = [Word("well", 0, 200, 0.9), Word("okay.", 200, 400, 0.02)]
    assert shown_text(shown_words(unsure, prompted)) == "well okay."
    assert shown_text(shown_words(echo, frozenset())) == "and Eliquis."
