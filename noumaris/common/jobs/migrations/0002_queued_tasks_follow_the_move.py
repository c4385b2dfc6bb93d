"""Tasks queued before `noumaris/jobs` moved into `noumaris/common/jobs` name their
function by its old dotted path; a worker after the deploy could not import it and
the task (an invitation's e-mail, a periodic job) would fail. Rename the path of every
task not yet finished, both ways."""

from django.db import migrations
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr

OLD, NEW = "noumaris.jobs.", "noumaris.common.jobs."
FINISHED = ("SUCCESSFUL", "FAILED")


def _rename(old: str, new: str):
    def rename(apps, schema_editor):
        results = apps.get_model("django_tasks_database", "DBTaskResult")
        results.objects.filter(task_path__startswith=old).exclude(
            status__in=FINISHED
        ).update(task_path=Concat(Value(new), Substr(F("task_path"), len(old) + 1)))

    return rename


class Migration(migrations.Migration):
    dependencies = [
        ("jobs", "0001_worker_state"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [migrations.RunPython(_rename(OLD, NEW), _rename(NEW, OLD))]
