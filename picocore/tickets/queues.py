"""The consultants' desk reads tickets through here: queues, their counts, filters and sorting.

Everything is scoped by `picocore.tenancy.scope.staff_restrict`: consultants see the organisations their
operations teams serve, service managers and administrators all, developers none — exactly the tickets they
work on (`picocore.tickets.permissions.WORKS_ON`), whatever customer memberships they also hold.
"""

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from django.core.cache import cache
from django.db.models import IntegerField, Max, Prefetch, Q, QuerySet, Subquery, Sum
from django.utils.functional import Promise
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from picocore.core.clock import now
from picocore.core.errors import NotFound
from picocore.core.fulltext import TextQuery
from picocore.core.pagination import Page, keyset_page
from picocore.sla.selectors import business_time_left
from picocore.tenancy.choices import StaffRole, TeamKind
from picocore.tenancy.models import Team, User
from picocore.tenancy.scope import staff_restrict
from picocore.tickets.choices import OPEN_STATUSES, UNFINISHED_STATUSES, Status
from picocore.tickets.keys import parse_ticket_key
from picocore.tickets.models import Attachment, QueueTally, SavedView, Ticket, TicketEvent, TicketLink
from picocore.tickets.permissions import saved_views_q, saved_views_reachable_q
from picocore.tickets.textsearch import ticket_text_q, tickets_matching

DESK_ROLES = (StaffRole.CONSULTANT, StaffRole.SERVICE_MANAGER, StaffRole.ADMINISTRATOR)
MANAGERS = (StaffRole.SERVICE_MANAGER, StaffRole.ADMINISTRATOR)


@dataclass(frozen=True)
class Queue:
    slug: str
    title: str | Promise  # lazy: read in each consultant's language
    managers_only: bool = False


QUEUES = (
    Queue("breaching", _("Breaching soon")),
    Queue("unassigned", _("Unassigned in my teams")),
    Queue("mine", _("Mine")),
    Queue("team", _("My teams' open")),
    Queue("waiting", _("Waiting on customer")),
    Queue("resolved", _("Resolved, awaiting confirmation")),
    Queue("all", _("All open"), managers_only=True),
)

# Sort keys offered on queue pages: name → (field, descending). "remaining" lists the soonest deadline first
# and tickets without a running clock after all others.
SORTS = {
    "updated": ("updated_at", True),
    "oldest": ("updated_at", False),
    "newest": ("created_at", True),
    "priority": ("priority", False),
    "remaining": ("sla_due_at", False),
}
# "Breaching soon" has one order only: by deadline, soonest (and already breached) first.
DEADLINE_SORT = "deadline"
NULLS_LAST = frozenset({"sla_due_at"})
# How long the sidebar's counts are reused for one person before they are counted again.
COUNTS_SECONDS = 30
# Counts no tally answers count this many tickets at most; beyond, the sidebar says "more than" it.
COUNT_CAP = 1000


def sorts_for(slug: str) -> tuple[str, ...]:
    """The sort choices a queue offers, the first being its default."""
    return (DEADLINE_SORT,) if slug == "breaching" else tuple(SORTS)


def sort_for(slug: str, sort: str | None) -> str:
    """The sort a queue is shown in: the asked one if the queue offers it, else its default."""
    offered = sorts_for(slug)
    return sort if sort in offered else offered[0]


def can_use_desk(user: User) -> bool:
    return user.is_authenticated and user.is_active and user.staff_role in DESK_ROLES


def queues_for(user: User) -> tuple[Queue, ...]:
    return tuple(q for q in QUEUES if not q.managers_only or user.staff_role in MANAGERS)


def desk_tickets(*, actor: User) -> QuerySet[Ticket]:
    """Every ticket the actor may work on; none for anyone who may not use the desk."""
    if not can_use_desk(actor):
        return Ticket.objects.none()
    return staff_restrict(Ticket.objects.all(), actor)


def _my_team_ids(actor: User) -> QuerySet[Team, int]:
    return Team.objects.filter(members=actor, kind=TeamKind.OPERATIONS).values_list("id", flat=True)


def breaching_soon_q(at: dt.datetime) -> Q:
    """Open tickets with a running clock that has used its warning share or has at most the tier's "soon"
    hours left (or is breached) at `at`: `Ticket.sla_soon_at` is that moment, stored by `sla_recompute`."""
    return Q(sla_soon_at__lte=at, sla_due_at__isnull=False, status__in=OPEN_STATUSES)


