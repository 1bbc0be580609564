"""`picocore worker`: the database-backed task worker plus the scheduler of periodic jobs."""

import logging
import threading

from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection
from django.utils.crypto import get_random_string
from django_tasks_db.compat import DEFAULT_TASK_BACKEND_ALIAS, DEFAULT_TASK_QUEUE_NAME

from picocore.core.tasks import discover_periodic_jobs, enqueue_due_jobs
from picocore.core.worker import ResilientWorker

logger = logging.getLogger("picocore.worker")


class Command(BaseCommand):
    help = (
        "Run background tasks (django-tasks-db) and enqueue periodic jobs when they are due; outlives database "
        "outages (it waits for the database and runs interrupted tasks again)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--schedule-interval", type=float, default=15.0, help="seconds between schedule checks")
        parser.add_argument("--no-scheduler", action="store_true", help="only run tasks; another worker schedules")
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between looks for new tasks")

    def handle(self, *args, schedule_interval: float, no_scheduler: bool, interval: float, **options):
        if not no_scheduler:
            jobs = discover_periodic_jobs()
            logger.info("Scheduling %d periodic job(s): %s", len(jobs), ", ".join(sorted(jobs)) or "none")
            threading.Thread(target=self._schedule, args=(schedule_interval,), daemon=True, name="scheduler").start()
        worker = ResilientWorker(
            queue_names=[DEFAULT_TASK_QUEUE_NAME],
            interval=interval,
            batch=False,
            backend_name=DEFAULT_TASK_BACKEND_ALIAS,
            startup_delay=False,
            max_tasks=None,
            worker_id=get_random_string(32),
            excluded_queue_names=[],
        )
        worker.configure_signals()
        worker.run()

    def _schedule(self, interval: float) -> None:
        stop = threading.Event()
        while not stop.wait(0 if not hasattr(self, "_started") else interval):
            self._started = True
            try:
                close_old_connections()
                for name in enqueue_due_jobs():
                    logger.info("Enqueued periodic job %s", name)
            except Exception:  # the scheduler must outlive a database hiccup; the next round retries
                logger.exception("Scheduling periodic jobs failed")
            finally:
                connection.close()
