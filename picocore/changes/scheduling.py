"""Maintenance windows and freezes, and whether a planned window respects them.

A maintenance window is weekly, in the organisation's time zone: from `starts_at` local time on `weekday` for
`duration_minutes` of wall-clock time (a window "Saturday 22:00 for 6 hours" ends at 04:00 local on Sunday on
the nights the clocks change too). A freeze covers whole local days from `starts_on` to `ends_on` inclusive,
every year when it recurs (a yearly freeze may run over New Year; 29 February falls back to the 28th).

The rules are plain values and the functions pure, so that they are tested without the database;
`rules_for` reads one organisation's rules (two queries).
"""

import datetime as dt
import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext as _

from picocore.changes.models import Freeze, MaintenanceWindow

WEEK = dt.timedelta(days=7)


@dataclass(frozen=True)
class WindowRule:
    label: str
    weekday: int  # 0 = Monday
    starts_at: dt.time
    duration_minutes: int


@dataclass(frozen=True)
class FreezeRule:
    name: str
    starts_on: dt.date
    ends_on: dt.date
    recurs_yearly: bool = False
    organisation_wide: bool = True  # False for a global freeze (every customer)


@dataclass(frozen=True)
class Rules:
    """One organisation's windows and the freezes that apply to it, in its time zone."""

    time_zone: str
    windows: tuple[WindowRule, ...]
    freezes: tuple[FreezeRule, ...]


