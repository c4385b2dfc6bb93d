"""Where a category of statement goes in a template: its own section, or by FALLBACK
the nearest one the template has."""

from __future__ import annotations

# Where a category goes when the template has no section of its own for it.
FALLBACK: dict[str, tuple[str, ...]] = {
    "complaint": ("history",),
    "history": ("course",),
    "review": ("history", "course"),
    "past_history": ("history", "course"),  # a discharge: the problems it came with
    "medications": ("past_history", "history"),
    "allergies": ("medications", "past_history", "history"),
    # a discharge summary has no history of its own: its hospital course holds it
    "social": ("past_history", "history", "course"),
    "family": ("past_history", "history", "course"),
    "mental": ("history", "course"),
    "risk": ("mental", "history", "course"),
    "course": ("history",),
    "exam": ("results",),
    "results": ("exam",),
    "assessment": ("plan", "complaint"),
    "plan": ("assessment", "followup"),
    "followup": ("plan", "disposition", "assessment"),
    "warnings": ("followup", "plan"),
    "disposition": ("plan", "followup"),
    "procedure": ("plan", "followup"),  # a discharge: what is still to be done
    "complication": ("procedure", "plan", "followup"),
}


def section_for(category: str, owner: dict[str, str]) -> str | None:
    for candidate in (category, *FALLBACK.get(category, ())):
        if candidate in owner:
            return owner[candidate]
    return None
