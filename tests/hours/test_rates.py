"""What an entry debits: rounding per contract, rates from the contract's calendar."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from picocore.hours.rates import BUSINESS, OUTSIDE, WEEKEND, Rates, entry_debit, rounded_minutes
from picocore.sla.calendar import BusinessCalendar

CPH = ZoneInfo("Europe/Copenhagen")
OFFICE = BusinessCalendar.from_schedule(
    {day: ["08:00-16:00"] for day in ("mon", "tue", "wed", "thu", "fri")}, time_zone="Europe/Copenhagen", country="DK"
)
RATES = Rates(rounding_minutes=15, outside_hours=Decimal("1.25"), weekend=Decimal("1.5"), holiday=Decimal(2))


def test_sixty_minutes_on_a_saturday_at_one_and_a_half_debit_ninety():
    saturday = dt.datetime(2027, 1, 9, 10, 0, tzinfo=CPH)
    debit = entry_debit(RATES, OFFICE, minutes=60, work_date=saturday.date(), started_at=saturday)
    assert debit.debited == 90
    assert debit.seconds_by_kind == ((WEEKEND, 3600),)


def test_a_public_holiday_of_the_calendars_country_takes_the_holiday_rate():
    christmas = dt.datetime(2026, 12, 25, 9, 0, tzinfo=CPH)  # a Friday, and a Danish public holiday
    assert entry_debit(RATES, OFFICE, minutes=30, work_date=christmas.date(), started_at=christmas).debited == 60
    assert entry_debit(RATES, OFFICE, minutes=30, work_date=christmas.date()).debited == 60  # no start: the day


def test_an_extra_closed_day_counts_as_a_holiday():
    closed = BusinessCalendar(time_zone=OFFICE.time_zone, weekly=OFFICE.weekly, closed_days={dt.date(2027, 1, 4)})
    assert entry_debit(RATES, closed, minutes=60, work_date=dt.date(2027, 1, 4)).debited == 120


def test_an_entry_across_the_end_of_business_hours_is_split():
    late = dt.datetime(2027, 1, 5, 15, 30, tzinfo=CPH)  # Tuesday, 30 minutes in hours and 30 after
    debit = entry_debit(RATES, OFFICE, minutes=60, work_date=late.date(), started_at=late)
    assert debit.seconds_by_kind == ((BUSINESS, 1800), (OUTSIDE, 1800))
    assert debit.debited == 68  # 30 + 37.5, rounded half up


def test_an_entry_across_midnight_into_a_saturday_is_split_by_local_day():
    friday_night = dt.datetime(2027, 1, 8, 23, 0, tzinfo=CPH)
    debit = entry_debit(RATES, OFFICE, minutes=120, work_date=friday_night.date(), started_at=friday_night)
    assert debit.seconds_by_kind == ((OUTSIDE, 3600), (WEEKEND, 3600))
    assert debit.debited == 165  # 75 + 90


def test_rounding_is_up_per_entry_and_then_rated():
    assert rounded_minutes(1, 15) == 15
    assert rounded_minutes(15, 15) == 15
    assert rounded_minutes(16, 15) == 30
    assert rounded_minutes(7, 0) == 7
    tuesday = dt.datetime(2027, 1, 5, 9, 0, tzinfo=CPH)
    debit = entry_debit(RATES, OFFICE, minutes=20, work_date=tuesday.date(), started_at=tuesday)
    assert (debit.rounded, debit.debited) == (30, 30)
    saturday = dt.datetime(2027, 1, 9, 9, 0, tzinfo=CPH)
    assert entry_debit(RATES, OFFICE, minutes=20, work_date=saturday.date(), started_at=saturday).debited == 45


def test_a_working_day_without_a_start_is_business_time():
    assert entry_debit(RATES, OFFICE, minutes=45, work_date=dt.date(2027, 1, 5)).debited == 45


def test_around_the_clock_no_multiplier_applies():
    always = BusinessCalendar.always_open("Europe/Copenhagen")
    saturday = dt.datetime(2027, 1, 9, 3, 0, tzinfo=CPH)
    assert entry_debit(RATES, always, minutes=60, work_date=saturday.date(), started_at=saturday).debited == 60
    assert entry_debit(RATES, None, minutes=60, work_date=saturday.date(), started_at=saturday).debited == 60


def test_an_empty_entry_is_refused():
    with pytest.raises(ValueError):
        rounded_minutes(0, 15)
