"""The task list in the Django admin, for superadmins only.

django_tasks_db registers a read-only admin for its task rows; it lets in any staff
user with the model's view permission. Here the same admin answers only to
superadmins (institution admins are staff too), and the workers are listed beside.
"""

from django.contrib import admin
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult

from noumaris.common.jobs.models import PeriodicRun, WorkerHeartbeat


def is_superadmin(user) -> bool:
    # The account's own flags: noumaris sits below the institutions' role helpers.
    return bool(user.is_active and getattr(user, "is_superadmin", False))


class SuperadminOnly:
    def has_module_permission(self, request):
        return is_superadmin(request.user)

    def has_view_permission(self, request, obj=None):
        return is_superadmin(request.user)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class TaskResultAdmin(SuperadminOnly, DBTaskResultAdmin):
    pass


admin.site.unregister(DBTaskResult)
admin.site.register(DBTaskResult, TaskResultAdmin)


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(SuperadminOnly, admin.ModelAdmin):
    list_display = ("worker_id", "hostname", "pid", "started_at", "seen_at")


@admin.register(PeriodicRun)
class PeriodicRunAdmin(SuperadminOnly, admin.ModelAdmin):
    list_display = ("name", "last_run_at", "next_run_at")
