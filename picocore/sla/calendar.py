"""Business time for SLA clocks: a weekly schedule in one time zone, minus public holidays and closed days, plus
extra open periods. Pure functions over an immutable calendar; no Django, no database.

Semantics (the guarantees the tests pin down):

* Business time is a set of real instants: on every local date that is neither a public holiday nor a closed day,
  the weekly intervals of that weekday; plus every ``extra_open`` period (which therefore overrides holidays and
  closed days). Overlaps count once. It is measured in real elapsed time, exact to the microsecond.
* A local wall-clock time ``w`` on a date resolves to *the first instant at which the local clock shows ``w`` or
  later*. So a time that occurs twice (autumn fall-back) means its first occurrence, and a time that never occurs
  (spring-forward gap) means the instant the clock jumps past it: in Copenhagen on 29 March 2026 an interval
  02:00–03:00 is empty and 01:00–04:00 lasts two real hours; on 25 October 2026 01:00–04:00 lasts four, and
  02:00–02:30 lasts thirty minutes (the first pass only).
* Weekly intervals are ``(start, end)`` wall-clock times within one day; an ``end`` of ``dt.time(0)`` means 24:00,
  the end of that day (``MIDNIGHT`` names it). An interval across midnight is written as two: 22:00–24:00 and
  00:00–06:00 on the next day.
* ``business_time_between(cal, a, b)`` is the business time in ``[a, b)``; zero when ``b <= a``.
* ``add_business_time(cal, start, d)`` is the earliest instant ``t >= start`` with ``between(start, t) == d``. For
  ``d > 0`` that is the end of the ``d``-th stretch of business time after ``start``: it always lies inside (or at
  the closing edge of) an open interval, so Friday 15:30 + 30 minutes with 08:00–16:00 is Friday 16:00, and
  + 1 hour is Monday 08:30. Adding zero returns ``start`` itself, even outside business hours. The result is in the
  calendar's time zone. A calendar that runs out of business time raises ``ValueError`` instead of looping.

Compare and subtract the results in UTC: Python compares and subtracts two datetimes that share a ``tzinfo`` by
their wall clocks, which is wrong across a DST change.

Speed: a week (Monday 00:00 to Monday 00:00, local) without holidays, closed days, extra periods or UTC-offset
changes is *regular* and holds exactly the weekly open time; runs of regular weeks are skipped arithmetically and
years are summed from per-year totals. Only the few irregular weeks are resolved instant by instant (and cached).
"""

import bisect
import dataclasses
import datetime as dt
import functools
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

__all__ = ["MIDNIGHT", "BusinessCalendar", "add_business_time", "business_time_between", "holidays_problem"]

MIDNIGHT = dt.time(0)
"""As the end of a weekly interval: 24:00, the end of the day."""

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

_US = dt.timedelta(microseconds=1)
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_EPOCH_ORDINAL = _EPOCH.toordinal()
_DAY = 86_400_000_000  # microseconds
_WEEK = 7 * _DAY
# Offsets are within ±26 hours, so two days either side of a local week certainly covers its real instants.
_MARGIN = 2 * _DAY


Interval = tuple[dt.time, dt.time]


