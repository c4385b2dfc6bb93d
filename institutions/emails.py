"""Invitation e-mails, through Django's e-mail framework (console backend by default)."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from institutions.models import Invitation
from institutions.tokens import invitation_token_hash
from noumaris.common.when import zone_named


def invitation_accept_url(token: str) -> str:
    """The absolute link of the `/invite/<token>` page, from SITE_URL."""
    return settings.SITE_URL.rstrip("/") + reverse(
        "invitation-accept", kwargs={"token": token}
    )


def invitation_email_message(*, object_id: int, secret: str):
    """The invitation e-mail (text and HTML) to send now, or None when the link is
    no longer the invitation's (resent since, revoked, accepted)."""
    invitation = (
        Invitation.objects.select_related("institution", "invited_by")
        .filter(pk=object_id, status=Invitation.Status.PENDING)
        .first()
    )
    if invitation is None or invitation.token_hash != invitation_token_hash(secret):
        return None
    return invitation_email(invitation=invitation, token=secret)


def invitation_email(*, invitation: Invitation, token: str) -> EmailMultiAlternatives:
    context = {
        "invitation": invitation,
        "institution": invitation.institution,
        "inviter": invitation.invited_by,
        "accept_url": invitation_accept_url(token),
        "role": invitation.get_role_display().lower(),
    }
    subject = f"You are invited to join {invitation.institution.name} on Noumaris"
    # The expiry reads in the institution's zone, named (the reader has no page yet).
    with timezone.override(zone_named(invitation.institution.timezone)):
        text = render_to_string("institutions/email/invitation.txt", context)
        html = render_to_string("institutions/email/invitation.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[invitation.email],
    )
    message.attach_alternative(html, "text/html")
    return message
