"""Transcription: own sessions only (admins see counts in usage, never text),
tickets need the feature, WebSocket metrics are for superadmins."""

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.api.matrix import FORMER, Row, while_active
from tests.transcription.factories import session_with_segments

OWN = "transcription/sessions/<id:pk>"


def _granted(status: int) -> dict[str, int]:
    """`status` for the users granted live transcription, 403 for the others."""
    granted = ("resident", "riverside_resident", "physician")
    return {"anonymous": 401, **dict.fromkeys(granted, status), "*": 403}


def _session(c, name: str):
    return session_with_segments(getattr(c, name), count=2)


def _former_session(c, suffix: str = "") -> str:
    """A session the former resident recorded before graduating."""
    session = while_active(
        c.former_resident, lambda: session_with_segments(c.former_resident, count=2)
    )
    return f"/api/v1/transcription/sessions/{session.pk}{suffix}"


FORMER_ONLY = {"anonymous": 401, "former_resident": 403, "*": 404}
FORMER_ROWS = [
    Row(route=f"GET {OWN}", label=FORMER, url=_former_session, expect=FORMER_ONLY),
    Row(
        route=f"GET {OWN}/segments",
        label=FORMER,
        url=lambda c: _former_session(c, "/segments"),
        expect=FORMER_ONLY,
    ),
    Row(
        route=f"PATCH {OWN}/speakers",
        label=FORMER,
        url=lambda c: _former_session(c, "/speakers"),
        data=lambda c: {"roles": {"0": "patient"}},
        expect=FORMER_ONLY,
    ),
    Row(
        route=f"PATCH {OWN}/segments/<id:seq>",
        label=FORMER,
        url=lambda c: _former_session(c, "/segments/1"),
        data=lambda c: {"text": "Corrected words."},
        expect=FORMER_ONLY,
    ),
    Row(
        route=f"PATCH {OWN}/segments/<id:seq>/role",
        label=FORMER,
        url=lambda c: _former_session(c, "/segments/1/role"),
        data=lambda c: {"role": "patient"},
        expect=FORMER_ONLY,
    ),
]


ROWS = [
    Row(
        route="GET transcription/sessions",
        url=lambda c: "/api/v1/transcription/sessions",
        expect={"anonymous": 401, "*": 200},
    ),
    Row(
        route=f"GET {OWN}",
        label="resident's own session",
        url=lambda c: f"/api/v1/transcription/sessions/{_session(c, 'resident').pk}",
        expect={"anonymous": 401, "resident": 200, "*": 404},
    ),
    Row(
        route=f"GET {OWN}",
        label="Riverside's session",
        url=lambda c: (
            f"/api/v1/transcription/sessions/{_session(c, 'riverside_resident').pk}"
        ),
        expect={"anonymous": 401, "riverside_resident": 200, "*": 404},
    ),
    Row(
        route=f"GET {OWN}/segments",
        label="resident's own session",
        url=lambda c: (
            f"/api/v1/transcription/sessions/{_session(c, 'resident').pk}/segments"
        ),
        expect={"anonymous": 401, "resident": 200, "*": 404},
    ),
    Row(
        route=f"GET {OWN}/segments",
        label="Riverside's session",
        url=lambda c: (
            f"/api/v1/transcription/sessions/{_session(c, 'riverside_resident').pk}/segments"
        ),
        expect={"anonymous": 401, "riverside_resident": 200, "*": 404},
    ),
    Row(
        route=f"PATCH {OWN}/speakers",
        label="resident's own session",
        url=lambda c: (
            f"/api/v1/transcription/sessions/{_session(c, 'resident').pk}/speakers"
        ),
        data=lambda c: {"roles": {"0": "patient"}},
        expect={"anonymous": 401, "resident": 200, "*": 404},
    ),
    Row(
        route=f"PATCH {OWN}/speakers",
        label="Riverside's session",
        url=lambda c: (
            "/api/v1/transcription/sessions/"
            f"{_session(c, 'riverside_resident').pk}/speakers"
        ),
        data=lambda c: {"roles": {"0": "patient"}},
        expect={"anonymous": 401, "riverside_resident": 200, "*": 404},
    ),
    Row(
        route=f"PATCH {OWN}/segments/<id:seq>",
        label="resident's own session",
        url=lambda c: (
            f"/api/v1/transcription/sessions/{_session(c, 'resident').pk}/segments/1"
        ),
        data=lambda c: {"text": "Corrected words."},
        expect={"anonymous": 401, "resident": 200, "*": 404},
    ),
    Row(
        route=f"PATCH {OWN}/segments/<id:seq>",
        label="Riverside's session",
        url=lambda c: (
            "/api/v1/transcription/sessions/"
            f"{_session(c, 'riverside_resident').pk}/segments/1"
        ),
        data=lambda c: {"text": "Corrected words."},
        expect={"anonymous": 401, "riverside_resident": 200, "*": 404},
    ),
    Row(
        route=f"PATCH {OWN}/segments/<id:seq>/role",
        label="resident's own session",
        url=lambda c: (
            f"/api/v1/transcription/sessions/{_session(c, 'resident').pk}/segments/1/role"
        ),
        data=lambda c: {"role": "family"},
        expect={"anonymous": 401, "resident": 200, "*": 404},
    ),
    Row(
        route=f"PATCH {OWN}/segments/<id:seq>/role",
        label="Riverside's session",
        url=lambda c: (
            "/api/v1/transcription/sessions/"
            f"{_session(c, 'riverside_resident').pk}/segments/1/role"
        ),
        data=lambda c: {"role": "family"},
        expect={"anonymous": 401, "riverside_resident": 200, "*": 404},
    ),
    Row(
        route="POST transcription/sessions/import",
        url=lambda c: "/api/v1/transcription/sessions/import",
        data=lambda c: {"transcript": "Doctor: Any pain?", "consent": True},
        expect=_granted(201),
    ),
    Row(
        # Not audio: whoever may upload gets past the permission to the check (422).
        route="POST transcription/sessions/upload",
        url=lambda c: "/api/v1/transcription/sessions/upload",
        data=lambda c: {
            "file": SimpleUploadedFile("a.mp3", b"not audio" * 50),
            "consent": "true",
        },
        format="multipart",
        expect=_granted(422),
    ),
    Row(
        route="POST transcription/tickets",
        url=lambda c: "/api/v1/transcription/tickets",
        expect=_granted(201),
    ),
    Row(
        route="GET admin/superadmin/websocket-metrics",
        url=lambda c: "/api/v1/admin/superadmin/websocket-metrics",
        expect={"anonymous": 401, "superadmin": 200, "*": 403},
    ),
] + FORMER_ROWS