def _queue_q(slug: str, actor: User, at: dt.datetime | None = None) -> Q:
    my_teams = _my_team_ids(actor)
    return {
        "unassigned": Q(team__in=my_teams, assignee__isnull=True, status__in=OPEN_STATUSES),
        "mine": Q(assignee=actor, status__in=UNFINISHED_STATUSES),
        "team": Q(team__in=my_teams, status__in=OPEN_STATUSES),
        "waiting": Q(status=Status.WAITING_ON_CUSTOMER),
        "resolved": Q(status=Status.RESOLVED),
        "all": Q(status__in=OPEN_STATUSES),
        "breaching": breaching_soon_q(at or now()),
    }[slug]


class BoundedCount(Subquery):
    """How many rows `queryset` has, counting no further than `COUNT_CAP + 1`: a count above `COUNT_CAP` means
    "more than `COUNT_CAP`" and costs no more than that many rows read."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) AS bounded)"
    output_field = IntegerField()

    def __init__(self, queryset: QuerySet[Ticket]) -> None:
        super().__init__(queryset.order_by().values("pk")[: COUNT_CAP + 1])


def _tallied(filters: "Filters") -> bool:
    """Whether the tallies keep every column the filters narrow by (organisation, status, assignee)."""
    return filters.ticket_type is None and filters.priority is None and filters.solution is None and not filters.text


def queue_counts(*, actor: User, at: dt.datetime | None = None, views: Sequence[SavedView] = ()) -> dict[str, int]:
    """How many tickets each of the actor's queues, and each of the given saved views, holds (a view under
    "view-<id>"), in one query whatever the number of tickets.

    Queues, and views narrowed only by customer, status and assignee, are exact: sums over the actor's rows of
    `QueueTally`, which grow with people and teams, not tickets. "Breaching soon" depends on the time and other
    views on columns no tally keeps: those count their tickets only up to `COUNT_CAP + 1` (along the partial
    index of "Breaching soon" for that queue), and a count above `COUNT_CAP` is shown as "more than" it (see
    `picocore.tickets.templatetags.tickets.queue_count`)."""
    at = at or now()
    queues = queues_for(actor)
    slugs = {q.slug for q in queues}
    tickets = desk_tickets(actor=actor)
    counted: dict[str, Any] = {}
    # Aliases of their own: an alias named like a field ("team") would shadow it in the conditions after it.
    for queue in queues:
        condition = _queue_q(queue.slug, actor, at)
        counted[f"queue_{queue.slug}"] = (
            Max(BoundedCount(tickets.filter(condition))) if queue.slug == "breaching" else Sum("n", filter=condition)
        )
    for view in views:
        if view.queue in slugs:
            filters = saved_view_filters(view)
            condition = _queue_q(view.queue, actor, at) & filters.q()
            tallied = view.queue != "breaching" and _tallied(filters)
            bounded = Max(BoundedCount(tickets.filter(condition)))
            counted[f"view_{view.pk}"] = Sum("n", filter=condition) if tallied else bounded
    # An actor without tally rows has no tickets at all (every ticket has one, closed ones too): the bounded
    # counts, read beside the sums, are then None like the sums, and 0.
    tallies = QueueTally.objects.none() if not can_use_desk(actor) else staff_restrict(QueueTally.objects.all(), actor)
    totals = tallies.order_by().aggregate(**counted)
    return {alias.removeprefix("queue_").replace("view_", "view-", 1): total or 0 for alias, total in totals.items()}


def sidebar_counts(*, actor: User, views: Sequence[SavedView] = ()) -> dict[str, int]:
    """`queue_counts`, reused for `COUNTS_SECONDS` per person (Django's cache): its bounded counts of "Breaching
    soon" and of views read tickets at most twice a minute per consultant, not on every page. Views are part of
    the key: a view saved, renamed or deleted is counted afresh at once."""
    shape = "|".join(f"{v.pk}:{v.updated_at.isoformat()}" for v in views)
    digest = hashlib.sha256(shape.encode()).hexdigest()[:16]
    key = f"desk-counts:v2:{actor.pk}:{actor.staff_role}:{digest}"
    counts: dict[str, int] | None = cache.get(key)
    if counts is None:
        counts = queue_counts(actor=actor, views=views)
        cache.set(key, counts, COUNTS_SECONDS)
    return counts


@dataclass(frozen=True)
class Filters:
    """What the consultant narrowed a queue to; every field optional."""

    organisation: int | None = None
    ticket_type: str | None = None
    priority: int | None = None
    status: str | None = None
    solution: int | None = None
    assignee: int | None = None
    text: str = ""

    def q(self) -> Q:
        """The filters as one condition (all of them at once)."""
        conditions: dict[str, Any] = {
            "organisation_id": self.organisation,
            "ticket_type": self.ticket_type,
            "priority": self.priority,
            "status": self.status,
            "solution_id": self.solution,
            "assignee_id": self.assignee,
        }
        condition = Q(**{k: v for k, v in conditions.items() if v not in (None, "")})
        if self.text.strip():
            condition &= ticket_text_q(TextQuery.parse(self.text), notes=True, text=self.text, within_words=True)
        return condition

    def apply(self, tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
        """The tickets the filters leave; the text found by full-text search over title, description,
        replies and notes, a typo forgiven when the exact words find none (`tickets_matching`), and the
        words or the key typed so far finding what they begin."""
        without_text = tickets.filter(replace(self, text="").q())
        found, _ = tickets_matching(without_text, self.text, notes=True, prefix_last=True)
        return found


# What a queue row shows of its ticket's related rows (not the requester: the row does not name them).
QUEUE_ROW_RELATED = ("organisation", "request_type", "team", "assignee", "solution")


def queue_page(*, actor: User, slug: str, filters: Filters, sort: str, cursor: str | None, size: int = 50) -> Page:
    """One page of a queue, filtered and sorted, by keyset: as fast on page 1,000 as on page 1, with the related
    rows a queue row shows. "Breaching soon" is always in deadline order (soonest, and already breached,
    first); an unknown sort is the queue's default."""
    if slug not in {q.slug for q in queues_for(actor)}:
        raise NotFound("There is no such queue.")
    sort = sort_for(slug, sort)
    field, descending = ("sla_due_at", False) if sort == DEADLINE_SORT else SORTS[sort]
    tickets = filters.apply(desk_tickets(actor=actor).filter(_queue_q(slug, actor)))
    return keyset_page(
        tickets,
        field=field,
        descending=descending,
        cursor=cursor,
        size=size,
        nulls_last=field in NULLS_LAST,
        related=QUEUE_ROW_RELATED,
    )


class SlaState(StrEnum):
    BREACHED = "breached"
    WARNING = "warning"
    RUNNING = "running"
    PAUSED = "paused"
    NONE = "none"


@dataclass(frozen=True)
class SlaCell:
    """What a queue row says of a ticket's clocks: its state and the next deadline (while running or
    breached), from the ticket's stored SLA columns; and, while running, the time `left` until it in the
    clock's own time: business time for a business-hours clock."""

    state: SlaState
    due_at: dt.datetime | None = None
    left: dt.timedelta | None = None


def sla_cell(ticket: Ticket, *, at: dt.datetime, business_left: dt.timedelta | None = None) -> SlaCell:
    """Breached once the next deadline has passed; warning once a running clock used its warning share or
    joined "Breaching soon"; running otherwise while a clock runs; paused when all its clocks are paused.
    `business_left` is the business time left when the next deadline is a business-hours clock's; without
    it the time left is the wall-clock time."""
    due = ticket.sla_due_at
    if due is not None:
        if due <= at:
            return SlaCell(SlaState.BREACHED, due)
        warned = [m for m in (ticket.sla_warn_at, ticket.sla_soon_at) if m is not None]
        state = SlaState.WARNING if warned and min(warned) <= at else SlaState.RUNNING
        return SlaCell(state, due, business_left if business_left is not None else due - at)
    if ticket.sla_paused and ticket.status in OPEN_STATUSES:
        return SlaCell(SlaState.PAUSED)
    return SlaCell(SlaState.NONE)


def queue_rows(tickets: Sequence[Ticket], *, at: dt.datetime) -> list[tuple[Ticket, SlaCell]]:
    """A page of tickets with what their SLA column says at `at`, the time left counted in business time where
    the clock is (as on the ticket page): a constant number of queries for the page, whatever its size (see
    `picocore.sla.selectors.business_time_left`)."""
    left = business_time_left(tickets, at=at)
    return [(ticket, sla_cell(ticket, at=at, business_left=left.get(ticket.pk))) for ticket in tickets]


def desk_ticket_get(*, actor: User, key: str, for_update: bool = False) -> Ticket:
    """The ticket with this key (any case) if the actor may work on it; NotFound otherwise (same for both, and
    for text that cannot be a key)."""
    stored_key = parse_ticket_key(key)
    if stored_key is None:
        raise NotFound("There is no ticket with that key, or it is not yours to work on.")
    ticket = (
        desk_tickets(actor=actor)
        .select_related(
            "organisation", "request_type", "requester", "team", "assignee", "solution", "environment", "merged_into"
        )
        .filter(key=stored_key)
        .first()
    )
    if ticket is None:
        raise NotFound("There is no ticket with that key, or it is not yours to work on.")
    return ticket


def desk_timeline(ticket: Ticket) -> QuerySet[TicketEvent]:
    """The whole timeline, public and internal, oldest first, with actors and files."""
    return (
        TicketEvent.objects.filter(ticket=ticket)
        .select_related("actor")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("id")))
        .order_by("created_at", "id")
    )


