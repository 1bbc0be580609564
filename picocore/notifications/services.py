"""Creating notifications; each is idempotent by its key."""

from django.db import IntegrityError, transaction

from picocore.notifications.models import Notification
from picocore.tenancy.models import User
from picocore.tickets.models import Ticket


def notify(*, users: list[User], kind: str, key: str, title: str, body: str = "", ticket: Ticket | None = None) -> int:
    """Notify each user once per `key`; returns how many notifications were new."""
    created = 0
    for user in {u.pk: u for u in users}.values():
        try:
            with transaction.atomic():
                Notification.objects.create(user=user, ticket=ticket, kind=kind, key=key, title=title, body=body)
        except IntegrityError:
            continue
        created += 1
    return created
