"""Pages of the institutions app: `/invite/<token>`, where an invitation is accepted.

Every outcome has its own clear page; looking at an invitation never changes it.
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from institutions.models import Invitation
from institutions.oidc import INVITATION_SESSION_KEY
from institutions.selectors import invitation_find_by_token
from institutions.services.invitation_accept import (
    invitation_accept,
    invitation_accept_new_account,
    invitation_refusal,
)
from noumaris.common.errors import ApplicationError, ForbiddenError
from noumaris.common.net import client_ip

SESSION_KEY = INVITATION_SESSION_KEY  # read by the OIDC sign-in on return
PROBLEM_TITLES = {
    "invalid": "This invitation link is not valid",
    Invitation.Status.ACCEPTED: "This invitation has already been used",
    Invitation.Status.REVOKED: "This invitation was withdrawn",
    Invitation.Status.EXPIRED: "This invitation has expired",
    "mismatch": "This invitation is for someone else",
    "has_role": "Your account already has a role",
}
PROBLEM_STATUS = {"invalid": 404, "mismatch": 403}


class NewAccountForm(forms.Form):
    username = forms.CharField(max_length=150, help_text="You sign in with it.")
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    password = forms.CharField(widget=forms.PasswordInput, strip=False)
    password_again = forms.CharField(widget=forms.PasswordInput, strip=False)

    def clean(self):
        data = super().clean()
        if (
            data.get("password")
            and data.get("password_again")
            and data["password"] != data["password_again"]
        ):
            self.add_error("password_again", "The two passwords differ.")
        return data


@never_cache
@require_http_methods(["GET", "POST"])
def invitation_page(request, token: str):
    invitation = invitation_find_by_token(token=token)
    if invitation is None:
        return _problem(request, "invalid", "Check that you opened the whole link.")
    user = request.user if request.user.is_authenticated else None
    refusal = invitation_refusal(invitation=invitation, user=user)
    if refusal is not None:
        return _problem(
            request, _kind(invitation, refusal), refusal.message, invitation
        )
    if user is not None:
        if request.method == "POST":
            return _accept(request, token, user)
        return _render(request, invitation, token)
    if getattr(settings, "OIDC_ENABLED", False):
        request.session[SESSION_KEY] = token
        return _render(request, invitation, token)
    form = NewAccountForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        response = _create_account(request, token, form)
        if response is not None:
            return response
    return _render(request, invitation, token, form=form)


def _accept(request, token, user):
    try:
        invitation = invitation_accept(
            token=token, user=user, ip_address=client_ip(request)
        )
    except ApplicationError as exc:
        invitation = invitation_find_by_token(token=token)
        return _problem(request, _kind(invitation, exc), exc.message, invitation)
    request.session.pop(SESSION_KEY, None)
    messages.success(request, _welcome(invitation))
    return redirect("/admin/" if invitation.role == Invitation.Role.ADMIN else "/")


def _create_account(request, token, form):
    data = form.cleaned_data
    try:
        invitation, user = invitation_accept_new_account(
            token=token,
            username=data["username"],
            password=data["password"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            ip_address=client_ip(request),
        )
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return None
    except ApplicationError as exc:
        invitation = invitation_find_by_token(token=token)
        return _problem(request, _kind(invitation, exc), exc.message, invitation)
    login(request, user, backend="institutions.backends.InstitutionsModelBackend")
    messages.success(request, _welcome(invitation))
    return redirect("/admin/" if invitation.role == Invitation.Role.ADMIN else "/")


def _welcome(invitation: Invitation) -> str:
    return f"Welcome to {invitation.institution}: you joined as {_role(invitation)}."


def _role(invitation: Invitation) -> str:
    if invitation.role == Invitation.Role.RESIDENT:
        return f"a PGY-{invitation.pgy_level} resident"
    if invitation.role == Invitation.Role.ADMIN:
        return "a senior admin" if invitation.is_senior else "an admin"
    return "faculty"


def _kind(invitation, refusal) -> str:
    if invitation is None:
        return "invalid"
    status = invitation.effective_status
    if status != Invitation.Status.PENDING:
        return status
    return "mismatch" if isinstance(refusal, ForbiddenError) else "has_role"


def _render(request, invitation, token, *, form=None):
    return render(
        request,
        "institutions/invitation.html",
        {
            "invitation": invitation,
            "role": _role(invitation),
            "token": token,
            "form": form,
            "next": request.path,
        },
    )


def _problem(request, kind, message, invitation=None):
    return render(
        request,
        "institutions/invitation_problem.html",
        {
            "kind": kind,
            "title": PROBLEM_TITLES[kind],
            "message": message,
            "invitation": invitation,
            "next": request.path,
        },
        status=PROBLEM_STATUS.get(kind, 410 if kind != "has_role" else 409),
    )
