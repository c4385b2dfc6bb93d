"""Where a final is stored: the session's next `seq`, exactly once, even when two
sockets of one session race or a commit's answer is lost."""

from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Max

from noumaris.common.errors import ConflictError
from transcription.engines import Result
from transcription.engines.words import dumps as words_dumps
from transcription.models import TranscriptSegment


def segment_append(
    *, session_id: int, result: Result, seq: int | None = None
) -> TranscriptSegment:
    """Store a final segment as the session's next `seq` (one INSERT when `seq`, the
    caller's expected next number, is right).

    Two sockets of one session (a resume racing the old socket's last results) may
    both expect the same number: the unique constraint refuses the second, which then
    takes the next free number, so no segment is lost or numbered twice.
    """
    for _ in range(10):
        if seq is None:
            last = TranscriptSegment.objects.filter(session_id=session_id).aggregate(
                last=Max("seq")
            )["last"]
            seq = (last or 0) + 1
        segment = segment_build(session_id=session_id, result=result, seq=seq)
        try:
            with transaction.atomic():
                segment.save(force_insert=True)
                return segment
        except IntegrityError:
            stored = _segment_stored(session_id=session_id, seq=seq, result=result)
            if stored is not None:
                return stored
            seq = None
    raise ConflictError("Could not number the transcript segment; try again.")


def _segment_stored(
    *, session_id: int, seq: int, result: Result
) -> TranscriptSegment | None:
    """The segment `seq` when it already holds `result`: a retry of a store whose
    commit went through while its answer was lost (a database blip), not a number
    taken by another socket."""
    segment = TranscriptSegment.objects.filter(session_id=session_id, seq=seq).first()
    if segment is not None and (segment.start_ms, segment.end_ms, segment.text) == (
        max(0, result.start_ms),
        max(0, result.end_ms),
        result.text,
    ):
        return segment
    return None


def segments_append(
    *, items: list[tuple[int, Result, int]]
) -> list[TranscriptSegment | Exception]:
    """Store finals of several sessions at once: `(session_id, result, seq)` each,
    `seq` the caller's expected next number.

    One INSERT in one transaction when every number is right. When that fails (a
    number taken by a resume racing an old socket, a session gone), each segment goes
    through `segment_append` on its own, so one bad item fails only itself. Returns,
    in `items` order, each stored segment or the exception that refused it.
    """
    segments = [
        segment_build(session_id=session_id, result=result, seq=seq)
        for session_id, result, seq in items
    ]
    try:
        with transaction.atomic():
            return TranscriptSegment.objects.bulk_create(segments)
    except DatabaseError:
        pass  # one at a time below
    outcomes: list[TranscriptSegment | Exception] = []
    for session_id, result, seq in items:
        try:
            outcomes.append(
                segment_append(session_id=session_id, result=result, seq=seq)
            )
        except (DatabaseError, ConflictError) as error:
            outcomes.append(error)
    return outcomes


def segment_build(*, session_id: int, result: Result, seq: int) -> TranscriptSegment:
    return TranscriptSegment(
        session_id=session_id,
        seq=seq,
        speaker=result.speaker,
        start_ms=max(0, result.start_ms),
        end_ms=max(0, result.end_ms),
        text=result.text,
        confidence=result.confidence,
        heard_text=result.heard,
        words=words_dumps(result.words),
    )
