"""Teaching demo data for `seed_demo`: notes of `resident` in every supervision state.

Made through the services (record, draft, edit, sign, co-sign, return), then moved
back in time so the queue shows an overdue note and the feedback page two months.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from templates_app.drafting.claim import note_generation_begin, note_generation_finish
from templates_app.generation import Usage
from templates_app.library import template_seed_global
from templates_app.models import ClinicalNote, NoteFeedback, StatementFlag
from templates_app.notes.flags import note_flag_confirm
from templates_app.notes.services import note_create, note_edit
from templates_app.notes.signoff import note_cosign, note_return, note_sign
from templates_app.seed_data import SOAP
from templates_app.supervision.services import attestation_list_for_user
from transcription.engines import Result
from transcription.models import TranscriptionSession
from transcription.services.segments import segment_append
from transcription.services.sessions import session_start, session_stop

LINES = (
    (0, "What brings you in today?"),
    (1, "A cough for five days with yellow phlegm and a fever of 38.6 last night."),
    (1, "I have asthma and I'm allergic to penicillin."),
    (0, "Temperature 38.2, saturation 94 percent, crackles at the right base."),
    (0, "The chest x-ray shows a right lower lobe opacity."),
    (0, "This is likely community acquired pneumonia; doxycycline 100 mg twice daily."),
)
MACHINE = {
    "subjective": "Cough for five days with yellow sputum; fever of 38.6 last night. "
    "History of asthma. Allergic to penicillin. [S2] [S3]",
    "objective": "Temperature 38.2, SpO2 94%, crackles at the right base. Chest "
    "x-ray: right lower lobe opacity. [S4] [S5]",
    "assessment": "Likely community-acquired pneumonia. [S6]",
    "plan": "Doxycycline 100 mg twice daily. [S6]",
}
RESIDENT_PLAN = (
    "1. Community-acquired pneumonia, right lower lobe, CURB-65 of 0: outpatient "
    "doxycycline 100 mg twice daily for 7 days (penicillin allergy). [S6]\n"
    "2. Asthma: continue albuterol as needed.\n"
    "Return if short of breath or confused; review in 48 hours."
)


def teaching_demo_seed(*, resident, attending) -> None:
    """Three notes for the demo, once (skipped when the resident has notes)."""
    if ClinicalNote.objects.filter(author=resident).exists():
        return
    now = timezone.now()
    good = _drafted(resident, "Bed 4, pneumonia", plan=RESIDENT_PLAN)
    note_sign(user=resident, note_id=good.pk, supervisor_id=attending.pk)
    statements = attestation_list_for_user(user=attending)
    note_cosign(
        user=attending,
        note_id=good.pk,
        attestation_id=statements[0].pk,
        addendum="Seen together on the ward round.",
        scores={key: 4 for key in ("up_to_date", "accurate", "thorough", "useful")}
        | {"organized": 5, "comprehensible": 5, "succinct": 3, "synthesized": 4},
        comment="A clear plan with the severity score; say why not admission.",
    )
    _backdate(good, now - dt.timedelta(days=35))

    returned = _drafted(resident, "Clinic 2, cough")
    note_sign(user=resident, note_id=returned.pk, supervisor_id=attending.pk)
    note_return(
        user=attending,
        note_id=returned.pk,
        comment="The plan is the machine's one line: add duration, allergy "
        "reasoning and return precautions.",
        section="plan",
        scores={"thorough": 2, "synthesized": 2, "accurate": 4},
    )

    overdue = _drafted(resident, "Bed 9, fever", plan=RESIDENT_PLAN)
    note_sign(user=resident, note_id=overdue.pk, supervisor_id=attending.pk)
    signed_at = now - dt.timedelta(hours=30)
    TranscriptionSession.objects.filter(pk=overdue.session_id).update(
        started_at=signed_at - dt.timedelta(hours=2),
        ended_at=signed_at - dt.timedelta(hours=1, minutes=30),
    )
    ClinicalNote.objects.filter(pk=overdue.pk).update(
        created_at=signed_at - dt.timedelta(hours=1, minutes=25), signed_at=signed_at
    )


def _drafted(resident, label: str, *, plan: str = "") -> ClinicalNote:
    session = session_start(user=resident, engine="offline", consent=True, label=label)
    for number, (speaker, text) in enumerate(LINES):
        result = Result(
            text=text,
            is_final=True,
            start_ms=number * 4000,
            end_ms=number * 4000 + 3800,
            speaker=speaker,
        )
        segment_append(session_id=session.pk, result=result)
    session_stop(user=resident, session_id=session.pk, audio_seconds=len(LINES) * 4.0)
    template = template_seed_global(spec=SOAP)[0]
    note = note_create(user=resident, session_id=session.pk, template_id=template.pk)
    job = note_generation_begin(user=resident, note_id=note.pk)
    note_generation_finish(
        job=job, sections=MACHINE, usage=Usage(), engine="offline", model="demo"
    )
    if plan:
        note_edit(user=resident, note_id=note.pk, sections={"plan": plan})
    for flag in StatementFlag.objects.filter(note=note, status="open"):
        note_flag_confirm(user=resident, note_id=note.pk, flag_id=flag.pk)
    return note


def _backdate(note: ClinicalNote, when: dt.datetime) -> None:
    """Move a finished demo note (and its encounter and feedback) back in time."""
    TranscriptionSession.objects.filter(pk=note.session_id).update(
        started_at=when - dt.timedelta(minutes=20), ended_at=when
    )
    ClinicalNote.objects.filter(pk=note.pk).update(
        created_at=when,
        signed_at=when + dt.timedelta(hours=3),
        cosigned_at=when + dt.timedelta(hours=9),
    )
    NoteFeedback.objects.filter(note=note).update(
        created_at=when + dt.timedelta(hours=9)
    )
