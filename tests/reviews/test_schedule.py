"""The first business day of a month by a contract's calendar: weekends, public holidays, closed days."""

import datetime as dt

from picocore.reviews.schedule import due_month, first_business_day
from picocore.sla.calendar import BusinessCalendar

OFFICE = BusinessCalendar.from_schedule(
    {day: ["08:00-16:00"] for day in ("mon", "tue", "wed", "thu", "fri")}, time_zone="Europe/Copenhagen", country="DK"
)


def test_a_month_starting_on_a_weekday_starts_with_a_business_day():
    assert first_business_day(OFFICE, dt.date(2027, 2, 1)) == dt.date(2027, 2, 1)  # a Monday


def test_a_weekend_is_skipped():
    assert first_business_day(OFFICE, dt.date(2026, 8, 1)) == dt.date(2026, 8, 3)  # Saturday → Monday


def test_a_public_holiday_is_skipped():
    assert first_business_day(OFFICE, dt.date(2027, 1, 1)) == dt.date(2027, 1, 4)  # New Year on a Friday → Monday


def test_a_closed_day_is_skipped():
    closed = BusinessCalendar.from_schedule(
        {"mon": ["08:00-16:00"], "tue": ["08:00-16:00"]}, time_zone="UTC", closed_days=[dt.date(2027, 2, 1)]
    )
    assert first_business_day(closed, dt.date(2027, 2, 1)) == dt.date(2027, 2, 2)


def test_around_the_clock_the_first_is_the_day():
    assert first_business_day(None, dt.date(2027, 5, 1)) == dt.date(2027, 5, 1)


def test_the_review_is_due_from_that_day_on():
    assert due_month(OFFICE, dt.date(2027, 1, 1)) is None
    assert due_month(OFFICE, dt.date(2027, 1, 3)) is None
    assert due_month(OFFICE, dt.date(2027, 1, 4)) == dt.date(2026, 12, 1)
    assert due_month(OFFICE, dt.date(2027, 1, 20)) == dt.date(2026, 12, 1)
