"""Reading the hour bank: a contract's terms, the month an entry falls in, and a month's figures."""

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from picocore.contracts.models import Contract
from picocore.contracts.selectors import contract_in_force, organisation_contracts
from picocore.core import reference
from picocore.core.clock import now
from picocore.core.errors import NotFound
from picocore.core.text import without_nul
from picocore.development.selectors import development_items_for
from picocore.hours import ledger, permissions
from picocore.hours.models import HourTerms, LedgerAdjustment, LedgerMonth, TimeEntry
from picocore.hours.permissions import Editable, entry_editability
from picocore.hours.rates import Rates
from picocore.tenancy.choices import StaffRole
from picocore.tenancy.models import Organisation, User
from picocore.tenancy.scope import STAFF_SEEING_ALL, customer_q, reach, restrict, serves, staff_q

NO_TERMS = HourTerms(included_minutes=0)


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def as_month(day: dt.date) -> ledger.Month:
    return (day.year, day.month)


def month_date(month: ledger.Month) -> dt.date:
    return dt.date(month[0], month[1], 1)


def month_after(month: dt.date) -> dt.date:
    return month_date(ledger.next_month(as_month(month)))


def last_day_of(month: dt.date) -> dt.date:
    return month_after(month) - dt.timedelta(days=1)


def contract_on(organisation: Organisation, day: dt.date) -> Contract | None:
    """The organisation's contract in force on its local date `day`, as `contract_in_force` judges it."""
    midday = dt.datetime.combine(day, dt.time(12), tzinfo=zoneinfo.ZoneInfo(organisation.time_zone))
    return contract_in_force(organisation=organisation, at=midday)


def terms_of(contract: Contract | None) -> HourTerms:
    """The contract's hour terms; a contract without any has no bank and charges time as worked. Read from the
    terms the process keeps with the reference data (`every_terms`): no query once known. Shared: read them,
    never change them."""
    if contract is None:
        return NO_TERMS
    return every_terms().get(contract.pk, NO_TERMS)


def every_terms() -> dict[int, HourTerms]:
    """Every contract's hour terms by contract id, read in one query and kept per process while the reference
    data is unchanged (`reference.cached`; hour terms are tracked)."""
    return reference.cached("hours.terms", _every_terms)


def _every_terms() -> dict[int, HourTerms]:
    return {terms.contract_id: terms for terms in HourTerms.objects.all()}


def ledger_terms(terms: HourTerms) -> ledger.Terms:
    return ledger.Terms(terms.included_minutes, terms.carry_over_cap_minutes, terms.carry_over_months)


def rates_of(terms: HourTerms) -> Rates:
    return Rates(
        rounding_minutes=terms.rounding_minutes,
        outside_hours=Decimal(terms.outside_hours_rate),
        weekend=Decimal(terms.weekend_rate),
        holiday=Decimal(terms.holiday_rate),
    )


def month_is_open(contract: Contract, month: dt.date) -> bool:
    return not LedgerMonth.objects.filter(contract=contract, month=month, closed_at__isnull=False).exists()


def figures_as_data(figures: ledger.MonthFigures) -> dict[str, object]:
    return {
        "month": list(figures.month),
        "included": figures.included,
        "carried_in": figures.carried_in,
        "added": figures.added,
        "used": figures.used,
        "remaining": figures.remaining,
        "overage": figures.overage,
        "carried_out": [[*lot.origin, lot.minutes] for lot in figures.carried_out],
        "expired": figures.expired,
    }


def figures_from_data(data: dict) -> ledger.MonthFigures:
    return ledger.MonthFigures(
        month=(data["month"][0], data["month"][1]),
        included=data["included"],
        carried_in=data["carried_in"],
        added=data["added"],
        used=data["used"],
        remaining=data["remaining"],
        overage=data["overage"],
        carried_out=tuple(ledger.Lot((year, month), minutes) for year, month, minutes in data["carried_out"]),
        expired=data["expired"],
    )


