"""Reading SLA clocks. Callers have already checked that the actor may see the tickets."""

import datetime as dt
from collections.abc import Sequence

from picocore.contracts.models import ClockKind
from picocore.contracts.selectors import contracts_in_force, every_contract
from picocore.core import reference
from picocore.sla.calendar import BusinessCalendar, business_time_between
from picocore.sla.models import SlaClock
from picocore.sla.services import usable_calendar
from picocore.tickets.models import Ticket


def ticket_clocks(ticket: Ticket) -> dict[str, SlaClock]:
    """The ticket's stored clocks by metric, in one query."""
    return {clock.metric: clock for clock in SlaClock.objects.filter(ticket=ticket)}


def business_time_left(tickets: Sequence[Ticket], *, at: dt.datetime) -> dict[int, dt.timedelta]:
    """By ticket id, for each ticket whose next deadline (`sla_due_at`, still ahead at `at`) is that of a
    running business-hours clock: the business time left until it on the calendar of the organisation's
    contract in force, as the ticket page counts what is left. Left out: tickets whose next deadline is counted
    around the clock (the time left is then the wall-clock time) or on a calendar that cannot count.

    For a page of tickets (their organisations already selected): a constant number of queries whatever their
    number: the page's business-hours clocks, when any of the organisations' contracts in force has a usable
    calendar (contracts and calendars are kept with the reference data: `contract_calendars`)."""
    if not tickets:
        return {}
    contracts = contracts_in_force(organisations={ticket.organisation for ticket in tickets}, at=at)
    calendars = contract_calendars()
    if not any(contract.calendar_id and calendars.get(contract.calendar_id) for contract in contracts.values()):
        return {}  # no contract of theirs counts on a usable calendar: no clock to read
    business = set(
        SlaClock.objects.filter(
            ticket_id__in=[ticket.pk for ticket in tickets], clock=ClockKind.BUSINESS, due_at__isnull=False
        ).values_list("ticket_id", "due_at")
    )
    left = {}
    for ticket in tickets:
        due, contract = ticket.sla_due_at, contracts.get(ticket.organisation_id)
        if due is None or due <= at or (ticket.pk, due) not in business or contract is None:
            continue
        calendar = calendars.get(contract.calendar_id) if contract.calendar_id is not None else None
        if calendar is not None:
            left[ticket.pk] = business_time_between(calendar, at, due)
    return left


def contract_calendars() -> dict[int, BusinessCalendar | None]:
    """Every contract calendar by id as it counts business time (`usable_calendar`: None when it cannot count at
    all), built once per process from the kept contracts and reused while the reference data is unchanged.
    Shared: read them, never change them."""
    return reference.cached("sla.contract_calendars", _contract_calendars)


def _contract_calendars() -> dict[int, BusinessCalendar | None]:
    stored = {
        contract.calendar.pk: contract.calendar
        for contracts in every_contract().values()
        for contract in contracts
        if contract.calendar is not None
    }
    return {pk: usable_calendar(calendar)[0] for pk, calendar in stored.items()}
