"""Figures of the reports for people: durations to the minute, shares with one decimal."""

from decimal import ROUND_HALF_UP, Decimal

from django import template

from picocore.reports.charts import percent_text

register = template.Library()

# How a report table's column shows its raw values (`picocore.reports.presenters.Column.kind`).
COUNT, PERCENT, SECONDS, MINUTES, SCORE = "count", "percent", "seconds", "minutes", "score"


def duration_text(seconds: int | None) -> str:
    """Counted time for people, to the nearest minute: "2 h 15 min", "45 min", "3 h", "< 1 min", "—".

    Hours are not folded into days: the time is usually business time, where a "day" would be ambiguous.
    """
    if seconds is None:
        return "—"
    minutes = int((Decimal(seconds) / 60).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if minutes == 0:
        return "< 1 min" if seconds else "0 min"
    hours, minutes = divmod(minutes, 60)
    return " ".join(part for part in (f"{hours} h" if hours else "", f"{minutes} min" if minutes else "") if part)


@register.filter
def counted_time(seconds: int | None) -> str:
    return duration_text(seconds)


@register.filter
def share(value: Decimal | None) -> str:
    return percent_text(value)


def cell_text(value: object, kind: str) -> str:
    """A report table's cell for people: "—" for nothing, durations to the minute, shares with one decimal,
    scores with two."""
    if value is None:
        return "—"
    if kind == SECONDS and isinstance(value, int):
        return duration_text(value)
    if kind == MINUTES and isinstance(value, int):
        return duration_text(value * 60)
    if kind == PERCENT and isinstance(value, Decimal):
        return percent_text(value)
    if kind == SCORE and isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(value)


@register.filter
def report_cell(value: object, kind: str) -> str:
    return cell_text(value, kind)
