"""Reading a person's notifications: only their own, and only those they may still see."""

from django.db.models import QuerySet

from picocore.notifications.models import Notification
from picocore.notifications.permissions import visible_notifications
from picocore.tenancy.models import User


def notification_list(*, actor: User, limit: int = 50) -> QuerySet[Notification]:
    """The actor's latest notifications (at most `limit`) with their tickets, newest first: one query."""
    return visible_notifications(actor).select_related("ticket").order_by("-created_at", "-id")[:limit]


def notification_unread_count(*, actor: User) -> int:
    """How many of the actor's notifications they may still see are unread: one query."""
    return visible_notifications(actor).filter(read_at__isnull=True).count()
