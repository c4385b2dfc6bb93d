"""The institutions domain: superadmin, institution admin, invitations, features."""

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.api.matrix import Row
from tests.factories import InvitationFactory, ResidentFactory, UserFactory

V1 = "/api/v1/"
SUPER = "admin/superadmin/"
INST = "admin/institution/"

# Who gets what, by area.
SUPERADMIN_ONLY = {"anonymous": 401, "superadmin": 200, "*": 403}
SUPERADMIN_CREATES = {"anonymous": 401, "superadmin": 201, "*": 403}
ANY_ADMIN = {
    "anonymous": 401,
    "admin": 200,
    "admin2": 200,
    "riverside_admin": 200,
    "*": 403,
}
ANY_ADMIN_CREATES = {**ANY_ADMIN, "admin": 201, "admin2": 201, "riverside_admin": 201}
DEMO_ADMINS = {**ANY_ADMIN, "riverside_admin": 404}
RIVERSIDE_ADMINS = {**ANY_ADMIN, "admin": 404, "admin2": 404}


def _demo_resident(c):
    return c.resident.resident_profile


def _riverside_resident(c):
    return c.riverside_resident.resident_profile


def _invitation(institution, **kwargs):
    return InvitationFactory(institution=institution, **kwargs)


def _both(route, path, demo, riverside, **kwargs):
    """Two rows: the route on Demo General's object and on Riverside's."""
    return [
        Row(
            route=route,
            label="Demo General Hospital",
            url=lambda c: V1 + path(c, "demo"),
            expect=demo,
            **kwargs,
        ),
        Row(
            route=route,
            label="Riverside Medical Center",
            url=lambda c: V1 + path(c, "riverside"),
            expect=riverside,
            **kwargs,
        ),
    ]


def _institution(c, which):
    return c.demo_hospital if which == "demo" else c.riverside


def _resident(c, which):
    return _demo_resident(c) if which == "demo" else _riverside_resident(c)


def _fresh_resident(c, which):
    return ResidentFactory(institution=_institution(c, which))


SUPERADMIN_ROWS = [
    Row(
        route=f"GET {SUPER}institutions",
        url=lambda c: f"{V1}{SUPER}institutions",
        expect=SUPERADMIN_ONLY,
    ),
    Row(
        route=f"POST {SUPER}institutions",
        url=lambda c: f"{V1}{SUPER}institutions",
        data=lambda c: {"name": "Lakeside Clinic", "features": ["live_transcription"]},
        expect=SUPERADMIN_CREATES,
    ),
    *_both(
        f"GET {SUPER}institutions/<id:pk>",
        lambda c, w: f"{SUPER}institutions/{_institution(c, w).pk}",
        SUPERADMIN_ONLY,
        SUPERADMIN_ONLY,
    ),
    *_both(
        f"PATCH {SUPER}institutions/<id:pk>",
        lambda c, w: f"{SUPER}institutions/{_institution(c, w).pk}",
        SUPERADMIN_ONLY,
        SUPERADMIN_ONLY,
        data=lambda c: {"max_residents": 60},
    ),
    *_both(
        f"GET {SUPER}institutions/<id:pk>/features",
        lambda c, w: f"{SUPER}institutions/{_institution(c, w).pk}/features",
        SUPERADMIN_ONLY,
        SUPERADMIN_ONLY,
    ),
    *_both(
        f"PUT {SUPER}institutions/<id:pk>/features",
        lambda c, w: f"{SUPER}institutions/{_institution(c, w).pk}/features",
        SUPERADMIN_ONLY,
        SUPERADMIN_ONLY,
        data=lambda c: {"features": ["live_transcription", "note_generation"]},
    ),
    *_both(
        f"PUT {SUPER}institutions/<id:pk>/subscription",
        lambda c, w: f"{SUPER}institutions/{_institution(c, w).pk}/subscription",
        SUPERADMIN_ONLY,
        SUPERADMIN_ONLY,
        data=lambda c: {"status": "suspended"},
    ),
    *_both(
        f"GET {SUPER}institutions/<id:pk>/admins",
        lambda c, w: f"{SUPER}institutions/{_institution(c, w).pk}/admins",
        SUPERADMIN_ONLY,
        SUPERADMIN_ONLY,
    ),
    *_both(
        f"POST {SUPER}institutions/<id:pk>/admins",
        lambda c, w: f"{SUPER}institutions/{_institution(c, w).pk}/admins",
        SUPERADMIN_CREATES,
        SUPERADMIN_CREATES,
        data=lambda c: {"email": "new-admin@example.org", "is_senior": True},
    ),
    *_both(
        f"GET {SUPER}institutions/<id:pk>/usage",
        lambda c, w: f"{SUPER}institutions/{_institution(c, w).pk}/usage",
        SUPERADMIN_ONLY,
        SUPERADMIN_ONLY,
    ),
    Row(
        route=f"GET {SUPER}physicians",
        url=lambda c: f"{V1}{SUPER}physicians",
        expect=SUPERADMIN_ONLY,
    ),
    Row(
        route=f"POST {SUPER}physicians",
        url=lambda c: f"{V1}{SUPER}physicians",
        data=lambda c: {"username": UserFactory(username="dr-new").username},
        expect=SUPERADMIN_CREATES,
    ),
    Row(
        route=f"POST {SUPER}physicians/<id:pk>/permissions",
        url=lambda c: (
            f"{V1}{SUPER}physicians/{c.physician.physician_profile.pk}/permissions"
        ),
        data=lambda c: {"feature": "note_export"},
        expect=SUPERADMIN_CREATES,
    ),
    Row(
        route=f"DELETE {SUPER}physicians/<id:pk>/permissions",
        url=lambda c: (
            f"{V1}{SUPER}physicians/{c.physician.physician_profile.pk}"
            "/permissions?feature=live_transcription"
        ),
        expect=SUPERADMIN_ONLY,
    ),
    Row(
        route=f"GET {SUPER}audit-logs",
        url=lambda c: f"{V1}{SUPER}audit-logs",
        expect=SUPERADMIN_ONLY,
    ),
]

