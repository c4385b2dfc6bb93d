"""The co-sign reminder e-mail, built by the e-mail task (noumaris.common.jobs.email) when
it is sent, so a retry says what is overdue at that moment."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import timezone

from templates_app.models import CosignReminder
from templates_app.supervision.selectors import overdue_by_attending


def cosign_reminder_message(*, object_id: int, secret: str = ""):
    """The reminder claimed as `CosignReminder` `object_id`, or None when its
    attending has nothing overdue any more."""
    reminder = (
        CosignReminder.objects.select_related("attending").filter(pk=object_id).first()
    )
    if reminder is None or not reminder.attending.email:
        return None
    now = timezone.now()
    notes = overdue_by_attending(now=now).get(reminder.attending)
    if not notes:
        return None
    context = {
        "attending": reminder.attending,
        "notes": notes,
        "now": now,
        "queue_url": settings.SITE_URL.rstrip("/") + "/supervision/",
    }
    count = len(notes)
    return EmailMessage(
        subject=f"{count} note{'s' if count != 1 else ''} overdue for your co-signature",
        body=render_to_string("templates_app/email/cosign_reminder.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[reminder.attending.email],
    )
