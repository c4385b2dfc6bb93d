"""The audit log in the product's words, for the admin (issue 27): an action as a
phrase ("Note co-signed"), details as a sentence ("feedback given; format: text"),
times in the viewer's zone. Until audit actions are one TextChoices with their labels,
the phrases that the generic rule ("NOTE_SIGNED" -> "Note signed") gets wrong live
here; reconcile with the TextChoices' labels when it lands."""

import datetime as dt

from accounts.selectors import audit_action_label
from noumaris.when import when

ACTION_WORDS = {
    "NOTE_COSIGNED": "Note co-signed",
    "NOTE_FLAG_CONFIRMED": "Flagged statement confirmed as checked",
    "NOTE_FLAGS_RESOLVED": "Flagged statements resolved",
    "SIGN_IN_LOCKED_OUT": "Sign-in locked out",
    "SIGN_IN_UNLOCKED": "Sign-in unlocked",
    "API_TOKEN_ISSUED": "API token issued",
    "API_TOKEN_REVOKED": "API token revoked",
    "RECORDING_AUDIO_PLAYED": "Recording played",
    "RECORDING_AUDIO_DELETED": "Recording deleted",
    "SUPERADMIN_GRANTED": "Superadmin role given",
    "SUPERADMIN_REVOKED": "Superadmin role taken away",
    "INSTITUTION_RECORDINGS_CHANGED": "Recordings settings changed",
    "TRANSCRIPTION_STARTED": "Recording started",
    "TRANSCRIPTION_STOPPED": "Recording stopped",
}

# A detail that is a yes/no, in words either way.
FLAG_WORDS = {
    "feedback": ("feedback given", "no feedback"),
    "consent": ("consent confirmed", "no consent"),
    "is_senior": ("senior admin", "not senior"),
}


def action_words(action: str) -> str:
    return ACTION_WORDS.get(action) or audit_action_label(action)


def details_words(details: dict | None) -> str:
    """`{"feedback": true, "format": "text"}` -> "feedback given; format: text"."""
    parts = [_detail(key, value) for key, value in (details or {}).items()]
    return "; ".join(part for part in parts if part) or "—"


def _detail(key: str, value) -> str:
    if isinstance(value, bool):
        yes, no = FLAG_WORDS.get(key, (key.replace("_", " "), f"no {key}"))
        return yes if value else no
    name = key.removesuffix("_id").replace("_", " ")
    if value is None or value == "" or value == []:
        return ""
    if key.endswith("_id"):
        return f"{name} #{value}"
    if isinstance(value, list):
        return f"{name}: {', '.join(str(v) for v in value)}"
    if isinstance(value, dict):
        return f"{name}: {details_words(value)}"
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-":
        try:
            return f"{name}: {when(dt.datetime.fromisoformat(value))}"
        except ValueError:
            pass
    return f"{name}: {value}"
