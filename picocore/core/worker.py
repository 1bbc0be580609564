"""The background worker's survival of database outages.

The database-backed worker of django-tasks-db stops at the first database error: after PostgreSQL restarted,
the worker died on `connection is closed` and nothing was sent until someone restarted it. Here, as Django does
around each request, a broken connection is closed and the worker waits, with a growing pause, until the
database answers again; a task that the outage interrupted is put back in the queue (tasks are idempotent), so
what was acknowledged is not lost.
"""

import logging

from django.core.exceptions import SuspiciousOperation
from django_tasks_db.compat import TaskContext, task_finished, task_started
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult, TaskResultStatus

from picocore.core.db import DATABASE_UNREACHABLE, Backoff, wait_for_database

logger = logging.getLogger("picocore.worker")

# How often one task may be put back after a database error before it is recorded as failed: enough for any
# restart, but a task that always ends in such an error (a query that never succeeds) does not loop forever.
MAX_REQUEUES = 10


class ResilientWorker(Worker):
    """django-tasks-db's worker, made to outlive database outages: the polling loop waits for the database
    instead of dying, and a task interrupted by a database error is queued again rather than lost or failed."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.requeues: dict[str, int] = {}

    def run(self) -> None:
        backoff = Backoff()
        while self.running:
            try:
                super().run()
                return
            except DATABASE_UNREACHABLE as error:
                logger.warning("The worker lost the database (%s); waiting for it", error)
                self.startup_delay = False
                if wait_for_database(backoff=backoff, running=lambda: self.running):
                    logger.info("The database answers again; the worker goes on")
                backoff.reset()

    def run_task(self, db_task_result: DBTaskResult) -> None:
        """Run the task as django-tasks-db does, except that a database error puts it back in the queue once
        the database answers (the work it did rolled back with its transaction; tasks may run twice)."""
        try:
            self.running_task = True
            task = db_task_result.task
            task_result = db_task_result.task_result
            backend_type = task.get_backend()
            task_started.send(sender=backend_type, task_result=task_result)
            if task.takes_context:
                value = task.call(TaskContext(task_result=task_result), *task_result.args, **task_result.kwargs)
            else:
                value = task.call(*task_result.args, **task_result.kwargs)
            db_task_result.set_successful(value)
            task_finished.send(sender=backend_type, task_result=db_task_result.task_result)
        except DATABASE_UNREACHABLE as error:
            self._requeue(db_task_result, error)
        except BaseException as error:
            try:
                db_task_result.set_failed(error)
            except DATABASE_UNREACHABLE as lost:  # the database went away while recording the failure
                self._requeue(db_task_result, lost)
                return
            try:
                sender = type(db_task_result.task.get_backend())
                finished = db_task_result.task_result
            except (ImportError, SuspiciousOperation):  # the task itself cannot be found any more
                logger.exception("Task %s failed unexpectedly", db_task_result.pk)
            else:
                task_finished.send(sender=sender, task_result=finished)
        finally:
            self.running_task = False
            self._run_tasks += 1

    def _requeue(self, db_task_result: DBTaskResult, error: BaseException) -> None:
        key = str(db_task_result.pk)
        self.requeues[key] = self.requeues.get(key, 0) + 1
        logger.warning("Task %s was interrupted by the database (%s); it will run again", key, error)
        if not wait_for_database(running=lambda: self.running):
            return  # stopping: the claim stays RUNNING, as for any worker stopped mid-task
        if self.requeues[key] > MAX_REQUEUES:
            db_task_result.set_failed(error)
            logger.error("Task %s failed: interrupted by the database %d times", key, self.requeues[key] - 1)
            return
        DBTaskResult.objects.filter(pk=db_task_result.pk, status=TaskResultStatus.RUNNING).update(
            status=TaskResultStatus.READY
        )
