"""The note page from the server: its partials (the head, the review alerts, each
section, the sign button) answered to htmx and swapped in by id, a section saved in
place, the page's rules read by the page and the API alike, and the recording
played from the moment a doubtful word was heard."""

import re

import pytest
from django.test import Client

from accounts.models import AuditLog
from templates_app.notes.rules import note_page_rules
from templates_app.notes.services import note_edit
from tests.templates_app.helpers import generate, heard_note

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def oob_ids(html: str) -> list[str]:
    """The ids of the elements htmx swaps out of band, in order."""
    return re.findall(r'<\w+ [^>]*id="([^"]+)"[^>]*hx-swap-oob="true"', html)


def test_the_partials_are_only_the_partials_each_swapped_by_id(note, resident):
    generate(note, resident)
    response = client_for(resident).get(f"/notes/{note.pk}/partials", **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and "<body" not in html and "topbar" not in html
    assert oob_ids(html) == [
        "section-subjective",
        "section-objective",
        "section-assessment",
        "section-plan",
        "note-head",
        "review-alerts",
        "sign-submit",
    ]
    one = client_for(resident).get(f"/notes/{note.pk}/partials?section=plan")
    assert oob_ids(one.content.decode()) == ["section-plan"]
    assert 'button type="button" class="cite"' in one.content.decode()


def test_another_institutions_resident_gets_404_from_the_partials(
    note, riverside_resident
):
    client = client_for(riverside_resident)
    assert client.get(f"/notes/{note.pk}/partials").status_code == 404
    refused = client.get(f"/notes/{note.pk}/partials", **HTMX)
    assert refused.status_code == 404
    assert refused["Content-Type"].startswith("text/plain")
    assert refused.content.decode() == "No such note."


def test_a_section_the_note_has_not_is_404(note, resident):
    response = client_for(resident).get(f"/notes/{note.pk}/partials?section=nope")
    assert response.status_code == 404


def test_the_attendings_partial_read_is_audited_and_offers_no_edit(
    note, resident, attending
):
    from templates_app.notes.signoff import note_sign

    generate(note, resident)
    note_sign(user=resident, note_id=note.pk, supervisor_id=attending.pk)
    html = client_for(attending).get(f"/notes/{note.pk}/partials", **HTMX)
    assert 'data-action="edit"' not in html.content.decode()
    assert "sign-submit" not in oob_ids(html.content.decode())
    assert AuditLog.objects.filter(action="NOTE_VIEWED", actor=attending).exists()


def test_saving_a_section_answers_the_section_and_the_review_in_place(note, resident):
    generate(note, resident)
    revision = note_page_rules(note=note, user=resident).revision
    client = client_for(resident)
    response = client.post(
        f"/notes/{note.pk}/sections/plan",
        {"text": "Rest and fluids. [S24]", "revision": revision},
        **HTMX,
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert oob_ids(html) == [
        "section-plan",
        "note-head",
        "review-alerts",
        "sign-submit",
    ]
    assert "Rest and fluids." in html and 'data-role="edited"' in html
    assert f'name="revision" value="{revision + 1}"' in html
    note.refresh_from_db()
    assert note.sections["plan"] == "Rest and fluids. [S24]"
    # Without htmx (no script), the same form saves and the page comes back.
    page = client.post(
        f"/notes/{note.pk}/sections/plan",
        {"text": "Rest. [S24]", "revision": revision + 1},
    )
    assert page.status_code == 302 and page.url == f"/notes/{note.pk}#section-plan"


def test_a_stale_save_answers_409_with_both_texts_beside_the_field(note, resident):
    generate(note, resident)
    opened = note_page_rules(note=note, user=resident).revision
    note_edit(user=resident, note_id=note.pk, sections={"plan": "First tab. [S24]"})
    response = client_for(resident).post(
        f"/notes/{note.pk}/sections/plan",
        {"text": "Second tab. [S24]", "revision": opened},
        **HTMX,
    )
    html = response.content.decode()
    assert response.status_code == 409
    assert oob_ids(html) == ["section-plan"]
    assert "changed after you opened it" in html
    theirs = re.search(r'data-role="conflict-theirs">.*?</div>', html, re.S).group(0)
    yours = re.search(r'data-role="conflict-yours">.*?</div>', html, re.S).group(0)
    assert "First tab." in theirs and "Second tab." in yours
    # the form keeps the text typed, on the revision saved now
    assert ">Second tab. [S24]</textarea>" in html
    assert f'name="revision" value="{opened + 1}"' in html
    note.refresh_from_db()
    assert note.sections["plan"] == "First tab. [S24]"


def test_an_oversize_or_revisionless_save_answers_422_in_its_form(note, resident):
    client = client_for(resident)
    response = client.post(
        f"/notes/{note.pk}/sections/plan", {"text": "x" * 20_001, "revision": 0}, **HTMX
    )
    assert response.status_code == 422
    assert "must be text of at most 20,000 characters" in response.content.decode()
    response = client.post(f"/notes/{note.pk}/sections/plan", {"text": "x"}, **HTMX)
    assert response.status_code == 422
    assert "Say which revision" in response.content.decode()
    note.refresh_from_db()
    assert note.revisions.count() == 0


def test_an_outsider_cannot_save_a_section(note, riverside_resident, attending):
    for user in (riverside_resident, attending):
        response = client_for(user).post(
            f"/notes/{note.pk}/sections/plan", {"text": "x", "revision": 0}, **HTMX
        )
        assert response.status_code == 404
        assert response.content.decode() == "No such note."
    note.refresh_from_db()
    assert note.sections["plan"] == ""


def test_confirming_a_flag_answers_the_review_with_what_was_done(resident, soap):
    from templates_app.notes.flags import note_flag_confirm
    from templates_app.notes.services import note_create
    from tests.templates_app.conftest import record_encounter

    session = record_encounter(resident)
    note = note_create(user=resident, session_id=session.pk, template_id=soap.pk)
    note_edit(user=resident, note_id=note.pk, sections={"plan": "Aspirin 900 mg."})
    *others, flag = note.flags.filter(status="open").order_by("id")
    assert flag  # an uncited dose
    for other in others:
        note_flag_confirm(user=resident, note_id=note.pk, flag_id=other.pk)
    response = client_for(resident).post(
        f"/notes/{note.pk}/flags/{flag.pk}/confirm", **HTMX
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Confirmed as checked against the transcript." in html
    assert 'id="sign-blocked"' not in html
    again = client_for(resident).post(
        f"/notes/{note.pk}/flags/{flag.pk}/confirm", **HTMX
    )
    assert again.status_code == 409
    assert again.content.decode() == "This flag is already resolved."


def test_the_page_and_the_api_offer_what_the_rules_say(note, resident, attending):
    from templates_app.notes.signoff import note_sign

    generate(note, resident)
    api = client_for(resident).get(f"/api/v1/notes/{note.pk}").json()["rules"]
    assert api == {
        "is_author": True,
        "is_supervisor": False,
        "editable": True,
        "generating": False,
        "may_draft": True,
        "may_sign": api["may_sign"],
        "needs_supervisor": True,
        "may_cosign": False,
        "may_export": True,
        "export_denial": "",
        "may_listen": False,
    }
    assert api["may_sign"] == (note.flags.filter(status="open").count() == 0)
    page = client_for(resident).get(f"/notes/{note.pk}").content.decode()
    assert 'id="generate"' in page and 'id="sign-form"' in page
    note_sign_flags_resolved(note, resident)
    note_sign(user=resident, note_id=note.pk, supervisor_id=attending.pk)
    api = client_for(attending).get(f"/api/v1/notes/{note.pk}").json()["rules"]
    assert (api["editable"], api["may_cosign"], api["may_sign"]) == (False, True, False)
    page = client_for(attending).get(f"/notes/{note.pk}").content.decode()
    assert 'id="cosign-form"' in page and 'id="generate"' not in page


def note_sign_flags_resolved(note, user):
    from templates_app.notes.flags import note_flag_confirm

    for flag in note.flags.filter(status="open"):
        note_flag_confirm(user=user, note_id=note.pk, flag_id=flag.pk)


def test_a_pgy1_note_held_from_export_says_why_on_the_page_and_in_the_api(
    note, resident, demo_hospital
):
    from institutions.models import ResidentProfile, SupervisionPolicy

    ResidentProfile.objects.filter(user=resident).update(pgy_level=1)
    SupervisionPolicy.objects.update_or_create(
        institution=demo_hospital, defaults={"pgy1_cosign_before_export": True}
    )
    rules = client_for(resident).get(f"/api/v1/notes/{note.pk}").json()["rules"]
    assert rules["may_export"] is False
    assert "co-signed before it is exported" in rules["export_denial"]
    page = client_for(resident).get(f"/notes/{note.pk}").content.decode()
    assert "FHIR DocumentReference" not in page


def test_a_doubt_flag_and_a_doubtful_word_play_the_recording_from_their_moment(
    resident, attending, soap, tmp_path
):
    from templates_app.notes.signoff import note_sign

    note = heard_note(resident, soap, tmp_path)
    doubts = list(note.flags.filter(kind="doubtful_word").order_by("id"))
    assert len(doubts) == 2
    page = client_for(resident).get(f"/notes/{note.pk}").content.decode()
    player = f'id="note-recording" controls preload="none" src="/encounters/{note.session_id}/recording"'
    assert player in page
    # each flag, at the moment of the word it names
    assert 'data-seek-ms="1300">▶ Play the recording at 0:01</button>' in page
    assert 'data-seek-ms="2600">▶ Play the recording at 0:02</button>' in page
    # and in the transcript, the doubtful and the corrected word themselves
    assert re.search(
        r'class="seek word-doubtful" data-seek-ms="2600"[^>]*>15</button>', page
    )
    assert re.search(
        r'class="seek" data-seek-ms="1300"[^>]*><span class="word-corrected">methotrexate',
        page,
    )
    assert (
        client_for(resident).get(f"/encounters/{note.session_id}/recording").status_code
        == 200
    )
    # the attending may not play the resident's recording: no player, no buttons
    note_sign_flags_resolved(note, resident)
    note_sign(user=resident, note_id=note.pk, supervisor_id=attending.pk)
    page = client_for(attending).get(f"/notes/{note.pk}").content.decode()
    assert "note-recording" not in page and "data-seek-ms" not in page
    assert "check the recording at 0:02" in page  # the words still say where


def test_a_sections_partial_takes_a_constant_number_of_queries(
    note, resident, django_assert_num_queries
):
    """A stream asks for each section as it is finished: no query per flag."""
    generate(note, resident)
    note_edit(user=resident, note_id=note.pk, sections={"plan": "Aspirin 900 mg."})
    client = client_for(resident)
    client.get(f"/notes/{note.pk}/partials?section=plan")
    # session, user, the note with its people and encounter, the transcript's
    # segment numbers, the latest revision, the open flags' count, the export
    # feature, the author's residency (a PGY-1 export hold), the feedback, the flags
    # with who resolved them, the author's residency and institution's policy
    # (plan-first)
    with django_assert_num_queries(12):
        client.get(f"/notes/{note.pk}/partials?section=plan", **HTMX)


def test_a_side_fixed_in_one_section_resolves_the_flag_the_others_raised(
    resident, soap
):
    """Saving one section checks its sides against the whole note: the exam's
    "right knee" of a left-knee visit is flagged, and the edit to "left" resolves it."""
    from templates_app.notes.services import note_create
    from tests.templates_app.conftest import record_encounter

    session = record_encounter(resident)
    note = note_create(user=resident, session_id=session.pk, template_id=soap.pk)
    note_edit(
        user=resident,
        note_id=note.pk,
        sections={"subjective": "Left knee pain.", "assessment": "Left knee strain."},
    )
    note_edit(
        user=resident,
        note_id=note.pk,
        sections={"objective": "Right knee: no effusion."},
    )
    sides = note.flags.filter(kind="side_conflict")
    (flag,) = sides.filter(status="open")
    assert (flag.section_key, flag.statement) == (
        "objective",
        "Right knee: no effusion.",
    )
    assert "check the side" in flag.message
    note_edit(
        user=resident,
        note_id=note.pk,
        sections={"objective": "Left knee: no effusion."},
    )
    flag.refresh_from_db()
    assert flag.status == "edited"
    assert not sides.filter(status="open").exists()
