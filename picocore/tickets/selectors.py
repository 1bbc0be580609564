"""Reading tickets. Every function takes the actor and scopes through `picocore.tenancy.scope`; the
number of queries each costs is fixed, whatever the number of tickets."""

import datetime as dt
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from picocore.core.errors import NotFound
from picocore.core.pagination import Page, keyset_page
from picocore.tenancy.models import Membership, Organisation, User
from picocore.tenancy.roles import Capability
from picocore.tenancy.scope import customer_restrict, reach
from picocore.tickets.choices import UNFINISHED_STATUSES, EventKind, Status
from picocore.tickets.keys import parse_ticket_key
from picocore.tickets.models import Attachment, CannedReply, RequesterTally, Ticket, TicketEvent
from picocore.tickets.permissions import canned_replies_q, canned_replies_reachable_q, may_use_canned_replies
from picocore.tickets.textsearch import tickets_matching
from picocore.tickets.timeline import StatusChanged

LIST_RELATED = ("request_type", "requester", "team", "assignee")


def portal_ticket_list(*, actor: User, organisation: Organisation, whole_organisation: bool) -> QuerySet[Ticket]:
    """The organisation's tickets the actor may see in the portal (finished ones too), newest activity first.

    With `whole_organisation` false (or when the actor may only see their own), only the actor's requests and
    those they follow (e.g. the ticket their merged duplicate lives on in).
    """
    tickets = customer_restrict(Ticket.objects.filter(organisation=organisation), actor)
    if not whole_organisation:
        tickets = tickets.filter(Q(requester=actor) | Ticket.tenancy_followed_q(actor))
    return tickets.select_related(*LIST_RELATED).order_by("-updated_at", "-id")


def portal_status_counts(*, actor: User, organisation: Organisation, whole_organisation: bool) -> dict[str, int]:
    """How many of the visible tickets are in each group the home page shows, in one query whatever their
    number: sums over the organisation's (or only the actor's) rows of `RequesterTally`, which grow with its
    people, not its tickets, plus the few tickets the actor follows without having requested them, when those are
    not already among the tallied ones — and, in the organisation's list where it shows requesters the requests
    shared with it, the shared ones of others (counted per ticket: those are the ones people chose to share)."""
    tallies = customer_restrict(RequesterTally.objects.filter(organisation=organisation), actor)
    beyond_own = Ticket.tenancy_followed_q(actor)
    reached = reach(actor)
    if whole_organisation and organisation.pk in reached.shared_of:
        beyond_own |= Q(shared=True)
    followed = customer_restrict(Ticket.objects.filter(organisation=organisation), actor).filter(beyond_own)
    followed = followed.exclude(requester=actor)
    if whole_organisation:
        # Whoever may see the whole organisation has its followed tickets among its tallies already.
        followed = followed.exclude(organisation_id__in=reached.sees_all_of)
    else:
        tallies = tallies.filter(requester=actor)
    per_tally = tallies.order_by().values_list("status").annotate(n=Sum("n"))
    per_ticket = followed.order_by().values_list("status").annotate(n=Count("id"))
    per_status: dict[str, int] = {}
    for status, n in per_tally.union(per_ticket, all=True):
        per_status[status] = per_status.get(status, 0) + n
    return {
        "open": sum(per_status.get(s, 0) for s in UNFINISHED_STATUSES),
        "waiting_on_you": per_status.get(Status.WAITING_ON_CUSTOMER, 0),
        "resolved": per_status.get(Status.RESOLVED, 0),
        "finished": per_status.get(Status.CLOSED, 0) + per_status.get(Status.CANCELLED, 0),
    }


def portal_ticket_get(*, actor: User, key: str) -> Ticket:
    """The ticket with this key (any case) if the actor may see it in the portal; NotFound otherwise (same for
    both, and for text that cannot be a key)."""
    stored_key = parse_ticket_key(key)
    if stored_key is None:
        raise NotFound("There is no request with that key, or it is not yours to see.")
    ticket = (
        customer_restrict(Ticket.objects.all(), actor)
        .select_related(
            "organisation", "request_type", "requester", "team", "assignee", "solution", "environment", "merged_into"
        )
        .filter(key=stored_key)
        .first()
    )
    if ticket is None:
        raise NotFound("There is no request with that key, or it is not yours to see.")
    return ticket


def public_timeline(ticket: Ticket) -> QuerySet[TicketEvent]:
    """The events the customer sees, oldest first, with their actors and public attachments."""
    return (
        TicketEvent.objects.filter(ticket=ticket, public=True)
        .select_related("actor")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.filter(public=True)))
        .order_by("created_at", "id")
    )


def portal_attachment_get(*, actor: User, key: str, attachment_id: int) -> Attachment:
    """A public attachment of a ticket the actor may see in the portal; NotFound otherwise."""
    stored_key = parse_ticket_key(key)
    if stored_key is None:
        raise NotFound("There is no such file.")
    attachment = (
        customer_restrict(Attachment.objects.filter(public=True), actor)
        .filter(pk=attachment_id, ticket__key=stored_key)
        .first()
    )
    if attachment is None:
        raise NotFound("There is no such file.")
    return attachment