def month_uses(contract: Contract, first: dt.date, last: dt.date) -> dict[ledger.Month, tuple[int, int]]:
    """(used, added) minutes per month from `first` to `last`: billable debits plus charging adjustments, and
    adding adjustments. Two queries."""
    uses: dict[ledger.Month, list[int]] = {}
    debits = (
        TimeEntry.objects.filter(contract=contract, billable=True, month__gte=first, month__lte=last)
        .values("month")
        .annotate(minutes=Sum("debited_minutes"))
        .values_list("month", "minutes")
    )
    for month, minutes in debits:
        uses.setdefault(as_month(month), [0, 0])[0] += minutes or 0
    adjustments = (
        LedgerAdjustment.objects.filter(contract=contract, month__gte=first, month__lte=last)
        .values("month")
        .annotate(
            charged=Sum("minutes", filter=Q(minutes__lt=0), default=0),
            added=Sum("minutes", filter=Q(minutes__gt=0), default=0),
        )
        .values_list("month", "charged", "added")
    )
    for month, charged, added in adjustments:
        figures = uses.setdefault(as_month(month), [0, 0])
        figures[0] += -charged
        figures[1] += added
    return {month: (used, added) for month, (used, added) in uses.items()}


def bank_months(contract: Contract, through: dt.date) -> list[ledger.MonthFigures]:
    """The bank's months up to and including the month of `through`, from the month after the last closed one
    (its stored closing figures come first) — closed months keep the figures they closed with. At most four
    queries, however many months."""
    terms = ledger_terms(terms_of(contract))
    last_month = month_of(through)
    closed = (
        LedgerMonth.objects.filter(contract=contract, closed_at__isnull=False, month__lte=last_month)
        .order_by("-month")
        .first()
    )
    if closed is not None and closed.closing:
        closed_figures = figures_from_data(closed.closing)
        if closed.month == last_month:
            return [closed_figures]
        first = month_date(ledger.next_month(as_month(closed.month)))
        carried = closed_figures.carried_out
        prefix = [closed_figures]
    else:
        first, carried, prefix = month_of(contract.starts_on), (), []
    if first > last_month:
        return prefix
    uses = month_uses(contract, first, last_month)
    return prefix + ledger.run_months(terms, as_month(first), uses, as_month(last_month), carried)


def _figures_of(contract: Contract, month: dt.date, months: list[ledger.MonthFigures]) -> ledger.MonthFigures:
    """`month`'s figures from a run of `bank_months`; nothing for a month before the contract started."""
    if months and months[-1].month == as_month(month):
        return months[-1]
    return ledger.month_figures(ledger_terms(terms_of(contract)), as_month(month), (), used=0)


def bank_month(contract: Contract, month: dt.date) -> ledger.MonthFigures:
    """One month's figures (see `bank_months`); a month before the contract started has nothing."""
    return _figures_of(contract, month, bank_months(contract, month))


@dataclass(frozen=True)
class TicketLine:
    """One ticket's billable time in a month."""

    key: str
    title: str
    entries: int
    worked: int
    debited: int


@dataclass(frozen=True)
class HoursPage:
    """Everything the hours page shows for one contract and month."""

    contract: Contract
    month: dt.date
    figures: ledger.MonthFigures
    closed: bool
    history: tuple[ledger.MonthFigures, ...]  # the months before, newest first (at most 12)
    remaining_by_day: tuple[tuple[dt.date, int], ...]  # the balance at the end of each day so far
    lines: tuple[TicketLine, ...]
    hidden_minutes: int  # debited on tickets the viewer may not see: counted, not listed
    forecast: int | None  # the month's projected use at its end (current month only)

    @property
    def has_bank(self) -> bool:
        return self.figures.included > 0


def days_in(month: dt.date) -> int:
    return (month_after(month) - month).days


