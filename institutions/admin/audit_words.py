"""An audit row's details in the product's words, for the admin (issue 27): a
sentence ("feedback given; format: text") instead of JSON. The action's words are
`AuditLog.Action`'s labels (`accounts.selectors.audit_action_label`)."""

import datetime as dt

from noumaris.common.when import when

# A detail that is a yes/no, in words either way.
FLAG_WORDS = {
    "feedback": ("feedback given", "no feedback"),
    "consent": ("consent confirmed", "no consent"),
    "is_senior": ("senior admin", "not senior"),
}


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
