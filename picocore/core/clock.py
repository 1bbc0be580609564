"""The one source of the current time, so tests can move it and every datetime is aware."""

import datetime as dt

from django.utils import timezone


def now() -> dt.datetime:
    """The current moment as an aware datetime in UTC."""
    return timezone.now()
