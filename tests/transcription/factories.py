"""Rows of the transcription app for tests."""

import factory
from django.utils import timezone

from transcription.models import TranscriptionSession, TranscriptSegment


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TranscriptionSession

    owner = factory.SubFactory("tests.factories.UserFactory")
    institution = None
    label = "Bed 4, chest pain"
    engine = "offline"
    status = TranscriptionSession.Status.STOPPED
    audio_seconds = 90.0
    consent_confirmed_by = factory.SelfAttribute("owner")
    consent_confirmed_at = factory.LazyFunction(timezone.now)


class SegmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TranscriptSegment

    session = factory.SubFactory(SessionFactory)
    seq = factory.Sequence(lambda n: n + 1)
    speaker = 0
    start_ms = factory.LazyAttribute(lambda o: (o.seq - 1) * 4000)
    end_ms = factory.LazyAttribute(lambda o: o.seq * 4000)
    text = factory.Sequence(lambda n: f"The patient reports symptom number {n}.")
    confidence = 0.9


def session_with_segments(user, count: int = 3, **fields) -> TranscriptionSession:
    from institutions.selectors import user_institution

    session = SessionFactory(
        owner=user, institution=user_institution(user=user), **fields
    )
    for seq in range(1, count + 1):
        SegmentFactory(session=session, seq=seq, speaker=seq % 2)
    return session