def _local(moment: dt.datetime, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    return moment.astimezone(zone)


def _aware(day: dt.date, time: dt.time, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    """The local wall-clock moment, as an aware datetime normalised through UTC (a time skipped by a spring
    change is read with the offset before the change, as zoneinfo's fold=0 does)."""
    return dt.datetime.combine(day, time, tzinfo=zone).astimezone(dt.UTC).astimezone(zone)


def occurrence(rule: WindowRule, day: dt.date, zone: zoneinfo.ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """The window's occurrence starting on local `day` (which must be its weekday): its start and end."""
    start = dt.datetime.combine(day, rule.starts_at)
    end = start + dt.timedelta(minutes=rule.duration_minutes)
    return _aware(start.date(), start.time(), zone), _aware(end.date(), end.time(), zone)


def occurrences(
    rules: Iterable[WindowRule], time_zone: str, start: dt.datetime, end: dt.datetime
) -> list[tuple[WindowRule, dt.datetime, dt.datetime]]:
    """Every occurrence of the windows that overlaps [start, end), in order of start."""
    zone = zoneinfo.ZoneInfo(time_zone)
    first_day = _local(start, zone).date() - WEEK  # a window of up to a week may have begun the week before
    last_day = _local(end, zone).date()
    found = []
    for rule in rules:
        day = first_day + dt.timedelta(days=(rule.weekday - first_day.weekday()) % 7)
        while day <= last_day:
            begins, ends = occurrence(rule, day, zone)
            if begins < end and ends > start:
                found.append((rule, begins, ends))
            day += WEEK
    return sorted(found, key=lambda item: (item[1], item[2]))


def window_holding(
    rules: Iterable[WindowRule], time_zone: str, start: dt.datetime, end: dt.datetime
) -> WindowRule | None:
    """The window one of whose occurrences holds all of [start, end); None when none does."""
    for rule, begins, ends in occurrences(rules, time_zone, start, end):
        if begins <= start and end <= ends:
            return rule
    return None


def local_days(time_zone: str, start: dt.datetime, end: dt.datetime) -> tuple[dt.date, dt.date]:
    """The first and last local day [start, end) touches (a window ending at midnight does not touch the next day)."""
    zone = zoneinfo.ZoneInfo(time_zone)
    last = end - dt.timedelta(microseconds=1) if end > start else end
    return _local(start, zone).date(), _local(last, zone).date()


def _shifted(day: dt.date, year: int) -> dt.date:
    try:
        return day.replace(year=year)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=year, day=28)


def freeze_spans(rule: FreezeRule, first: dt.date, last: dt.date) -> list[tuple[dt.date, dt.date]]:
    """The freeze's spans (first day, last day) that may touch the days from `first` to `last`."""
    if not rule.recurs_yearly:
        return [(rule.starts_on, rule.ends_on)]
    length = rule.ends_on - rule.starts_on
    spans = []
    for year in range(first.year - 1, last.year + 1):
        begins = _shifted(rule.starts_on, year)
        spans.append((begins, begins + length))
    return spans


def freeze_hit(rules: Iterable[FreezeRule], time_zone: str, start: dt.datetime, end: dt.datetime) -> FreezeRule | None:
    """The first freeze (by its first day) any local day of [start, end) falls in; None when none."""
    first, last = local_days(time_zone, start, end)
    hits = []
    for rule in rules:
        for begins, ends in freeze_spans(rule, first, last):
            if begins <= last and first <= ends:
                hits.append((begins, rule.name, rule))
                break
    return min(hits, key=lambda hit: (hit[0], hit[1]))[2] if hits else None


def days_to_freeze(rules: Iterable[FreezeRule], time_zone: str, start: dt.datetime) -> int | None:
    """Whole local days from `start` to the first day of the next freeze (0 inside one); None when no freeze
    begins within a year."""
    day = _local(start, zoneinfo.ZoneInfo(time_zone)).date()
    horizon = day + dt.timedelta(days=366)
    nearest = None
    for rule in rules:
        for begins, ends in freeze_spans(rule, day, horizon):
            if ends < day or begins > horizon:
                continue
            distance = max(0, (begins - day).days)
            nearest = distance if nearest is None else min(nearest, distance)
    return nearest


@dataclass(frozen=True)
class WindowCheck:
    """Whether a planned window respects the organisation's rules: the window holding it (None when outside
    every window, or when the organisation has none) and the freeze it falls in (None when none)."""

    has_windows: bool
    window: WindowRule | None
    freeze: FreezeRule | None

    @property
    def outside_window(self) -> bool:
        return self.has_windows and self.window is None

    @property
    def respected(self) -> bool:
        return not self.outside_window and self.freeze is None


def check(rules: Rules, start: dt.datetime, end: dt.datetime) -> WindowCheck:
    """The planned window [start, end) against the rules. An organisation without maintenance windows accepts
    changes at any time (outside freezes)."""
    return WindowCheck(
        has_windows=bool(rules.windows),
        window=window_holding(rules.windows, rules.time_zone, start, end) if rules.windows else None,
        freeze=freeze_hit(rules.freezes, rules.time_zone, start, end),
    )


def window_text(rule: WindowRule) -> str:
    days = (_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"), _("Saturday"), _("Sunday"))
    hours, minutes = divmod(rule.duration_minutes, 60)
    length = f"{hours} h" + (f" {minutes} min" if minutes else "") if hours else f"{minutes} min"
    text = f"{days[rule.weekday]} {rule.starts_at:%H:%M} + {length}"
    return f"{rule.label} ({text})" if rule.label else text


def windows_text(rules: Sequence[WindowRule]) -> str:
    return "; ".join(window_text(rule) for rule in rules)


def rules_for(organisation_id: int, time_zone: str) -> Rules:
    """The organisation's windows and the freezes that apply to it (its own and the global ones): two queries."""
    windows = tuple(
        WindowRule(w.label, w.weekday, w.starts_at, w.duration_minutes)
        for w in MaintenanceWindow.objects.filter(organisation_id=organisation_id).order_by("weekday", "starts_at")
    )
    freezes = tuple(
        FreezeRule(f.name, f.starts_on, f.ends_on, f.recurs_yearly, organisation_wide=f.organisation_id is not None)
        for f in Freeze.objects.filter(Q(organisation_id=organisation_id) | Q(organisation__isnull=True)).order_by(
            "starts_on", "id"
        )
    )
    return Rules(time_zone=time_zone, windows=windows, freezes=freezes)