@dataclass(frozen=True)
class PortalFilters:
    """What a customer narrowed their list of requests to; every field optional. `statuses` None is every
    status; `requester` is applied only as given (the caller checks it names a person of the organisation)."""

    statuses: tuple[str, ...] | None = None
    ticket_type: str | None = None
    requester: int | None = None
    created_from: dt.date | None = None
    created_to: dt.date | None = None
    text: str = ""

    def apply(self, tickets: QuerySet[Ticket], *, time_zone: zoneinfo.ZoneInfo) -> QuerySet[Ticket]:
        if self.statuses is not None:
            tickets = tickets.filter(status__in=self.statuses)
        if self.ticket_type:
            tickets = tickets.filter(ticket_type=self.ticket_type)
        if self.requester is not None:
            tickets = tickets.filter(requester_id=self.requester)
        # Dates are the organisation's calendar days: "created on 3 March" means in its time zone.
        if self.created_from is not None:
            tickets = tickets.filter(created_at__gte=_start_of(self.created_from, time_zone))
        if self.created_to is not None and self.created_to < dt.date.max:
            tickets = tickets.filter(created_at__lt=_start_of(self.created_to + dt.timedelta(days=1), time_zone))
        # Public words only: a customer's search never reads a note.
        found, _ = tickets_matching(tickets, self.text, notes=False, prefix_last=True)
        return found


def _start_of(day: dt.date, time_zone: zoneinfo.ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=time_zone)


def portal_request_page(
    *,
    actor: User,
    organisation: Organisation,
    whole_organisation: bool,
    filters: PortalFilters,
    cursor: str | None,
    size: int = 25,
) -> Page:
    """One page of every request of the organisation the actor may see (finished ones too), filtered, newest
    activity first, by keyset: no count and no offset, so page 40 costs what page 1 does."""
    tickets = portal_ticket_list(actor=actor, organisation=organisation, whole_organisation=whole_organisation)
    tickets = filters.apply(tickets, time_zone=zoneinfo.ZoneInfo(organisation.time_zone))
    return keyset_page(tickets, field="updated_at", descending=True, cursor=cursor, size=size)


def portal_requesters(*, membership: Membership) -> list[User]:
    """The people of the membership's organisation its holder may filter requests by: all of them for who sees
    every request by their role (a customer admin, a viewer), nobody for anyone else."""
    if not membership.may(Capability.FILTER_BY_REQUESTER):
        return []
    return list(
        User.objects.filter(memberships__organisation_id=membership.organisation_id).order_by("full_name", "id")
    )


def customer_prompt(ticket: Ticket, events: Iterable[TicketEvent]) -> TicketEvent | None:
    """What the top of the customer's request page repeats, picked from its public timeline (no query):
    while it waits on the customer, the question the team asked (its latest public reply, or the note it
    moved the ticket to waiting with); once resolved or closed, the resolution note. None otherwise, and
    when the team wrote nothing."""
    waiting = ticket.status == Status.WAITING_ON_CUSTOMER
    if not waiting and ticket.status not in (Status.RESOLVED, Status.CLOSED):
        return None
    for event in reversed(list(events)):
        if not (event.public and event.body.strip() and event.actor is not None and event.actor.is_service_staff):
            continue
        if waiting and event.kind in (EventKind.PUBLIC_REPLY, EventKind.STATUS_CHANGED):
            return event
        if not waiting and isinstance(event.entry, StatusChanged) and event.entry.after == Status.RESOLVED:
            return event
    return None


def canned_replies_offered(actor: User) -> list[CannedReply]:
    """The active canned replies the actor may use on a ticket (their own, their teams', everyone's), by name:
    one query, whatever their number."""
    if not may_use_canned_replies(actor):
        return []
    return list(CannedReply.objects.filter(canned_replies_q(actor), active=True).order_by("name", "id"))


def canned_replies_managed(actor: User) -> list[CannedReply]:
    """The canned replies the actor may open to manage (active or not), personal ones first, then by name."""
    if not may_use_canned_replies(actor):
        return []
    replies = CannedReply.objects.filter(canned_replies_reachable_q(actor)).select_related("team")
    return sorted(replies, key=lambda reply: (not reply.personal, reply.name.casefold(), reply.pk))


def canned_reply_get(*, actor: User, reply_id: int) -> CannedReply:
    """One canned reply the actor may manage; NotFound for a missing one and for another person's alike."""
    if may_use_canned_replies(actor):
        replies = CannedReply.objects.filter(canned_replies_reachable_q(actor), pk=reply_id)
        reply = replies.select_related("team").first()
        if reply is not None:
            return reply
    raise NotFound(_("There is no such canned reply among yours."))
