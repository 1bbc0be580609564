"""Who hears about a timeline event, and as what kind of notification.

Customers hear what the service team tells them (replies, status, next step, resolution); the team hears
what customers do (new requests, replies, reopenings); developers hear of work handed to them. Nobody is
notified of their own action, and internal events never reach a customer.
"""

from django.urls import reverse

from picocore.notifications.models import NotificationKind as Kind
from picocore.notifications.services import notify
from picocore.tenancy.choices import StaffRole
from picocore.tenancy.models import User
from picocore.tickets.choices import Audience, EventKind, Status, status_label
from picocore.tickets.models import Ticket, TicketEvent


def _customers(ticket: Ticket) -> list[User]:
    return [ticket.requester, *(w.user for w in ticket.watchers.select_related("user"))]


def _team(ticket: Ticket) -> list[User]:
    if ticket.assignee is not None:
        return [ticket.assignee]
    if ticket.team is not None:
        return list(ticket.team.members.filter(staff_role__in=(StaffRole.CONSULTANT, StaffRole.SERVICE_MANAGER)))
    return []


def plan(event: TicketEvent) -> list[tuple[list[User], Kind, str]]:
    """(recipients, kind, title) for one event; empty when nobody needs to hear of it."""
    ticket, actor = event.ticket, event.actor
    by_staff = actor is None or actor.is_service_staff
    title = ticket.title
    if event.kind == EventKind.CREATED:
        steps = [(_team(ticket), Kind.NEW_TICKET, f"New request: {title}")]
        if by_staff:
            steps.append((_customers(ticket), Kind.RECEIVED, f"We have logged your request: {title}"))
        return steps
    if not event.public:
        return []
    if event.kind in (EventKind.PUBLIC_REPLY, EventKind.ATTACHMENT_ADDED):
        if by_staff:
            return [(_customers(ticket), Kind.REPLY, f"Re: {title}")]
        return [(_team(ticket), Kind.CUSTOMER_REPLY, f"Customer replied: {title}")]
    if event.kind == EventKind.STATUS_CHANGED:
        after = event.data.get("after")
        if not by_staff:
            return [(_team(ticket), Kind.STATUS, f"{status_label(after, Audience.STAFF)}: {title}")]
        if after == Status.RESOLVED:
            return [(_customers(ticket), Kind.RESOLVED, f"Resolved: {title}")]
        return [(_customers(ticket), Kind.STATUS, f"{Status(after).label}: {title}")]
    if (
        event.kind == EventKind.FIELD_CHANGED
        and event.data.get("field") == "next_step"
        and event.data["after"]["next_step"]
        and not event.data.get("with_status")  # the status change's own notice says it
    ):
        return [(_customers(ticket), Kind.NEXT_STEP, f"Next step: {title}")]
    if event.kind == EventKind.DEVELOPMENT and event.data.get("before") is None:
        from picocore.development.models import DevelopmentItem

        item = DevelopmentItem.objects.select_related("team").get(pk=event.data["item"])
        return [(list(item.team.members.all()), Kind.HAND_OFF, f"Handed to {item.team.name}: {title}")]
    return []


def _hand_off_details(event: TicketEvent) -> tuple[str, str]:
    """The brief and the development item's page: developers cannot open the ticket, they open the item."""
    from picocore.development.models import DevelopmentItem

    item = DevelopmentItem.objects.only("brief").get(pk=event.data["item"])
    return item.brief, reverse("desk:development_item", kwargs={"item_id": item.pk})


def dispatch_event(event: TicketEvent) -> None:
    """Notify everyone who should hear of `event`, in the current transaction."""
    for recipients, kind, title in plan(event):
        others = [u for u in recipients if u is not None and u.pk != event.actor_id]
        body, link = _hand_off_details(event) if kind == Kind.HAND_OFF else (event.body, "")
        notify(
            users=others,
            kind=kind,
            key=f"event:{event.pk}",
            title=title,
            body=body,
            ticket=event.ticket,
            event=event,
            link=link,
        )
