from django import template

from picocore.hours.charts import hours_text

register = template.Library()


@register.filter
def hours(minutes: int | None) -> str:
    """Minutes as hours with one decimal: 90 → "1.5 h"."""
    return hours_text(minutes or 0)


@register.filter
def clock(minutes: int | None) -> str:
    """Minutes as hours:minutes, as a timer shows them: 90 → "1:30"."""
    hours_part, rest = divmod(minutes or 0, 60)
    return f"{hours_part}:{rest:02d}"
