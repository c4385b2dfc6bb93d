"""How a speaker is named on every page: 'Speaker 1' for speaker number 0 (the
engines count from 0, people from 1), or the role the clinician gave them."""

from transcription.models import SpeakerRole

ROLE_LABELS = dict(SpeakerRole.choices)


def speaker_name(speaker: int | None, roles: dict | None = None) -> str:
    """`Patient`, or `Family member (Speaker 3)` when two speakers share the role,
    or `Speaker 2` when no role is named."""
    if speaker is None:
        return ""
    roles = roles or {}
    number = f"Speaker {int(speaker) + 1}"
    role = roles.get(str(speaker))
    if role not in ROLE_LABELS:
        return number
    if list(roles.values()).count(role) > 1:
        return f"{ROLE_LABELS[role]} ({number})"
    return ROLE_LABELS[role]
