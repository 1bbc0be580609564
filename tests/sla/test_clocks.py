"""The clocks as pure functions of a ticket's history (no database)."""

import datetime as dt
from zoneinfo import ZoneInfo

from picocore.sla.calendar import BusinessCalendar
from picocore.sla.clocks import (
    History,
    StatusChange,
    Target,
    describe_target,
    first_response_clock,
    next_update_clock,
    pause_statuses,
    resolution_clock,
)

CPH = ZoneInfo("Europe/Copenhagen")
OFFICE = BusinessCalendar.from_schedule(
    {d: ["08:00-16:00"] for d in ("mon", "tue", "wed", "thu", "fri")}, time_zone="Europe/Copenhagen", country="DK"
)
PAUSING = pause_statuses(pause_on_third_party=False)


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=CPH)  # 23 Nov 2026 is a Monday


def hours(n: float) -> Target:
    return Target(seconds=int(n * 3600), calendar=OFFICE)


def test_first_response_runs_in_business_hours_and_stops_at_the_first_staff_reply():
    history = History(created_at=at(27, 15, 30), status_changes=(), staff_replies=())
    clock = first_response_clock(history, hours(1), at(27, 15, 45), PAUSING)
    assert clock.due_at == at(30, 8, 30)  # Friday 15:30 + 1 business hour → Monday 08:30
    assert clock.warn_at == at(30, 8, 15)
    assert (clock.breached_at, clock.stopped_at) == (None, None)
    answered = History(created_at=at(27, 15, 30), status_changes=(), staff_replies=(at(30, 8, 10),))
    clock = first_response_clock(answered, hours(1), at(30, 12), PAUSING)
    assert (clock.stopped_at, clock.due_at, clock.breached_at) == (at(30, 8, 10), None, None)
    assert clock.elapsed == dt.timedelta(minutes=40)


def test_a_late_first_response_is_a_breach_at_the_deadline():
    history = History(created_at=at(23, 9), status_changes=(), staff_replies=(at(23, 11),))
    clock = first_response_clock(history, hours(1), at(23, 12), PAUSING)
    assert (clock.stopped_at, clock.breached_at) == (at(23, 11), at(23, 10))


def test_waiting_on_the_customer_pauses_and_the_time_is_not_lost():
    history = History(
        created_at=at(23, 9),
        status_changes=(
            StatusChange(at(23, 10), "in_progress"),
            StatusChange(at(23, 11), "waiting_on_customer"),
            StatusChange(at(24, 9), "in_progress"),
        ),
        staff_replies=(at(23, 10),),
    )
    paused = resolution_clock(history, hours(4), at(23, 15), PAUSING)
    assert (paused.due_at, paused.paused_since, paused.elapsed) == (None, at(23, 11), dt.timedelta(hours=2))
    resumed = resolution_clock(history, hours(4), at(24, 10), PAUSING)
    assert resumed.due_at == at(24, 11)  # 2 hours counted before the pause, 2 more from 09:00
    assert resumed.paused == [(at(23, 11), at(24, 9))]


def test_third_party_waits_pause_only_when_the_tier_says_so():
    history = History(
        created_at=at(23, 9), status_changes=(StatusChange(at(23, 10), "waiting_on_third_party"),), staff_replies=()
    )
    assert resolution_clock(history, hours(4), at(23, 12), PAUSING).due_at == at(23, 13)
    assert resolution_clock(history, hours(4), at(23, 12), pause_statuses(True)).due_at is None


def test_resolution_stops_when_resolved_and_resumes_on_reopen_without_counting_the_gap():
    history = History(
        created_at=at(23, 9),
        status_changes=(
            StatusChange(at(23, 10), "in_progress"),
            StatusChange(at(23, 11), "resolved"),
            StatusChange(at(25, 9), "in_progress"),
        ),
        staff_replies=(),
    )
    resolved = resolution_clock(history, hours(3), at(24, 12), PAUSING)
    assert (resolved.stopped_at, resolved.due_at, resolved.elapsed) == (at(23, 11), None, dt.timedelta(hours=2))
    reopened = resolution_clock(history, hours(3), at(25, 9, 30), PAUSING)
    assert (reopened.stopped_at, reopened.due_at) == (None, at(25, 10))


def test_next_update_restarts_with_each_staff_reply_and_stops_when_resolved():
    history = History(created_at=at(23, 9), status_changes=(), staff_replies=(at(23, 10), at(23, 13)))
    assert next_update_clock(History(at(23, 9), (), ()), hours(2), at(23, 12), PAUSING) is None
    clock = next_update_clock(history, hours(2), at(23, 14), PAUSING)
    assert (clock.started_at, clock.due_at) == (at(23, 13), at(23, 15))
    done = History(at(23, 9), (StatusChange(at(23, 14), "resolved"),), (at(23, 10), at(23, 13)))
    assert next_update_clock(done, hours(2), at(23, 15), PAUSING).due_at is None


def test_around_the_clock_targets_ignore_business_hours():
    always = Target(seconds=1800, calendar=BusinessCalendar.always_open("UTC"))
    history = History(created_at=at(28, 23, 50), status_changes=(), staff_replies=())  # Saturday night
    assert first_response_clock(history, always, at(28, 23, 55), PAUSING).due_at == at(29, 0, 20)


def test_describing_targets():
    assert describe_target(3600, business=True) == "1 business hour"
    assert describe_target(1800, business=False) == "30 minutes around the clock"
    assert describe_target(4 * 3600 + 1800, business=True) == "4 business hours 30 minutes"
