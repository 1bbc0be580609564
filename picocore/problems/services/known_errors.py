"""A known error reaching the customers: its workaround posted to every linked open incident (once each), its
known issue shown to the affected customers, and — once the fixing change is done — its incidents resolved.

Guarantees:
- `problem_publish_workaround` posts one public reply on each linked open incident that has not had this
  problem's workaround yet, through the tickets' own `ticket_reply` (so each requester hears of it as of any
  reply). The `WorkaroundDelivery` row, unique per problem and incident and written in the same transaction,
  makes a second publish, a retry or a concurrent publish post nothing more to an incident that has it. The
  actor must serve every organisation it would reach (else nothing is posted).
- A known issue is published only for a problem with a recorded workaround, with a customer-facing title; it is
  shown to the affected customers only (`picocore.problems.selectors.portal_known_issues`).
- `problem_resolve_incidents` resolves the chosen linked incidents, with the public resolution note, through the
  tickets' `ticket_transition` (a new or triaged one is taken in progress first), only once the fixing change is
  completed; an incident already resolved, closed or cancelled is refused, and then none is changed.
"""

from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _

from picocore.core.clock import now
from picocore.core.errors import InvalidTransition, NotFound, PermissionDenied, ValidationError
from picocore.problems import permissions, states
from picocore.problems.fixes import change_completed
from picocore.problems.history import IncidentsResolved, KnownIssuePublished, KnownIssueWithdrawn, WorkaroundPublished
from picocore.problems.models import TEXT_MAX, TITLE_MAX, Problem, ProblemIncident, WorkaroundDelivery
from picocore.problems.services.common import clean_text, locked, raise_if, record, touch
from picocore.tenancy.models import User
from picocore.tickets.choices import OPEN_STATUSES, Status
from picocore.tickets.models import Ticket
from picocore.tickets.services import ticket_reply, ticket_transition


def _open_links(problem: Problem) -> list[ProblemIncident]:
    return list(
        ProblemIncident.objects.filter(problem=problem, ticket__status__in=OPEN_STATUSES)
        .select_related("ticket__organisation")
        .order_by("ticket__created_at", "ticket_id")
    )


def publish_targets(problem: Problem) -> list[Ticket]:
    """The linked open incidents that have not had the problem's workaround yet, oldest first."""
    delivered = set(WorkaroundDelivery.objects.filter(problem=problem).values_list("ticket_id", flat=True))
    return [link.ticket for link in _open_links(problem) if link.ticket_id not in delivered]


def reply_text(problem: Problem) -> str:
    """The public reply posted with the workaround (in the active language)."""
    return _("We have found the cause of this and a workaround while we fix it:\n\n%(workaround)s") % {
        "workaround": problem.workaround
    }


def problem_publish_workaround(*, actor: User, problem_id: int, body: str = "") -> list[WorkaroundDelivery]:
    """Post the workaround (`body`, else `reply_text`) as one public reply on every linked open incident that has
    not had it; returns the deliveries made now (none when every incident has it)."""
    errors: dict[str, list[str]] = {}
    body = clean_text(errors, "body", body, limit=TEXT_MAX)
    raise_if(errors)
    with transaction.atomic():
        # The problem's row lock queues concurrent publishes: the second sees the first's deliveries.
        problem = locked(actor, problem_id)
        if not problem.workaround:
            raise ValidationError(_("Record the workaround before publishing it."),
                                  field_errors={"workaround": [_("Record the workaround first.")]})  # fmt: skip
        if problem.status in states.TERMINAL:
            raise InvalidTransition(
                _("%(key)s is closed: its workaround is no longer published.") % {"key": problem.key}
            )
        targets = publish_targets(problem)
        if not permissions.can_touch_all(actor, (ticket.organisation_id for ticket in targets)):
            raise PermissionDenied(
                _("Some incidents of %(key)s belong to customers you do not serve: a service manager publishes it.")
                % {"key": problem.key}
            )
        text = body or reply_text(problem)
        made = []
        for ticket in targets:
            delivery = WorkaroundDelivery.objects.create(
                problem=problem, ticket=ticket, organisation_id=ticket.organisation_id, delivered_by=actor
            )
            delivery.event = ticket_reply(actor=actor, ticket=ticket, body=text)
            delivery.save(update_fields=["event"])
            made.append(delivery)
        problem.workaround_published_at = now()
        problem.save(update_fields=["workaround_published_at", touch(problem)])
        record(problem, WorkaroundPublished(tickets=tuple(ticket.key for ticket in targets)), actor=actor)
    return made


