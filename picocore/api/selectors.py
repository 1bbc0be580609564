"""What the API reads: the pages' own selectors, chosen by who is asking. The service team reads a ticket as the
desk does (internal notes included); a customer as the portal does (public entries only). Both are scoped by
the tickets' permission policy, so another organisation's ticket is NotFound and absent from every list."""

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from picocore.changes.calendar import customer_change_get, customer_changes
from picocore.changes.models import Change
from picocore.changes.selectors import change_get, change_rows
from picocore.cmdb.models import Component
from picocore.cmdb.selectors import component_get, component_rows
from picocore.core.errors import NotFound
from picocore.knowledge.models import Article
from picocore.knowledge.selectors import ArticleFilters, article_by_ref, customer_article_rows, desk_article_rows
from picocore.problems.models import Problem
from picocore.problems.selectors import (
    KnownIssue,
    ProblemFilters,
    customer_known_issue_get,
    customer_known_issue_rows,
    problem_row_get,
    problem_rows,
)
from picocore.tenancy.models import Membership, Organisation, User
from picocore.tenancy.scope import reach, served_organisations
from picocore.tickets.models import Attachment, Ticket, TicketEvent
from picocore.tickets.permissions import may_file_in, visible_tickets
from picocore.tickets.queues import Filters, can_use_desk, desk_ticket_get, desk_tickets, desk_timeline
from picocore.tickets.selectors import portal_attachment_get, portal_ticket_get, public_timeline
from picocore.tickets.textsearch import tickets_matching

# What a ticket in the API names of its related rows, read in the list's own query.
TICKET_RELATED = (
    "organisation",
    "request_type",
    "requester",
    "team",
    "assignee",
    "solution",
    "environment",
    "component",
)


def works_as_staff(actor: User) -> bool:
    """The actor reads and works tickets as the desk does."""
    return can_use_desk(actor)


def api_tickets(*, actor: User, filters: Filters) -> QuerySet[Ticket]:
    """The tickets the actor may see, narrowed by the desk's filters; the text searches internal notes only for
    the service team."""
    staff = works_as_staff(actor)
    tickets = desk_tickets(actor=actor) if staff else visible_tickets(actor)
    text = filters.text
    narrowed = tickets.filter(Filters(**{**filters.__dict__, "text": ""}).q())
    found, _loose = tickets_matching(narrowed, text, notes=staff, prefix_last=False)
    return found


def api_ticket_get(*, actor: User, key: str) -> Ticket:
    """One ticket the actor may see, by key; NotFound for any other (the same answer as for a missing one)."""
    if works_as_staff(actor):
        return desk_ticket_get(actor=actor, key=key)
    return portal_ticket_get(actor=actor, key=key)


def api_timeline(*, actor: User, ticket: Ticket) -> QuerySet[TicketEvent]:
    """The ticket's timeline as the actor may read it, oldest first (internal notes only for the team)."""
    return desk_timeline(ticket) if works_as_staff(actor) else public_timeline(ticket)


def api_attachment_get(*, actor: User, key: str, attachment_id: int) -> Attachment:
    """One attachment of a ticket the actor may see (internal ones only for the team); NotFound otherwise."""
    if not works_as_staff(actor):
        return portal_attachment_get(actor=actor, key=key, attachment_id=attachment_id)
    ticket = desk_ticket_get(actor=actor, key=key)
    attachment = Attachment.objects.filter(ticket=ticket, pk=attachment_id).first()
    if attachment is None:
        raise NotFound(_("There is no such file."))
    return attachment


def api_organisations(*, actor: User) -> QuerySet[Organisation]:
    """The organisations the actor serves (staff) or belongs to (customers); none for anyone else."""
    if not (actor.is_authenticated and actor.is_active):
        return Organisation.objects.none()
    if actor.staff_role:
        return served_organisations(actor).order_by("name", "id")
    member_of = sorted(reach(actor).member_of)
    return Organisation.objects.filter(pk__in=member_of).order_by("name", "id")


def api_organisation_get(*, actor: User, slug: str) -> Organisation:
    organisation = api_organisations(actor=actor).filter(slug=slug).first()
    if organisation is None:
        raise NotFound(_("No such organisation."))
    return organisation


