"""When a month's review is due: on the first business day of the next month, by the contract's calendar.
Pure functions; no database."""

import datetime as dt
from zoneinfo import ZoneInfo

from picocore.sla.calendar import BusinessCalendar


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def is_business_day(calendar: BusinessCalendar | None, day: dt.date) -> bool:
    """A day with opening hours in the weekly schedule that is neither a public holiday nor a closed day, or a
    day with an extra open period. Without a calendar (around the clock) every day is one."""
    if calendar is None:
        return True
    if calendar.weekly[day.weekday()] and calendar.is_open_day(day):
        return True
    zone = ZoneInfo(calendar.time_zone)
    return any(
        start.astimezone(zone).date() <= day <= end.astimezone(zone).date() for start, end in calendar.extra_open
    )


def first_business_day(calendar: BusinessCalendar | None, month: dt.date) -> dt.date:
    """The month's first business day; its first day when the calendar has none in it (a calendar closed for
    a whole month still gets its review)."""
    day = month_start(month)
    following = add_months(day, 1)
    while day < following:
        if is_business_day(calendar, day):
            return day
        day += dt.timedelta(days=1)
    return month_start(month)


def due_month(calendar: BusinessCalendar | None, today: dt.date) -> dt.date | None:
    """The month whose review is due by `today` (the previous month, from the first business day of this one
    on), or None before that day."""
    this_month = month_start(today)
    if today < first_business_day(calendar, this_month):
        return None
    return add_months(this_month, -1)
