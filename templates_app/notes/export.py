"""Export: who may export a note (audited), and the note as plain text, Markdown, or
a FHIR R4 DocumentReference.

Citations (`[S12]`) point into a transcript the receiving EHR does not have, so the
exports leave them out unless asked to keep them.
"""

from __future__ import annotations

import base64
import json
import re

from django.db import transaction
from fhir.resources.R4B.documentreference import DocumentReference

from accounts.models import AuditLog
from institutions.models import Feature
from institutions.services.permissions import check_feature
from institutions.services.supervision import export_denial
from noumaris.common.errors import ForbiddenError
from noumaris.common.when import when, zone_named
from templates_app.generation.citations import CITATION
from templates_app.models import ClinicalNote
from templates_app.notes.base import note_audit
from templates_app.selectors import note_get_for_user, notes_for_user
from templates_app.supervision.selectors import note_needs_cosign

FORMATS = {
    "text": ("text/plain; charset=utf-8", "txt"),
    "markdown": ("text/markdown; charset=utf-8", "md"),
    "fhir": ("application/fhir+json; charset=utf-8", "json"),
}
_SPACE_BEFORE_CITATION = re.compile(r"[ \t]*" + CITATION.pattern)


def note_export_denial(*, user, note: ClinicalNote) -> str:
    """Why `user` may not export or print `note` now, or "" (one home for the rule).

    The attending who co-signed a note may export it; anyone else needs the feature
    `note_export`; and the institution's policy may hold a PGY-1 note until it is
    co-signed.
    """
    cosigned = note.status == ClinicalNote.Status.COSIGNED
    # Patient instructions that need no review are final once signed.
    final = cosigned or (
        note.status == ClinicalNote.Status.SIGNED and not note_needs_cosign(note)
    )
    if not (cosigned and note.supervisor_id == user.pk):
        access = check_feature(user, Feature.Code.NOTE_EXPORT)
        if not access:
            return access.reason
    return export_denial(
        author_id=note.author_id, institution_id=note.institution_id, cosigned=final
    )


@transaction.atomic
def note_export_record(*, user, note_id, fmt: str, ip_address=None) -> ClinicalNote:
    """Check export rights (see `note_export_denial`) and audit the export."""
    access = check_feature(user, Feature.Code.NOTE_EXPORT)
    if access:
        note = note_get_for_user(user=user, note_id=note_id)
    else:
        # Without the feature only the co-signing attending gets further; anyone
        # else hears why before the note is looked up, as before.
        note = _cosigned_by(user=user, note_id=note_id)
        if note is None:
            raise ForbiddenError(access.reason)
    denial = note_export_denial(user=user, note=note)
    if denial:
        raise ForbiddenError(denial)
    note_audit(
        note,
        actor=user,
        action=AuditLog.Action.NOTE_EXPORTED,
        ip_address=ip_address,
        format=fmt,
    )
    return note


def _cosigned_by(*, user, note_id) -> ClinicalNote | None:
    try:
        return (
            notes_for_user(user=user)
            .filter(supervisor=user, status=ClinicalNote.Status.COSIGNED)
            .select_related("author", "supervisor", "session", "institution")
            .filter(pk=int(note_id))
            .first()
        )
    except (TypeError, ValueError):
        return None


# --- The formats ---------------------------------------------------------------


def section_texts(note: ClinicalNote, *, citations: bool) -> list[tuple[str, str]]:
    """(title, text) for each section in the template's order."""
    content = note.sections
    out = []
    for spec in note.section_specs:
        text = content.get(spec["key"], "").strip()
        if not citations:
            text = _SPACE_BEFORE_CITATION.sub("", text)
        out.append((spec["title"], text or "Not documented."))
    return out


def note_zone(note: ClinicalNote):
    """The zone a note's times are read in: its institution's (UTC, named, for a
    physician's, whose browser zone an export cannot know)."""
    return zone_named(note.institution.timezone if note.institution_id else None)


def _status_line(note: ClinicalNote) -> str:
    author = note.author.get_full_name() or note.author.username
    if note.status == ClinicalNote.Status.DRAFT:
        return f"DRAFT - not signed. Author: {author}."
    zone = note_zone(note)
    line = f"Signed by {author} on {when(note.signed_at, zone)}."
    if note.supervisor_id:
        attending = note.supervisor.get_full_name() or note.supervisor.username
        if note.status == ClinicalNote.Status.COSIGNED:
            line += f" Co-signed by {attending} on {when(note.cosigned_at, zone)}."
        else:
            line += f" Awaiting co-signature by {attending}."
    return line