@dataclasses.dataclass(frozen=True)
class BusinessCalendar:
    """When the clock of an SLA runs: a weekly schedule in ``time_zone``, minus the public holidays of ``country``
    (and ``subdivision``) and ``closed_days``, plus the ``extra_open`` periods. Immutable and hashable; validated on
    construction with a ``ValueError`` that says what is wrong."""

    time_zone: str
    weekly: tuple[tuple[Interval, ...], ...]
    """Seven entries, Monday to Sunday, each a sorted tuple of non-overlapping local (start, end) times."""
    country: str = ""
    subdivision: str = ""
    closed_days: frozenset[dt.date] = frozenset()
    extra_open: tuple[tuple[dt.datetime, dt.datetime], ...] = ()
    if TYPE_CHECKING:
        # Set by __post_init__ and __setstate__; declared for the type checker only, so it is no dataclass field.
        _engine: "_Engine" = dataclasses.field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Normalise friendly input (lists, sets) to the immutable forms so the calendar stays hashable.
        set_ = functools.partial(object.__setattr__, self)
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            raise ValueError(
                f"Unknown time zone {self.time_zone!r}: use an IANA name such as 'Europe/Copenhagen'."
            ) from None
        try:
            weekly = tuple(tuple(tuple(interval) for interval in day) for day in self.weekly)
        except TypeError:
            raise ValueError("weekly is 7 sequences (Monday..Sunday) of (start, end) dt.time pairs.") from None
        if len(weekly) != 7:
            raise ValueError(f"weekly needs 7 entries, Monday to Sunday; got {len(weekly)}.")
        for day_name, day in zip(WEEKDAYS, weekly, strict=True):
            _validate_day(day_name, day)
        set_("weekly", weekly)
        country = self.country.upper()
        if self.subdivision and not country:
            raise ValueError(f"subdivision {self.subdivision!r} given without a country.")
        if country and (problem := _holidays_problem(country, self.subdivision)):
            raise ValueError(f"No public holidays known for {self.country!r}/{self.subdivision!r}: {problem}.")
        set_("country", country)
        closed_days = frozenset(self.closed_days)
        for closed_day in closed_days:
            if not isinstance(closed_day, dt.date) or isinstance(closed_day, dt.datetime):
                raise ValueError(f"closed_days holds dates, not {closed_day!r}.")
        set_("closed_days", closed_days)
        extra_open = tuple(tuple(period) for period in self.extra_open)
        for period in extra_open:
            if len(period) != 2 or not all(_is_aware(moment) for moment in period):
                raise ValueError(f"extra_open holds (start, end) pairs of aware datetimes, not {period!r}.")
            # Compare instants: two datetimes sharing a tzinfo would compare by wall clock, wrong in a DST fold.
            if _instant(period[1], "extra_open") <= _instant(period[0], "extra_open"):
                raise ValueError(f"extra_open period {period[0].isoformat()} – {period[1].isoformat()} is empty.")
        set_("extra_open", extra_open)
        # Not a dataclass field: equality, hashing, repr and replace() ignore it. It only memoises.
        set_("_engine", _compile(self))

    @classmethod
    def always_open(cls, time_zone: str = "UTC") -> "BusinessCalendar":
        """24/7: business time is plain elapsed time (measured in UTC, so a DST day lasts 23 or 25 hours)."""
        return cls(time_zone=time_zone, weekly=(((dt.time(0), MIDNIGHT),),) * 7)

    @classmethod
    def from_schedule(
        cls,
        schedule: Mapping[str, Iterable[str]],
        *,
        time_zone: str,
        country: str = "",
        subdivision: str = "",
        closed_days: Iterable[dt.date] = (),
        extra_open: Iterable[tuple[dt.datetime, dt.datetime]] = (),
    ) -> "BusinessCalendar":
        """A calendar from ``{"mon": ["08:00-12:00", "12:30-16:00"], "fri": ["08:00-15:00"]}``.

        Keys are weekday names or their first three letters, any case; missing days are closed. Intervals are
        ``HH:MM[:SS]-HH:MM[:SS]`` and may come in any order; ``24:00`` (or ``00:00``) as an end means midnight."""
        weekly: list[list[Interval]] = [[] for _ in WEEKDAYS]
        seen: set[int] = set()
        for key, intervals in schedule.items():
            index = _weekday_index(key)
            if index in seen:
                raise ValueError(f"{WEEKDAYS[index]} appears twice in the schedule.")
            seen.add(index)
            if isinstance(intervals, str):
                intervals = [intervals]
            weekly[index] = sorted(_parse_interval(text, WEEKDAYS[index]) for text in intervals)
        return cls(
            time_zone=time_zone,
            weekly=tuple(tuple(day) for day in weekly),
            country=country,
            subdivision=subdivision,
            closed_days=frozenset(closed_days),
            extra_open=tuple(extra_open),
        )

    def __getstate__(self) -> dict[str, object]:
        # The compiled engine is a memo: pickles carry only the fields, and loading compiles again.
        return {name: value for name, value in self.__dict__.items() if name != "_engine"}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        object.__setattr__(self, "_engine", _compile(self))

    def is_open_day(self, day: dt.date) -> bool:
        """False on the public holidays and closed days, whose weekly intervals do not count."""
        return self._engine.open_date(day.toordinal())

    def is_holiday(self, day: dt.date) -> bool:
        """Whether the local date is a public holiday of the calendar's country or one of its closed days."""
        if day in self.closed_days:
            return True
        return bool(self.country) and day.toordinal() in _public_holidays(self.country, self.subdivision, day.year)