INSTITUTION_ADMIN_ROWS = [
    Row(
        route=f"GET {INST}residents",
        url=lambda c: f"{V1}{INST}residents",
        expect=ANY_ADMIN,
    ),
    Row(
        route=f"POST {INST}residents/invite",
        url=lambda c: f"{V1}{INST}residents/invite",
        data=lambda c: {"email": "new-resident@example.org", "pgy_level": 1},
        expect=ANY_ADMIN_CREATES,
    ),
    Row(
        route=f"POST {INST}residents/invite/batch",
        url=lambda c: f"{V1}{INST}residents/invite/batch",
        data=lambda c: {"file": _csv_file()},
        format="multipart",
        expect=ANY_ADMIN,
    ),
    *_both(
        f"GET {INST}residents/<id:pk>",
        lambda c, w: f"{INST}residents/{_resident(c, w).pk}",
        DEMO_ADMINS,
        RIVERSIDE_ADMINS,
    ),
    *_both(
        f"PATCH {INST}residents/<id:pk>",
        lambda c, w: f"{INST}residents/{_resident(c, w).pk}",
        DEMO_ADMINS,
        RIVERSIDE_ADMINS,
        data=lambda c: {"pgy_level": 4, "status": "graduated"},
    ),
    *_both(
        f"GET {INST}residents/<id:pk>/permissions",
        lambda c, w: f"{INST}residents/{_resident(c, w).pk}/permissions",
        DEMO_ADMINS,
        RIVERSIDE_ADMINS,
    ),
    *_both(
        f"POST {INST}residents/<id:pk>/permissions",
        lambda c, w: f"{INST}residents/{_fresh_resident(c, w).pk}/permissions",
        {**DEMO_ADMINS, "admin": 201, "admin2": 201},
        {**RIVERSIDE_ADMINS, "riverside_admin": 201},
        data=lambda c: {"feature": "live_transcription"},
    ),
    *_both(
        f"DELETE {INST}residents/<id:pk>/permissions",
        lambda c, w: (
            f"{INST}residents/{_resident(c, w).pk}/permissions?feature=note_export"
        ),
        DEMO_ADMINS,
        RIVERSIDE_ADMINS,
    ),
    Row(
        route=f"GET {INST}admins",
        url=lambda c: f"{V1}{INST}admins",
        expect=ANY_ADMIN,
    ),
    Row(
        route=f"POST {INST}admins",
        url=lambda c: f"{V1}{INST}admins",
        data=lambda c: {"email": "another-admin@example.org"},
        # Only senior admins add admins: admin2 is not one.
        expect={**ANY_ADMIN_CREATES, "admin2": 403},
    ),
    Row(
        route=f"GET {INST}invitations",
        url=lambda c: f"{V1}{INST}invitations",
        expect=ANY_ADMIN,
    ),
    *_both(
        f"POST {INST}invitations/<id:pk>/resend",
        lambda c, w: f"{INST}invitations/{_invitation(_institution(c, w)).pk}/resend",
        DEMO_ADMINS,
        RIVERSIDE_ADMINS,
    ),
    *_both(
        f"POST {INST}invitations/<id:pk>/revoke",
        lambda c, w: f"{INST}invitations/{_invitation(_institution(c, w)).pk}/revoke",
        DEMO_ADMINS,
        RIVERSIDE_ADMINS,
    ),
    Row(
        route=f"GET {INST}usage",
        url=lambda c: f"{V1}{INST}usage",
        expect=ANY_ADMIN,
    ),
    Row(
        route=f"GET {INST}audit-logs",
        url=lambda c: f"{V1}{INST}audit-logs",
        expect=ANY_ADMIN,
    ),
]

PUBLIC_ROWS = [
    Row(
        route="GET invitations/<str:token>",
        label="a pending invitation",
        url=lambda c: f"{V1}invitations/{_token(c.riverside, 'matrix-token-1')}",
        expect={"*": 200},
    ),
    Row(
        route="GET invitations/<str:token>",
        label="an unknown token",
        url=lambda c: f"{V1}invitations/no-such-token",
        expect={"*": 404},
    ),
    Row(
        route="POST invitations/<str:token>/accept",
        label="someone else's invitation",
        url=lambda c: (
            f"{V1}invitations/{_token(c.demo_hospital, 'matrix-token-2')}/accept"
        ),
        data=lambda c: {"username": "newcomer", "password": "a long enough passphrase"},
        # Anonymous: a new local account with the invitation's e-mail joins. Signed
        # in: the account's e-mail is not the invitation's.
        expect={"anonymous": 200, "*": 403},
    ),
    Row(
        route="GET features",
        url=lambda c: f"{V1}features",
        expect={"anonymous": 401, "*": 200},
    ),
]


def _token(institution, token: str) -> str:
    _invitation(institution, token=token, email="newcomer@example.org")
    return token


def _csv_file():
    return SimpleUploadedFile(
        "residents.csv",
        b"email,pgy,specialty\nbatch-one@example.org,1,Surgery\nnot-an-email,2,\n",
        content_type="text/csv",
    )


ROWS = SUPERADMIN_ROWS + INSTITUTION_ADMIN_ROWS + PUBLIC_ROWS
