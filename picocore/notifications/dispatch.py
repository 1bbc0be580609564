"""Who hears about a timeline event, and as what kind of notification.

Each entry class of `picocore.tickets.timeline` says who hears of it (`notices`); this module turns that into
people and writes the notifications. Customers hear what the service team tells them (replies, status, next
step, priority, development milestones, resolution) and get a receipt for every new request; the team hears
what customers do (new requests, replies, reopenings); developers hear of work handed to them. Nobody is
notified of their own action except by the receipt of their own request, and internal events never reach a
customer.
"""

import zoneinfo

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.functional import Promise, lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from picocore.contracts.models import SlaMetric
from picocore.core.text import lazy_percent
from picocore.notifications.models import EventFanOut
from picocore.notifications.models import NotificationKind as Kind
from picocore.notifications.services import notify
from picocore.sla.clocks import describe_target
from picocore.sla.models import SlaClock
from picocore.sla.presenters import moment_text
from picocore.tenancy.choices import StaffRole
from picocore.tenancy.models import User
from picocore.tickets.models import Ticket, TicketEvent
from picocore.tickets.timeline import DevelopmentMilestone, Who

CUSTOMER_SIDE = frozenset({Who.CUSTOMERS, Who.REQUESTER})


def _customers(ticket: Ticket) -> list[User]:
    return [ticket.requester, *(w.user for w in ticket.watchers.select_related("user"))]


def _team(ticket: Ticket) -> list[User]:
    if ticket.assignee is not None:
        return [ticket.assignee]
    if ticket.team is not None:
        return list(ticket.team.members.filter(staff_role__in=(StaffRole.CONSULTANT, StaffRole.SERVICE_MANAGER)))
    return []


def _developers(entry: DevelopmentMilestone) -> list[User]:
    from picocore.development.models import DevelopmentItem

    if entry.item is None:
        return []
    item = DevelopmentItem.objects.select_related("team").filter(pk=entry.item).first()
    return list(item.team.members.all()) if item is not None else []


def _people(who: Who, event: TicketEvent) -> list[User]:
    ticket, entry = event.ticket, event.entry
    if who == Who.REQUESTER:
        return [ticket.requester]
    if who == Who.CUSTOMERS:
        return _customers(ticket)
    if who == Who.TEAM:
        return _team(ticket)
    return _developers(entry) if isinstance(entry, DevelopmentMilestone) else []


def _titled(title: object, ticket_title: str) -> str:
    return str(title).replace("%(title)s", ticket_title)


# Lazy, so that each recipient reads the title in their own language when it is written for them.
_lazy_titled = lazy(_titled, str)


def plan(event: TicketEvent) -> list[tuple[list[User], Kind, str | Promise]]:
    """(recipients, kind, title) for one event, as its entry's notices say; empty when nobody needs to hear of
    it. An internal event reaches no customer, whatever its class says."""
    by_staff = event.actor is None or event.actor.is_service_staff
    steps: list[tuple[list[User], Kind, str | Promise]] = []
    for notice in event.entry.notices(by_staff=by_staff):
        if notice.who in CUSTOMER_SIDE and not event.public:
            continue
        title = _lazy_titled(notice.title, event.ticket.title)
        steps.append((_people(notice.who, event), Kind(notice.kind), title))
    return steps


def _first_response(ticket: Ticket) -> SlaClock | None:
    return SlaClock.objects.filter(ticket=ticket, metric=SlaMetric.FIRST_RESPONSE).first()


def _receipt(ticket: Ticket, clock: SlaClock | None) -> str:
    zone = zoneinfo.ZoneInfo(ticket.organisation.time_zone)
    lines = [_("Your request %(key)s has reached us.") % {"key": ticket.key}]
    if ticket.next_step:
        lines.append(_("What happens next: %(step)s") % {"step": ticket.next_step})
    elif ticket.team is not None:
        lines.append(
            _("What happens next: %(team)s looks at it and answers you here and by e-mail.") % {"team": ticket.team}
        )
    else:
        lines.append(_("What happens next: our service desk looks at it and answers you here and by e-mail."))
    if clock is not None and clock.due_at is not None:
        target = describe_target(clock.target_seconds, business=clock.clock == "business")
        lines.append(
            _("Our promise: a first response by %(moment)s (within %(target)s, priority P%(priority)s).")
            % {"moment": moment_text(clock.due_at, zone), "target": target, "priority": ticket.priority}
        )
    else:
        lines.append(_("Our promise: we answer as soon as we can."))
    return "\n".join(lines)