def attestation_lines(note: ClinicalNote) -> list[str]:
    """The co-signing attending's attestation, addendum and signature, or []."""
    if note.status != ClinicalNote.Status.COSIGNED or not note.attestation:
        return []
    attending = note.supervisor.get_full_name() or note.supervisor.username
    lines = [note.attestation]
    if note.attestation_addendum:
        lines += ["", f"Addendum: {note.attestation_addendum}"]
    return [*lines, "", f"{attending}, {when(note.cosigned_at, note_zone(note))}"]


def note_as_text(note: ClinicalNote, *, citations: bool = False) -> str:
    lines = [note.title.upper(), _status_line(note), ""]
    for title, text in section_texts(note, citations=citations):
        lines += [title.upper(), text, ""]
    if attestation := attestation_lines(note):
        lines += ["ATTESTATION OF THE TEACHING PHYSICIAN", *attestation, ""]
    return "\n".join(lines).rstrip() + "\n"


def note_as_markdown(note: ClinicalNote, *, citations: bool = False) -> str:
    lines = [f"# {note.title}", "", f"_{_status_line(note)}_", ""]
    for title, text in section_texts(note, citations=citations):
        lines += [f"## {title}", "", text, ""]
    if attestation := attestation_lines(note):
        lines += ["## Attestation of the teaching physician", "", *attestation, ""]
    return "\n".join(lines).rstrip() + "\n"


def is_final(note: ClinicalNote) -> bool:
    return note.status == ClinicalNote.Status.COSIGNED or (
        note.status == ClinicalNote.Status.SIGNED and note.supervisor_id is None
    )


def note_as_fhir(note: ClinicalNote, *, citations: bool = False) -> dict:
    """A FHIR R4 DocumentReference, validated by fhir.resources before it leaves."""
    code, display = note.template_snapshot.get("loinc") or ("34109-9", "Note")
    markdown = note_as_markdown(note, citations=citations)
    resource = {
        "resourceType": "DocumentReference",
        "id": f"noumaris-note-{note.pk}",
        "identifier": [{"system": "urn:noumaris:note", "value": str(note.pk)}],
        "status": "current",
        "docStatus": "final" if is_final(note) else "preliminary",
        "type": {
            "coding": [
                {"system": "http://loinc.org", "code": code, "display": display}
            ],
            "text": note.title,
        },
        "date": (note.signed_at or note.updated_at).isoformat(),
        "author": [_person(note.author)],
        "description": note.title,
        "content": [
            {
                "attachment": {
                    "contentType": "text/markdown",
                    "language": "en",
                    "data": base64.b64encode(markdown.encode()).decode(),
                    "title": note.title,
                    "creation": note.created_at.isoformat(),
                }
            }
        ],
        "context": {
            "period": _period(note),
        },
    }
    if note.status == ClinicalNote.Status.COSIGNED and note.supervisor_id:
        resource["authenticator"] = _person(note.supervisor)
        if note.attestation:
            resource["content"].append(_attestation_content(note))
    if note.institution_id:
        resource["custodian"] = {"display": note.institution.name}
    return DocumentReference.model_validate(resource).model_dump(mode="json")


def _person(user) -> dict:
    """A FHIR Reference to a Noumaris user: their name and their user id."""
    return {
        "display": user.get_full_name() or user.username,
        "identifier": {"system": "urn:noumaris:user", "value": str(user.pk)},
    }


def _attestation_content(note: ClinicalNote) -> dict:
    """The attestation again, on its own, for receivers that file it separately."""
    text = "\n".join(attestation_lines(note)) + "\n"
    return {
        "attachment": {
            "contentType": "text/plain",
            "language": "en",
            "data": base64.b64encode(text.encode()).decode(),
            "title": "Attestation of the teaching physician",
            "creation": note.cosigned_at.isoformat(),
        }
    }


def _period(note: ClinicalNote) -> dict:
    session = note.session
    period = {"start": session.started_at.isoformat()}
    if session.ended_at:
        period["end"] = session.ended_at.isoformat()
    return period


def note_export_body(note: ClinicalNote, fmt: str, *, citations: bool = False):
    """(body, content type, file name) of the note in `fmt`."""
    content_type, extension = FORMATS[fmt]
    if fmt == "fhir":
        body = json.dumps(note_as_fhir(note, citations=citations), indent=2)
    elif fmt == "markdown":
        body = note_as_markdown(note, citations=citations)
    else:
        body = note_as_text(note, citations=citations)
    return body, content_type, f"note-{note.pk}.{extension}"
