"""What was never said, read as the attending who signs: a condition whose
consequence never came ("If those tests come back fine, then."), a clause whose main
clause never came ("When he is flexing his knee."), and the examiner's instruction
("Will have him flex his knee.") that is no finding. Used by attending.signable.
"""

from __future__ import annotations

import re

from templates_app.generation.offline import language

FACT = re.compile(r"\d|\b(?:left|right|bilateral\w*)\b", re.I)
THEN = re.compile(r"(?:,\s*|\s+)(?:and |like,?\s*)?then$", re.I)
CONDITION = re.compile(r"(?:^|,\s*|\s+(?:so|and|but)\s+)(?:if|when|once)\b", re.I)


def consequence_unsaid(text: str) -> str:
    """ "If those tests come back fine, then." : what follows was never said. The
    condition goes with its "then"; before it, what stands alone stays ("Do this for
    12 weeks, and then." -> "Do this for 12 weeks")."""
    if not THEN.search(text):
        return text
    text = THEN.sub("", text)
    condition = CONDITION.search(text)
    if condition is None:
        return text
    kept = text[: condition.start()].strip(" ,;")
    if len(kept.split()) >= 4 or re.search(r"\d", text) is None:
        return kept
    return text


SUBORDINATE = re.compile(
    r"^(?:when|whenever|if|unless|while|although|though|aside from|except(?: for)?|"
    r"other than|as long as|once|until)\b",
    re.I,
)
SUBJECT_VERB = re.compile(
    r"(?<!that )(?<!who )(?<!which )\b(?:he|she|they|it|there|the patient)(?:'s| \w+)",
    re.I,
)


def clause_alone(text: str) -> bool:
    """ "When he is flexing his knee.", "If his symptoms don't improve.": a clause
    whose main clause was never said, left out when it holds no number or drug."""
    low = text.lower()
    head = SUBORDINATE.match(low)
    if not head or "," in low or re.search(r"\d", low) or language.drugs(text):
        return False
    # "when he walks he has pain": a second subject opens the main clause
    needed = 1 if head.group(0) in {"aside from", "except", "except for",
                                    "other than"} else 2  # fmt: skip
    return len(SUBJECT_VERB.findall(low[head.end() :])) < needed


EXAM_COMMAND = re.compile(
    r"^(?:will )?(?:have (?:him|her|them|the patient) )?(?:(?:turn|flex|extend|bend|"
    r"push|pull|squeeze|lift|raise|stand|lie|sit|walk|rotate|move|look|follow|open|"
    r"relax|point|touch)(?: (?:up|out|in|down|back|over|forward))? (?:(?:your|his|her|"
    r"their) \w+|it|that|for me)\b|(?:cough|breathe)\W*$|take a (?:deep|big) breath|"
    r"press (?:down )?on (?:the|your|his|her|their)\b)",
    re.I,
)
FOUND = re.compile(
    r"\b(?:pain\w*|tender\w*|positive|negative|normal|limited|decreased|full|intact|"
    r"weak\w*|strength|crepitus|laxity|unable|able)\b",
    re.I,
)


def exam_command(text: str) -> bool:
    """ "Will have him flex his knee.": the examiner's instruction, not a finding."""
    return bool(
        EXAM_COMMAND.match(text) and not FOUND.search(text) and not FACT.search(text)
    )
