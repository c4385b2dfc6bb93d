"""Prometheus figures of the task queue, read from the database at scrape time."""

_registered = False


class TasksCollector:
    def describe(self):
        """Nothing at registration: `collect` queries the database."""
        return []

    def collect(self):
        from prometheus_client.core import GaugeMetricFamily

        from noumaris.common.jobs.services import task_counts, workers_alive_count

        try:
            counts = task_counts()
            workers = workers_alive_count()
        except Exception:  # the database is down: /health/ready reports it
            return
        tasks = GaugeMetricFamily(
            "noumaris_tasks",
            "Task rows by queue and status (READY is the queue depth)",
            labels=["queue", "status"],
        )
        depth = GaugeMetricFamily(
            "noumaris_task_queue_depth",
            "Tasks waiting for a worker, by queue",
            labels=["queue"],
        )
        failed = GaugeMetricFamily(
            "noumaris_task_failures",
            "Tasks that failed (kept 7 days), by queue",
            labels=["queue"],
        )
        queues = {queue for queue, _ in counts}
        for (queue, status), n in sorted(counts.items()):
            tasks.add_metric([queue, status], n)
        for queue in sorted(queues):
            depth.add_metric([queue], counts.get((queue, "READY"), 0))
            failed.add_metric([queue], counts.get((queue, "FAILED"), 0))
        yield tasks
        yield depth
        yield failed
        yield GaugeMetricFamily(
            "noumaris_task_workers_alive",
            "Task workers with a fresh heartbeat",
            workers,
        )


def register_collector() -> None:
    global _registered
    if not _registered:
        from prometheus_client import REGISTRY

        REGISTRY.register(TasksCollector())
        _registered = True
