"""Background tasks of the notes app (Django's task framework, django-tasks)."""

from django_tasks import task

from templates_app.supervision.services import cosign_reminders_send


@task()
def send_cosign_reminders() -> int:
    """E-mail attendings about overdue co-signatures (at most one a day each)."""
    return cosign_reminders_send()
