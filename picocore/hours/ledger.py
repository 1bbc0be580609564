"""The hour bank's arithmetic: what a contract's month starts with, uses, carries on and has left. Pure
functions over minutes; no Django, no database.

Rules (the tests pin them down, with the worked example of 10 h a month, carry-over capped at 5 h for 1 month):

* A month's hours come in *lots*, each with the month it was included in: the month's own included minutes,
  the lots carried in from earlier months, and positive adjustments (a lot of the month itself).
* Use is taken from the oldest lot first (hours about to expire go first), then the month's own. Negative
  adjustments are use.
* At the month's end, what is left of each lot is carried into the next month if the lot is younger than the
  expiry (a lot included in January with an expiry of one month may be used in February, not in March), and
  the total carried in is capped; when the cap cuts, the youngest lots are kept (they live longest).
* Use beyond the available minutes is an *overage*: it is shown and billed, never carried as a debt.
* A contract without included hours has no bank: its months only count the minutes used.
"""

from dataclasses import dataclass

Month = tuple[int, int]  # (year, month)


def next_month(month: Month) -> Month:
    year, number = month
    return (year + 1, 1) if number == 12 else (year, number + 1)


def months_between(earlier: Month, later: Month) -> int:
    return (later[0] - earlier[0]) * 12 + later[1] - earlier[1]


@dataclass(frozen=True)
class Terms:
    """What a contract includes: minutes a month, carry-over cap (minutes) and expiry (months after the month
    the minutes were included in; 0 means nothing carries)."""

    included_minutes: int
    carry_over_cap_minutes: int = 0
    carry_over_months: int = 0

    @property
    def has_bank(self) -> bool:
        return self.included_minutes > 0


@dataclass(frozen=True)
class Lot:
    origin: Month
    minutes: int


@dataclass(frozen=True)
class MonthFigures:
    """One month of the bank, as the customer sees it."""

    month: Month
    included: int
    carried_in: int
    added: int  # positive adjustments
    used: int  # billable debits plus negative adjustments
    remaining: int  # never below zero
    overage: int  # use beyond what was available
    carried_out: tuple[Lot, ...]
    expired: int  # minutes left this month that do not carry on (expired or over the cap)

    @property
    def carried_out_minutes(self) -> int:
        return sum(lot.minutes for lot in self.carried_out)

    @property
    def available(self) -> int:
        return self.included + self.carried_in + self.added

    def used_share(self) -> float:
        """Use as a share of what the month had (0 for a contract without hours)."""
        return self.used / self.available if self.available else 0.0


def month_figures(
    terms: Terms, month: Month, carried_in: tuple[Lot, ...], *, used: int, added: int = 0
) -> MonthFigures:
    """The month's figures from what it brought in, what it used and what was added to it."""
    if used < 0 or added < 0:
        raise ValueError("used and added are amounts of minutes, not negative")
    if not terms.has_bank:
        return MonthFigures(month, 0, 0, added, used, max(added - used, 0), max(used - added, 0), (), 0)
    lots = [*sorted(carried_in, key=lambda lot: lot.origin), Lot(month, terms.included_minutes + added)]
    to_take = used
    left: list[Lot] = []
    for lot in lots:
        taken = min(lot.minutes, to_take)
        to_take -= taken
        if lot.minutes - taken:
            left.append(Lot(lot.origin, lot.minutes - taken))
    following = next_month(month)
    living = [lot for lot in left if months_between(lot.origin, following) <= terms.carry_over_months]
    carried: list[Lot] = []
    room = terms.carry_over_cap_minutes
    for lot in sorted(living, key=lambda lot: lot.origin, reverse=True):  # the youngest first
        kept = min(lot.minutes, room)
        if kept:
            carried.append(Lot(lot.origin, kept))
            room -= kept
    remaining = sum(lot.minutes for lot in left)
    carried_out = tuple(sorted(carried, key=lambda lot: lot.origin))
    return MonthFigures(
        month=month,
        included=terms.included_minutes,
        carried_in=sum(lot.minutes for lot in carried_in),
        added=added,
        used=used,
        remaining=remaining,
        overage=to_take,
        carried_out=carried_out,
        expired=remaining - sum(lot.minutes for lot in carried_out),
    )


def run_months(terms: Terms, first: Month, uses: dict[Month, tuple[int, int]], last: Month,
               carried_in: tuple[Lot, ...] = ()) -> list[MonthFigures]:  # fmt: skip
    """Every month from `first` to `last` (inclusive), each starting with what the one before carried out;
    `uses` maps a month to its (used, added) minutes (missing: nothing)."""
    figures: list[MonthFigures] = []
    month = first
    while months_between(month, last) >= 0:
        used, added = uses.get(month, (0, 0))
        figure = month_figures(terms, month, carried_in, used=used, added=added)
        figures.append(figure)
        carried_in = figure.carried_out
        month = next_month(month)
    return figures
