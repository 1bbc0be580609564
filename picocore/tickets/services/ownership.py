"""Who owns a ticket, what the customer is told comes next, and how urgent it is judged to be."""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.formats import date_format
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from picocore.catalog.choices import Priority
from picocore.catalog.priority import override_reason
from picocore.core.errors import ValidationError
from picocore.core.models import max_length_of
from picocore.core.text import lazy_percent, one_line, truncate
from picocore.notifications.models import NotificationKind
from picocore.notifications.services import notify
from picocore.tenancy.choices import TeamKind
from picocore.tenancy.models import Team, User
from picocore.tickets.models import Ticket
from picocore.tickets.permissions import (
    authorize,
    can_assign,
    can_change_priority,
    can_set_next_step,
    can_take,
    may_be_assigned,
)
from picocore.tickets.services.common import change_next_step, locked, record, touch
from picocore.tickets.timeline import OwnerChanged, PriorityChanged

NEXT_STEP_MAX_LENGTH = max_length_of(Ticket, "next_step")
PRIORITY_REASON_MAX_LENGTH = max_length_of(Ticket, "priority_reason")


def _owner_label(team: Team | None, assignee: User | None) -> str:
    return ", ".join(str(part) for part in (assignee, team) if part is not None)


def ticket_assign(*, actor: User, ticket: Ticket, team: Team | None, assignee: User | None) -> Ticket:
    """Give the ticket an owning operations team serving its organisation and, optionally, a consultant of
    that team; records who changed the owner from what to what. Assigning the current owner changes nothing.
    """
    authorize(actor, ticket, can_assign, _("Only the service team assigns requests."))
    errors: dict[str, list[str]] = {}
    if team is None:
        errors["team"] = [_("Every open request is owned by a team; choose one.")]
    elif team.kind != TeamKind.OPERATIONS:
        errors["team"] = [_("Only an operations team can own a customer request; hand changes to development.")]
    elif not team.organisations.filter(pk=ticket.organisation_id).exists():
        errors["team"] = [_("%(team)s does not serve %(org)s.") % {"team": team, "org": ticket.organisation}]
    if assignee is not None and team is not None:
        if not team.members.filter(pk=assignee.pk).exists():
            errors["assignee"] = [_("%(person)s is not a member of %(team)s.") % {"person": assignee, "team": team}]
        elif not errors and not may_be_assigned(assignee, ticket, team=team):
            errors["assignee"] = [
                _("%(person)s cannot take requests of %(org)s: only the operations staff of a team serving it can.")
                % {"person": assignee, "org": ticket.organisation}
            ]
    if errors or team is None:
        raise ValidationError(field_errors=errors)
    with transaction.atomic():
        ticket = locked(ticket)
        before = {"team": ticket.team_id, "assignee": ticket.assignee_id}
        after = {"team": team.pk, "assignee": assignee.pk if assignee else None}
        if before == after:
            return ticket
        before_label = _owner_label(ticket.team, ticket.assignee)
        ticket.team, ticket.assignee = team, assignee
        touch(ticket, "team", "assignee")
        record(
            ticket,
            OwnerChanged(
                before_team=before["team"],
                before_assignee=before["assignee"],
                after_team=after["team"],
                after_assignee=after["assignee"],
                before_label=before_label,
                after_label=_owner_label(team, assignee),
            ),
            actor=actor,
        )
    return ticket


def ticket_take(*, actor: User, ticket: Ticket) -> Ticket:
    """The consultant takes the ticket: their own team if it already owns it, else their operations team
    that serves the organisation."""
    authorize(actor, ticket, can_take, _("None of your teams serves %(org)s.") % {"org": ticket.organisation})
    teams = Team.objects.filter(kind=TeamKind.OPERATIONS, members=actor, organisations=ticket.organisation_id)
    team = (teams.filter(pk=ticket.team_id).first() if ticket.team_id else None) or teams.order_by("name").first()
    if team is None:  # the team was left in between
        raise ValidationError(_("None of your teams serves %(org)s.") % {"org": ticket.organisation})
    return ticket_assign(actor=actor, ticket=ticket, team=team, assignee=actor)


def ticket_set_next_step(*, actor: User, ticket: Ticket, text: str, due: dt.date | None) -> Ticket:
    """Set the customer-visible next step and its expected date, recording before and after."""
    authorize(actor, ticket, can_set_next_step, _("Only the service team sets the next step."))
    text = truncate(one_line(text or ""), NEXT_STEP_MAX_LENGTH)  # shown in e-mails' summaries: one line
    if due is not None and not text:
        raise ValidationError(field_errors={"text": [_("Say what the next step is, not only when.")]})
    with transaction.atomic():
        ticket = locked(ticket)
        if change_next_step(ticket, actor=actor, text=text, due=due):
            touch(ticket, "next_step", "next_step_due")
    return ticket


_lazy_date = lazy(date_format, str)


def ticket_remind_overdue_next_step(*, ticket_id: int) -> bool:
    """Ask the assignee of an open ticket whose next step's date has passed for a new one; True if asked now.

    Once per overdue date: the date asked about is stored under the ticket's row lock and the notification is
    keyed by it, so a retried or doubled sweep asks nobody twice; a new date that passes asks again.
    """
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update(of=("self",)).select_related("assignee").filter(pk=ticket_id).first()
        if ticket is None or not ticket.next_step_overdue or ticket.assignee is None:
            return False
        due = ticket.next_step_due
        if due is None or ticket.next_step_reminded_for == due:
            return False
        ticket.next_step_reminded_for = due
        ticket.save(update_fields=["next_step_reminded_for"])
        notify(
            users=[ticket.assignee],
            kind=NotificationKind.NEXT_STEP_OVERDUE,
            key=f"next_step_overdue:{ticket.pk}:{due.isoformat()}",
            # Lazy: the assignee reads it in their own language (`notify`), the date in its formats too.
            title=lazy_percent(
                gettext_lazy("Next step overdue since %(day)s: %(title)s"),
                {"day": _lazy_date(due, "MONTH_DAY_FORMAT"), "title": ticket.title},
            ),
            body=lazy_percent(
                gettext_lazy("The customer was told: “%(step)s”. Set a new next step so they know what happens now."),
                {"step": ticket.next_step},
            ),
            ticket=ticket,
        )
    return True


def ticket_change_priority(*, actor: User, ticket: Ticket, priority: int, reason: str) -> Ticket:
    """A consultant overrides the matrix; the reason is required, shown to the customer and kept."""
    authorize(actor, ticket, can_change_priority, _("Only the service team changes the priority."))
    reason = truncate(one_line(reason or ""), PRIORITY_REASON_MAX_LENGTH)
    errors: dict[str, list[str]] = {}
    if priority not in Priority.values:
        errors["priority"] = [_("Choose a priority from P1 to P5.")]
    if not reason:
        errors["reason"] = [_("Say why the priority changes; the customer sees it.")]
    if errors:
        raise ValidationError(field_errors=errors)
    with transaction.atomic():
        ticket = locked(ticket)
        if ticket.priority == priority:
            raise ValidationError(field_errors={"priority": [_("The ticket already has this priority.")]})
        before = ticket.priority
        ticket.priority = priority
        with translation.override(settings.LANGUAGE_CODE):  # stored in one language, shown in each reader's
            explained = override_reason(before, priority, actor.full_name, reason)
        ticket.priority_reason = truncate(explained, PRIORITY_REASON_MAX_LENGTH)
        touch(ticket, "priority", "priority_reason")
        record(ticket, PriorityChanged(before=before, after=priority), actor=actor, body=reason)
    return ticket