def business_time_between(calendar: BusinessCalendar, a: dt.datetime, b: dt.datetime) -> dt.timedelta:
    """The business time in ``[a, b)``, exact to the microsecond; ``timedelta(0)`` when ``b <= a``.

    ``a`` and ``b`` must be aware and may be in any time zone. Additive: between(a, b) + between(b, c) equals
    between(a, c) for a <= b <= c."""
    start, end = _instant(a, "a"), _instant(b, "b")
    if end <= start:
        return dt.timedelta(0)
    return dt.timedelta(microseconds=calendar._engine.between(start, end))


def add_business_time(calendar: BusinessCalendar, start: dt.datetime, duration: dt.timedelta) -> dt.datetime:
    """The earliest instant ``t >= start`` with ``business_time_between(calendar, start, t) == duration``, in the
    calendar's time zone.

    For a positive duration the deadline lands inside business time even when ``start`` lies outside it; adding
    zero returns ``start`` (converted). Monotone in ``start`` and in ``duration``. Raises ``ValueError`` for a naive
    ``start``, a negative duration, or a calendar that has not that much business time left."""
    moment = _instant(start, "start")
    if not isinstance(duration, dt.timedelta):
        raise TypeError(f"duration must be a timedelta, not {type(duration).__name__}.")
    if duration < dt.timedelta(0):
        raise ValueError(f"duration must not be negative: {duration}.")
    engine = calendar._engine
    if not duration:
        return start.astimezone(engine.zone)
    return engine.to_datetime(engine.add(moment, duration // _US))


# --- validation and parsing ------------------------------------------------------------------------------------


def _is_aware(value: object) -> bool:
    return isinstance(value, dt.datetime) and value.utcoffset() is not None


def _instant(value: dt.datetime, name: str) -> int:
    """Microseconds since the Unix epoch; refuses naive datetimes, whose instant is a guess."""
    if not isinstance(value, dt.datetime):
        raise TypeError(f"{name} must be a datetime, not {type(value).__name__}.")
    if value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime (with a time zone); got naive {value.isoformat()}.")
    return (value - _EPOCH) // _US


def _offset(zone: ZoneInfo, local: dt.datetime) -> int:
    """The zone's UTC offset at a naive local time, in microseconds; a ZoneInfo has one for every time."""
    offset = zone.utcoffset(local)
    assert offset is not None
    return offset // _US


def _wall(moment: dt.time) -> int:
    return ((moment.hour * 60 + moment.minute) * 60 + moment.second) * 1_000_000 + moment.microsecond


def _validate_day(day_name: str, day: tuple[tuple[dt.time, ...], ...]) -> None:
    previous_end = 0
    for interval in day:
        if len(interval) != 2 or not all(isinstance(t, dt.time) and t.tzinfo is None for t in interval):
            raise ValueError(f"{day_name}: an interval is a (start, end) pair of naive dt.time, not {interval!r}.")
        start, end = _wall(interval[0]), _wall(interval[1]) or _DAY
        label = f"{interval[0].isoformat()}–{'24:00' if end == _DAY else interval[1].isoformat()}"
        if start >= end:
            raise ValueError(f"{day_name}: interval {label} must end after it starts (00:00 as an end means 24:00).")
        if start < previous_end:
            raise ValueError(f"{day_name}: interval {label} overlaps or precedes the one before; sort them.")
        previous_end = end


def _weekday_index(key: str) -> int:
    name = key.strip().lower()
    for index, weekday in enumerate(WEEKDAYS):
        if name in (weekday.lower(), weekday[:3].lower()):
            return index
    raise ValueError(f"Unknown weekday {key!r}: use 'mon'…'sun' or full names.")


_INTERVAL = re.compile(r"^\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*[-–]\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*$")


def _parse_interval(text: str, day_name: str) -> Interval:
    match = _INTERVAL.match(text)
    if not match:
        raise ValueError(f"{day_name}: {text!r} is not an interval like '08:00-16:00'.")
    hour, minute, second, end_hour, end_minute, end_second = (int(part or 0) for part in match.groups())
    if (end_hour, end_minute, end_second) == (24, 0, 0):
        end_hour = 0
    try:
        return dt.time(hour, minute, second), dt.time(end_hour, end_minute, end_second)
    except ValueError as error:
        raise ValueError(f"{day_name}: {text!r}: {error}.") from None


# --- the engine ------------------------------------------------------------------------------------------------


def holidays_problem(country: str, subdivision: str = "") -> str:
    """Why a calendar with these public holidays could not be built (as its constructor would refuse it); ""
    when it can. The country code is read in any case, as the constructor does."""
    if subdivision and not country:
        return f"subdivision {subdivision!r} given without a country"
    return _holidays_problem(country.upper(), subdivision) if country else ""


@functools.lru_cache(maxsize=256)
def _holidays_problem(country: str, subdivision: str) -> str:
    """Why the `holidays` package cannot give this country's (and subdivision's) holidays; "" when it can."""
    try:
        holidays.country_holidays(country, subdiv=subdivision or None)
    except NotImplementedError as error:
        return str(error)
    return ""


@functools.lru_cache(maxsize=4096)
def _public_holidays(country: str, subdivision: str, year: int) -> frozenset[int]:
    """One year of the `holidays` package's public holidays, as date ordinals; building them costs far more than a
    lookup, and every calendar of the same country shares them."""
    return frozenset(
        day.toordinal() for day in holidays.country_holidays(country, subdiv=subdivision or None, years=year)
    )


@functools.lru_cache(maxsize=4096)
def _shifting_weeks(time_zone: str, year: int) -> frozenset[int]:
    """The weeks starting in ``year`` that lie within a day of a UTC-offset change in ``time_zone``.

    The zone's offset is probed every six hours of wall-clock time, so two changes that cancel out within six
    hours would go unseen; tzdata has none. Shared by every calendar in the zone."""
    zone = ZoneInfo(time_zone)
    first, end = _year_weeks(year)
    probe, stop = dt.datetime.fromordinal(7 * first + 1 - 2), dt.datetime.fromordinal(7 * end + 1 + 2)
    step = dt.timedelta(hours=6)
    marked: set[int] = set()
    offset = zone.utcoffset(probe)
    while probe < stop:
        following = probe + step
        offset_after = zone.utcoffset(following)
        if offset_after != offset:
            # Weeks of the dates from the day before to the day after the change.
            marked.update(range((probe.toordinal() - 2) // 7, following.toordinal() // 7 + 1))
            offset = offset_after
        probe = following
    return frozenset(week for week in marked if first <= week < end)


def _year_weeks(year: int) -> tuple[int, int]:
    """The weeks whose Monday falls in ``year``: first, end (exclusive)."""
    return (dt.date(year, 1, 1).toordinal() + 5) // 7, (dt.date(year + 1, 1, 1).toordinal() + 5) // 7


def _merge(intervals: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(intervals):
        if start >= end:
            continue
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


class _Table:
    """Sorted, disjoint open intervals as microsecond offsets from a week's first instant, with running totals."""

    __slots__ = ("cumulative", "ends", "starts", "total")

    def __init__(self, intervals: list[tuple[int, int]]) -> None:
        self.starts = [start for start, _ in intervals]
        self.ends = [end for _, end in intervals]
        self.cumulative: list[int] = []
        running = 0
        for start, end in intervals:
            running += end - start
            self.cumulative.append(running)
        self.total = running

    def before(self, offset: int) -> int:
        """Open time in [0, offset)."""
        index = bisect.bisect_right(self.ends, offset)
        done = self.cumulative[index - 1] if index else 0
        if index < len(self.starts) and self.starts[index] < offset:
            done += offset - self.starts[index]
        return done

    def reach(self, amount: int) -> int:
        """The smallest offset with ``before(offset) == amount``, for 0 < amount <= total."""
        index = bisect.bisect_left(self.cumulative, amount)
        return self.ends[index] - (self.cumulative[index] - amount)


class _Year:
    """The weeks whose Monday falls in one year: their index range, the irregular ones, and their totals."""

    __slots__ = ("end", "first", "irregular", "keys", "number", "prefix", "total")

    def __init__(self, number: int, irregular: dict[int, tuple[_Table, int, int]], regular: int) -> None:
        self.number, self.irregular = number, irregular
        self.first, self.end = first, end = _year_weeks(number)
        self.keys = sorted(irregular)
        # prefix[i]: how much the first i irregular weeks differ, together, from as many regular weeks.
        self.prefix = [0]
        for key in self.keys:
            self.prefix.append(self.prefix[-1] + irregular[key][0].total - regular)
        self.total = (end - first) * regular + self.prefix[-1]


@functools.lru_cache(maxsize=1024)
def _compile(calendar: BusinessCalendar) -> "_Engine":
    """One engine per distinct calendar value: calendars rebuilt from the database for every request share the
    warm caches of an equal one."""
    return _Engine(calendar)


class _Engine:
    """A calendar compiled for arithmetic. Weeks are numbered from 0001-01-01 (a Monday): week k starts on the
    local date with ordinal 7k + 1. Instants are integer microseconds since the Unix epoch. Caches fill lazily,
    year by year; they are memos only, so a race can at worst compute one twice."""

    def __init__(self, calendar: BusinessCalendar) -> None:
        self.zone = ZoneInfo(calendar.time_zone)
        self.time_zone = calendar.time_zone
        self.country, self.subdivision = calendar.country, calendar.subdivision
        self.closed = frozenset(day.toordinal() for day in calendar.closed_days)
        self.closed_weeks = frozenset((ordinal - 1) // 7 for ordinal in self.closed)
        self.days = [[(_wall(start), _wall(end) or _DAY) for start, end in day] for day in calendar.weekly]
        self.weekly = _Table(
            [(i * _DAY + start, i * _DAY + end) for i, day in enumerate(self.days) for start, end in day]
        )
        self.regular = self.weekly.total
        self.extra = _merge(
            [(_instant(start, "extra_open"), _instant(end, "extra_open")) for start, end in calendar.extra_open]
        )
        self.extra_ends = [end for _, end in self.extra]
        self.years: dict[int, _Year] = {}
        self.weeks: dict[int, tuple[_Table, int, int]] = {}
        # Any offset of the zone: it places an instant within a week of the right one, and locate() corrects.
        self.offset_guess = _offset(self.zone, dt.datetime(2000, 1, 1))

    # Conversions

    def to_datetime(self, moment: int) -> dt.datetime:
        seconds, micro = divmod(moment, 1_000_000)
        return dt.datetime.fromtimestamp(seconds, self.zone).replace(microsecond=micro)

    def _week_of(self, moment: int) -> int:
        return (self.to_datetime(moment).toordinal() - 1) // 7

    def _monday_offset(self, week: int) -> int:
        return _offset(self.zone, dt.datetime.fromordinal(7 * week + 1))

    def resolve(self, ordinal: int, wall: int) -> int:
        """The first instant at which the local clock shows ``wall`` microseconds into the date, or later."""
        naive = dt.datetime.fromordinal(ordinal) + dt.timedelta(microseconds=wall)
        first, second = _offset(self.zone, naive), _offset(self.zone, naive.replace(fold=1))
        local = (ordinal - _EPOCH_ORDINAL) * _DAY + wall
        # PEP 495: both folds agree on a time that occurs once; fold=0 is the first occurrence of a repeated time
        # (whose offset is then the larger); in a gap fold=0 takes the offset before the jump (the smaller).
        if first >= second:
            return local - first
        # In a gap: from fold=1's instant to fold=0's the clock only moves forward, jumping past the wall time
        # once; bisection finds the jump. Rare (a few wall times a year), and cached with its week.
        low, high = local - second, local - first
        while high - low > 1:
            middle = (low + high) // 2
            if self.to_datetime(middle).replace(tzinfo=None) >= naive:
                high = middle
            else:
                low = middle
        return high

    def open_date(self, ordinal: int) -> bool:
        if ordinal in self.closed:
            return False
        if not self.country:
            return True
        return ordinal not in _public_holidays(self.country, self.subdivision, dt.date.fromordinal(ordinal).year)

    # Weeks and years

    def year(self, year: int) -> _Year:
        found = self.years.get(year)
        if found is None:
            found = self.years[year] = self._build_year(year)
        return found

    def year_of_week(self, week: int) -> _Year:
        return self.year(dt.date.fromordinal(7 * week + 1).year)

    def _build_year(self, year: int) -> _Year:
        first, end = _year_weeks(year)
        shifting = _shifting_weeks(self.time_zone, year)
        marked = set(shifting) | {week for week in self.closed_weeks if first <= week < end}
        if self.country:
            # A week's dates all fall in its Monday's year or the next.
            for ordinal in _public_holidays(self.country, self.subdivision, year) | _public_holidays(
                self.country, self.subdivision, year + 1
            ):
                if first <= (ordinal - 1) // 7 < end:
                    marked.add((ordinal - 1) // 7)
        low = (7 * first + 1 - _EPOCH_ORDINAL) * _DAY - _MARGIN
        high = (7 * end + 1 - _EPOCH_ORDINAL) * _DAY + _MARGIN
        position = bisect.bisect_right(self.extra_ends, low)
        while position < len(self.extra) and self.extra[position][0] < high:
            start, stop = self.extra[position]
            weeks = range(self._week_of(max(start, low) - _DAY), self._week_of(min(stop, high) + _DAY) + 1)
            marked.update(week for week in weeks if first <= week < end)
            position += 1
        irregular = {week: self._build_week(week, week in shifting) for week in marked}
        return _Year(year, irregular, self.regular)

    def _build_week(self, week: int, shifting: bool) -> tuple[_Table, int, int]:
        """An irregular week as (table, first instant, length). Only a week near an offset change needs each wall
        time resolved; in the others (holidays, closed days, extra periods) one offset holds throughout."""
        monday = 7 * week + 1
        if shifting:
            resolve = self.resolve
        else:
            base = (monday - _EPOCH_ORDINAL) * _DAY - self._monday_offset(week)

            def resolve(ordinal: int, wall: int) -> int:
                return base + (ordinal - monday) * _DAY + wall

        origin, finish = resolve(monday, 0), resolve(monday + 7, 0)
        intervals: list[tuple[int, int]] = []
        for index, day in enumerate(self.days):
            ordinal = monday + index
            if day and self.open_date(ordinal):
                intervals.extend((resolve(ordinal, start), resolve(ordinal, end)) for start, end in day)
        position = bisect.bisect_right(self.extra_ends, origin)
        while position < len(self.extra) and self.extra[position][0] < finish:
            start, end = self.extra[position]
            intervals.append((max(start, origin), min(end, finish)))
            position += 1
        table = _Table([(start - origin, end - origin) for start, end in _merge(intervals)])
        return table, origin, finish - origin

    def week(self, week: int) -> tuple[_Table, int, int]:
        """Week ``week`` as (table, first instant, length), memoised."""
        found = self.weeks.get(week)
        if found is None:
            found = self.year_of_week(week).irregular.get(week)
            if found is None:
                found = self.weekly, (7 * week + 1 - _EPOCH_ORDINAL) * _DAY - self._monday_offset(week), _WEEK
            if len(self.weeks) > 100_000:  # bound the memo in a long-lived process
                self.weeks.clear()
            self.weeks[week] = found
        return found

    def locate(self, moment: int) -> tuple[int, _Table, int]:
        """The week holding ``moment``: (week, table, first instant). Weeks partition the timeline (each begins
        where the one before ends), so a guess from any offset of the zone is corrected by a step or two."""
        week = (_EPOCH_ORDINAL - 1 + (moment + self.offset_guess) // _DAY) // 7
        table, origin, length = self.week(week)
        while moment < origin:
            week -= 1
            table, origin, length = self.week(week)
        while moment >= origin + length:
            week += 1
            table, origin, length = self.week(week)
        return week, table, origin

    def weeks_total(self, first: int, end: int) -> int:
        """Open time in the whole weeks first..end-1: the regular total each, corrected year by year."""
        total = (end - first) * self.regular
        week, year = first, self.year_of_week(first)
        while True:
            stop = min(end, year.end)
            total += year.prefix[bisect.bisect_left(year.keys, stop)] - year.prefix[bisect.bisect_left(year.keys, week)]
            if stop == end:
                return total
            week, year = stop, self.year(year.number + 1)

    # The two operations

    def between(self, start: int, end: int) -> int:
        week_a, table_a, origin_a = self.locate(start)
        week_b, table_b, origin_b = self.locate(end)
        done_b = table_b.before(end - origin_b)
        if week_a == week_b:
            return done_b - table_a.before(start - origin_a)
        return table_a.total - table_a.before(start - origin_a) + self.weeks_total(week_a + 1, week_b) + done_b

    def add(self, moment: int, amount: int) -> int:
        week, table, origin = self.locate(moment)
        done = table.before(moment - origin)
        if amount <= table.total - done:
            return origin + table.reach(done + amount)
        amount -= table.total - done
        week += 1
        regular = self.regular
        year = self.year_of_week(week)
        while True:
            if week == year.end:
                year = self.year(year.number + 1)
            if not regular and (not self.extra or (7 * week + 1 - _EPOCH_ORDINAL) * _DAY - _MARGIN > self.extra[-1][1]):
                raise ValueError(
                    f"The calendar has no business time left after {self.to_datetime(moment).isoformat()}: "
                    "its weekly schedule is empty and its extra open periods are used up."
                )
            if week == year.first and amount > year.total:
                amount -= year.total
                week = year.end
                continue
            index = bisect.bisect_left(year.keys, week)
            irregular = year.keys[index] if index < len(year.keys) else year.end
            run = irregular - week
            if run and run * regular >= amount:
                skipped = -(-amount // regular) - 1  # whole regular weeks before the one where it ends
                table, origin, _ = self.week(week + skipped)
                return origin + table.reach(amount - skipped * regular)
            amount -= run * regular
            week = irregular
            if week == year.end:
                continue
            table, origin, _ = year.irregular[week]
            if amount <= table.total:
                return origin + table.reach(amount)
            amount -= table.total
            week += 1
