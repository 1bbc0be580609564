import datetime as dt
from typing import TYPE_CHECKING

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from picocore.development.choices import Milestone
from picocore.tickets import queues
from picocore.tickets.choices import Audience
from picocore.tickets.choices import status_label as label_for

if TYPE_CHECKING:
    from picocore.tickets.models import Ticket, TicketEvent

register = template.Library()


@register.simple_tag(takes_context=True)
def timeline_event(context: template.Context, event: "TicketEvent", *, staff: bool) -> str:
    """The event's timeline entry (tickets/events/event.html) for the page's ticket, as the desk (`staff`) or
    the portal shows it, rendered once per language and time zone and then kept (`picocore.tickets.fragments`)."""
    from picocore.tickets.fragments import event_html

    return event_html(event, ticket=context["ticket"], staff=staff)


@register.filter
def status_label(value: str) -> str:
    """The customer-facing name of a status value, e.g. "waiting_on_customer" → "Waiting on you"."""
    return label_for(value, Audience.CUSTOMER) if value else "—"


@register.filter
def staff_status_label(value: str) -> str:
    """The desk's name of a status value, e.g. "waiting_on_customer" → "Waiting on customer"."""
    return label_for(value, Audience.STAFF) if value else "—"


@register.filter
def iso_date(value: str) -> dt.date | str:
    """A date stored as ISO text in an event's details, as a date the `date` filter can format."""
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        return value


@register.filter
def iso_datetime(value: str) -> dt.datetime | str:
    """A moment stored as ISO text in an event's details, as an aware datetime the `date` filter shows in the
    active time zone."""
    try:
        moment = dt.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return value
    return moment if moment.tzinfo is not None else value


@register.filter
def metric_label(value: str) -> str:
    """The name of an SLA metric value, e.g. "first_response" → "First response"."""
    from picocore.contracts.models import SlaMetric

    try:
        return str(SlaMetric(value).label)
    except ValueError:
        return value or "—"


@register.filter
def milestone_label(value: str) -> str:
    """The name of a development milestone value, e.g. "ready_for_release" → "Ready for release"."""
    try:
        return str(Milestone(value).label)
    except ValueError:
        return value or "—"


@register.filter
def sla_remaining(due_at: dt.datetime | None, left: dt.timedelta | None = None) -> str:
    """ "due in 1 h 20 min" (within a day) or "due Thu 3 Dec, 10:30", "breached 35 min ago" or "breached
    Thu 3 Dec, 10:30", for a queue row; empty without a running clock. `left` is the time left in the
    clock's own time (business time for a business-hours clock, as the ticket page counts it: 1 business hour
    left on a Friday at 15:00 reads "due in 1 h" though the deadline is on Monday); without it, the wall-clock
    time until `due_at`."""
    from django.utils.translation import gettext as _

    from picocore.core.clock import now
    from picocore.sla.presenters import duration_text, moment_text, remaining_text, within_a_day

    if due_at is None:
        return ""
    moment = now()
    if due_at > moment:
        left = due_at - moment if left is None else left
        if within_a_day(left):
            return _("due in %(left)s") % {"left": remaining_text(left, due_at=due_at)}
        return _("due %(moment)s") % {"moment": moment_text(due_at)}
    left = due_at - moment
    if within_a_day(-left):
        return _("breached %(late)s ago") % {"late": duration_text(left)}
    return _("breached %(moment)s") % {"moment": moment_text(due_at)}


@register.filter
def duration(value: dt.timedelta | None) -> str:
    """A timedelta for people: "2 h 15 min"."""
    from picocore.sla.presenters import duration_text

    return "—" if value is None else duration_text(value)


@register.filter
def priority_reason(ticket: "Ticket") -> str:
    """Why the ticket has its priority, in the reader's language (plain text, e.g. for a tooltip)."""
    from picocore.catalog.priority import reason_text

    return reason_text(
        impact=ticket.impact, urgency=ticket.urgency, priority=ticket.priority, stored=ticket.priority_reason
    )


@register.filter
def priority_reason_marked(ticket: "Ticket") -> str:
    """`priority_reason` for a page, with the consultant's name and words marked as what people typed."""
    from picocore.catalog.priority import reason_text

    return reason_text(
        impact=ticket.impact,
        urgency=ticket.urgency,
        priority=ticket.priority,
        stored=ticket.priority_reason,
        marked=True,
    )


@register.filter
def queue_count(value: int) -> str | SafeString:
    """A sidebar count: the number, or "1000+" read out as "more than 1000" when it was counted only that far
    (see `picocore.tickets.queues.queue_counts`)."""
    cap = queues.COUNT_CAP
    if value <= cap:
        return str(value)
    return format_html(
        '<span aria-hidden="true">{}+</span><span class="visually-hidden">{}</span>',
        cap,
        _("more than %(count)s") % {"count": cap},
    )
