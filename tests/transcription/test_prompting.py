"""The institution's vocabulary reaches Whisper as an initial prompt, within its
limit; the default list does not (it made Whisper write drugs nobody said)
(issue 23, item 2)."""

from transcription.engines.prompting import PROMPT_TOKENS, _tokens, whisper_prompt


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
