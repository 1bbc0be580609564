import datetime as dt

from django import template

from picocore.development.choices import Milestone
from picocore.tickets.choices import Status

register = template.Library()


@register.filter
def status_label(value: str) -> str:
    """The customer-facing name of a status value, e.g. "waiting_on_customer" → "Waiting on you"."""
    try:
        return str(Status(value).label)
    except ValueError:
        return value or "—"


@register.filter
def iso_date(value: str) -> dt.date | str:
    """A date stored as ISO text in an event's details, as a date the `date` filter can format."""
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        return value


@register.filter
def milestone_label(value: str) -> str:
    """The name of a development milestone value, e.g. "ready_for_release" → "Ready for release"."""
    try:
        return str(Milestone(value).label)
    except ValueError:
        return value or "—"