def problem_publish_known_issue(*, actor: User, problem_id: int, title: str, text: str) -> Problem:
    """Publish (or update) the customer-facing known issue: a title and a text written for customers, shown to the
    customers the problem affects. Needs a recorded workaround."""
    errors: dict[str, list[str]] = {}
    title = clean_text(errors, "known_issue_title", title, limit=TITLE_MAX, required=True, one_line=True)
    text = clean_text(errors, "known_issue_text", text, limit=TEXT_MAX, required=True)
    raise_if(errors)
    with transaction.atomic():
        problem = locked(actor, problem_id)
        if problem.status in states.TERMINAL:
            raise InvalidTransition(
                _("%(key)s is closed: its known issue is no longer published.") % {"key": problem.key}
            )
        if not problem.workaround:
            raise ValidationError(_("Record the workaround first: a known issue tells customers what to do."),
                                  field_errors={"workaround": [_("Record the workaround first.")]})  # fmt: skip
        before = {"title": problem.known_issue_title, "text": problem.known_issue_text,
                  "published": problem.known_issue_published_at is not None}  # fmt: skip
        problem.known_issue_title, problem.known_issue_text = title, text
        if problem.known_issue_published_at is None:
            problem.known_issue_published_at = now()
        if before == {"title": title, "text": text, "published": True}:
            return problem
        problem.save(update_fields=["known_issue_title", "known_issue_text", "known_issue_published_at",
                                    touch(problem)])  # fmt: skip
        record(problem, KnownIssuePublished(title=title), actor=actor,
               changes={"known_issue": {"before": before, "after": {"title": title, "text": text}}})  # fmt: skip
    return problem


def problem_withdraw_known_issue(*, actor: User, problem_id: int) -> Problem:
    """Stop showing the known issue to customers (its text is kept for the next publication)."""
    with transaction.atomic():
        problem = locked(actor, problem_id)
        if problem.known_issue_published_at is None:
            return problem
        problem.known_issue_published_at = None
        problem.save(update_fields=["known_issue_published_at", touch(problem)])
        record(problem, KnownIssueWithdrawn(), actor=actor)
    return problem


def resolution_candidates(problem: Problem) -> list[ProblemIncident]:
    """The linked unresolved incidents proposed for resolution: all open ones, once the fixing change is done."""
    return _open_links(problem) if change_completed(problem.fixing_change) else []


def problem_resolve_incidents(*, actor: User, problem_id: int, ticket_ids: Iterable[int], note: str) -> list[Ticket]:
    """Resolve the chosen linked incidents with `note` (public: the customer is told), as the module says."""
    errors: dict[str, list[str]] = {}
    note = clean_text(errors, "note", note, limit=TEXT_MAX, required=True)
    chosen = sorted({pk for pk in ticket_ids if isinstance(pk, int)})
    if not chosen:
        errors["tickets"] = [_("Choose the incidents to resolve.")]
    raise_if(errors)
    with transaction.atomic():
        problem = locked(actor, problem_id)
        if not change_completed(problem.fixing_change):
            raise ValidationError(_("The fixing change of %(key)s is not completed yet.") % {"key": problem.key})
        links = {
            link.ticket_id: link
            for link in ProblemIncident.objects.filter(problem=problem, ticket_id__in=chosen).select_related("ticket")
        }
        for pk in chosen:
            link = links.get(pk)
            if link is None or not permissions.can_touch(actor, link.organisation_id):
                raise NotFound(_("That incident is not linked to %(key)s.") % {"key": problem.key})
            if link.ticket.status not in OPEN_STATUSES:
                raise InvalidTransition(
                    _("%(key)s is already %(status)s: nothing was resolved.")
                    % {"key": link.ticket.key, "status": link.ticket.get_status_display().lower()}
                )
        resolved = []
        for pk in chosen:
            ticket = links[pk].ticket
            if ticket.status in (Status.NEW, Status.TRIAGED):
                ticket = ticket_transition(actor=actor, ticket=ticket, to=Status.IN_PROGRESS)
            resolved.append(ticket_transition(actor=actor, ticket=ticket, to=Status.RESOLVED, note=note))
        problem.save(update_fields=[touch(problem)])
        record(problem, IncidentsResolved(tickets=tuple(t.key for t in resolved)), actor=actor)
    return resolved
