"""A review's stored values for people: the label of a metric, ticket type, status, milestone or ageing
bucket, in the language of the page (an unknown value shows as it is stored); and the reports' notes on how
each figure is counted."""

from decimal import Decimal, InvalidOperation

from django import template
from django.db import models

from picocore.catalog.choices import TicketType
from picocore.contracts.models import SlaMetric
from picocore.development.choices import Milestone
from picocore.reports import presenters
from picocore.reports.charts import percent_text
from picocore.tickets.choices import Audience, status_label

register = template.Library()


def _label(choices: type[models.TextChoices], value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


@register.filter
def metric_label(value: str) -> str:
    return _label(SlaMetric, value)


@register.filter
def type_label(value: str) -> str:
    return _label(TicketType, value)


@register.filter
def milestone_label(value: str) -> str:
    return _label(Milestone, value)


@register.filter
def customer_status(value: str) -> str:
    return status_label(value, Audience.CUSTOMER)


@register.filter
def stored_share(value: str | None) -> str:
    """A stored percentage ("97.50") as the reports show shares: "97.5 %"."""
    if value is None:
        return "—"
    try:
        return percent_text(Decimal(value))
    except InvalidOperation:
        return value


@register.filter
def bucket_name(bucket: object) -> str:
    """A stored ageing bucket (`first`, `last`) named as the backlog report names it: "2–5 days"."""
    return presenters.bucket_name((getattr(bucket, "first", 0), getattr(bucket, "last", None)))


@register.simple_tag
def review_notes() -> dict[str, tuple]:
    """How each of the review's figures is counted, in the reports' words (those about a report's own filters,
    tier and team, left out: a review counts one contract)."""
    return {
        "responsiveness": (presenters.MTTA_NOTE, presenters.MTTR_NOTE, presenters.BUSINESS_TIME_NOTE),
        "backlog": (presenters.BACKLOG_OPEN_NOTE, presenters.BUSINESS_DAYS_NOTE),
        "reopens": presenters.REOPEN_NOTES,
        "volume": (presenters.VOLUME_COUNTED_NOTE, presenters.VOLUME_CURRENT_NOTE),
        "satisfaction": (presenters.OFFERED_NOTE, presenters.RATINGS_NOTE),
    }
