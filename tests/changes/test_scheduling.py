"""Maintenance windows and freezes as pure functions: weekly windows in the organisation's time zone, across
daylight saving time; freezes one-off and yearly, over New Year and on 29 February."""

import datetime as dt
import zoneinfo

from picocore.changes import scheduling
from picocore.changes.scheduling import FreezeRule, Rules, WindowRule

CPH = zoneinfo.ZoneInfo("Europe/Copenhagen")
UTC = dt.UTC
TUESDAY_EVENING = WindowRule("Tuesday evening", weekday=1, starts_at=dt.time(20, 0), duration_minutes=180)
SATURDAY_NIGHT = WindowRule("", weekday=5, starts_at=dt.time(22, 0), duration_minutes=360)


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=CPH)


def test_a_weekly_window_follows_the_local_clock_in_winter_and_in_summer():
    winter = scheduling.occurrences([TUESDAY_EVENING], "Europe/Copenhagen", at(2027, 1, 12, 0), at(2027, 1, 13, 0))
    summer = scheduling.occurrences([TUESDAY_EVENING], "Europe/Copenhagen", at(2027, 7, 13, 0), at(2027, 7, 14, 0))
    assert [(s.astimezone(UTC), e.astimezone(UTC)) for _, s, e in winter] == [
        (dt.datetime(2027, 1, 12, 19, 0, tzinfo=UTC), dt.datetime(2027, 1, 12, 22, 0, tzinfo=UTC))
    ]
    assert [(s.astimezone(UTC), e.astimezone(UTC)) for _, s, e in summer] == [
        (dt.datetime(2027, 7, 13, 18, 0, tzinfo=UTC), dt.datetime(2027, 7, 13, 21, 0, tzinfo=UTC))
    ]


def test_a_window_over_the_autumn_clock_change_ends_at_its_local_time():
    # Daylight saving time ends on Sunday 25 October 2026 at 03:00 (back to 02:00): 22:00 + 6 h ends at 04:00 local,
    # seven hours of real time that night.
    [(_, start, end)] = scheduling.occurrences(
        [SATURDAY_NIGHT], "Europe/Copenhagen", at(2026, 10, 24, 21), at(2026, 10, 24, 23)
    )
    assert start == dt.datetime(2026, 10, 24, 20, 0, tzinfo=UTC)
    assert end == dt.datetime(2026, 10, 25, 3, 0, tzinfo=UTC)
    assert end.astimezone(CPH).hour == 4
    inside = scheduling.window_holding(
        [SATURDAY_NIGHT], "Europe/Copenhagen", at(2026, 10, 25, 2, 30), at(2026, 10, 25, 3, 59)
    )
    assert inside == SATURDAY_NIGHT


def test_a_window_over_the_spring_clock_change():
    # Daylight saving time begins on Sunday 28 March 2027 at 02:00 (to 03:00): the night has five real hours.
    [(_, start, end)] = scheduling.occurrences(
        [SATURDAY_NIGHT], "Europe/Copenhagen", at(2027, 3, 27, 21), at(2027, 3, 27, 23)
    )
    assert (start, end) == (dt.datetime(2027, 3, 27, 21, 0, tzinfo=UTC), dt.datetime(2027, 3, 28, 2, 0, tzinfo=UTC))


def test_a_change_must_lie_wholly_inside_one_occurrence():
    rules = [TUESDAY_EVENING]
    assert (
        scheduling.window_holding(rules, "Europe/Copenhagen", at(2027, 1, 12, 20), at(2027, 1, 12, 23))
        == TUESDAY_EVENING
    )
    assert scheduling.window_holding(rules, "Europe/Copenhagen", at(2027, 1, 12, 19, 59), at(2027, 1, 12, 21)) is None
    assert scheduling.window_holding(rules, "Europe/Copenhagen", at(2027, 1, 12, 22), at(2027, 1, 12, 23, 1)) is None
    assert scheduling.window_holding(rules, "Europe/Copenhagen", at(2027, 1, 13, 20), at(2027, 1, 13, 21)) is None
    # The same evening in another zone's terms: 20:00 in Copenhagen is 19:00 UTC.
    assert (
        scheduling.window_holding(
            rules,
            "Europe/Copenhagen",
            dt.datetime(2027, 1, 12, 19, tzinfo=UTC),
            dt.datetime(2027, 1, 12, 20, tzinfo=UTC),
        )
        == TUESDAY_EVENING
    )


def test_a_window_running_into_the_next_week_holds_a_change_on_monday_morning():
    sunday_night = WindowRule("", weekday=6, starts_at=dt.time(22, 0), duration_minutes=8 * 60)
    assert (
        scheduling.window_holding([sunday_night], "Europe/Copenhagen", at(2027, 1, 11, 1), at(2027, 1, 11, 5))
        == sunday_night
    )


