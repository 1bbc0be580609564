"""Reading a person's notifications: only their own, and only those they may still see."""

from functools import lru_cache
from typing import Any

from django.db import connection
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from picocore.core.errors import NotFound
from picocore.notifications.models import Notification
from picocore.notifications.permissions import visible_notifications
from picocore.tenancy.models import User
from picocore.tenancy.scope import Reach, known_reach, reach


def notification_list(*, actor: User, limit: int = 50) -> QuerySet[Notification]:
    """The actor's latest notifications (at most `limit`) with their tickets, newest first: one query."""
    return visible_notifications(actor).select_related("ticket").order_by("-created_at", "-id")[:limit]


def notification_unread_count(*, actor: User) -> int:
    """How many of the actor's notifications they may still see are unread: one query."""
    sql, params = _unread_count_sql(actor.pk, actor.staff_role, actor.is_active, reach(actor), connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return int(row[0])


@lru_cache(maxsize=1024)
def _unread_count_sql(
    actor_id: int, staff_role: str, is_active: bool, reached: Reach, vendor: str
) -> tuple[str, tuple[Any, ...]]:
    """The statement counting the unread notifications of the person with these attributes, compiled once per
    process and database and run afresh on every page. The header shows the count on every page, and building
    and compiling the tenancy conditions of `visible_notifications` cost more than counting: they read nothing of
    the person but these values, their reach (the organisations they belong to and serve, read once per request)
    among them, so a membership or team change makes a new entry."""
    actor = known_reach(User(pk=actor_id, staff_role=staff_role, is_active=is_active), reached)
    unread = visible_notifications(actor).filter(read_at__isnull=True)
    sql, params = unread.values("pk").query.sql_with_params()
    return f"SELECT COUNT(*) FROM ({sql}) unread", tuple(params)  # noqa: S608 - the ORM compiled sql, with its params apart


def notification_get(*, actor: User, notification_id: int) -> Notification:
    """One of the actor's own notifications they may still see, with its ticket; NotFound for any other (another
    person's, or one about a ticket they may no longer see): the same answer as for a missing one."""
    found = visible_notifications(actor).select_related("ticket").filter(pk=notification_id).first()
    if found is None:
        raise NotFound(_("There is no such notification."))
    return found