# Lazy, so that each recipient reads the text in their own language when it is written for them (`notify`):
# the data is read once, here; only the words are chosen per recipient.
_lazy_receipt = lazy(_receipt, str)


def receipt_text(ticket: Ticket) -> str:
    """The receipt of a new request: its key, what happens next and what we promise (the first-response clock
    as just computed), in the customer organisation's time zone, in the active language."""
    return _receipt(ticket, _first_response(ticket))


def _details(event: TicketEvent, kind: Kind) -> tuple[str | Promise, str]:
    """The notification's text (lazy where it is ours, to be read in each recipient's language) and, when it is
    not the ticket's page, its link."""
    entry = event.entry
    if kind == Kind.HAND_OFF and isinstance(entry, DevelopmentMilestone):
        # Developers cannot open the ticket; they open the item, and read its brief.
        from picocore.development.models import DevelopmentItem

        item = DevelopmentItem.objects.only("brief").filter(pk=entry.item).first() if entry.item else None
        if item is None:
            return "", ""
        return item.brief, reverse("desk:development_item", kwargs={"item_id": item.pk})
    if kind == Kind.RECEIVED:
        return _lazy_receipt(event.ticket, _first_response(event.ticket)), ""
    if kind == Kind.DEVELOPMENT and isinstance(entry, DevelopmentMilestone):
        milestone = lazy(lambda: entry.milestone_label, str)()
        return lazy_percent(
            gettext_lazy("Development work on your request: %(milestone)s."), {"milestone": milestone}
        ), ""
    if kind == Kind.PRIORITY:
        return lazy_percent(gettext_lazy("Reason: %(reason)s"), {"reason": event.body}) if event.body else "", ""
    return event.body, ""


def dispatch_event(event: TicketEvent) -> int:
    """Notify everyone who should hear of `event`, in the current transaction; returns how many were notified.
    Each notification is keyed by the event (the receipt by the ticket), so a retry never notifies twice."""
    notified = 0
    for recipients, kind, title in plan(event):
        if kind == Kind.RECEIVED:
            others, key = [u for u in recipients if u is not None], f"receipt:{event.ticket_id}"
        else:
            others, key = [u for u in recipients if u is not None and u.pk != event.actor_id], f"event:{event.pk}"
        if not others:
            continue
        body, link = _details(event, kind)
        notified += notify(
            users=others, kind=kind, key=key, title=title, body=body, ticket=event.ticket, event=event, link=link
        )
    return notified


def dispatch_later(event: TicketEvent) -> None:
    """Queue the fan-out of `event` (`event_fan_out`) as a task row written in the current transaction: it
    commits with the event or not at all, so a crash can neither lose the notifications nor send them for a
    change that rolled back. The caller's request then writes one row instead of every recipient's."""
    from picocore.notifications.tasks import fan_out_event  # the task module imports this one

    fan_out_event.enqueue(event.pk)


def event_fan_out(*, event_id: int) -> int:
    """Notify everyone who should hear of the event (as `dispatch_event`, with the recipients, their
    permissions and languages as they are now), once: the event's `EventFanOut` mark is written in the same
    transaction as the notifications and e-mails, so a second run, a parallel one (it waits for the first to
    commit) or a retry after a failure midway (the whole run rolled back) writes nothing twice and misses
    nobody. Returns how many people were notified; 0 when it was done before or the event no longer exists.
    The SLA sweep and any other writer of events may call it for an event they recorded."""
    event = (
        TicketEvent.objects.select_related(
            "actor", "ticket__organisation", "ticket__requester", "ticket__team", "ticket__assignee"
        )
        .filter(pk=event_id)
        .first()
    )
    if event is None:
        return 0
    with transaction.atomic():
        try:
            with transaction.atomic():  # a savepoint: the conflict of a run that came first is only ours to skip
                EventFanOut.objects.create(event_id=event_id)
        except IntegrityError:
            return 0
        return dispatch_event(event)
