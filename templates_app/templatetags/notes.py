"""Template tags of the notes app, for its own pages and for other apps' pages.

`{% encounter_notes session %}` (the encounter page): the encounter's notes and a
"Generate note" form with a template picker. `{% notes_awaiting %}` (the dashboard):
drafts awaiting the user's signature and notes awaiting their co-signature.
"""

from django import template

from institutions.models import Feature
from institutions.services.permissions import check_feature
from templates_app import selectors

register = template.Library()
AWAITING_LIMIT = 5
STATUS_BADGES = {
    "draft": "badge-warning",
    "signed": "badge-info",
    "cosigned": "badge-success",
}


@register.filter
def mmss(ms) -> str:
    seconds = int(ms or 0) // 1000
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


@register.filter
def cite_label(citation: str) -> str:
    return citation.strip("[]")


@register.filter
def status_badge(status: str) -> str:
    return STATUS_BADGES.get(status, "")


@register.inclusion_tag("templates_app/_encounter_notes.html", takes_context=True)
def encounter_notes(context, session, draft_denial=""):
    """The encounter's notes, and the "Generate note" form only when the person may
    draft and the encounter's state allows it (`session_draft_denial`), else why."""
    user = context["request"].user
    access = check_feature(user, Feature.Code.NOTE_GENERATION)
    return {
        "session": session,
        "notes": list(selectors.notes_for_session(user=user, session_id=session.pk)),
        "can_generate": bool(access)
        and session.owner_id == user.pk
        and not draft_denial,
        "reason": access.reason or draft_denial,
        "templates": list(selectors.template_list_for_user(user=user))
        if access
        else [],
        "last_template_id": selectors.habits_for_user(user=user)["template_id"]
        if access
        else None,
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("templates_app/_notes_awaiting.html", takes_context=True)
def notes_awaiting(context):
    user = context["request"].user
    return {
        "drafts": list(selectors.notes_awaiting_signature(user=user)[:AWAITING_LIMIT]),
        "cosign": list(
            selectors.notes_awaiting_cosignature(user=user)[:AWAITING_LIMIT]
        ),
    }
