"""Background work through Django's task framework: enqueue after commit, and periodic jobs.

Tasks take ids, not objects, and are idempotent: a task may run twice (a retry, a crash after the work but
before the result was stored) and must then change nothing more.
"""

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.db import IntegrityError, transaction
from django.tasks import Task
from django.utils.module_loading import autodiscover_modules

from picocore.core.clock import now

logger = logging.getLogger(__name__)


def enqueue_on_commit(task: Task, *args, **kwargs) -> None:
    """Enqueue `task` once the current transaction commits; nothing is enqueued if it rolls back."""
    transaction.on_commit(partial(task.enqueue, *args, **kwargs))


@dataclass(frozen=True)
class PeriodicJob:
    task: Task
    every: dt.timedelta

    @property
    def name(self) -> str:
        return self.task.module_path


PERIODIC_JOBS: dict[str, PeriodicJob] = {}


def periodic[T: Task[Any, Any]](*, every: dt.timedelta) -> Callable[[T], T]:
    """Declare a task (taking no arguments) to run once per `every`, by whichever worker claims it first."""

    def register(task: T) -> T:
        job = PeriodicJob(task=task, every=every)
        PERIODIC_JOBS[job.name] = job
        return task

    return register


def discover_periodic_jobs() -> dict[str, PeriodicJob]:
    """Import every app's `tasks` module so their `@periodic` declarations register."""
    autodiscover_modules("tasks")
    return PERIODIC_JOBS


def enqueue_due_jobs(moment: dt.datetime | None = None) -> list[str]:
    """Enqueue each periodic job whose current period has not been claimed yet; returns their names.

    Safe with any number of workers calling it at once: the (job, period) row is unique, so exactly one
    claim succeeds per period and the job is enqueued once.
    """
    from picocore.core.models import ScheduledRun

    moment = moment or now()
    enqueued = []
    for job in discover_periodic_jobs().values():
        slot = int(moment.timestamp() // job.every.total_seconds())
        try:
            with transaction.atomic():
                ScheduledRun.objects.create(job=job.name, slot=slot, claimed_at=moment)
                enqueue_on_commit(job.task)
        except IntegrityError:
            continue
        enqueued.append(job.name)
    return enqueued
