"""Seat limits: the one check every service that fills a seat makes.

Active residents plus pending resident invitations never exceed
`Institution.max_residents`; admins plus pending admin invitations never exceed
`max_admins`. Call it with the institution's row locked (`institution_lock`), so two
writers racing for the last seat queue and the second one counts the first.
"""

from institutions.models import Institution, Invitation
from institutions.selectors import admin_seats_used, resident_seats_used
from noumaris.common.errors import ConflictError

Role = Invitation.Role


def seat_require(*, institution: Institution, role: str) -> None:
    """Raise ConflictError unless a seat of `role` (resident or admin) is free.

    Faculty use no seat: any other role passes.
    """
    if role == Role.RESIDENT:
        active, pending = resident_seats_used(institution=institution)
        if active + pending >= institution.max_residents:
            raise ConflictError(
                f"No resident seat left at {institution}: {active} active residents "
                f"and {pending} pending invitations use all "
                f"{institution.max_residents} seats."
            )
    elif role == Role.ADMIN:
        admins, pending = admin_seats_used(institution=institution)
        if admins + pending >= institution.max_admins:
            raise ConflictError(
                f"No admin seat left at {institution}: {admins} admins and {pending} "
                f"pending admin invitations use all {institution.max_admins} seats."
            )
