"""The business-time engine: properties against a slow day-by-day reference, and worked examples in Copenhagen
around DST changes, Easter and Christmas. Pure: no database."""

import dataclasses
import datetime as dt
import functools
import itertools
import pickle
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from picocore.sla.calendar import MIDNIGHT, BusinessCalendar, add_business_time, business_time_between

UTC = dt.UTC
CPH = ZoneInfo("Europe/Copenhagen")
HOUR = dt.timedelta(hours=1)
MINUTE = dt.timedelta(minutes=1)
US = dt.timedelta(microseconds=1)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


def cph(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=CPH)


OFFICE = BusinessCalendar.from_schedule(
    {day: ["08:00-16:00"] for day in WEEKDAYS}, time_zone="Europe/Copenhagen", country="DK"
)
LUNCH = BusinessCalendar.from_schedule(
    {**{day: ["12:30-16:00", "08:00-12:00"] for day in WEEKDAYS}, "sat": ["10:00-14:00"]},
    time_zone="Europe/Copenhagen",
    country="DK",
    closed_days={dt.date(2026, 12, 24), dt.date(2027, 6, 4), dt.date(2026, 3, 27)},
    extra_open=[
        (cph(2026, 4, 3, 10), cph(2026, 4, 3, 14)),  # Good Friday release window
        (dt.datetime(2026, 12, 31, 22, tzinfo=UTC), dt.datetime(2027, 1, 1, 2, tzinfo=UTC)),
        (cph(2026, 3, 28, 23), cph(2026, 3, 29, 5)),  # across the spring-forward gap
    ],
)
# Interval edges inside the spring-forward gap (02:15) and the repeated autumn hour (02:45), and one to 24:00.
NIGHT = BusinessCalendar.from_schedule(
    {day: ["00:30-02:15", "02:45-03:30", "22:00-24:00"] for day in (*WEEKDAYS, "sat", "sun")},
    time_zone="Europe/Copenhagen",
)
# Chile changes its clocks at midnight, so whole dates begin inside a gap or end inside a repeated hour.
SANTIAGO = BusinessCalendar.from_schedule(
    {day: ["00:00-06:00", "20:00-24:00"] for day in (*WEEKDAYS, "sat")},
    time_zone="America/Santiago",
    country="CL",
)
# Lord Howe Island moves its clocks by half an hour.
LORD_HOWE = BusinessCalendar.from_schedule(
    {day: ["01:00-03:00", "09:00-17:00"] for day in WEEKDAYS},
    time_zone="Australia/Lord_Howe",
    country="AU",
    subdivision="NSW",
)
ALWAYS = BusinessCalendar.always_open("Europe/Copenhagen")
EXTRA_ONLY = BusinessCalendar(
    time_zone="Europe/Copenhagen",
    weekly=((),) * 7,
    extra_open=((cph(2026, 3, 7, 10), cph(2026, 3, 7, 14)), (cph(2026, 10, 24, 22), cph(2026, 10, 25, 4))),
)
WORKING = [OFFICE, LUNCH, NIGHT, SANTIAGO, LORD_HOWE, ALWAYS]
EVERY = [*WORKING, EXTRA_ONLY]


# --- a slow, obviously-correct reference: the documented rule applied date by date ---------------------------


@functools.cache
def reference_resolve(zone: ZoneInfo, naive: dt.datetime) -> dt.datetime:
    """The first instant (UTC) at which the local clock shows `naive` or later."""
    occurrences = [
        candidate.astimezone(UTC)
        for candidate in (naive.replace(tzinfo=zone, fold=0), naive.replace(tzinfo=zone, fold=1))
        if candidate.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == naive
    ]
    if occurrences:
        return min(occurrences)
    moment = min(naive.replace(tzinfo=zone, fold=fold).astimezone(UTC) for fold in (0, 1))
    while moment.astimezone(zone).replace(tzinfo=None) < naive:  # walk through the gap second by second
        moment += dt.timedelta(seconds=1)
    return moment


@functools.cache
def reference_holidays(calendar: BusinessCalendar, year: int) -> frozenset[dt.date]:
    if not calendar.country:
        return frozenset()
    return frozenset(holidays.country_holidays(calendar.country, subdiv=calendar.subdivision or None, years=year))


