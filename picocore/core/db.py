"""Living through database outages: which errors mean the database is unreachable, and waiting for it.

Django closes a broken connection around each request (close_old_connections); long-running processes (the
worker, the outbox's sender) do the same here, and retry with growing pauses until the database answers.
"""

import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import InterfaceError, OperationalError, connection

logger = logging.getLogger("picocore.database")

DATABASE_UNREACHABLE = (OperationalError, InterfaceError)


@dataclass
class Backoff:
    """Pauses that double from `first` up to `longest` seconds, starting again after `reset()`."""

    first: float = 0.5
    longest: float = 15.0
    _next: float = 0.0

    def pause(self) -> float:
        self._next = min(self.longest, self._next * 2) if self._next else self.first
        return self._next

    def reset(self) -> None:
        self._next = 0.0


def database_answers() -> bool:
    """Whether the database answers now, on a fresh connection if the old one broke."""
    try:
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except DATABASE_UNREACHABLE:
        return False


def close_broken_connection() -> None:
    """Forget this thread's connection (closing a broken one may itself fail; it is dropped either way)."""
    with contextlib.suppress(*DATABASE_UNREACHABLE):
        connection.close()
    connection.connection = None


def wait_for_database(
    *, backoff: Backoff | None = None, sleep: Callable[[float], None] = time.sleep, running=lambda: True
) -> bool:
    """Close the broken connection and retry with growing pauses until the database answers (True), or until
    `running()` turns false (False). Each pause is logged, so an outage is visible in the worker's log."""
    backoff = backoff or Backoff()
    while running():
        close_broken_connection()
        if database_answers():
            return True
        pause = backoff.pause()
        logger.warning("The database does not answer; trying again in %.1f s", pause)
        sleep(pause)
    return False
