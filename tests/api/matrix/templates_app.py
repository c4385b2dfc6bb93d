"""Templates, tags and notes: who may call each operation, on whose objects.

A note is seen by its author and the attending it names; to everyone else it is 404.
Feature checks (note_generation, custom_templates, note_export) answer 403 with the
reason before the object is looked up.
"""

from templates_app.library import template_create_personal, template_seed_global
from templates_app.models import NoteTemplate
from templates_app.notes.services import note_create
from templates_app.notes.signoff import note_sign
from templates_app.seed_data import SOAP
from templates_app.supervision.selectors import attestation_options
from templates_app.supervision.services import attestation_defaults_ensure
from tests.api.matrix import FORMER, Row, while_active
from tests.templates_app.conftest import record_encounter
from tests.templates_app.helpers import generate
from tests.templates_app.transcripts import ENCOUNTER


def soap():
    return template_seed_global(spec=SOAP)[0]


# Who may reach a note does not hang on how long its encounter was: eight of the
# suite's lines (complaint, history, exam, plan) draft a note with every section
# filled, at a third of the whole encounter's cost in recording and drafting.
SHORT_ENCOUNTER = [ENCOUNTER[i] for i in (0, 1, 2, 10, 11, 17, 21, 22)]


def note_of(user, *, drafted=True, lines=None):
    session = record_encounter(user, SHORT_ENCOUNTER if lines is None else lines)
    note = note_create(user=user, session_id=session.pk, template_id=soap().pk)
    if drafted:
        generate(note, user)
    return note


def job_url(user, suffix: str = "") -> str:
    """The URL of the (finished) draft job of a note of `user`'s."""
    note = note_of(user)
    job = note.draft_jobs.get()
    return f"/api/v1/notes/{note.pk}/jobs/{job.pk}{suffix}"


def latest_revision(note) -> int:
    return note.revisions.order_by("-number").values_list("number", flat=True)[0]


def flag_url(user) -> str:
    """A draft of `user`'s with one open flag, as the verifier stores it."""
    from templates_app.models import StatementFlag

    note = note_of(user)
    flag = StatementFlag.objects.create(
        note=note,
        section_key="plan",
        statement="Start doxycycline 200 mg.",
        kind=StatementFlag.Kind.NUMBER,
        message="200 is not in the cited words.",
        seqs=[7],
    )
    return f"/api/v1/notes/{note.pk}/flags/{flag.pk}/confirm"


def signed_note(c, author=None):
    author = author or c.resident
    note = note_of(author)
    note_sign(user=author, note_id=note.pk, supervisor_id=c.attending.pk)
    return note


def former_note(c, *, signed=False):
    """A note of the former resident's, drafted (and signed) before they graduated."""
    author = c.former_resident
    return while_active(
        author, lambda: signed_note(c, author) if signed else note_of(author)
    )


def former_job_url(c, suffix: str = "") -> str:
    return while_active(c.former_resident, lambda: job_url(c.former_resident, suffix))


def first_attestation_of(institution) -> int:
    attestation_defaults_ensure(institution_id=institution.pk)
    return attestation_options(institution_id=institution.pk)[0].pk


def personal_template(user):
    return template_create_personal(
        user=user, name="Mine", sections=[{"title": "Only"}]
    )


def riverside_template(c):
    return NoteTemplate.objects.create(
        name="Riverside ED",
        slug="riverside-ed",
        scope=NoteTemplate.Scope.INSTITUTION,
        institution=c.riverside,
    )


TEMPLATE_BODY = {"name": "Mine", "sections": [{"title": "History"}]}
ONLY_FEATURED = {"anonymous": 401, "resident": 201, "riverside_resident": 201}
NO_FEATURE = {
    name: 403
    for name in [
        "admin",
        "admin2",
        "attending",
        "resident2",
        "riverside_admin",
        "former_resident",
        "superadmin",  # runs the platform: no clinical feature (issue 27)
    ]
}
# The former resident's own note: 403 with the reason for them, 404 for the others
# (the attending too, on a draft that names nobody yet).
FORMER_ONLY = {"anonymous": 401, "former_resident": 403, "*": 404}