def other_open_tickets(*, actor: User, ticket: Ticket, limit: int = 10) -> list[Ticket]:
    """The organisation's other open tickets, most recently updated first (at most `limit`), with only what the
    ticket page lists of them: key, title, priority and status."""
    return list(
        desk_tickets(actor=actor)
        .filter(organisation_id=ticket.organisation_id, status__in=OPEN_STATUSES)
        .exclude(pk=ticket.pk)
        .only("key", "title", "priority", "status")
        .order_by("-updated_at", "-id")[:limit]
    )


def ticket_links(ticket: Ticket) -> list[TicketLink]:
    """Links from and to the ticket, with the key and title of the tickets at both ends."""
    return list(
        TicketLink.objects.filter(Q(source=ticket) | Q(target=ticket))
        .select_related("source", "target")
        .only("kind", "source", "target", "source__key", "source__title", "target__key", "target__title")
        .order_by("created_at", "id")
    )


def desk_attachment_get(*, actor: User, key: str, attachment_id: int) -> Attachment:
    """Any attachment (public or internal) of a ticket the actor may work on; NotFound otherwise."""
    stored_key = parse_ticket_key(key)
    if not can_use_desk(actor) or stored_key is None:
        raise NotFound("There is no such file.")
    attachments = staff_restrict(Attachment.objects.all(), actor)
    attachment = attachments.filter(pk=attachment_id, ticket__key=stored_key).first()
    if attachment is None:
        raise NotFound("There is no such file.")
    return attachment