CHRISTMAS = FreezeRule("Christmas trade", dt.date(2026, 12, 15), dt.date(2027, 1, 2), recurs_yearly=True)
LAUNCH = FreezeRule("Spring launch", dt.date(2027, 3, 1), dt.date(2027, 3, 7))
LEAP = FreezeRule("Leap day", dt.date(2024, 2, 29), dt.date(2024, 2, 29), recurs_yearly=True)


def test_freezes_one_off_and_yearly_over_new_year():
    zone = "Europe/Copenhagen"
    assert scheduling.freeze_hit([CHRISTMAS, LAUNCH], zone, at(2030, 12, 31, 20), at(2030, 12, 31, 22)) == CHRISTMAS
    assert scheduling.freeze_hit([CHRISTMAS, LAUNCH], zone, at(2031, 1, 2, 23), at(2031, 1, 3, 1)) == CHRISTMAS
    assert scheduling.freeze_hit([CHRISTMAS, LAUNCH], zone, at(2031, 1, 3, 0), at(2031, 1, 3, 2)) is None
    assert scheduling.freeze_hit([CHRISTMAS, LAUNCH], zone, at(2027, 3, 7, 22), at(2027, 3, 7, 23)) == LAUNCH
    assert scheduling.freeze_hit([CHRISTMAS, LAUNCH], zone, at(2028, 3, 3, 22), at(2028, 3, 3, 23)) is None


def test_a_freeze_is_judged_on_the_organisations_local_days():
    # 23:30 UTC on 14 December is 00:30 on the 15th in Copenhagen: inside the freeze there, not in London.
    start = dt.datetime(2027, 12, 14, 23, 30, tzinfo=UTC)
    end = dt.datetime(2027, 12, 15, 0, 30, tzinfo=UTC)
    assert scheduling.freeze_hit([CHRISTMAS], "Europe/Copenhagen", start, end) == CHRISTMAS
    assert (
        scheduling.freeze_hit([CHRISTMAS], "Europe/London", start - dt.timedelta(hours=1), end - dt.timedelta(hours=1))
        is None
    )


def test_a_window_ending_at_midnight_does_not_touch_the_next_day():
    assert scheduling.freeze_hit([LAUNCH], "Europe/Copenhagen", at(2027, 2, 28, 22), at(2027, 3, 1, 0)) is None


def test_a_yearly_freeze_on_29_february_falls_on_the_28th_in_other_years():
    assert scheduling.freeze_hit([LEAP], "Europe/Copenhagen", at(2027, 2, 28, 10), at(2027, 2, 28, 11)) == LEAP
    assert scheduling.freeze_hit([LEAP], "Europe/Copenhagen", at(2028, 2, 29, 10), at(2028, 2, 29, 11)) == LEAP
    assert scheduling.freeze_hit([LEAP], "Europe/Copenhagen", at(2028, 2, 28, 10), at(2028, 2, 28, 11)) is None


def test_days_to_the_next_freeze():
    zone = "Europe/Copenhagen"
    assert scheduling.days_to_freeze([CHRISTMAS, LAUNCH], zone, at(2027, 12, 10, 12)) == 5
    assert scheduling.days_to_freeze([CHRISTMAS], zone, at(2027, 12, 20, 12)) == 0
    assert scheduling.days_to_freeze([LAUNCH], zone, at(2027, 3, 8, 12)) is None


def test_check_names_what_is_not_respected():
    rules = Rules("Europe/Copenhagen", (TUESDAY_EVENING,), (CHRISTMAS,))
    fine = scheduling.check(rules, at(2027, 1, 12, 20), at(2027, 1, 12, 21))
    assert (fine.respected, fine.window, fine.freeze) == (True, TUESDAY_EVENING, None)
    outside = scheduling.check(rules, at(2027, 1, 13, 20), at(2027, 1, 13, 21))
    assert (outside.respected, outside.outside_window, outside.freeze) == (False, True, None)
    frozen = scheduling.check(rules, at(2027, 12, 21, 20), at(2027, 12, 21, 21))
    assert (frozen.respected, frozen.outside_window, frozen.freeze) == (False, False, CHRISTMAS)
    anytime = scheduling.check(Rules("Europe/Copenhagen", (), ()), at(2027, 1, 13, 3), at(2027, 1, 13, 4))
    assert (anytime.respected, anytime.outside_window) == (True, False)


def test_window_text():
    assert scheduling.window_text(TUESDAY_EVENING) == "Tuesday evening (Tuesday 20:00 + 3 h)"
    assert scheduling.window_text(WindowRule("", 0, dt.time(6, 30), 45)) == "Monday 06:30 + 45 min"