def _former(route: str, url, *, data=None, expect=FORMER_ONLY, label="") -> Row:
    return Row(
        route=route,
        label=f"{FORMER} {label or 'note'}",
        url=url,
        data=data,
        expect=expect,
    )


FORMER_ROWS = [
    _former("GET notes/<id:pk>", lambda c: f"/api/v1/notes/{former_note(c).pk}"),
    _former(
        "PATCH notes/<id:pk>",
        lambda c: f"/api/v1/notes/{former_note(c).pk}",
        data=lambda c: {"sections": {"plan": "Rest. [S24]"}, "revision": 1},
    ),
    _former(
        "POST notes/<id:pk>/flags/<id:flag_id>/confirm",
        lambda c: while_active(c.former_resident, lambda: flag_url(c.former_resident)),
        data=lambda c: {},
    ),
    _former(
        "POST notes/<id:pk>/generate",
        lambda c: f"/api/v1/notes/{former_note(c).pk}/generate",
        data=lambda c: {},
        expect={"anonymous": 401, "former_resident": 403, **NO_FEATURE, "*": 404},
    ),
    _former("GET notes/<id:pk>/jobs/<id:job>", lambda c: former_job_url(c)),
    _former(
        "GET notes/<id:pk>/jobs/<id:job>/events",
        lambda c: former_job_url(c, "/events"),
        label="draft, replayed",
    ),
    _former(
        "POST notes/<id:pk>/jobs/<id:job>/cancel",
        lambda c: former_job_url(c, "/cancel"),
    ),
    _former(
        "POST notes/<id:pk>/sign",
        lambda c: f"/api/v1/notes/{former_note(c).pk}/sign",
        data=lambda c: {"supervisor": c.attending.pk},
    ),
    _former(
        "POST notes/<id:pk>/cosign",
        lambda c: f"/api/v1/notes/{former_note(c, signed=True).pk}/cosign",
        data=lambda c: {
            "attestation": first_attestation_of(c.demo_hospital),
            "scores": {"accurate": 4},
            "comment": "Good.",
        },
        # The attending still co-signs what was signed before the residency ended.
        expect={**FORMER_ONLY, "attending": 200},
        label="signed note",
    ),
    _former(
        "POST notes/<id:pk>/return",
        lambda c: f"/api/v1/notes/{former_note(c, signed=True).pk}/return",
        data=lambda c: {"comment": "Add the vitals."},
        expect={**FORMER_ONLY, "attending": 200},
        label="signed note",
    ),
    _former(
        "GET notes/<id:pk>/revisions",
        lambda c: f"/api/v1/notes/{former_note(c, signed=True).pk}/revisions",
        expect={**FORMER_ONLY, "attending": 200},
        label="signed note",
    ),
    _former(
        "GET notes/<id:pk>/export",
        lambda c: f"/api/v1/notes/{former_note(c, signed=True).pk}/export",
        expect={**FORMER_ONLY, **NO_FEATURE, "physician": 403},
        label="signed note",
    ),
]

