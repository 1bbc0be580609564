"""The one source of the current time, so tests can move it and every datetime is aware."""

import datetime as dt

from django.utils import timezone


def now() -> dt.datetime:
    """The current moment as an aware datetime in UTC."""
    return timezone.now()


def months_before(moment: dt.datetime, months: int) -> dt.datetime:
    """The moment `months` calendar months before `moment`: the same day of the month and time, or the last day
    of a shorter month (31 March less one month is 28 or 29 February)."""
    count = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(count, 12)
    month += 1
    for day in range(moment.day, 0, -1):
        try:
            return moment.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has a first day")
