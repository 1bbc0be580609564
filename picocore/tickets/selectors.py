"""Reading tickets. Every function takes the actor and scopes through `picocore.tenancy.scope`; the
number of queries each costs is fixed, whatever the number of tickets."""

from django.db.models import Count, Prefetch, Q, QuerySet

from picocore.core.errors import NotFound
from picocore.tenancy.models import Organisation, User
from picocore.tenancy.scope import customer_restrict
from picocore.tickets.choices import UNFINISHED_STATUSES, Status
from picocore.tickets.keys import parse_ticket_key
from picocore.tickets.models import Attachment, Ticket, TicketEvent

LIST_RELATED = ("request_type", "requester", "team", "assignee")


def portal_ticket_list(
    *, actor: User, organisation: Organisation, whole_organisation: bool, unfinished_only: bool = True
) -> QuerySet[Ticket]:
    """The organisation's tickets the actor may see in the portal, newest activity first.

    With `whole_organisation` false (or when the actor may only see their own), only the actor's requests and
    those they follow (e.g. the ticket their merged duplicate lives on in).
    """
    tickets = customer_restrict(Ticket.objects.filter(organisation=organisation), actor)
    if not whole_organisation:
        tickets = tickets.filter(Q(requester=actor) | Ticket.tenancy_followed_q(actor))
    if unfinished_only:
        tickets = tickets.filter(status__in=UNFINISHED_STATUSES)
    return tickets.select_related(*LIST_RELATED).order_by("-updated_at", "-id")


def portal_status_counts(*, actor: User, organisation: Organisation, whole_organisation: bool) -> dict[str, int]:
    """How many of the visible tickets are in each group the home page shows, in one query."""
    tickets = portal_ticket_list(
        actor=actor, organisation=organisation, whole_organisation=whole_organisation, unfinished_only=False
    )
    # Grouping by status lets the database count along the (organisation, status) index instead of testing
    # every row against four filters.
    per_status = dict(tickets.select_related(None).order_by().values_list("status").annotate(n=Count("id")))
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
