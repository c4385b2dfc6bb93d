"""What the task workers record beside the task framework's own rows."""

from django.db import models


class WorkerHeartbeat(models.Model):
    """A live task worker (`manage.py run_worker`), seen every few seconds."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    hostname = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-seen_at"]

    def __str__(self):
        return f"worker {self.worker_id}"


class PeriodicRun(models.Model):
    """When each periodic job (noumaris.common.jobs.periodic.PERIODIC) is next due; the
    worker that claims the row (a row lock) runs or enqueues it, once per period."""

    name = models.CharField(max_length=64, primary_key=True)
    next_run_at = models.DateTimeField()
    last_run_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return self.name