def hours_page(*, viewer: User, contract: Contract, month: dt.date, today: dt.date) -> HoursPage:
    """The contract's month as its hours page shows it; the tickets listed are those the viewer may see, or all of
    them for who reads all of the hours (`permissions.reads_all_hours`); the figures count every ticket. A constant
    number of queries, however many entries or months."""
    month = month_of(month)
    # The bank's months once: this month's figures and the open months before it come from the same run.
    months = bank_months(contract, month)
    figures = _figures_of(contract, month, months)
    closed_rows = list(
        LedgerMonth.objects.filter(contract=contract, closed_at__isnull=False, month__lte=month)
        .order_by("-month")
        .values_list("month", "closing")[:13]
    )
    closed = bool(closed_rows) and closed_rows[0][0] == month
    earlier_open = [f for f in months if month_date(f.month) < month]
    known = {as_month(row_month): figures_from_data(data) for row_month, data in closed_rows if data}
    for open_month in earlier_open:
        known.setdefault(open_month.month, open_month)
    history = tuple(sorted((f for m, f in known.items() if month_date(m) < month), key=lambda f: f.month,
                           reverse=True)[:12])  # fmt: skip
    billable = TimeEntry.objects.filter(contract=contract, month=month, billable=True)
    daily = dict(
        billable.values("work_date").annotate(minutes=Sum("debited_minutes")).values_list("work_date", "minutes")
    )
    last_day = min(today, last_day_of(month))
    balance = figures.available
    remaining_by_day = []
    day = month
    adjustments = figures.used - sum(daily.values())  # charging adjustments, shown on the month's first day
    balance -= adjustments
    while day <= last_day:
        balance -= daily.get(day, 0) or 0
        remaining_by_day.append((day, balance))
        day += dt.timedelta(days=1)
    # Who answers for the bill (a customer admin, a billing contact) sees every ticket it is made of.
    visible = billable if permissions.reads_all_hours(viewer, contract.organisation_id) else restrict(billable, viewer)
    rows = (
        visible.values("ticket__key", "ticket__title")
        .annotate(entries=Count("id"), worked=Sum("minutes"), debited=Sum("debited_minutes"))
        .order_by("-debited", "ticket__key")
    )
    lines = tuple(
        TicketLine(r["ticket__key"], r["ticket__title"], r["entries"], r["worked"], r["debited"]) for r in rows
    )
    debited_total = sum(daily.values())
    forecast = None
    if month == month_of(today):
        elapsed = today.day
        forecast = round(figures.used * days_in(month) / elapsed) if elapsed else figures.used
    return HoursPage(
        contract=contract, month=month, figures=figures, closed=closed, history=history,
        remaining_by_day=tuple(remaining_by_day), lines=lines,
        hidden_minutes=debited_total - sum(line.debited for line in lines), forecast=forecast,
    )  # fmt: skip


# The hour bank's own measure of time used (see `month_uses`): the debited minutes of billable entries.
DEBITED = Sum("debited_minutes", filter=Q(billable=True), default=0)


def time_used(entries: QuerySet[TimeEntry], *group: str) -> list[dict[str, Any]]:
    """The entries' time per `group` (fields of TimeEntry): how many entries, minutes worked billable and not
    billable, and the debited minutes (after rounding and rates) of the billable ones — what `month_uses`
    debits from the bank. One query; callers scope `entries`."""
    return list(
        entries.values(*group)
        .annotate(
            entries=Count("pk"),
            billable_minutes=Sum("minutes", filter=Q(billable=True), default=0),
            non_billable_minutes=Sum("minutes", filter=Q(billable=False), default=0),
            debited_minutes=DEBITED,
        )
        .order_by()
    )


def adjustments_made(adjustments: QuerySet[LedgerAdjustment], *group: str) -> list[dict[str, Any]]:
    """The adjustments' minutes per `group`: charged (as a positive number) and added, as `month_uses` counts
    them into a month's used and added minutes. One query; callers scope `adjustments`."""
    return [
        {**row, "charged": -row["charged"]}
        for row in adjustments.values(*group)
        .annotate(
            charged=Sum("minutes", filter=Q(minutes__lt=0), default=0),
            added=Sum("minutes", filter=Q(minutes__gt=0), default=0),
        )
        .order_by()
    ]


def entries_editability(actor: User, entries: list[TimeEntry], *, at: dt.datetime) -> dict[int, Editable]:
    """Whether the actor may still change each entry themselves (`permissions.entry_editability`), by entry id: the
    terms and closed months of their contracts in two queries, however many entries."""
    contract_ids = {entry.contract_id for entry in entries if entry.contract_id is not None}
    windows = dict(
        HourTerms.objects.filter(contract_id__in=contract_ids).values_list("contract_id", "edit_window_hours")
    )
    closed = set(
        LedgerMonth.objects.filter(contract_id__in=contract_ids, closed_at__isnull=False).values_list(
            "contract_id", "month"
        )
    )
    default_window = NO_TERMS.edit_window_hours
    return {
        entry.pk: entry_editability(
            actor,
            author_id=entry.author_id,
            created_at=entry.created_at,
            window_hours=windows.get(entry.contract_id or 0, default_window),
            month_open=(entry.contract_id, entry.month) not in closed,
            at=at,
        )
        for entry in entries
    }


def entry_editable(actor: User, entry: TimeEntry, *, at: dt.datetime | None = None) -> Editable:
    """`entries_editability` for one entry."""
    return entries_editability(actor, [entry], at=at or now())[entry.pk]


def _entries() -> QuerySet[TimeEntry]:
    return TimeEntry.objects.select_related("ticket", "organisation", "author", "development_item")