def saved_views_for(actor: User) -> list[SavedView]:
    """The saved views in the actor's sidebar (their own and their teams'), by name, leaving out views of a
    queue the actor does not have (a manager's "All open" shared with consultants); none for anyone who may
    not use the desk."""
    if not can_use_desk(actor):
        return []
    slugs = [q.slug for q in queues_for(actor)]
    views = SavedView.objects.filter(saved_views_q(actor), queue__in=slugs).select_related("team")
    return list(views.order_by("name", "id"))


def shareable_teams(actor: User) -> QuerySet[Team]:
    """The teams the actor may share a saved view with: the operations teams they belong to."""
    return Team.objects.filter(members=actor, kind=TeamKind.OPERATIONS).order_by("name")


def saved_view_get(*, actor: User, view_id: int) -> SavedView:
    """One saved view the actor may open or manage; NotFound for anyone else's personal view, a view of a
    team they are not in (unless they are a service manager), and a view that does not exist alike."""
    view = (
        SavedView.objects.filter(saved_views_reachable_q(actor), pk=view_id).select_related("team").first()
        if can_use_desk(actor)
        else None
    )
    if view is None:
        raise NotFound("There is no such saved view.")
    return view


def saved_view_filters(view: SavedView) -> Filters:
    return Filters(
        organisation=view.filter_organisation,
        ticket_type=view.filter_type or None,
        priority=view.filter_priority,
        status=view.filter_status or None,
        solution=view.filter_solution,
        assignee=view.filter_assignee,
        text=view.filter_text,
    )


def saved_view_query(view: SavedView) -> str:
    """The query string of the queue page that shows the view: its filters, its sort, and the view's id."""
    filters = saved_view_filters(view)
    pairs = {
        "q": filters.text,
        "organisation": filters.organisation,
        "type": filters.ticket_type,
        "priority": filters.priority,
        "status": filters.status,
        "solution": filters.solution,
        "assignee": filters.assignee,
        "sort": view.sort,
        "view": view.pk,
    }
    return urlencode({k: v for k, v in pairs.items() if v not in (None, "")})
