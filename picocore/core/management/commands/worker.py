"""`picocore worker`: the database-backed task worker plus the scheduler of periodic jobs."""

import logging
import threading

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection

from picocore.core.tasks import discover_periodic_jobs, enqueue_due_jobs

logger = logging.getLogger("picocore.worker")


class Command(BaseCommand):
    help = "Run background tasks (django-tasks-db) and enqueue periodic jobs when they are due."

    def add_arguments(self, parser):
        parser.add_argument("--schedule-interval", type=float, default=15.0, help="seconds between schedule checks")
        parser.add_argument("--no-scheduler", action="store_true", help="only run tasks; another worker schedules")

    def handle(self, *args, schedule_interval: float, no_scheduler: bool, **options):
        if not no_scheduler:
            jobs = discover_periodic_jobs()
            logger.info("Scheduling %d periodic job(s): %s", len(jobs), ", ".join(sorted(jobs)) or "none")
            threading.Thread(target=self._schedule, args=(schedule_interval,), daemon=True, name="scheduler").start()
        call_command("db_worker", no_startup_delay=True, reload=False)

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
