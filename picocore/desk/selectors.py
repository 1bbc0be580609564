"""What the desk reads for the person using it."""

from picocore.desk.models import DeskPreference, TimelineOrder
from picocore.tenancy.models import User


def timeline_order_of(user: User) -> str:
    """How `user` reads timelines: their saved choice, newest first by default (one query)."""
    order = DeskPreference.objects.filter(user=user).values_list("timeline_order", flat=True).first()
    return order or TimelineOrder.NEWEST_FIRST
