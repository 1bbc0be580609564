from django import template

from picocore.hours.charts import hours_text

register = template.Library()


@register.filter
def hours(minutes: int | None) -> str:
    """Minutes as hours with one decimal: 90 → "1.5 h"."""
    return hours_text(minutes or 0)
