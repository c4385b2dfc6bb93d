"""What keeps a transcript as it is: the apps above transcription say when a
transcript has become evidence of record (a note drafted from it was signed), and
then no correction, speaker naming or resumed recording may change it.

The import contract keeps transcription from importing those apps, so each one
registers its check from its `AppConfig.ready()`, as periodic jobs are registered
(noumaris.common.jobs.periodic):

    transcript_freeze_register("notes.signed", transcript_signed_reason)

A check is called as `check(session=..., for_update=...)` and answers why the
transcript is frozen, or "". With `for_update` the caller holds the session's row
lock inside its transaction, and the check locks what it reads, so a write racing
it (a note being signed) either waits for the change or is seen by it.
"""

from collections.abc import Callable

FreezeCheck = Callable[..., str]

_CHECKS: dict[str, FreezeCheck] = {}


def transcript_freeze_register(name: str, check: FreezeCheck) -> None:
    """Add a check that can freeze a transcript (from an app's ready(); once per
    name)."""
    _CHECKS[name] = check


def transcript_frozen_reason(*, session, for_update: bool = False) -> str:
    """Why this session's transcript may no longer change, or "" when it may."""
    for check in _CHECKS.values():
        reason = check(session=session, for_update=for_update)
        if reason:
            return reason
    return ""