def reference_intervals(calendar: BusinessCalendar, first: dt.date, last: dt.date) -> list[tuple]:
    zone = ZoneInfo(calendar.time_zone)
    found = []
    day = first
    while day <= last:
        if day not in calendar.closed_days and day not in reference_holidays(calendar, day.year):
            for start, end in calendar.weekly[day.weekday()]:
                begin = dt.datetime.combine(day, start)
                finish = dt.datetime.combine(day + dt.timedelta(days=1) if end == MIDNIGHT else day, end)
                found.append((reference_resolve(zone, begin), reference_resolve(zone, finish)))
        day += dt.timedelta(days=1)
    found.extend((start.astimezone(UTC), end.astimezone(UTC)) for start, end in calendar.extra_open)
    merged: list[list[dt.datetime]] = []
    for start, end in sorted(found):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        elif start < end:
            merged.append([start, end])
    return merged


def reference_between(calendar: BusinessCalendar, a: dt.datetime, b: dt.datetime) -> dt.timedelta:
    zone = ZoneInfo(calendar.time_zone)
    a, b = a.astimezone(UTC), b.astimezone(UTC)
    first = a.astimezone(zone).date() - dt.timedelta(days=2)
    last = b.astimezone(zone).date() + dt.timedelta(days=2)
    total = dt.timedelta(0)
    for start, end in reference_intervals(calendar, first, last):
        total += max(dt.timedelta(0), min(end, b) - max(start, a))
    return total


# --- strategies ------------------------------------------------------------------------------------------------


def _offset_changes(zone: ZoneInfo, year: int) -> list[dt.datetime]:
    changes, moment = [], dt.datetime(year, 1, 1, tzinfo=UTC)
    while moment.year == year:
        following = moment + dt.timedelta(hours=6)
        if moment.astimezone(zone).utcoffset() != following.astimezone(zone).utcoffset():
            changes.append(moment)
        moment = following
    return changes


ANCHORS = sorted(
    {
        change
        for name in ("Europe/Copenhagen", "America/Santiago", "Australia/Lord_Howe")
        for year in (2026, 2027)
        for change in _offset_changes(ZoneInfo(name), year)
    }
    | {cph(2026, 4, 1), cph(2026, 12, 23), cph(2026, 12, 31), cph(2026, 3, 6, 15, 30)}
)
ZONES = [UTC, CPH, ZoneInfo("America/Santiago"), dt.timezone(dt.timedelta(hours=5, minutes=30))]
LOW, HIGH = dt.datetime(2025, 6, 1, tzinfo=UTC), dt.datetime(2028, 6, 1, tzinfo=UTC)


