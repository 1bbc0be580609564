"""Durations read like a person's: time left within a day as "2 h 10 min", beyond it as the moment it is due
("Thu 3 Dec, 10:30"), counted in business time for a business-hours clock; and a missed promise is admitted on
the customer's page. Pure functions: no database."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from picocore.contracts.models import ClockKind, SlaMetric
from picocore.sla.calendar import BusinessCalendar, add_business_time, business_time_between
from picocore.sla.clocks import ClockState
from picocore.sla.models import SlaClock
from picocore.sla.presenters import customer_lines, duration_text, explain, remaining_text, within_a_day

CPH = ZoneInfo("Europe/Copenhagen")
OFFICE = BusinessCalendar.from_schedule(
    {day: ["08:00-16:00"] for day in ("mon", "tue", "wed", "thu", "fri")}, time_zone="Europe/Copenhagen"
)


def cph(day: int, hour: int, minute: int = 0, second: int = 0, month: int = 12) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, second, tzinfo=CPH)


def minutes(value: float) -> dt.timedelta:
    return dt.timedelta(minutes=value)


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (dt.timedelta(0), "0 min"),
        (dt.timedelta(seconds=29), "0 min"),
        (dt.timedelta(seconds=30), "1 min"),  # half a minute rounds up
        (dt.timedelta(minutes=44, seconds=29), "44 min"),
        (dt.timedelta(minutes=44, seconds=31), "45 min"),
        (dt.timedelta(minutes=59, seconds=30), "1 h"),
        (dt.timedelta(hours=2, minutes=10), "2 h 10 min"),
        (dt.timedelta(hours=2, minutes=9, seconds=40), "2 h 10 min"),
        (dt.timedelta(days=1), "1 d"),
        (dt.timedelta(days=3, hours=2), "3 d 2 h"),
        (-dt.timedelta(minutes=35), "35 min"),  # a length: the sign is the caller's to say
    ],
)
def test_duration_text_rounds_to_the_nearest_minute(delta, text):
    assert duration_text(delta) == text


DUE = cph(3, 10, 30)  # Thursday 3 December 2026, 10:30


@pytest.mark.parametrize(
    ("left", "text"),
    [
        (dt.timedelta(hours=2, minutes=10), "2 h 10 min"),
        (dt.timedelta(seconds=10), "1 min"),  # while any time is left, never "0 min"
        (dt.timedelta(hours=23, minutes=59), "23 h 59 min"),
        (dt.timedelta(hours=23, minutes=59, seconds=29), "23 h 59 min"),
        # Exactly a day, or what rounds to it, is no longer "within a day": the moment is shown.
        (dt.timedelta(hours=23, minutes=59, seconds=30), "Thu 3 Dec, 10:30"),
        (dt.timedelta(days=1), "Thu 3 Dec, 10:30"),
        (dt.timedelta(days=1, seconds=1), "Thu 3 Dec, 10:30"),
        (dt.timedelta(days=4), "Thu 3 Dec, 10:30"),
        (dt.timedelta(0), "Thu 3 Dec, 10:30"),  # nothing left: when it was due
    ],
)
def test_remaining_text_within_a_day_and_beyond(left, text):
    assert remaining_text(left, due_at=DUE, zone=CPH) == text


def test_within_a_day_boundary():
    assert within_a_day(minutes(1439)) and not within_a_day(minutes(1440))
    assert not within_a_day(dt.timedelta(0)) and not within_a_day(-minutes(5))


def test_the_moment_is_in_the_zone_asked_for():
    assert remaining_text(dt.timedelta(days=2), due_at=DUE, zone=ZoneInfo("Asia/Tokyo")) == "Thu 3 Dec, 18:30"


def test_business_time_left_across_a_weekend_reads_as_hours():
    # A 4-business-hour target started Friday 4 December at 14:00: due Monday 7 December at 10:00.
    start, now = cph(4, 14), cph(4, 15, 50)
    due = add_business_time(OFFICE, start, dt.timedelta(hours=4))
    assert due == cph(7, 10)
    left = dt.timedelta(hours=4) - business_time_between(OFFICE, start, now)
    assert left == dt.timedelta(hours=2, minutes=10)
    # 66 wall-clock hours away, but 2 h 10 min of business time: within a day of the clock's own time.
    assert remaining_text(left, due_at=due, zone=CPH) == "2 h 10 min"
    # Saturday: nothing has been counted since Friday's closing time.
    saturday_left = dt.timedelta(hours=4) - business_time_between(OFFICE, start, cph(5, 12))
    assert remaining_text(saturday_left, due_at=due, zone=CPH) == "2 h"


def explained(state: ClockState, *, business: bool, now: dt.datetime) -> str:
    return explain(SlaMetric.RESOLUTION, state, business=business, calendar_name="Office", priority=2, tier="Gold",
                   counted_per_period=[dt.timedelta(0)] * len(state.running), now=now, zone=CPH).why  # fmt: skip


def test_the_desk_explanation_says_how_long_within_a_day_and_when_beyond():
    start = cph(4, 14)
    over_weekend = ClockState(started_at=start, target_seconds=4 * 3600, running=[(start, None)],
                              elapsed=dt.timedelta(hours=1, minutes=50), due_at=cph(7, 10))  # fmt: skip
    assert explained(over_weekend, business=True, now=cph(4, 15, 50)) == (
        "1 h 50 min counted, 2 h 10 min left in business hours → due Mon 7 Dec, 10:00."
    )
    long = ClockState(started_at=start, target_seconds=40 * 3600, running=[(start, None)],
                      elapsed=dt.timedelta(hours=1), due_at=cph(14, 15))  # fmt: skip
    assert explained(long, business=True, now=cph(4, 15)) == "1 h counted → due Mon 14 Dec, 15:00."
    around_the_clock = ClockState(started_at=start, target_seconds=3 * 3600, running=[(start, None)],
                                  elapsed=dt.timedelta(minutes=45), due_at=cph(4, 17))  # fmt: skip
    assert explained(around_the_clock, business=False, now=cph(4, 14, 45)) == (
        "45 min counted, 2 h 15 min left → due Fri 4 Dec, 17:00."
    )


# A missed promise is admitted.


def clock_of(metric: str, *, due_at: dt.datetime, **fields) -> SlaClock:
    start = due_at - dt.timedelta(hours=2)
    return SlaClock(metric=metric, target_seconds=7200, clock=ClockKind.BUSINESS, started_at=start, due_at=due_at,
                    **fields)  # fmt: skip


def lines(clocks: dict[str, SlaClock], now: dt.datetime) -> list[tuple[str, str]]:
    with timezone.override(CPH):
        return [(line.text, line.state) for line in customer_lines(clocks, priority=2, contract=None, now=now)]


def test_a_breached_clock_admits_the_missed_promise_plainly():
    due = cph(3, 20, 21)
    first = clock_of(SlaMetric.FIRST_RESPONSE, due_at=due, breached_at=due)
    assert lines({SlaMetric.FIRST_RESPONSE: first}, cph(3, 21)) == [
        (
            "First response: we promised to respond by 20:21 and have not yet; we are on it "
            "(within 2 business hours, P2).",
            "overdue",
        )
    ]


def test_a_deadline_passed_before_the_sweep_is_admitted_too_and_on_another_day_with_its_date():
    due = cph(3, 20, 21)
    resolution = clock_of(SlaMetric.RESOLUTION, due_at=due)  # not yet marked breached
    update = clock_of(SlaMetric.NEXT_UPDATE, due_at=due, breached_at=due)
    assert lines({SlaMetric.RESOLUTION: resolution, SlaMetric.NEXT_UPDATE: update}, cph(4, 9)) == [
        (
            "Next update: we promised to update you by Thu 3 Dec, 20:21 and have not yet; we are on it "
            "(within 2 business hours, P2).",
            "overdue",
        ),
        (
            "Resolution: we promised to resolve it by Thu 3 Dec, 20:21 and have not yet; we are on it "
            "(within 2 business hours, P2).",
            "overdue",
        ),
    ]


def test_the_old_promise_is_not_repeated_once_missed():
    due = cph(3, 20, 21)
    before = lines({SlaMetric.FIRST_RESPONSE: clock_of(SlaMetric.FIRST_RESPONSE, due_at=due)}, cph(3, 20))
    assert before == [("First response: we will respond by Thu 3 Dec, 20:21 (within 2 business hours, P2).", "running")]
    after = lines({SlaMetric.FIRST_RESPONSE: clock_of(SlaMetric.FIRST_RESPONSE, due_at=due)}, cph(3, 20, 22))
    assert "we will respond by" not in after[0][0]
    assert after[0][0].startswith("First response: we promised to respond by 20:21 and have not yet")


def test_a_missed_promise_paused_while_waiting_still_says_so():
    due = cph(3, 20, 21)
    paused = clock_of(SlaMetric.FIRST_RESPONSE, due_at=due, breached_at=due, paused_since=cph(3, 20, 40))
    assert lines({SlaMetric.FIRST_RESPONSE: paused}, cph(3, 21)) == [
        (
            "First response: we promised to respond by 20:21 and have not yet; paused while we wait for you since "
            "Thu 3 Dec, 20:40 (within 2 business hours, P2).",
            "paused",
        )
    ]


def test_the_queue_rows_sla_text(monkeypatch):
    from picocore.tickets.templatetags.tickets import sla_remaining

    monkeypatch.setattr("django.utils.timezone.now", lambda: cph(3, 8, 20).astimezone(dt.UTC))
    with timezone.override(CPH):
        assert sla_remaining(cph(3, 10, 30)) == "due in 2 h 10 min"
        assert sla_remaining(cph(4, 8, 20)) == "due Fri 4 Dec, 08:20"  # a day away: the moment
        assert sla_remaining(cph(3, 7, 45)) == "breached 35 min ago"
        assert sla_remaining(cph(1, 7, 45)) == "breached Tue 1 Dec, 07:45"
        assert sla_remaining(None) == ""


def test_the_queue_rows_sla_text_in_business_time(monkeypatch):
    """Friday 15:00 with 08–16 business hours: a deadline on Monday 10:00 is 3 business hours away."""
    from picocore.tickets.templatetags.tickets import sla_remaining

    monkeypatch.setattr("django.utils.timezone.now", lambda: cph(4, 15).astimezone(dt.UTC))
    left = business_time_between(OFFICE, cph(4, 15), cph(7, 10))
    assert left == dt.timedelta(hours=3)
    with timezone.override(CPH):
        assert sla_remaining(cph(7, 10)) == "due Mon 7 Dec, 10:00"  # wall clock: 67 hours away
        assert sla_remaining(cph(7, 10), left) == "due in 3 h"
        # 10 business hours (wall clock: four days) read as a duration; a day's worth of them (24 h) as the moment.
        assert sla_remaining(cph(8, 9), business_time_between(OFFICE, cph(4, 15), cph(8, 9))) == "due in 10 h"
        assert sla_remaining(cph(9, 15), business_time_between(OFFICE, cph(4, 15), cph(9, 15))) == (
            "due Wed 9 Dec, 15:00"
        )
