"""Creating notifications: in the app and/or by e-mail through the outbox, as each person prefers.

Everything here runs inside the caller's transaction: a change that rolls back notifies nobody. Each
notification is unique per (person, key), so an event processed twice notifies once.
"""

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise

from picocore.core.clock import now
from picocore.core.models import max_length_of
from picocore.core.text import one_line, truncate, without_nul
from picocore.notifications.models import (
    Channel,
    Notification,
    NotificationKind,
    NotificationPreference,
    default_channel,
)
from picocore.notifications.permissions import audience, visible_notifications
from picocore.outbox.models import OutboxEmail
from picocore.outbox.services import OutgoingEmail, outbox_emails_add
from picocore.tenancy.models import User
from picocore.tickets.models import Ticket, TicketEvent

TITLE_MAX_LENGTH = max_length_of(Notification, "title")
SUBJECT_MAX_LENGTH = max_length_of(OutboxEmail, "subject")


def channels_for(users: list[User], kind: str) -> dict[int, str]:
    """Each user's chosen channel for `kind` (the kind's default when they chose nothing), in one query."""
    chosen = dict(NotificationPreference.objects.filter(user__in=users, kind=kind).values_list("user_id", "channel"))
    return {user.pk: chosen.get(user.pk, default_channel(kind)) for user in users}


def ticket_link(ticket: Ticket, user: User) -> str:
    name = "desk:ticket" if user.is_service_staff else "portal:request"
    return settings.PICOCORE_BASE_URL.rstrip("/") + reverse(name, kwargs={"key": ticket.key})


def _rating_links(user: User, kind: str, ticket: Ticket | None, event: TicketEvent | None) -> list[tuple[int, str]]:
    """The one-click rating links (score, link) a resolution e-mail offers its requester; none to anyone else."""
    if kind != NotificationKind.RESOLVED or ticket is None or event is None or ticket.requester_id != user.pk:
        return []
    from picocore.satisfaction.links import rating_url
    from picocore.satisfaction.services import rating_scale

    # The scale of the tier in force at the resolution: 1–3 or 1–5, the best score first.
    return [(score, rating_url(resolution_id=event.pk, requester_id=user.pk, score=score))
            for score in range(rating_scale(ticket, event.created_at), 0, -1)]  # fmt: skip


def _email(
    user: User, kind: str, title: str, body: str, ticket: Ticket | None, event: TicketEvent | None, link: str
) -> OutgoingEmail:
    if link:
        link = settings.PICOCORE_BASE_URL.rstrip("/") + link
    elif ticket:
        link = ticket_link(ticket, user)
    else:
        link = settings.PICOCORE_BASE_URL
    context = {
        "user": user,
        "kind": kind,
        "title": title,
        "body": body,
        "ticket": ticket,
        "event": event,
        "link": link,
        "rating_links": _rating_links(user, kind, ticket, event),
    }
    with translation.override(user.email_language):
        return OutgoingEmail(
            to=user,
            kind=kind,
            subject=truncate(one_line(f"[{ticket.key}] {title}" if ticket else title), SUBJECT_MAX_LENGTH),
            body_text=render_to_string("notifications/email.txt", context),
            body_html=render_to_string("notifications/email.html", context),
        )


def notify(
    *,
    users: list[User],
    kind: str,
    key: str,
    title: str | Promise,
    body: str | Promise = "",
    ticket: Ticket | None = None,
    event: TicketEvent | None = None,
    link: str = "",
) -> int:
    """Notify each active user once per `key` on their chosen channels; returns how many were new. The
    title is put on one line and cut to fit (it is also the e-mail's subject), whatever it was built from.
    `link` is the path of the page to open when it is not the ticket's page (in the app and in the e-mail).

    Only people who may hear of the ticket now are notified (`picocore.notifications.permissions`): someone
    who left its organisation or its team gets nothing, whoever passed them in.

    A fixed number of queries whatever the number of recipients: who may hear of the ticket, preferences,
    already-notified, one bulk insert of notifications, and the outbox's bulk write.
    """
    users = [u for u in {u.pk: u for u in users if u is not None and u.is_active}.values()]
    if ticket is not None:
        users = audience(users, ticket=ticket, kind=kind)
    if not users:
        return 0
    notified = set(Notification.objects.filter(user__in=users, key=key).values_list("user_id", flat=True))
    users = [u for u in users if u.pk not in notified]
    if not users:
        return 0
    channels = channels_for(users, kind)
    moment = now()
    # Each person reads the title and body (lazy translations from the caller) and the e-mail in their own
    # language.
    # Titles are built from other texts (a ticket's title, a team's name): they are made to fit here, once,
    # for every caller, and kept on one line because they become e-mail subjects.
    titles, bodies = {}, {}
    for user in users:
        with translation.override(user.email_language):
            titles[user.pk] = truncate(one_line(str(title)), TITLE_MAX_LENGTH)
            bodies[user.pk] = without_nul(str(body))
    # ignore_conflicts: a concurrent run that notified someone in between wins; nobody is notified twice.
    Notification.objects.bulk_create(
        [
            Notification(
                user=user,
                ticket=ticket,
                kind=kind,
                key=key,
                title=titles[user.pk],
                body=bodies[user.pk],
                link=link,
                created_at=moment,
                read_at=moment if channels[user.pk] == Channel.EMAIL else None,  # e-mail only: nothing waits here
            )
            for user in users
        ],
        ignore_conflicts=True,
    )
    emails = [
        _email(user, kind, titles[user.pk], bodies[user.pk], ticket, event, link)
        for user in users
        if channels[user.pk] in (Channel.EMAIL, Channel.BOTH)
    ]
    if emails:
        reply_to = ""
        if ticket is not None:
            from picocore.mail.addresses import reply_address_for

            reply_to = reply_address_for(ticket)
        outbox_emails_add(emails=emails, ticket=ticket, reply_to=reply_to)
    return len(users)


@transaction.atomic
def notification_preferences_set(*, actor: User, choices: dict[str, str]) -> None:
    """Store the person's channel per kind (only for valid kinds and channels)."""
    for kind, channel in choices.items():
        if kind in NotificationKind.values and channel in Channel.values:
            NotificationPreference.objects.update_or_create(user=actor, kind=kind, defaults={"channel": channel})


def notifications_mark_read(*, actor: User, notification_ids: list[int] | None = None) -> int:
    """Mark the person's notifications read (all unread ones they may still see when no ids are given);
    returns how many."""
    unread = visible_notifications(actor).filter(read_at__isnull=True)
    if notification_ids is not None:
        unread = unread.filter(pk__in=notification_ids)
    return unread.update(read_at=now())
