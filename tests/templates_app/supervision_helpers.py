"""Notes in supervision states, made through the services, with known text."""

from django.test import Client
from rest_framework.test import APIClient

from institutions.services.supervision import supervision_policy_save
from templates_app.drafting.claim import note_generation_begin, note_generation_finish
from templates_app.generation import Usage
from templates_app.notes.flags import note_flag_confirm
from templates_app.notes.signoff import note_cosign, note_sign
from tests.templates_app.helpers import first_attestation

# The machine's draft of a SOAP note: 4 + 4 + 3 + 3 words.
MACHINE = {
    "subjective": "Cough for five days.",
    "objective": "Crackles at right base.",
    "assessment": "Likely community pneumonia.",
    "plan": "Start doxycycline today.",
}


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def drafted(note, user, sections=None):
    """Store a machine draft the way generation does (begin, then finish)."""
    job = note_generation_begin(user=user, note_id=note.pk)
    note_generation_finish(
        job=job,
        sections=sections or MACHINE,
        usage=Usage(),
        engine="offline",
        model="test",
    )
    note.refresh_from_db()
    return note


def signed(note, resident, attending):
    """Sign (drafting first if need be), each verifier flag confirmed as checked."""
    if not note.machine_sections:
        drafted(note, resident)
    for flag in note.flags.filter(status="open"):
        note_flag_confirm(user=resident, note_id=note.pk, flag_id=flag.pk)
    note_sign(user=resident, note_id=note.pk, supervisor_id=attending.pk)
    note.refresh_from_db()
    return note


def cosigned(note, resident, attending, **review):
    signed(note, resident, attending)
    note_cosign(
        user=attending,
        note_id=note.pk,
        attestation_id=first_attestation(note),
        **review,
    )
    note.refresh_from_db()
    return note


def policy(institution, **values):
    from tests.factories import UserFactory

    root = UserFactory(username="policy-root", is_superadmin=True)
    return supervision_policy_save(actor=root, institution=institution, **values)
