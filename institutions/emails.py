"""Invitation e-mails, through Django's e-mail framework (console backend by default)."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from institutions.models import Invitation


def invitation_accept_url(token: str) -> str:
    """The absolute link of the `/invite/<token>` page, from SITE_URL."""
    return settings.SITE_URL.rstrip("/") + reverse(
        "invitation-accept", kwargs={"token": token}
    )


def invitation_email_send(*, invitation: Invitation, token: str) -> None:
    """Send the invitation (text and HTML) to the invited address."""
    context = {
        "invitation": invitation,
        "institution": invitation.institution,
        "inviter": invitation.invited_by,
        "accept_url": invitation_accept_url(token),
        "role": invitation.get_role_display().lower(),
    }
    subject = f"You are invited to join {invitation.institution.name} on Noumaris"
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("institutions/email/invitation.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[invitation.email],
    )
    message.attach_alternative(
        render_to_string("institutions/email/invitation.html", context), "text/html"
    )
    message.send()
