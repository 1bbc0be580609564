"""What a time entry debits from the hour bank: its minutes rounded up per the contract, each part of it at the
rate of when it was worked (business hours, outside them, a weekend, a public holiday). Pure functions over the
contract's business calendar; no database.

Rules:

* Rounding is per entry, upwards, to a multiple of `rounding_minutes` (0: exact).
* When the entry says when it started, its worked interval is split by local day in the calendar's time zone:
  a public holiday or an extra closed day is *holiday* all day; a Saturday or Sunday on which the weekly
  schedule has no open interval is *weekend*; on any other day the calendar's business time is *business*
  and the rest *outside hours*. Without a start, the whole entry takes its work date's kind (a working day
  counts as business hours: nothing says otherwise).
* Without a calendar the contract runs around the clock: everything is business time, no multiplier applies.
* The debit is the rounded minutes spread over the parts in proportion to their worked time, each at its rate,
  rounded half up to whole minutes: 60 minutes on a Saturday at × 1.5 debit 90.
"""

import datetime as dt
import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from picocore.sla.calendar import BusinessCalendar, business_time_between

BUSINESS, OUTSIDE, WEEKEND, HOLIDAY = "business", "outside_hours", "weekend", "holiday"
KINDS = (BUSINESS, OUTSIDE, WEEKEND, HOLIDAY)


@dataclass(frozen=True)
class Rates:
    """A contract's rounding and multipliers."""

    rounding_minutes: int = 0
    outside_hours: Decimal = Decimal(1)
    weekend: Decimal = Decimal(1)
    holiday: Decimal = Decimal(1)

    def of(self, kind: str) -> Decimal:
        return {BUSINESS: Decimal(1), OUTSIDE: self.outside_hours, WEEKEND: self.weekend, HOLIDAY: self.holiday}[kind]


@dataclass(frozen=True)
class Debit:
    """An entry's worked minutes, the same rounded, what it debits, and its worked seconds by kind."""

    worked: int
    rounded: int
    debited: int
    seconds_by_kind: tuple[tuple[str, int], ...]

    def as_data(self, rates: Rates) -> dict[str, object]:
        """JSON-safe, for the entry's record of how its debit came about."""
        return {
            "worked": self.worked,
            "rounded": self.rounded,
            "debited": self.debited,
            "parts": [{"kind": kind, "seconds": seconds, "rate": str(rates.of(kind))}
                      for kind, seconds in self.seconds_by_kind],
        }  # fmt: skip


def rounded_minutes(minutes: int, rounding: int) -> int:
    if minutes <= 0:
        raise ValueError("an entry lasts at least a minute")
    return math.ceil(minutes / rounding) * rounding if rounding > 0 else minutes


def _day_kind(calendar: BusinessCalendar, day: dt.date) -> str | None:
    """HOLIDAY or WEEKEND for the whole day, or None for a working day (split by business hours)."""
    if calendar.is_holiday(day):
        return HOLIDAY
    if day.weekday() >= 5 and not calendar.weekly[day.weekday()]:
        return WEEKEND
    return None


def _split(calendar: BusinessCalendar, start: dt.datetime, end: dt.datetime) -> dict[str, int]:
    """Seconds of [start, end) by kind, day by local day."""
    zone = ZoneInfo(calendar.time_zone)
    seconds = dict.fromkeys(KINDS, 0)
    piece_start = start
    while piece_start < end:
        local = piece_start.astimezone(zone)
        midnight = dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(0), tzinfo=zone)
        piece_end = min(end, midnight.astimezone(dt.UTC))
        length = int((piece_end - piece_start).total_seconds())
        kind = _day_kind(calendar, local.date())
        if kind is not None:
            seconds[kind] += length
        else:
            business = int(business_time_between(calendar, piece_start, piece_end).total_seconds())
            seconds[BUSINESS] += business
            seconds[OUTSIDE] += length - business
        piece_start = piece_end
    return seconds


def entry_debit(rates: Rates, calendar: BusinessCalendar | None, *, minutes: int, work_date: dt.date,
                started_at: dt.datetime | None = None) -> Debit:  # fmt: skip
    """What an entry of `minutes` debits (see the module's rules)."""
    rounded = rounded_minutes(minutes, rates.rounding_minutes)
    if calendar is None:
        seconds = {BUSINESS: minutes * 60}
    elif started_at is not None:
        start = started_at.astimezone(dt.UTC)
        seconds = _split(calendar, start, start + dt.timedelta(minutes=minutes))
    else:
        seconds = {_day_kind(calendar, work_date) or BUSINESS: minutes * 60}
    worked_seconds = sum(seconds.values())
    weighted = sum((Decimal(part) * rates.of(kind) for kind, part in seconds.items()), Decimal(0))
    debited = (weighted * rounded / worked_seconds).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    parts = tuple((kind, part) for kind, part in seconds.items() if part)
    return Debit(worked=minutes, rounded=rounded, debited=int(debited), seconds_by_kind=parts)
