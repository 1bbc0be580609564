"""Reading SLA clocks. Callers have already checked that the actor may see the tickets."""

import datetime as dt
from collections.abc import Sequence

from django.db.models import prefetch_related_objects

from picocore.contracts.models import ClockKind
from picocore.contracts.selectors import contracts_in_force
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
    number — the organisations' contracts in force, then, when any of them has a calendar, the tickets' clocks
    and each contract calendar's opening hours, closed days and extra openings (four, once for all calendars)."""
    if not tickets:
        return {}
    contracts = contracts_in_force(organisations={ticket.organisation for ticket in tickets}, at=at)
    stored = {contract.calendar.pk: contract.calendar for contract in contracts.values() if contract.calendar}
    if not stored:
        return {}  # no contract of theirs counts on a calendar: no clock to read
    business = set(
        SlaClock.objects.filter(
            ticket_id__in=[ticket.pk for ticket in tickets], clock=ClockKind.BUSINESS, due_at__isnull=False
        ).values_list("ticket_id", "due_at")
    )
    prefetch_related_objects(list(stored.values()), "intervals", "closed_days", "extra_open")
    calendars: dict[int, BusinessCalendar | None] = {pk: usable_calendar(c)[0] for pk, c in stored.items()}
    left = {}
    for ticket in tickets:
        due, contract = ticket.sla_due_at, contracts.get(ticket.organisation_id)
        if due is None or due <= at or (ticket.pk, due) not in business or contract is None:
            continue
        calendar = calendars.get(contract.calendar_id) if contract.calendar_id is not None else None
        if calendar is not None:
            left[ticket.pk] = business_time_between(calendar, at, due)
    return left