def _customer_entries(actor: User) -> QuerySet[TimeEntry]:
    """What the portal's hours page shows a customer contact: the billable entries under a contract whose hours
    they read — all of the organisation's where their role reads all of its hours (customer admins, billing
    contacts: who answers for the bill sees what it is made of), else those of the tickets they see (`restrict`: a
    requester their own, followed and shared ones) where the contract's terms let requesters see the hours. No
    query once the contracts and terms are known."""
    readers = permissions.customer_hour_readers(actor)
    terms = every_terms()
    open_to_requesters = sorted(
        contract.pk
        for organisation_id in readers.as_requester
        for contract in organisation_contracts(organisation_id)
        if terms.get(contract.pk, NO_TERMS).requesters_see_hours
    )
    if not readers.as_admin and not open_to_requesters:
        return TimeEntry.objects.none()
    readable = Q(organisation_id__in=sorted(readers.as_admin)) | (
        Q(contract_id__in=open_to_requesters) & customer_q(actor, TimeEntry)
    )
    return _entries().filter(readable, billable=True, contract__isnull=False)


def time_entry_rows(*, actor: User, ticket_key: str = "") -> QuerySet[TimeEntry]:
    """The time entries the actor may read, with ticket, organisation, author and development item, optionally only
    those of the ticket `ticket_key`: the service team those of the organisations it serves (the tickets' time
    pages), developers those of their teams' development items (the items' pages), customer contacts what their
    hours page shows (`_customer_entries`). A list to order and page, one query a page."""
    entries = _readable_entries(actor)
    key = without_nul(ticket_key or "").strip().upper()[:40]
    return entries.filter(ticket__key=key) if key else entries


def _readable_entries(actor: User) -> QuerySet[TimeEntry]:
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return TimeEntry.objects.none()
    if not actor.staff_role:
        return _customer_entries(actor)
    condition = staff_q(actor, TimeEntry)
    if actor.staff_role in (StaffRole.DEVELOPER, StaffRole.CONSULTANT):
        items = Q(development_item__in=development_items_for(actor=actor).values("pk"))
        condition = items if condition is None else condition | items
    if condition is None:
        return TimeEntry.objects.none()
    return _entries().filter(condition) if condition else _entries()


def time_entry_get(*, actor: User, entry_id: int) -> TimeEntry:
    """One entry the actor may read (as `time_entry_rows` decides); NotFound otherwise, as for a missing one."""
    entry = time_entry_rows(actor=actor).filter(pk=entry_id).first()
    if entry is None:
        raise NotFound(_("There is no such time entry, or it is not yours to see."))
    return entry


def desk_contracts(*, actor: User) -> list[Contract]:
    """The contracts whose hour bank the actor sees on the desk: those of the organisations they serve (every
    one for service managers and administrators), with organisation, tier and terms; one query."""
    contracts = Contract.objects.select_related("organisation", "tier", "hour_terms").order_by(
        "organisation__name", "-starts_on", "-id"
    )
    if actor.staff_role in STAFF_SEEING_ALL:
        return list(contracts[:500])
    if actor.staff_role == StaffRole.CONSULTANT:
        return list(contracts.filter(organisation_id__in=reach(actor).served or ())[:500])
    return []


def desk_contract_get(*, actor: User, contract_id: int) -> Contract:
    """The contract, when the actor serves its organisation (NotFound otherwise, as for a missing one)."""
    contract = Contract.objects.select_related("organisation", "tier", "calendar").filter(pk=contract_id).first()
    if contract is None or not serves(actor, contract.organisation_id):
        raise NotFound(_("There is no such contract, or its customer is not one you serve."))
    return contract


def month_adjustments(contract: Contract, month: dt.date) -> list[LedgerAdjustment]:
    """The month's adjustments, oldest first, with who made them and the entry each corrects; one query."""
    return list(
        LedgerAdjustment.objects.filter(contract=contract, month=month_of(month))
        .select_related("actor", "entry__ticket")
        .order_by("created_at", "id")
    )


def closed_month_row(contract: Contract, month: dt.date) -> LedgerMonth | None:
    """The month's row when it is closed (with who closed it), else None."""
    return (
        LedgerMonth.objects.select_related("closed_by")
        .filter(contract=contract, month=month_of(month), closed_at__isnull=False)
        .first()
    )


def contract_entry(contract: Contract, entry_id: int) -> TimeEntry:
    """The contract's entry `entry_id` (NotFound for one of another contract, as for a missing one)."""
    entry = TimeEntry.objects.filter(contract=contract, pk=entry_id).first()
    if entry is None:
        raise NotFound(_("There is no such time entry on this contract."))
    return entry