@st.composite
def instants(draw) -> dt.datetime:
    """Aware instants in various zones: anywhere in three years, or on a minute near a DST change or holiday."""
    if draw(st.booleans()):
        moment = LOW + draw(st.integers(0, (HIGH - LOW) // US)) * US
    else:
        moment = draw(st.sampled_from(ANCHORS)) + draw(st.integers(-4 * 1440, 4 * 1440)) * MINUTE
    return moment.astimezone(draw(st.sampled_from(ZONES)))


durations = st.one_of(
    st.integers(1, 60 * 1440).map(lambda minutes: minutes * MINUTE),
    st.integers(1, (40 * 24 * HOUR) // US).map(lambda micro: micro * US),
    st.integers(1, 5 * 365 * 24).map(lambda hours: hours * HOUR),
)
properties = settings(max_examples=200, deadline=None)


def utc(moment: dt.datetime) -> dt.datetime:
    # Python compares and subtracts datetimes sharing a tzinfo by wall clock; UTC makes it real time.
    return moment.astimezone(UTC)


# --- properties ------------------------------------------------------------------------------------------------


@properties
@given(st.sampled_from(EVERY), instants(), st.integers(0, (50 * 24 * HOUR) // US), st.sampled_from(ZONES))
def test_between_equals_the_day_by_day_reference(calendar, a, span, zone):
    b = (a + span * US).astimezone(zone)
    assert business_time_between(calendar, a, b) == reference_between(calendar, a, b)


@properties
@given(st.sampled_from(WORKING), instants(), durations)
def test_adding_then_measuring_gives_the_duration_back(calendar, start, duration):
    deadline = add_business_time(calendar, start, duration)
    assert deadline.tzinfo == ZoneInfo(calendar.time_zone)
    assert utc(deadline) >= utc(start)
    assert business_time_between(calendar, start, deadline) == duration
    # ...and it is the earliest such instant: one microsecond before, the duration is not yet complete.
    assert business_time_between(calendar, start, utc(deadline) - US) < duration
    if utc(deadline) - utc(start) < dt.timedelta(days=60):
        assert reference_between(calendar, start, deadline) == duration


@properties
@given(st.sampled_from(WORKING), instants(), instants(), durations)
def test_monotone_in_start(calendar, first, second, duration):
    first, second = sorted([first, second], key=utc)
    assert utc(add_business_time(calendar, first, duration)) <= utc(add_business_time(calendar, second, duration))


@properties
@given(st.sampled_from(WORKING), instants(), durations, durations)
def test_monotone_in_duration(calendar, start, shorter, longer):
    shorter, longer = sorted([shorter, longer])
    assert utc(add_business_time(calendar, start, shorter)) <= utc(add_business_time(calendar, start, longer))


@properties
@given(st.sampled_from(["UTC", "Europe/Copenhagen", "America/Santiago", "Australia/Lord_Howe"]), instants(), durations)
def test_always_open_is_plain_elapsed_time(time_zone, start, duration):
    calendar = BusinessCalendar.always_open(time_zone)
    assert utc(add_business_time(calendar, start, duration)) == utc(start) + duration
    end = utc(start) + duration
    assert business_time_between(calendar, start, end) == duration
    assert business_time_between(calendar, end, start) == dt.timedelta(0)


@properties
@given(st.sampled_from(EVERY), st.lists(instants(), min_size=3, max_size=3))
def test_between_is_additive(calendar, moments):
    a, b, c = sorted(moments, key=utc)
    assert business_time_between(calendar, a, b) + business_time_between(calendar, b, c) == (
        business_time_between(calendar, a, c)
    )


@settings(max_examples=100, deadline=None)  # each example spans up to twelve years of cold caches
@given(st.sampled_from(WORKING), st.integers(2015, 2045), st.integers(1, 12), st.integers(0, 10**12))
def test_long_spans_are_additive_year_by_year(calendar, year, years, micro):
    a = dt.datetime(year, 1, 1, tzinfo=UTC) + micro * US
    b = dt.datetime(year + years, 6, 1, tzinfo=UTC)
    whole = business_time_between(calendar, a, b)
    pieces = [a, *(dt.datetime(y, 1, 1, tzinfo=UTC) for y in range(year + 1, year + years + 1)), b]
    assert whole == sum((business_time_between(calendar, x, y) for x, y in itertools.pairwise(pieces)), dt.timedelta())
    assert add_business_time(calendar, a, whole) <= b
    assert business_time_between(calendar, a, add_business_time(calendar, a, whole)) == whole


@pytest.mark.parametrize("calendar", [OFFICE, SANTIAGO, LORD_HOWE], ids=["office", "santiago", "lord-howe"])
def test_ten_years_equal_the_reference(calendar):
    a, b = dt.datetime(2026, 1, 1, 7, tzinfo=UTC), dt.datetime(2036, 1, 1, 7, tzinfo=UTC)
    assert business_time_between(calendar, a, b) == reference_between(calendar, a, b)


def test_ten_years_in_copenhagen_office_hours():
    # 2609 weekdays in 2026–2035, 72 of them Danish public holidays, 8 hours each.
    assert business_time_between(OFFICE, cph(2026, 1, 1), cph(2036, 1, 1)) == 20296 * HOUR


# --- worked examples in Copenhagen -----------------------------------------------------------------------------


def test_friday_afternoon_rolls_over_the_weekend():
    assert add_business_time(OFFICE, cph(2026, 3, 6, 15, 30), HOUR) == cph(2026, 3, 9, 8, 30)
    assert business_time_between(OFFICE, cph(2026, 3, 6, 15, 30), cph(2026, 3, 9, 8, 30)) == HOUR


def test_a_deadline_that_fills_the_day_ends_at_closing_not_next_morning():
    assert add_business_time(OFFICE, cph(2026, 3, 6, 15, 30), 30 * MINUTE) == cph(2026, 3, 6, 16)


def test_lunch_break_is_skipped():
    assert add_business_time(LUNCH, cph(2026, 3, 4, 11, 30), HOUR) == cph(2026, 3, 4, 13)
    assert business_time_between(LUNCH, cph(2026, 3, 4, 11), cph(2026, 3, 4, 13)) == 90 * MINUTE


def test_start_outside_business_hours():
    assert add_business_time(OFFICE, cph(2026, 3, 8, 10), 30 * MINUTE) == cph(2026, 3, 9, 8, 30)  # a Sunday
    assert add_business_time(OFFICE, cph(2026, 3, 9, 19), 30 * MINUTE) == cph(2026, 3, 10, 8, 30)


def test_adding_nothing_returns_the_start_even_outside_hours():
    sunday = dt.datetime(2026, 3, 8, 9, tzinfo=UTC)
    assert add_business_time(OFFICE, sunday, dt.timedelta(0)) == sunday
    assert add_business_time(OFFICE, sunday, dt.timedelta(0)).tzinfo == CPH


def test_twenty_four_hours_across_the_march_change_is_real_time():
    deadline = add_business_time(ALWAYS, cph(2026, 3, 28, 12), 24 * HOUR)
    assert (deadline.hour, deadline.utcoffset()) == (13, 2 * HOUR)
    assert deadline == cph(2026, 3, 29, 13)
    assert business_time_between(ALWAYS, cph(2026, 3, 29), cph(2026, 3, 30)) == 23 * HOUR


def test_twenty_four_hours_across_the_october_change_is_real_time():
    deadline = add_business_time(ALWAYS, cph(2026, 10, 24, 12), 24 * HOUR)
    assert (deadline.hour, deadline.utcoffset()) == (11, HOUR)
    assert business_time_between(ALWAYS, cph(2026, 10, 25), cph(2026, 10, 26)) == 25 * HOUR


@pytest.mark.parametrize(
    ("wall", "march", "october"),
    [
        ("01:00-04:00", 2 * HOUR, 4 * HOUR),  # the real length of the night
        ("02:00-03:00", dt.timedelta(0), 2 * HOUR),  # never shown in March; shown twice in October
        ("02:00-02:30", dt.timedelta(0), 30 * MINUTE),  # an ambiguous end means its first occurrence
        ("02:30-05:00", 2 * HOUR, 3 * HOUR + 30 * MINUTE),  # a start in the gap opens when the clock jumps
    ],
)
def test_an_interval_across_the_night_of_a_dst_change(wall, march, october):
    calendar = BusinessCalendar.from_schedule({"sun": [wall]}, time_zone="Europe/Copenhagen", country="DK")
    assert business_time_between(calendar, cph(2026, 3, 29), cph(2026, 3, 30)) == march
    assert business_time_between(calendar, cph(2026, 10, 25), cph(2026, 10, 26)) == october


def test_adding_across_the_spring_forward_gap():
    calendar = BusinessCalendar.from_schedule({"sun": ["01:00-04:00"]}, time_zone="Europe/Copenhagen")
    assert add_business_time(calendar, cph(2026, 3, 29, 1, 30), HOUR) == cph(2026, 3, 29, 3, 30)
    deadline = add_business_time(calendar, cph(2026, 10, 25, 1, 30), 2 * HOUR)
    # 02:30 CET, the second pass through the repeated hour. Python's == between zones is False for a datetime
    # with fold=1 in a repeated hour (PEP 495), so compare in UTC.
    assert (utc(deadline), deadline.hour, deadline.fold) == (dt.datetime(2026, 10, 25, 1, 30, tzinfo=UTC), 2, 1)


def test_easter_holidays_are_closed():
    public = holidays.country_holidays("DK", years=2026)
    assert {dt.date(2026, 4, 2), dt.date(2026, 4, 3), dt.date(2026, 4, 6)} <= public.keys()
    assert add_business_time(OFFICE, cph(2026, 4, 1, 15), 2 * HOUR) == cph(2026, 4, 7, 9)
    assert (
        business_time_between(OFFICE, cph(2026, 3, 30), cph(2026, 4, 13)) == 7 * 8 * HOUR
    )  # 30, 31 March, 1 April, 7–10 April


def test_christmas_eve_is_a_closed_day_not_a_public_holiday():
    public = holidays.country_holidays("DK", years=2026)
    assert dt.date(2026, 12, 24) not in public  # the package lists it only among the optional holidays
    assert {dt.date(2026, 12, 25), dt.date(2026, 12, 26)} <= public.keys()
    assert add_business_time(OFFICE, cph(2026, 12, 23, 15), 2 * HOUR) == cph(2026, 12, 24, 9)
    with_eve = dataclasses.replace(OFFICE, closed_days=frozenset({dt.date(2026, 12, 24)}))
    assert add_business_time(with_eve, cph(2026, 12, 23, 15), 2 * HOUR) == cph(2026, 12, 28, 9)
    assert not with_eve.is_open_day(dt.date(2026, 12, 24)) and not with_eve.is_open_day(dt.date(2026, 12, 25))
    assert with_eve.is_open_day(dt.date(2026, 12, 23))


def test_extra_open_hours_on_a_saturday_and_on_a_holiday():
    calendar = dataclasses.replace(
        OFFICE,
        extra_open=((cph(2026, 3, 7, 10), cph(2026, 3, 7, 14)), (cph(2026, 4, 3, 9), cph(2026, 4, 3, 10))),
    )
    assert add_business_time(calendar, cph(2026, 3, 6, 15, 30), HOUR) == cph(2026, 3, 7, 10, 30)
    assert business_time_between(calendar, cph(2026, 3, 7), cph(2026, 3, 8)) == 4 * HOUR
    assert add_business_time(calendar, cph(2026, 4, 1, 15), 2 * HOUR) == cph(2026, 4, 3, 10)  # Good Friday


def test_extra_open_hours_overlapping_the_schedule_count_once():
    calendar = dataclasses.replace(OFFICE, extra_open=((cph(2026, 3, 9, 15), cph(2026, 3, 9, 18)),))
    assert business_time_between(calendar, cph(2026, 3, 9), cph(2026, 3, 10)) == 10 * HOUR


def test_extra_open_periods_are_instants_even_in_the_repeated_hour():
    first_pass, second_pass = cph(2026, 10, 25, 2, 30), cph(2026, 10, 25, 2, 10).replace(fold=1)  # CEST, then CET
    calendar = BusinessCalendar(
        time_zone="Europe/Copenhagen", weekly=((),) * 7, extra_open=((first_pass, second_pass),)
    )
    assert business_time_between(calendar, cph(2026, 10, 24), cph(2026, 10, 26)) == 40 * MINUTE


def test_an_extra_closed_day():
    calendar = dataclasses.replace(OFFICE, closed_days=frozenset({dt.date(2026, 3, 9)}))
    assert add_business_time(calendar, cph(2026, 3, 6, 15, 30), HOUR) == cph(2026, 3, 10, 8, 30)


def test_inputs_in_other_zones_mean_the_same_instants():
    start = cph(2026, 3, 6, 15, 30).astimezone(ZoneInfo("America/New_York"))
    assert add_business_time(OFFICE, start, HOUR) == cph(2026, 3, 9, 8, 30)


# --- calendars without time, and refusals ----------------------------------------------------------------------


def test_a_calendar_with_no_open_time_refuses_to_add():
    never = BusinessCalendar(time_zone="Europe/Copenhagen", weekly=((),) * 7)
    assert business_time_between(never, cph(2026, 1, 1), cph(2036, 1, 1)) == dt.timedelta(0)
    assert add_business_time(never, cph(2026, 1, 1), dt.timedelta(0)) == cph(2026, 1, 1)
    with pytest.raises(ValueError, match="no business time left"):
        add_business_time(never, cph(2026, 1, 1), MINUTE)


def test_extra_periods_alone_run_out():
    assert business_time_between(EXTRA_ONLY, cph(2026, 1, 1), cph(2027, 1, 1)) == 4 * HOUR + 7 * HOUR
    assert add_business_time(EXTRA_ONLY, cph(2026, 1, 1), 5 * HOUR) == cph(2026, 10, 24, 23)
    with pytest.raises(ValueError, match="no business time left"):
        add_business_time(EXTRA_ONLY, cph(2026, 1, 1), 12 * HOUR)


def test_naive_datetimes_are_refused():
    naive = dt.datetime(2026, 3, 6, 15, 30)
    with pytest.raises(ValueError, match="start must be an aware datetime"):
        add_business_time(OFFICE, naive, HOUR)
    with pytest.raises(ValueError, match="a must be an aware datetime"):
        business_time_between(OFFICE, naive, cph(2026, 3, 9))
    with pytest.raises(ValueError, match="b must be an aware datetime"):
        business_time_between(OFFICE, cph(2026, 3, 9), naive)


def test_negative_durations_are_refused():
    with pytest.raises(ValueError, match="must not be negative"):
        add_business_time(OFFICE, cph(2026, 3, 6), -MINUTE)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"time_zone": "Mars/Olympus"}, "Unknown time zone"),
        ({"weekly": ((),) * 6}, "weekly needs 7 entries"),
        ({"weekly": ((dt.time(8), dt.time(16)),) * 7}, "weekly is 7 sequences"),
        ({"weekly": (((dt.time(16), dt.time(8)),),) * 7}, "Monday: interval 16:00:00–08:00:00 must end after"),
        (
            {"weekly": ((), ((dt.time(8), dt.time(12)), (dt.time(11), dt.time(16)))) + ((),) * 5},
            "Tuesday: interval 11:00:00–16:00:00 overlaps",
        ),
        ({"weekly": (((dt.time(8, tzinfo=UTC), dt.time(9)),),) * 7}, "naive dt.time"),
        ({"country": "XX"}, "No public holidays known for 'XX'"),
        ({"country": "DK", "subdivision": "ZZ"}, "No public holidays known"),
        ({"subdivision": "BY"}, "without a country"),
        ({"closed_days": frozenset({dt.datetime(2026, 1, 1, tzinfo=UTC)})}, "closed_days holds dates"),
        ({"extra_open": ((dt.datetime(2026, 1, 1), dt.datetime(2026, 1, 2)),)}, "aware datetimes"),
        ({"extra_open": ((cph(2026, 1, 2), cph(2026, 1, 1)),)}, "is empty"),
    ],
)
def test_invalid_calendars_say_what_is_wrong(arguments, message):
    with pytest.raises(ValueError, match=message):
        BusinessCalendar(**{"time_zone": "Europe/Copenhagen", "weekly": ((),) * 7, **arguments})


@pytest.mark.parametrize(
    ("schedule", "message"),
    [
        ({"funday": ["08:00-16:00"]}, "Unknown weekday"),
        ({"mon": ["8-16"]}, "not an interval"),
        ({"mon": ["08:00-25:00"]}, "hour must be in"),
        ({"mon": ["08:00-16:00"], "Monday": ["17:00-18:00"]}, "Monday appears twice"),
    ],
)
def test_invalid_schedules_say_what_is_wrong(schedule, message):
    with pytest.raises(ValueError, match=message):
        BusinessCalendar.from_schedule(schedule, time_zone="UTC")


def test_from_schedule_reads_midnight_and_whole_names():
    calendar = BusinessCalendar.from_schedule(
        {"Saturday": ["22:00-24:00"], "SUN": "00:00-06:00", "fri": ["18:00:30 – 00:00"]}, time_zone="UTC"
    )
    assert calendar.weekly == (
        (),
        (),
        (),
        (),
        ((dt.time(18, 0, 30), MIDNIGHT),),
        ((dt.time(22), MIDNIGHT),),
        ((dt.time(0), dt.time(6)),),
    )
    friday = dt.datetime(2026, 3, 6, 18, tzinfo=UTC)
    assert business_time_between(calendar, friday, friday + 3 * 24 * HOUR) == 13 * HOUR + 59 * MINUTE + 30 * (
        US * 10**6
    )


def test_calendars_are_values():
    twin = BusinessCalendar.from_schedule(
        {day: ["08:00-16:00"] for day in reversed(WEEKDAYS)}, time_zone="Europe/Copenhagen", country="dk"
    )
    assert twin == OFFICE and hash(twin) == hash(OFFICE)
    assert "_engine" not in repr(OFFICE)
    with pytest.raises(dataclasses.FrozenInstanceError):
        OFFICE.country = "SE"  # type: ignore[misc]
    add_business_time(LUNCH, cph(2040, 1, 1), HOUR)  # warm some caches: they are not pickled
    data = pickle.dumps(LUNCH)
    assert len(data) < 4000
    copy = pickle.loads(data)  # noqa: S301  (our own bytes)
    assert copy == LUNCH
    assert add_business_time(copy, cph(2026, 3, 4, 11, 30), HOUR) == cph(2026, 3, 4, 13)
