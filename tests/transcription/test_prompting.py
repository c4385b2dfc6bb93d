"""Clinical vocabulary reaches Whisper as an initial prompt, within its limit
(issue 23, item 2)."""

from transcription.engines.prompting import PROMPT_TOKENS, _tokens, whisper_prompt


def test_the_institutions_vocabulary_comes_first_then_the_default_list():
    prompt = whisper_prompt(["Eliquis", "apixaban", "eliquis"])["initial_prompt"]
    assert prompt.startswith("Clinic visit. Medications and conditions: Eliquis, ")
    assert prompt.count("Eliquis") == 1
    assert "methotrexate" in prompt and prompt.endswith(".")


def test_a_long_vocabulary_is_cut_at_whole_terms_within_whispers_limit():
    terms = [f"Term{n} compound" for n in range(400)]
    prompt = whisper_prompt(terms)["initial_prompt"]
    assert _tokens(prompt) <= PROMPT_TOKENS < 224
    assert prompt.endswith("compound.")
    assert "metformin" not in prompt  # the institution's own terms came first


def test_no_vocabulary_means_the_default_list():
    assert "metformin" in whisper_prompt(None)["initial_prompt"]