def api_filing_target(*, actor: User, slug: str, requester_email: str) -> tuple[Organisation, User, Membership]:
    """Where the actor may file: the organisation by slug, the requester (the actor, or for the service team the
    member named by e-mail) and the requester's membership. NotFound for an organisation the actor cannot file in
    and for a requester who is not one of its members: nothing about other organisations is told."""
    organisation = Organisation.objects.filter(slug=slug).first()
    if organisation is None:
        raise NotFound(_("No such organisation."))
    requester = actor
    if requester_email:
        found = User.objects.filter(email__iexact=requester_email.strip()).first()
        requester = found if found is not None else actor
        if found is None or not may_file_in(actor, organisation, requester=found):
            raise NotFound(_("No such requester in this organisation."))
    membership = Membership.objects.filter(user=requester, organisation=organisation).first()
    if membership is None or not may_file_in(actor, organisation, requester=requester, membership=membership):
        raise NotFound(_("No such organisation."))
    return organisation, requester, membership


# The landscape and changes: the desk's reading for the service team, the portal's for customers.


def api_components(*, actor: User, organisation_id: int | None = None) -> QuerySet[Component]:
    """The components the actor may see: of the organisations they serve (staff) or belong to (customers)."""
    return component_rows(actor=actor, organisation_id=organisation_id, as_customer=not works_as_staff(actor))


def api_component_get(*, actor: User, component_id: int) -> Component:
    """One component the actor may see; NotFound for any other (the same answer as for a missing one)."""
    return component_get(actor=actor, component_id=component_id, as_customer=not works_as_staff(actor))


def api_changes(*, actor: User, organisation_id: int | None, status: str | None) -> QuerySet[Change]:
    """The changes the actor may see: the desk's for the service team; for customers the portal's (no drafts)."""
    if works_as_staff(actor):
        return change_rows(actor=actor, organisation=organisation_id, status=status)
    changes = customer_changes(actor=actor)
    if organisation_id is not None:
        changes = changes.filter(organisation_id=organisation_id)
    return changes.filter(status=status) if status else changes


def api_change_get(*, actor: User, change_id: int) -> Change:
    """One change the actor may see, as the desk or the portal shows it; NotFound for any other."""
    if works_as_staff(actor):
        return change_get(actor=actor, change_id=change_id)
    return customer_change_get(actor=actor, change_id=change_id)


# Problems and knowledge: problems are the service team's; customers read the known issues and the articles the
# portal shows them.


def api_problems(*, actor: User, filters: ProblemFilters) -> QuerySet[Problem]:
    """The problems the actor may see as the desk's list reads them; none for customers and developers."""
    return problem_rows(actor=actor, filters=filters)


def api_known_issues(*, actor: User) -> QuerySet[Problem]:
    """The problems whose known issue the actor reads in the portal; none for the service team (which reads the
    problems themselves)."""
    return Problem.objects.none() if works_as_staff(actor) else customer_known_issue_rows(actor=actor)


def api_articles(*, actor: User) -> QuerySet[Article]:
    """The articles the actor reads: on the desk for the service team, in the portal for customers; none for
    developers."""
    if works_as_staff(actor):
        return desk_article_rows(actor=actor, filters=ArticleFilters())
    return customer_article_rows(actor=actor)


def api_article_get(*, actor: User, ref: str) -> Article:
    """One article the actor reads, by id or address; NotFound for any other (the same as for a missing one)."""
    return article_by_ref(api_articles(actor=actor), ref)


def api_article_organisations(*, actor: User) -> frozenset[int] | None:
    """Which of an article's chosen organisations the actor may be told of: all for the service team (it reads
    only articles for organisations it serves), a customer's own organisations only."""
    return None if works_as_staff(actor) else reach(actor).member_of


def api_problem_get(*, actor: User, problem_id: int) -> Problem:
    """One problem the actor may see, with its counts; NotFound for any other (the same as for a missing one)."""
    return problem_row_get(actor=actor, problem_id=problem_id)


def api_known_issue_get(*, actor: User, issue_id: int) -> KnownIssue:
    """One known issue shown to an organisation the actor belongs to; NotFound for any other."""
    if works_as_staff(actor):
        raise NotFound(_("There is no such known issue, or it is not shown to your organisation."))
    return customer_known_issue_get(actor=actor, pk=issue_id)