ROWS = (
    [
        Row(
            route="GET supervision/queue",
            label="the caller's own queue (empty for anyone not supervising)",
            url=lambda c: "/api/v1/supervision/queue",
            expect={"anonymous": 401, "*": 200},
        ),
        Row(
            route="GET me/feedback",
            label="the caller's own feedback only",
            url=lambda c: "/api/v1/me/feedback",
            expect={"anonymous": 401, "*": 200},
        ),
        Row(
            route="GET attestations",
            label="the caller's institution's list, empty outside one",
            url=lambda c: "/api/v1/attestations",
            expect={"anonymous": 401, "*": 200},
        ),
        Row(
            route="GET templates",
            url=lambda c: "/api/v1/templates?tag=outpatient",
            expect={"anonymous": 401, "*": 200},
        ),
        Row(
            route="POST templates",
            url=lambda c: "/api/v1/templates",
            data=lambda c: TEMPLATE_BODY,
            expect={**ONLY_FEATURED, **NO_FEATURE, "physician": 403},
        ),
        Row(
            route="GET templates/<id:pk>",
            label="a global template",
            url=lambda c: f"/api/v1/templates/{soap().pk}",
            expect={"anonymous": 401, "*": 200},
        ),
        Row(
            route="GET templates/<id:pk>",
            label="a resident's personal template",
            url=lambda c: f"/api/v1/templates/{personal_template(c.resident).pk}",
            expect={"anonymous": 401, "resident": 200, "*": 404},
        ),
        Row(
            route="GET templates/<id:pk>",
            label="Riverside's institution template",
            url=lambda c: f"/api/v1/templates/{riverside_template(c).pk}",
            expect={
                "anonymous": 401,
                "riverside_resident": 200,
                "riverside_admin": 200,
                "*": 404,
            },
        ),
        Row(
            route="PUT templates/<id:pk>",
            label="a resident's personal template",
            url=lambda c: f"/api/v1/templates/{personal_template(c.resident).pk}",
            data=lambda c: TEMPLATE_BODY,
            expect={
                "anonymous": 401,
                "resident": 200,
                **NO_FEATURE,
                "physician": 403,
                "*": 404,
            },
        ),
        Row(
            route="GET tags",
            url=lambda c: "/api/v1/tags",
            expect={"anonymous": 401, "*": 200},
        ),
        Row(
            route="GET notes",
            url=lambda c: "/api/v1/notes?status=signed",
            expect={"anonymous": 401, "*": 200},
        ),
        Row(
            route="POST notes",
            label="from the resident's encounter",
            url=lambda c: "/api/v1/notes",
            data=lambda c: {
                "session": record_encounter(c.resident).pk,
                "template": soap().pk,
            },
            expect={
                "anonymous": 401,
                "resident": 201,
                **NO_FEATURE,
                "*": 404,
            },
        ),
        Row(
            route="GET notes/<id:pk>",
            label="the resident's draft",
            url=lambda c: f"/api/v1/notes/{note_of(c.resident).pk}",
            expect={"anonymous": 401, "resident": 200, "*": 404},
        ),
        Row(
            route="GET notes/<id:pk>",
            label="signed, naming the attending",
            url=lambda c: f"/api/v1/notes/{signed_note(c).pk}",
            expect={"anonymous": 401, "resident": 200, "attending": 200, "*": 404},
        ),
        Row(
            route="GET notes/<id:pk>",
            label="Riverside's note",
            url=lambda c: f"/api/v1/notes/{note_of(c.riverside_resident).pk}",
            expect={"anonymous": 401, "riverside_resident": 200, "*": 404},
        ),
        Row(
            route="PATCH notes/<id:pk>",
            url=lambda c: f"/api/v1/notes/{note_of(c.resident).pk}",
            data=lambda c: {
                "sections": {"plan": "Rest. [S24]"},
                "revision": latest_revision(c.resident.notes.latest("id")),
            },
            expect={"anonymous": 401, "resident": 200, "*": 404},
        ),
        Row(
            route="POST notes/<id:pk>/flags/<id:flag_id>/confirm",
            url=lambda c: flag_url(c.resident),
            data=lambda c: {},
            expect={"anonymous": 401, "resident": 200, "*": 404},
        ),
        Row(
            route="POST notes/<id:pk>/generate",
            label="an encounter with no transcript (409 once allowed)",
            url=lambda c: (
                f"/api/v1/notes/{note_of(c.resident, drafted=False, lines=[]).pk}/generate"
            ),
            data=lambda c: {},
            expect={"anonymous": 401, "resident": 409, **NO_FEATURE, "*": 404},
        ),
        Row(
            route="POST notes/<id:pk>/generate",
            label="Riverside's note",
            url=lambda c: (
                f"/api/v1/notes/{note_of(c.riverside_resident, drafted=False, lines=[]).pk}/generate"
            ),
            data=lambda c: {},
            expect={
                "anonymous": 401,
                "riverside_resident": 409,
                **NO_FEATURE,
                "*": 404,
            },
        ),
        Row(
            route="GET notes/<id:pk>/jobs/<id:job>",
            url=lambda c: job_url(c.resident),
            expect={"anonymous": 401, "resident": 200, "*": 404},
        ),
        Row(
            route="GET notes/<id:pk>/jobs/<id:job>/events",
            label="a finished draft, replayed from the start",
            url=lambda c: job_url(c.resident, "/events"),
            expect={"anonymous": 401, "resident": 200, "*": 404},
        ),
        Row(
            route="POST notes/<id:pk>/jobs/<id:job>/cancel",
            label="a finished draft (409 once allowed)",
            url=lambda c: job_url(c.resident, "/cancel"),
            expect={"anonymous": 401, "resident": 409, "*": 404},
        ),
        Row(
            route="POST notes/<id:pk>/sign",
            url=lambda c: f"/api/v1/notes/{note_of(c.resident).pk}/sign",
            data=lambda c: {"supervisor": c.attending.pk},
            expect={"anonymous": 401, "resident": 200, "*": 404},
        ),
        Row(
            route="POST notes/<id:pk>/cosign",
            url=lambda c: f"/api/v1/notes/{signed_note(c).pk}/cosign",
            data=lambda c: {
                "attestation": first_attestation_of(c.demo_hospital),
                "scores": {"accurate": 4},
                "comment": "Good.",
            },
            expect={"anonymous": 401, "attending": 200, "*": 404},
        ),
        Row(
            route="POST notes/<id:pk>/return",
            url=lambda c: f"/api/v1/notes/{signed_note(c).pk}/return",
            data=lambda c: {"comment": "Add the vitals."},
            expect={"anonymous": 401, "attending": 200, "*": 404},
        ),
        Row(
            route="GET notes/<id:pk>/revisions",
            url=lambda c: f"/api/v1/notes/{signed_note(c).pk}/revisions",
            expect={"anonymous": 401, "resident": 200, "attending": 200, "*": 404},
        ),
        Row(
            route="GET notes/<id:pk>/export",
            label="a signed note",
            url=lambda c: f"/api/v1/notes/{signed_note(c).pk}/export?format=fhir",
            expect={
                "anonymous": 401,
                "resident": 200,
                **NO_FEATURE,
                "physician": 403,
                "*": 404,
            },
        ),
        Row(
            route="GET notes/<id:pk>/export",
            label="Riverside's note",
            url=lambda c: f"/api/v1/notes/{note_of(c.riverside_resident).pk}/export",
            expect={
                "anonymous": 401,
                "riverside_resident": 200,
                **NO_FEATURE,
                "physician": 403,
                "*": 404,
            },
        ),
    ]
    + FORMER_ROWS
    + [
        # A signed note's transcript is its evidence: its author gets 409 with the
        # reason (transcription.freeze), the attending who reads the note a 404 (the
        # encounter is not theirs), like everyone else.
        Row(
            route="PATCH transcription/sessions/<id:pk>/segments/<id:seq>",
            label="the encounter of a signed note",
            url=lambda c: (
                f"/api/v1/transcription/sessions/{signed_note(c).session_id}/segments/1"
            ),
            data=lambda c: {"text": "Corrected words."},
            expect={"anonymous": 401, "resident": 409, "*": 404},
        ),
        Row(
            route="PATCH transcription/sessions/<id:pk>/speakers",
            label="the encounter of a signed note",
            url=lambda c: (
                f"/api/v1/transcription/sessions/{signed_note(c).session_id}/speakers"
            ),
            data=lambda c: {"roles": {"0": "family"}},
            expect={"anonymous": 401, "resident": 409, "*": 404},
        ),
    ]
)
