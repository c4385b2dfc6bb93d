"""`/program/`: an institution admin's (a program director's) home, their program in
the admin: seats, residents, invitations, the co-sign backlog, usage and the
director's view, on their institution's page."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET

from institutions.services.authority import admin_membership, is_superadmin
from noumaris.common.pages import not_found


@require_GET
@login_required
def program(request):
    membership = admin_membership(request.user)
    if membership is None:
        if is_superadmin(request.user):
            return redirect("admin:institutions_institution_changelist")
        return not_found(request, reason="You administer no program.")
    return redirect(
        reverse(
            "admin:institutions_institution_change", args=[membership.institution_id]
        )
    )


@require_GET
@login_required
def director(request):
    """The director's view, a page of its own (its home is the admin's)."""
    return redirect("admin:supervision-director")
